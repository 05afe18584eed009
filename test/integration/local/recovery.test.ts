import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Delivery, DeliveryId, Message, MessageId, SubscriptionId } from '../../../lambdas/core/model.js';
import { recoverPendingDeliveries, recoveryTask, scheduledDeliveryIds } from '../../../local/recovery.js';
import { testEngines, type TestEngines } from '../../support/engines.js';
import { MemoryDeliveries, MemoryMessages, MemoryQueue } from '../../support/memory-ports.js';

const now = Date.parse('2030-01-01T00:00:00.000Z');
const message: Message = {
  id: 'msg_1' as MessageId,
  type: 'order.created',
  tenant: 'shop_1',
  eventTime: '2029-12-31T23:00:00.000Z',
  createdAt: '2029-12-31T23:00:01.000Z',
  routing: 'tenant',
  subscriptionIds: [],
  payload: { a: 1 },
  payloadBytes: 7,
};

function delivery(id: string, status: Delivery['status'], extra: Partial<Delivery> = {}): Delivery {
  return {
    id: id as DeliveryId,
    messageId: message.id,
    subscriptionId: 'sub_1' as SubscriptionId,
    tenant: 'shop_1',
    eventType: 'order.created',
    status,
    attemptCount: 0,
    generation: 0,
    createdAt: message.createdAt,
    updatedAt: message.createdAt,
    attempts: [],
    ...extra,
  };
}

describe('recoveryTask', () => {
  it('re-creates the next attempt, due when the delivery said', () => {
    const d = delivery('dlv_a', 'pending', { attemptCount: 2, generation: 1, nextAttemptAt: '2030-01-01T00:05:00.000Z' });
    expect(recoveryTask(d, message, now)).toEqual({
      v: 1,
      deliveryId: 'dlv_a',
      messageId: 'msg_1',
      subscriptionId: 'sub_1',
      eventType: 'order.created',
      tenant: 'shop_1',
      eventTime: message.eventTime,
      messageCreatedAt: Date.parse(message.createdAt),
      attempt: 3,
      generation: 1,
      dueAt: Date.parse('2030-01-01T00:05:00.000Z'),
      trigger: 'retry',
    });
  });

  it('makes a first attempt due now when none was made', () => {
    expect(recoveryTask(delivery('dlv_b', 'pending'), message, now)).toMatchObject({ attempt: 1, dueAt: now, trigger: 'event' });
  });
});

describe('scheduledDeliveryIds', () => {
  it('reads the delivery id from the item, its task, or its name', () => {
    const ids = scheduledDeliveryIds([{ deliveryId: 'dlv_1' }, { task: { deliveryId: 'dlv_2' } }, { task: '{"deliveryId":"dlv_3"}' }, { pk: 'SCHED#dlv_4-a2-g0' }]);
    expect([...ids].sort()).toEqual(['dlv_1', 'dlv_2', 'dlv_3', 'dlv_4']);
  });
});

describe('recoverPendingDeliveries', () => {
  let engines: TestEngines;
  beforeAll(async () => {
    engines = await testEngines('recovery');
  });
  afterAll(() => engines.close());

  it('re-enqueues pending deliveries that have no persisted schedule or bucketed retry, and nothing else', async () => {
    // Prepare: the table holds delivery items in several states, one schedule and one bucketed retry.
    const deliveries = new MemoryDeliveries();
    const messages = new MemoryMessages();
    const queue = new MemoryQueue();
    await messages.put(message);
    const all = [
      delivery('dlv_pending', 'pending', { attemptCount: 1, nextAttemptAt: '2030-01-01T00:01:00.000Z' }),
      delivery('dlv_fresh', 'pending'),
      delivery('dlv_scheduled', 'pending', { attemptCount: 3, nextAttemptAt: '2030-01-01T06:00:00.000Z' }),
      delivery('dlv_bucketed', 'pending', { attemptCount: 5, nextAttemptAt: '2030-01-01T09:00:30.000Z' }),
      delivery('dlv_done', 'succeeded', { attemptCount: 1 }),
      delivery('dlv_failed', 'failed', { attemptCount: 5 }),
    ];
    await deliveries.putMany(all);
    await engines.doc.send(
      new BatchWriteCommand({
        RequestItems: {
          [engines.names.table]: [
            ...all.map((d) => ({ PutRequest: { Item: { pk: `DLV#${d.id}`, sk: 'META', kind: 'delivery', status: d.status } } })),
            { PutRequest: { Item: { pk: 'SCHED#dlv_scheduled-a4-g0', sk: 'META', kind: 'schedule', task: { deliveryId: 'dlv_scheduled' } } } },
            // A retry waiting in its due-minute bucket, and the bucket's own META item (no delivery).
            { PutRequest: { Item: { pk: 'RETRY#2030-01-01T09:00:00.000Z#3', sk: 'TASK#dlv_bucketed-a6-g0', kind: 'retry-task', task: '{"deliveryId":"dlv_bucketed"}' } } },
            { PutRequest: { Item: { pk: 'RETRY#2030-01-01T09:00:00.000Z#3', sk: 'META', kind: 'retry-bucket', arranged: 'schedule' } } },
          ],
        },
      }),
    );
    // Act
    const result = await recoverPendingDeliveries({ doc: engines.doc, tableName: engines.names.table, deliveries, messages, queue, now: () => now });
    // Assess
    expect(result).toEqual({ pending: 4, scheduled: 2, enqueued: 2, unrecorded: 0 });
    expect(queue.sent.map((s) => [s.task, s.delaySeconds])).toEqual(
      expect.arrayContaining([
        [expect.objectContaining({ deliveryId: 'dlv_pending', attempt: 2, dueAt: Date.parse('2030-01-01T00:01:00.000Z') }), 0],
        [expect.objectContaining({ deliveryId: 'dlv_fresh', attempt: 1, dueAt: now }), 0],
      ]),
    );
    expect(queue.sent).toHaveLength(2);
  });

  it('re-sends the first task of each route of a message that has no delivery record yet', async () => {
    // Prepare: a message routed to three subscriptions, one of which has its record.
    const deliveries = new MemoryDeliveries();
    const messages = new MemoryMessages();
    const queue = new MemoryQueue();
    const routed: Message = { ...message, id: 'msg_routed' as MessageId, subscriptionIds: ['sub_a', 'sub_b', 'sub_c'] as SubscriptionId[] };
    await messages.put(routed);
    const { deliveryIdFor } = await import('../../../lambdas/core/ids.js');
    await deliveries.putMany([{ ...delivery(deliveryIdFor(routed.id, 'sub_a' as SubscriptionId), 'succeeded'), messageId: routed.id }]);
    await engines.doc.send(
      new BatchWriteCommand({
        RequestItems: {
          [engines.names.table]: [
            { PutRequest: { Item: { pk: `MSG#${routed.id}`, sk: 'META', kind: 'message', subscriptionIds: routed.subscriptionIds } } },
            { PutRequest: { Item: { pk: 'MSG#msg_unrouted', sk: 'META', kind: 'message', subscriptionIds: [] } } },
          ],
        },
      }),
    );
    // Act
    const result = await recoverPendingDeliveries({ doc: engines.doc, tableName: engines.names.table, deliveries, messages, queue, now: () => now });
    // Assess
    expect(result.unrecorded).toBe(2);
    expect(queue.sent.map((s) => [(s.task as { subscriptionId: string }).subscriptionId, (s.task as { attempt: number }).attempt])).toEqual([
      ['sub_b', 1],
      ['sub_c', 1],
    ]);
  });
});
