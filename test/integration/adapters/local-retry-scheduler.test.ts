import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseQueueTask } from '../../../lambdas/core/tasks.js';
import type { DeliveryTask, QueueTask, SweepTask } from '../../../lambdas/core/model.js';
import { bucketFor, bucketScheduleName } from '../../../lambdas/core/retry-buckets.js';
import { sweepRetryBucket } from '../../../lambdas/core/services/retry-sweep.js';
import { DynamoRetryBucketStore } from '../../../lambdas/adapters/dynamodb/retry-bucket-store.js';
import { scheduleNameFor } from '../../../lambdas/adapters/scheduler/schedule-name.js';
import { LocalRetryScheduler } from '../../../lambdas/adapters/scheduler/local-retry-scheduler.js';
import { SqsTaskQueue } from '../../../lambdas/adapters/sqs/task-queue.js';
import { deliveryTask } from '../../support/tasks.js';
import { testEngines, uniquePrefix, type TestEngines } from '../../support/engines.js';

let engines: TestEngines;
beforeAll(async () => {
  engines = await testEngines('sched');
});
afterAll(() => engines.close());

async function receiveAll(queueUrl: string): Promise<{ task: QueueTask; at: number }[]> {
  const out = await engines.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
  const received = [];
  for (const m of out.Messages ?? []) {
    received.push({ task: parseQueueTask(m.Body!), at: Date.now() });
    await engines.sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }));
  }
  return received;
}

async function scheduler(clock: { now: number }, timeScale = 1) {
  const { QueueUrl } = await engines.sqs.send(new CreateQueueCommand({ QueueName: uniquePrefix('lsq') }));
  const queue = new SqsTaskQueue({ client: engines.sqs, queueUrl: QueueUrl! });
  const s = new LocalRetryScheduler({ doc: engines.doc, tableName: engines.names.table, queue, timeScale, now: () => clock.now });
  const sweep = (task: QueueTask) =>
    sweepRetryBucket({ retryBuckets: new DynamoRetryBucketStore({ client: engines.doc, tableName: engines.names.table }), queue, clock: { now: () => clock.now } }, task as SweepTask);
  return { s, queueUrl: QueueUrl!, sweep };
}

const item = (pk: string, sk: string) => engines.dynamo.send(new GetItemCommand({ TableName: engines.names.table, Key: { pk: { S: pk }, sk: { S: sk } } }));
const scheduleItem = (task: DeliveryTask, timeScale = 1) => item(`SCHED#${bucketScheduleName(bucketFor(task, task.dueAt, timeScale))}`, 'META');
const bucketItem = (task: DeliveryTask) => item(`RETRY#${bucketFor(task, task.dueAt).id}`, `TASK#${scheduleNameFor(task)}`);

describe('LocalRetryScheduler (DynamoDB Local + SQS emulator)', () => {
  it('keeps a far retry in its bucket, persists the bucket schedule and fires its sweep a little early', async () => {
    const clock = { now: Date.now() };
    const { s, queueUrl, sweep } = await scheduler(clock);
    const dueAt = clock.now + 3 * 3_600_000;
    const task = deliveryTask(11, { attempt: 3, dueAt, trigger: 'retry' });
    await s.schedule(task, dueAt);
    expect(parseQueueTask(String((await bucketItem(task)).Item?.task?.S))).toEqual(task);
    expect((await scheduleItem(task)).Item).toBeDefined();

    expect(await s.fireDue()).toBe(0); // not yet
    const { sweepAt } = bucketFor(task, dueAt);
    clock.now = sweepAt - 500; // local schedules fire half a second early (a poll and a worker hop)
    expect(await s.fireDue()).toBe(1);
    expect((await scheduleItem(task)).Item).toBeUndefined(); // fired once, then gone
    const [fired] = await receiveAll(queueUrl);
    expect(fired?.task).toMatchObject({ kind: 'sweep', sweepAt });
    expect(await s.fireDue()).toBe(0);
    // The sweep (the worker's part) sends the retry with its remaining whole seconds of delay.
    expect(await sweep(fired!.task)).toBe(1);
    const delayed = await engines.sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessagesDelayed'] }));
    expect(delayed.Attributes?.ApproximateNumberOfMessagesDelayed).toBe('1');
  });

  it('sends a near retry straight to the queue; a cancelled retry is not swept', async () => {
    const clock = { now: Date.now() };
    const { s, queueUrl, sweep } = await scheduler(clock);
    const near = deliveryTask(12, { dueAt: clock.now });
    await s.schedule(near, near.dueAt);
    expect((await receiveAll(queueUrl)).map((r) => (r.task as DeliveryTask).deliveryId)).toEqual([near.deliveryId]);

    const far = deliveryTask(13, { dueAt: clock.now + 86_400_000 });
    await s.schedule(far, far.dueAt);
    await s.cancel(far);
    expect((await bucketItem(far)).Item).toBeUndefined();
    clock.now += 2 * 86_400_000;
    expect(await s.fireDue()).toBe(1);
    const received = await receiveAll(queueUrl);
    expect(received.map((r) => ('kind' in r.task ? r.task.kind : 'delivery'))).toEqual(['sweep']);
    expect(await sweep(received[0]!.task)).toBe(0);
    expect(await receiveAll(queueUrl)).toEqual([]);
  });

  it('applies the time scale to its thresholds, and its poll loop fires due schedules on its own', async () => {
    const clock = { now: Date.now() };
    const { s, queueUrl } = await scheduler(clock, 10_000);
    // 3 h at 10,000× is 1.08 s: beyond the scaled 15-minute threshold (90 ms), so it waits in a bucket.
    const dueAt = clock.now + 1_080;
    const task = deliveryTask(14, { dueAt });
    await s.schedule(task, dueAt);
    expect((await scheduleItem(task, 10_000)).Item).toBeDefined();
    await s.start();
    try {
      clock.now = dueAt; // the loop sees it due on its next poll
      let received: { task: QueueTask }[] = [];
      for (let i = 0; i < 50 && received.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 100));
        received = await receiveAll(queueUrl);
      }
      expect(received.map((r) => r.task)).toEqual([{ v: 1, kind: 'sweep', bucket: bucketFor(task, dueAt, 10_000).id, sweepAt: bucketFor(task, dueAt, 10_000).sweepAt }]);
    } finally {
      await s.stop();
    }
  });
});
