/** The routes the receiver Lambda serves (a registry part: ./routes.ts). */
import * as z from 'zod';
import { eventRequestSchema } from '../../core/event-schema.js';
import { eventAcceptedSchema, eventBatchRequestSchema, eventBatchResultSchema } from './api-schemas.js';
import { routeOf, type ApiRoute } from './route-types.js';

const idempotencyKeyHeader = z.object({
  'Idempotency-Key': z.string().max(255).optional().meta({ description: 'same key within 24 h returns the original messageId' }),
});

const receiver = routeOf('receiver');

export const RECEIVER_ROUTES = [
  receiver('POST /v1/events', 'sendEvent', 'producer', 'Accept an event and fan it out', {
    params: { header: idempotencyKeyHeader },
    body: eventRequestSchema,
    ok: { status: 202, description: 'Accepted', schema: eventAcceptedSchema },
    problems: { '413': 'Payload larger than the limit' },
  }),
  receiver('POST /v1/events/batch', 'sendEventBatch', 'producer', 'Accept up to 100 events, each with its own result and optional idempotencyKey', {
    body: eventBatchRequestSchema,
    ok: { status: 202, description: 'Every event accepted', schema: eventBatchResultSchema },
    alsoOk: [{ status: 207, description: 'Some events refused: their results are problems', schema: eventBatchResultSchema }],
    problems: { '413': 'More than 100 events, or a body over the limit' },
  }),
] as const satisfies readonly ApiRoute[];
