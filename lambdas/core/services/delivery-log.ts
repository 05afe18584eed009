/** Read side of the delivery log: a message with its deliveries, delivery search, one delivery's attempts. */
import * as z from 'zod';
import { deliveryIdFor } from '../ids.js';
import type { Delivery, DeliveryId, MessageId, SubscriptionId } from '../model.js';
import { LOG_ONLY_NOT_LISTED, type DeliveryStore, type MessageStore, type Page, type PayloadStore, type SuccessRecords } from '../ports.js';
import { NotFoundError, ValidationError } from '../errors.js';
import { pageCursorSchema, pageLimitSchema, parseOrThrow } from '../validation.js';

export interface DeliveryLogDeps {
  messages: MessageStore;
  deliveries: DeliveryStore;
  payloads: PayloadStore;
  /** `log-only`: first-attempt successes have no record, and the API says what it cannot show. @default 'all' */
  successRecords?: SuccessRecords;
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
  /** With successRecords log-only, false on a delivery without record: pending, or succeeded on its first attempt. */
  recorded?: false;
}

export async function getMessageWithDeliveries(deps: DeliveryLogDeps, id: MessageId) {
  const message = await deps.messages.get(id);
  if (message === undefined) throw new NotFoundError(`message ${id} does not exist`);
  const ids = message.subscriptionIds.map((s) => deliveryIdFor(message.id, s));
  const logOnly = deps.successRecords === 'log-only';
  const found = await deps.deliveries.getMany(ids);
  const deliveries = message.subscriptionIds.flatMap((subscriptionId, i): DeliverySummary[] => {
    const d = found.get(ids[i] as DeliveryId);
    // No record yet: a delivery is recorded when its first attempt ends (its task is on the queue;
    // with successRecords log-only, a first-attempt success never gets one), unless intake failed
    // to queue the tasks: then nothing is pending (a task sent before the failure shows once recorded).
    if (d === undefined) {
      if (message.intakeFailed !== undefined) return [];
      return [{ id: ids[i] as DeliveryId, subscriptionId, status: 'pending', attemptCount: 0, ...(logOnly && { recorded: false as const }) }];
    }
    return [
      {
        id: d.id,
        subscriptionId,
        status: d.status,
        attemptCount: d.attemptCount,
        ...(d.nextAttemptAt !== undefined && { nextAttemptAt: d.nextAttemptAt }),
      },
    ];
  });
  const payload = message.payloadRef !== undefined ? JSON.parse(await deps.payloads.get(message.payloadRef)) : message.payload;
  return {
    id: message.id,
    type: message.type,
    ...(message.tenant !== undefined && { tenant: message.tenant }),
    eventTime: message.eventTime,
    createdAt: message.createdAt,
    routing: message.routing,
    ...(message.intakeFailed !== undefined && { intakeFailed: message.intakeFailed }),
    payload,
    deliveries,
  };
}

export async function listDeliveries(deps: DeliveryLogDeps, query: unknown): Promise<Page<Delivery> & { notListed?: string }> {
  const { subscriptionId, since, until, ...rest } = parseOrThrow(listDeliveriesQuerySchema, query);
  const logOnly = deps.successRecords === 'log-only';
  if (logOnly && rest.status === 'succeeded') {
    throw new ValidationError([{ field: 'status', message: `cannot list succeeded deliveries here: ${LOG_ONLY_NOT_LISTED}` }]);
  }
  const page = await deps.deliveries.list({
    ...rest,
    ...(subscriptionId !== undefined && { subscriptionId: subscriptionId as SubscriptionId }),
    ...(since !== undefined && { since: new Date(since).toISOString() }),
    ...(until !== undefined && { until: new Date(until).toISOString() }),
  });
  return logOnly ? { ...page, notListed: LOG_ONLY_NOT_LISTED } : page;
}

export async function getDelivery(deps: DeliveryLogDeps, id: DeliveryId): Promise<Delivery> {
  const delivery = await deps.deliveries.get(id);
  if (delivery === undefined) {
    const logOnly = deps.successRecords === 'log-only' ? ', or it succeeded on its first attempt (successRecords=log-only: see the attempt log)' : '';
    throw new NotFoundError(`delivery ${id} has no record: it does not exist, or its first attempt has not ended yet (GET /v1/messages/{id} lists it as pending)${logOnly}`);
  }
  return delivery;
}
