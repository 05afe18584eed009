/** Read side of the delivery log: a message with its deliveries, delivery search, one delivery's attempts. */
import * as z from 'zod';
import { deliveryIdFor } from '../ids.js';
import type { Delivery, DeliveryId, MessageId, SubscriptionId } from '../model.js';
import type { DeliveryStore, MessageStore, Page, PayloadStore } from '../ports.js';
import { NotFoundError } from '../errors.js';
import { pageCursorSchema, pageLimitSchema, parseOrThrow } from '../validation.js';

export interface DeliveryLogDeps {
  messages: MessageStore;
  deliveries: DeliveryStore;
  payloads: PayloadStore;
}

export const listDeliveriesQuerySchema = z
  .object({
    subscriptionId: z.string().regex(/^sub_[A-Za-z0-9]{1,64}$/, 'must be a subscription id (sub_…)').optional(),
    tenant: z.string().min(1).max(128).optional(),
    eventType: z.string().min(1).max(128).optional(),
    status: z
      .enum(['pending', 'succeeded', 'failed', 'paused', 'dropped'])
      .optional()
      .meta({
        description:
          '`pending` lists deliveries waiting for a retry. A delivery whose first attempt has not ended has no record yet (the record is written when an attempt ends): GET /v1/messages/{id} lists it as pending.',
      }),
    since: z.iso.datetime({ offset: true }).optional().meta({ description: 'ISO-8601, inclusive' }),
    until: z.iso.datetime({ offset: true }).optional().meta({ description: 'ISO-8601, exclusive' }),
    limit: pageLimitSchema,
    cursor: pageCursorSchema,
  })
  .strict();

export interface DeliverySummary {
  id: DeliveryId;
  subscriptionId: SubscriptionId;
  status: Delivery['status'];
  attemptCount: number;
  nextAttemptAt?: string;
}

export async function getMessageWithDeliveries(deps: DeliveryLogDeps, id: MessageId) {
  const message = await deps.messages.get(id);
  if (message === undefined) throw new NotFoundError(`message ${id} does not exist`);
  const ids = message.subscriptionIds.map((s) => deliveryIdFor(message.id, s));
  const found = await deps.deliveries.getMany(ids);
  const deliveries: DeliverySummary[] = message.subscriptionIds.map((subscriptionId, i) => {
    const d = found.get(ids[i] as DeliveryId);
    // No record yet: a delivery is recorded when its first attempt ends (its task is on the queue).
    if (d === undefined) return { id: ids[i] as DeliveryId, subscriptionId, status: 'pending', attemptCount: 0 };
    return {
      id: d.id,
      subscriptionId,
      status: d.status,
      attemptCount: d.attemptCount,
      ...(d.nextAttemptAt !== undefined && { nextAttemptAt: d.nextAttemptAt }),
    };
  });
  const payload = message.payloadRef !== undefined ? JSON.parse(await deps.payloads.get(message.payloadRef)) : message.payload;
  return {
    id: message.id,
    type: message.type,
    ...(message.tenant !== undefined && { tenant: message.tenant }),
    eventTime: message.eventTime,
    createdAt: message.createdAt,
    routing: message.routing,
    payload,
    deliveries,
  };
}

export async function listDeliveries(deps: DeliveryLogDeps, query: unknown): Promise<Page<Delivery>> {
  const { subscriptionId, since, until, ...rest } = parseOrThrow(listDeliveriesQuerySchema, query);
  return deps.deliveries.list({
    ...rest,
    ...(subscriptionId !== undefined && { subscriptionId: subscriptionId as SubscriptionId }),
    ...(since !== undefined && { since: new Date(since).toISOString() }),
    ...(until !== undefined && { until: new Date(until).toISOString() }),
  });
}

export async function getDelivery(deps: DeliveryLogDeps, id: DeliveryId): Promise<Delivery> {
  const delivery = await deps.deliveries.get(id);
  if (delivery === undefined) {
    throw new NotFoundError(`delivery ${id} has no record: it does not exist, or its first attempt has not ended yet (GET /v1/messages/{id} lists it as pending)`);
  }
  return delivery;
}
