import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Delivery, DeliveryId, Message, MessageId, SubscriptionId } from '../../../lambdas/core/model.js';
import { deliveryRecordKey } from '../../../lambdas/adapters/dynamodb/table-schema.js';
import { deliveryIdFor } from '../../../lambdas/core/ids.js';
import { persistedRetries, recoverPendingDeliveries, recoveryTask } from '../../../local/recovery.js';
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

describe('persistedRetries', () => {
  const bucket = '2030-01-01T09:00:00.000Z#3';
  const sweep = (id: string) => ({ pk: `SCHED#retries-${id}`, sk: 'META', kind: 'schedule', task: JSON.stringify({ v: 1, kind: 'sweep', bucket: id, sweepAt: 0 }) });
  const bucketTask = (id: string, deliveryId: string, attempt: number) => ({
    pk: `RETRY#${id}`,
    sk: `TASK#${deliveryId}-a${attempt}-g0`,
    kind: 'retry-task',
    task: JSON.stringify({ deliveryId, generation: 0, attempt }),
  });

  it('counts a bucketed retry only while its sweep is a persisted schedule and the bucket is not swept', () => {
    const keys = persistedRetries([
      sweep(bucket),
      bucketTask(bucket, 'dlv_waiting', 6),
      // Its sweep fired (the schedule item is gone): the task went to the lost queue.
      bucketTask('2030-01-01T08:00:00.000Z#3', 'dlv_fired', 4),
      // Swept, although the schedule item is still there (the process died before deleting it).
      sweep('2030-01-01T10:00:00.000Z#1'),
      { pk: 'RETRY#2030-01-01T10:00:00.000Z#1', sk: 'META', kind: 'retry-bucket', arranged: 'schedule', swept: true },
      bucketTask('2030-01-01T10:00:00.000Z#1', 'dlv_swept', 2),
      // A per-retry schedule (the design before buckets).
      { pk: 'SCHED#dlv_single-a3-g1', sk: 'META', kind: 'schedule', task: { deliveryId: 'dlv_single', generation: 1, attempt: 3 } },
    ]);
    expect([...keys].sort()).toEqual(['dlv_single#1#3', 'dlv_waiting#0#6']);
  });
});

describe('recoverPendingDeliveries', () => {
  let engines: TestEngines;
  beforeAll(async () => {
    engines = await testEngines('recovery');
  });
  afterAll(() => engines.close());

  it('re-enqueues pending deliveries whose next attempt has no pending schedule or unswept bucketed retry, and nothing else', async () => {
    // Prepare: the table holds delivery items in several states, one schedule and one bucketed retry.
    const deliveries = new MemoryDeliveries();
    const messages = new MemoryMessages();
    const queue = new MemoryQueue();
    await messages.put(message);
    // Each delivery its own subscription; the items carry the record key's pair, as the store writes them.
    const idOf = (name: string) => deliveryIdFor(message.id, `sub_${name}`);
    const named = (name: string, status: Delivery['status'], extra: Partial<Delivery> = {}) =>
      delivery(idOf(name), status, { subscriptionId: `sub_${name}` as SubscriptionId, ...extra });
    const all = [
      named('pending', 'pending', { attemptCount: 1, nextAttemptAt: '2030-01-01T00:01:00.000Z' }),
      named('fresh', 'pending'),
      named('scheduled', 'pending', { attemptCount: 3, nextAttemptAt: '2030-01-01T06:00:00.000Z' }),
      named('bucketed', 'pending', { attemptCount: 5, nextAttemptAt: '2030-01-01T09:00:30.000Z' }),
      named('swept', 'pending', { attemptCount: 2, nextAttemptAt: '2030-01-01T00:00:40.000Z' }),
      named('done', 'succeeded', { attemptCount: 1 }),
      named('failed', 'failed', { attemptCount: 5 }),
    ];
    await deliveries.putMany(all);
    await engines.doc.send(
      new BatchWriteCommand({
        RequestItems: {
          [engines.names.table]: [
            ...all.map((d) => ({ PutRequest: { Item: { ...deliveryRecordKey(d), kind: 'delivery', messageId: d.messageId, subscriptionId: d.subscriptionId, status: d.status } } })),
            // Persisted by the previous version: its delivery id format, the pair it is derived from again.
            { PutRequest: { Item: { pk: 'SCHED#dlv_scheduled-a4-g0', sk: 'META', kind: 'schedule', task: { deliveryId: 'dlv_laCgSDdGGsOTelMnXO8GhGqahU', messageId: message.id, subscriptionId: 'sub_scheduled', generation: 0, attempt: 4 } } } },
            // A retry waiting in its due-minute bucket, the bucket's own META item and its sweep's schedule.
            { PutRequest: { Item: { pk: 'RETRY#2030-01-01T09:00:00.000Z#3', sk: 'TASK#dlv_bucketed-a6-g0', kind: 'retry-task', task: `{"deliveryId":"${idOf('bucketed')}","generation":0,"attempt":6}` } } },
            { PutRequest: { Item: { pk: 'RETRY#2030-01-01T09:00:00.000Z#3', sk: 'META', kind: 'retry-bucket', arranged: 'schedule' } } },
            { PutRequest: { Item: { pk: 'SCHED#retries-20300101T090000000-3', sk: 'META', kind: 'schedule', task: '{"v":1,"kind":"sweep","bucket":"2030-01-01T09:00:00.000Z#3","sweepAt":0}' } } },
            // A bucketed retry of an earlier attempt: the delivery waits for a later one, lost with the queue.
            { PutRequest: { Item: { pk: 'RETRY#2030-01-01T09:00:00.000Z#3', sk: 'TASK#dlv_pending-a1-g0', kind: 'retry-task', task: `{"deliveryId":"${idOf('pending')}","generation":0,"attempt":1}` } } },
            // A bucket whose sweep fired before the restart: its task items stay until their TTL.
            { PutRequest: { Item: { pk: 'RETRY#2030-01-01T00:00:00.000Z#5', sk: 'TASK#dlv_swept-a3-g0', kind: 'retry-task', task: `{"deliveryId":"${idOf('swept')}","generation":0,"attempt":3}` } } },
            { PutRequest: { Item: { pk: 'RETRY#2030-01-01T00:00:00.000Z#5', sk: 'META', kind: 'retry-bucket', arranged: 'schedule', swept: true } } },
          ],
        },
      }),
    );
    // Act
    const result = await recoverPendingDeliveries({ doc: engines.doc, tableName: engines.names.table, deliveries, messages, queue, now: () => now });
    // Assess
    expect(result).toEqual({ pending: 5, scheduled: 2, enqueued: 3, unrecorded: 0 });
    expect(queue.sent.map((s) => [s.task, s.delaySeconds])).toEqual(
      expect.arrayContaining([
        [expect.objectContaining({ deliveryId: idOf('pending'), attempt: 2, dueAt: Date.parse('2030-01-01T00:01:00.000Z') }), 0],
        [expect.objectContaining({ deliveryId: idOf('fresh'), attempt: 1, dueAt: now }), 0],
        [expect.objectContaining({ deliveryId: idOf('swept'), attempt: 3, dueAt: Date.parse('2030-01-01T00:00:40.000Z') }), 0],
      ]),
    );
    expect(queue.sent).toHaveLength(3);
  });

  it('re-sends the first task of each route of a message that has no delivery record yet', async () => {
    // Prepare: a message routed to three subscriptions, one of which has its record.
    const deliveries = new MemoryDeliveries();
    const messages = new MemoryMessages();
    const queue = new MemoryQueue();
    const routed: Message = { ...message, id: 'msg_routed' as MessageId, subscriptionIds: ['sub_a', 'sub_b', 'sub_c'] as SubscriptionId[] };
    await messages.put(routed);
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
