/** `receiver` Lambda: POST /v1/events. Wiring only; the work is `acceptEvent`. */
import { acceptEvent } from '../core/services/intake.js';
import { ValidationError } from '../core/errors.js';
import { buildIntakeDependencies, intakeLimits, lazyHandler, type IntakeDependencies } from './intake-dependencies.js';
import { createObservability, MetricUnit } from './observability.js';
import { header, jsonBody } from './api/request.js';
import { json } from './api/response.js';
import { Router } from './api/router.js';
import { serve, type HttpHandler } from './api/serve.js';

/** Room for `type`, `tenant`, `eventTime` around a payload of the maximum size. */
const ENVELOPE_BYTES = 16 * 1024;

export function createReceiverHandler(deps: IntakeDependencies): HttpHandler {
  const observability = createObservability('receiver');
  const limits = intakeLimits(deps.config);
  const router = new Router().on('POST', '/v1/events', async (event) => {
    const { value } = jsonBody(event, deps.config.maxPayloadBytes + ENVELOPE_BYTES);
    if (value === undefined) throw new ValidationError([{ field: '(body)', message: 'an event body is required' }]);
    const idempotencyKey = header(event, 'idempotency-key');
    const result = await acceptEvent({ ...deps, limits }, value, idempotencyKey !== undefined ? { idempotencyKey } : {});
    observability.metrics.addMetric(result.duplicate ? 'EventDuplicate' : 'EventAccepted', MetricUnit.Count, 1);
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
  });
  return serve(router, observability);
}

export const handler: HttpHandler = lazyHandler((config) => buildIntakeDependencies(config), createReceiverHandler);
