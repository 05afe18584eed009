import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseQueueTask } from '../../../lambdas/core/tasks.js';
import type { DeliveryTask } from '../../../lambdas/core/model.js';
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

async function receiveAll(queueUrl: string): Promise<{ task: DeliveryTask; at: number }[]> {
  const out = await engines.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
  const received = [];
  for (const m of out.Messages ?? []) {
    received.push({ task: parseQueueTask(m.Body!) as DeliveryTask, at: Date.now() });
    await engines.sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }));
  }
  return received;
}

async function scheduler(clock: { now: number }, timeScale = 1) {
  const { QueueUrl } = await engines.sqs.send(new CreateQueueCommand({ QueueName: uniquePrefix('lsq') }));
  const s = new LocalRetryScheduler({ doc: engines.doc, tableName: engines.names.table, queue: new SqsTaskQueue({ client: engines.sqs, queueUrl: QueueUrl! }), timeScale, now: () => clock.now });
  return { s, queueUrl: QueueUrl! };
}

const scheduleItem = (task: DeliveryTask) =>
  engines.dynamo.send(new GetItemCommand({ TableName: engines.names.table, Key: { pk: { S: `SCHED#${scheduleNameFor(task)}` }, sk: { S: 'META' } } }));

describe('LocalRetryScheduler (DynamoDB Local + SQS emulator)', () => {
  it('keeps a far retry as a persisted schedule and fires it into the queue a little early', async () => {
    const clock = { now: Date.now() };
    const { s, queueUrl } = await scheduler(clock);
    const dueAt = clock.now + 3 * 3_600_000;
    const task = deliveryTask(11, { attempt: 3, dueAt, trigger: 'retry' });
    await s.schedule(task, dueAt);
    expect((await scheduleItem(task)).Item?.dueAt?.N).toBe(String(dueAt));

    expect(await s.fireDue()).toBe(0); // not yet
    clock.now = dueAt - 119_500; // just inside the 2-minute lead: sent with the remaining whole seconds of delay
    expect(await s.fireDue()).toBe(1);
    expect((await scheduleItem(task)).Item).toBeUndefined(); // fired once, then gone
    expect(await receiveAll(queueUrl)).toEqual([]); // SQS holds it for the remaining 119 s
    const fired = await engines.sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessagesDelayed'] }));
    expect(fired.Attributes?.ApproximateNumberOfMessagesDelayed).toBe('1');
    expect(await s.fireDue()).toBe(0);
  });

  it('sends a near retry straight to the queue; a cancelled schedule never fires', async () => {
    const clock = { now: Date.now() };
    const { s, queueUrl } = await scheduler(clock);
    const near = deliveryTask(12, { dueAt: clock.now });
    await s.schedule(near, near.dueAt);
    expect((await receiveAll(queueUrl)).map((r) => r.task.deliveryId)).toEqual([near.deliveryId]);

    const far = deliveryTask(13, { dueAt: clock.now + 86_400_000 });
    await s.schedule(far, far.dueAt);
    await s.cancel(far);
    clock.now += 2 * 86_400_000;
    expect(await s.fireDue()).toBe(0);
    expect(await receiveAll(queueUrl)).toEqual([]);
  });

  it('applies the time scale to its thresholds, and its poll loop fires due schedules on its own', async () => {
    const clock = { now: Date.now() };
    const { s, queueUrl } = await scheduler(clock, 10_000);
    // 3 h at 10,000× is 1.08 s: beyond the scaled 15-minute threshold (90 ms), so it is a schedule.
    const dueAt = clock.now + 1_080;
    const task = deliveryTask(14, { dueAt });
    await s.schedule(task, dueAt);
    expect((await scheduleItem(task)).Item).toBeDefined();
    await s.start();
    try {
      clock.now = dueAt; // the loop sees it due on its next poll
      let received: { task: DeliveryTask }[] = [];
      for (let i = 0; i < 50 && received.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 100));
        received = await receiveAll(queueUrl);
      }
      expect(received.map((r) => r.task)).toEqual([task]);
    } finally {
      await s.stop();
    }
  });
});
