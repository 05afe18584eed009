/**
 * One contract for both `RetryScheduler` adapters: the AWS one (EventBridge Scheduler through
 * aws-sdk-client-mock, which here plays the service: unique names, firing at the `at()` time) and
 * the local one (schedules in DynamoDB Local). Both put tasks on an in-memory queue so the suite
 * sees exactly what reaches it and when.
 */
import { ConflictException, CreateScheduleCommand, DeleteScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoRetryBucketStore } from '../../../lambdas/adapters/dynamodb/retry-bucket-store.js';
import { AwsRetryScheduler } from '../../../lambdas/adapters/scheduler/aws-retry-scheduler.js';
import { LocalRetryScheduler } from '../../../lambdas/adapters/scheduler/local-retry-scheduler.js';
import type { DeliveryTask, SweepTask } from '../../../lambdas/core/model.js';
import type { QueuedTask, RetryScheduler, TaskQueue } from '../../../lambdas/core/ports.js';
import { bucketFor } from '../../../lambdas/core/retry-buckets.js';
import { sweepRetryBucket } from '../../../lambdas/core/services/retry-sweep.js';
import { parseQueueTask } from '../../../lambdas/core/tasks.js';
import { testEngines, type TestEngines } from '../../support/engines.js';
import { deliveryTask } from '../../support/tasks.js';

interface Arrival extends QueuedTask {
  at: number;
}

/** A queue that notes the clock time each task reached it; bucket sweeps are held apart for the worker's part. */
class ArrivalQueue implements TaskQueue {
  readonly arrivals: Arrival[] = [];
  readonly sweeps: SweepTask[] = [];
  constructor(private readonly clock: { now: number }) {}
  async sendMany(tasks: readonly QueuedTask[]): Promise<void> {
    for (const t of tasks) {
      if ('kind' in t.task && t.task.kind === 'sweep') this.sweeps.push(t.task);
      else this.arrivals.push({ ...structuredClone(t), at: this.clock.now });
    }
  }
}

/** What the worker does with the sweeps that reached the queue: the bucket's tasks go on the queue. */
async function runSweeps(queue: ArrivalQueue, clock: { now: number }): Promise<void> {
  const deps = { retryBuckets: new DynamoRetryBucketStore({ client: engines.doc, tableName: engines.names.table }), queue, clock: { now: () => clock.now } };
  for (const sweep of queue.sweeps.splice(0)) await sweepRetryBucket(deps, sweep);
}

interface Harness {
  scheduler: RetryScheduler;
  queue: ArrivalQueue;
  clock: { now: number };
  /** Fires every schedule whose fire time has come (the scheduling service's part). */
  fire(): Promise<void>;
}

const schedulerMock = mockClient(SchedulerClient);

/** EventBridge Scheduler as far as the adapter can tell: one schedule per name, fired at its `at()` time into the queue. */
function awsHarness(): Harness {
  const clock = { now: Date.UTC(2026, 10, 23, 10, 0, 0, 250) };
  const queue = new ArrivalQueue(clock);
  const schedules = new Map<string, { fireAt: number; body: string }>();
  schedulerMock.reset();
  schedulerMock.on(CreateScheduleCommand).callsFake((input: { Name: string; ScheduleExpression: string; Target: { Input: string } }) => {
    if (schedules.has(input.Name)) throw new ConflictException({ message: 'exists', Message: 'exists', $metadata: {} });
    const fireAt = Date.parse(`${input.ScheduleExpression.slice(3, -1)}Z`);
    schedules.set(input.Name, { fireAt, body: (JSON.parse(input.Target.Input) as { MessageBody: string }).MessageBody });
    return {};
  });
  const scheduler = new AwsRetryScheduler({
    queue,
    buckets: new DynamoRetryBucketStore({ client: engines.doc, tableName: engines.names.table }),
    client: new SchedulerClient({ region: 'eu-west-1' }),
    groupName: 'hookline-retries',
    roleArn: 'arn:aws:iam::123456789012:role/hookline-scheduler',
    queueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/hookline-deliveries',
    now: () => clock.now,
  });
  async function fire(): Promise<void> {
    for (const [name, s] of schedules) {
      if (s.fireAt > clock.now) continue;
      schedules.delete(name);
      await queue.sendMany([{ task: parseQueueTask(s.body), delaySeconds: 0 }]);
    }
    await runSweeps(queue, clock);
  }
  return { scheduler, queue, clock, fire };
}

let engines: TestEngines;
beforeAll(async () => {
  engines = await testEngines('schedc');
});
afterAll(() => engines.close());

function localHarness(): Harness {
  const clock = { now: Date.UTC(2026, 10, 23, 10, 0, 0, 250) };
  const queue = new ArrivalQueue(clock);
  const scheduler = new LocalRetryScheduler({ doc: engines.doc, tableName: engines.names.table, queue, now: () => clock.now });
  const fire = async () => {
    await scheduler.fireDue();
    await runSweeps(queue, clock);
  };
  return { scheduler, queue, clock, fire };
}

const HOUR = 3_600_000;
let next = 9000;
const task = (dueAt: number): DeliveryTask => deliveryTask(next++, { attempt: 2, dueAt, trigger: 'retry' });

describe.each([
  ['AwsRetryScheduler (Scheduler mocked)', awsHarness],
  ['LocalRetryScheduler (DynamoDB Local)', localHarness],
])('RetryScheduler contract: %s', (_name, makeHarness) => {
  let h: Harness;
  beforeEach(() => {
    h = makeHarness();
  });

  it('sends a retry due within 15 minutes straight to the queue, delay rounded down', async () => {
    const soon = task(h.clock.now + 900_000 - 500);
    const now = task(h.clock.now);
    await h.scheduler.schedule(soon, soon.dueAt);
    await h.scheduler.schedule(now, now.dueAt);
    expect(h.queue.arrivals.map(({ task: t, delaySeconds }) => [(t as DeliveryTask).deliveryId, delaySeconds])).toEqual([
      [soon.deliveryId, 899],
      [now.deliveryId, 0],
    ]);
    h.clock.now += 48 * HOUR;
    await h.fire();
    expect(h.queue.arrivals).toHaveLength(2); // no schedule was made as well
  });

  it('puts a further retry on the queue once, at its bucket sweep (before it is due), never after', async () => {
    const far = task(h.clock.now + 3 * HOUR);
    const { sweepAt } = bucketFor(far, far.dueAt);
    await h.scheduler.schedule(far, far.dueAt);
    expect(h.queue.arrivals).toEqual([]);
    h.clock.now = sweepAt - 1000;
    await h.fire();
    expect(h.queue.arrivals).toEqual([]);
    h.clock.now = sweepAt;
    await h.fire();
    h.clock.now = far.dueAt + HOUR;
    await h.fire();
    expect(h.queue.arrivals).toHaveLength(1);
    const [arrival] = h.queue.arrivals;
    expect(arrival!.task).toEqual(far);
    // Sent with the remaining delay rounded down: it reaches the worker ≤ 1 s early, never late.
    expect(arrival!.at + arrival!.delaySeconds * 1000).toBeLessThanOrEqual(far.dueAt);
    expect(arrival!.at + arrival!.delaySeconds * 1000).toBeGreaterThan(far.dueAt - 1000);
    expect(arrival!.at).toBeGreaterThanOrEqual(sweepAt - 1000);
  });

  it('schedules the same (delivery, attempt, generation) once however often it is asked', async () => {
    const far = task(h.clock.now + 2 * HOUR);
    await h.scheduler.schedule(far, far.dueAt);
    await h.scheduler.schedule(far, far.dueAt);
    h.clock.now = far.dueAt;
    await h.fire();
    expect(h.queue.arrivals.map((a) => a.task)).toEqual([far]);
  });

  it('never fires a cancelled schedule; cancelling one that is gone is no error', async () => {
    const far = task(h.clock.now + 24 * HOUR);
    await h.scheduler.schedule(far, far.dueAt);
    await h.scheduler.cancel(far);
    await h.scheduler.cancel(far);
    h.clock.now = far.dueAt + HOUR;
    await h.fire();
    expect(h.queue.arrivals).toEqual([]);
  });
});

describe('the AWS adapter', () => {
  it('never deletes a schedule (they delete themselves; a cancel only edits the bucket), so no role holds scheduler:DeleteSchedule', async () => {
    const h = awsHarness();
    const far = task(h.clock.now + 24 * HOUR);
    await h.scheduler.schedule(far, far.dueAt);
    await h.scheduler.cancel(far);
    h.clock.now = far.dueAt + HOUR;
    await h.fire();
    expect(schedulerMock.commandCalls(CreateScheduleCommand)).toHaveLength(1);
    expect(schedulerMock.commandCalls(DeleteScheduleCommand)).toHaveLength(0);
    expect(h.queue.arrivals).toEqual([]);
  });
});
