/** `receiver` Lambda: POST /v1/events and /v1/events/batch. Wiring only; the work is `acceptEvent(Batch)`. */
import { acceptEvent } from '../core/services/intake.js';
import { acceptEventBatch, MAX_BATCH_EVENTS } from '../core/services/intake-batch.js';
import { ValidationError } from '../core/errors.js';
import { buildIntakeDependencies, intakeLimits, lazyHandler, type IntakeDependencies } from './intake-dependencies.js';
import { createObservability } from './observability.js';
import { header, jsonBody, type HttpEvent } from './api/request.js';
import { json } from './api/response.js';
import { RECEIVER_ROUTES } from './api/receiver-routes.js';
import { routerFor } from './api/router.js';
import { serve, type HttpHandler } from './api/serve.js';

/** Room for `type`, `tenant`, `eventTime` around a payload of the maximum size. */
const ENVELOPE_BYTES = 16 * 1024;
/** Lambda's synchronous request limit: what a batch body may use at most. */
const MAX_BATCH_BODY_BYTES = 6 * 1024 * 1024;

export function createReceiverHandler(deps: IntakeDependencies): HttpHandler {
  const observability = createObservability('receiver');
  const limits = intakeLimits(deps.config);
  const sendEvent = async (event: HttpEvent) => {
    const { value } = jsonBody(event, deps.config.maxPayloadBytes + ENVELOPE_BYTES);
    if (value === undefined) throw new ValidationError([{ field: '(body)', message: 'an event body is required' }]);
    const idempotencyKey = header(event, 'idempotency-key');
    const result = await acceptEvent({ ...deps, limits }, value, idempotencyKey !== undefined ? { idempotencyKey } : {});
    observability.countIntake(result.duplicate ? 0 : 1, result.duplicate ? 1 : 0);
    observability.logger.debug('event accepted', {
      messageId: result.messageId,
      routing: result.routing,
      deliveryCount: result.deliveryCount,
      duplicate: result.duplicate,
    });
    return json(
      202,
      { messageId: result.messageId, routing: result.routing, deliveryCount: result.deliveryCount },
      result.duplicate ? { 'idempotent-replayed': 'true' } : {},
    );
  };
  const sendEventBatch = async (event: HttpEvent) => {
    const limit = Math.min(MAX_BATCH_BODY_BYTES, MAX_BATCH_EVENTS * (deps.config.maxPayloadBytes + ENVELOPE_BYTES));
    const { value } = jsonBody(event, limit);
    if (value === undefined) throw new ValidationError([{ field: '(body)', message: 'a body {"events": [...]} is required' }]);
    const batch = await acceptEventBatch({ ...deps, limits }, value);
    observability.countIntake(batch.accepted - batch.duplicates, batch.duplicates);
    return json(batch.allAccepted ? 202 : 207, { results: batch.results });
  };
  return serve(routerFor(RECEIVER_ROUTES, { sendEvent, sendEventBatch }), observability);
}

export const handler: HttpHandler = lazyHandler((config) => buildIntakeDependencies(config), createReceiverHandler);
