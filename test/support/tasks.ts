/** Task factories shared by adapter tests. */
import { deliveryIdFor } from '../../lambdas/core/ids.js';
import type { DeliveryTask, MessageId, SubscriptionId } from '../../lambdas/core/model.js';

const SUBSCRIPTION = 'sub_01HMA0000000000000000000AB' as SubscriptionId;

/** A valid delivery task of message `i`, its delivery id derived from (message, subscription) as the reader does. */
export function deliveryTask(i: number, overrides: Partial<DeliveryTask> = {}): DeliveryTask {
  const messageId = `msg_01HMA${String(i).padStart(21, '0')}` as MessageId;
  return {
    v: 1,
    deliveryId: deliveryIdFor(messageId, SUBSCRIPTION),
    messageId,
    subscriptionId: SUBSCRIPTION,
    eventType: 'order.created',
    eventTime: '2024-01-15T12:00:00.000Z',
    messageCreatedAt: 0,
    attempt: 1,
    generation: 0,
    dueAt: Date.now(),
    trigger: 'event',
    ...overrides,
  };
}
