/** Task factories shared by adapter tests. */
import type { DeliveryId, DeliveryTask, MessageId, SubscriptionId } from '../../lambdas/core/model.js';

/** A valid delivery task whose delivery id is derived from `i`. */
export function deliveryTask(i: number, overrides: Partial<DeliveryTask> = {}): DeliveryTask {
  return {
    v: 1,
    deliveryId: `dlv_${String(i).padStart(26, '0')}` as DeliveryId,
    messageId: 'msg_01HMA0000000000000000000AB' as MessageId,
    subscriptionId: 'sub_01HMA0000000000000000000AB' as SubscriptionId,
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
