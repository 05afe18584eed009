/** The routes the receiver Lambda serves (a registry part: ./routes.ts). */
import * as z from 'zod';
import { eventRequestSchema } from '../../core/event-schema.js';
import { eventAcceptedSchema, eventBatchRequestSchema, eventBatchResultSchema } from './api-schemas.js';
import type { ApiRoute } from './route-types.js';

const idempotencyKeyHeader = z.object({
  'Idempotency-Key': z.string().max(255).optional().meta({ description: 'same key within 24 h returns the original messageId' }),
});

export const RECEIVER_ROUTES = [
  {
    operationId: 'sendEvent',
    method: 'POST',
    path: '/v1/events',
    target: 'receiver',
    access: 'producer',
    summary: 'Accept an event and fan it out',
    params: { header: idempotencyKeyHeader },
    body: { schema: eventRequestSchema, required: true },
    ok: { status: 202, description: 'Accepted', schema: eventAcceptedSchema },
    problems: { '413': 'Payload larger than the limit' },
  },
  {
    operationId: 'sendEventBatch',
    method: 'POST',
    path: '/v1/events/batch',
    target: 'receiver',
    access: 'producer',
    summary: 'Accept up to 100 events, each with its own result and optional idempotencyKey',
    body: { schema: eventBatchRequestSchema, required: true },
    ok: { status: 202, description: 'Every event accepted', schema: eventBatchResultSchema },
    alsoOk: [{ status: 207, description: 'Some events refused: their results are problems', schema: eventBatchResultSchema }],
    problems: { '413': 'More than 100 events, or a body over the limit' },
  },
] as const satisfies readonly ApiRoute[];
