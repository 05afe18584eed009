/**
 * A mass outage at the local scheduler's scale, counted: 1,000 deliveries, 30 % of their endpoints
 * down, each failing delivery walking the `standard` ladder (8 retries, ±10 % jitter: 3 through an
 * SQS delay, 5 past 15 minutes), scheduled by three containers sharing one table (DynamoDB
 * Local). One schedule per retry would be 1,500 creates; the buckets make one per (due minute,
 * shard). At this scale (1,500 retries over some 190 jittered due minutes) one shard per minute
 * is the local scheduler's size; the AWS default of 32 shards is sized for 75,000 retries/s,
 * where every bucket holds hundreds. Then the clock walks through every sweep: each retry reaches the queue exactly once,
 * with a delay that brings it to the worker at most a second before it is due, never after.
 * Counts, not AWS timings. The AWS adapter runs the same outage with Scheduler mocked.
 */
import { CreateScheduleCommand, SchedulerClient, ServiceQuotaExceededException } from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoRetryBucketStore } from '../../../lambdas/adapters/dynamodb/retry-bucket-store.js';
import { AwsRetryScheduler } from '../../../lambdas/adapters/scheduler/aws-retry-scheduler.js';
import { LocalRetryScheduler } from '../../../lambdas/adapters/scheduler/local-retry-scheduler.js';
import type { DeliveryTask, SweepTask } from '../../../lambdas/core/model.js';
import type { QueuedTask, RetryScheduler, TaskQueue } from '../../../lambdas/core/ports.js';
import { PRESETS } from '../../../lambdas/core/presets.js';
import { bucketFor } from '../../../lambdas/core/retry-buckets.js';
import { nextAttempt } from '../../../lambdas/core/retry-policy.js';
import { MAX_QUEUE_DELAY_SECONDS } from '../../../lambdas/core/retry-route.js';
import { sweepRetryBucket } from '../../../lambdas/core/services/retry-sweep.js';
import { testEngines, type TestEngines } from '../../support/engines.js';
import { deliveryTask } from '../../support/tasks.js';

const DELIVERIES = 1_000;
const DOWN_SHARE = 0.3;
const CONTAINERS = 3;
/** The local scheduler's scale: one bucket per due minute. */
const LOCAL_SHARDS = 1;
const START = Date.UTC(2026, 11, 6, 12, 0, 0, 0);
const schedulerMock = mockClient(SchedulerClient);

let engines: TestEngines;
beforeAll(async () => {
  engines = await testEngines('outage');
});
afterAll(() => {
  schedulerMock.restore();
  return engines.close();
});

class CountingQueue implements TaskQueue {
  readonly retries: { task: DeliveryTask; at: number; delaySeconds: number }[] = [];
  readonly sweeps: { task: SweepTask; delaySeconds: number }[] = [];
  constructor(private readonly clock: { now: number }) {}
  async sendMany(tasks: readonly QueuedTask[]): Promise<void> {
    for (const t of tasks) {
      if ('kind' in t.task && t.task.kind === 'sweep') this.sweeps.push({ task: t.task, delaySeconds: t.delaySeconds });
      else this.retries.push({ task: t.task as DeliveryTask, at: this.clock.now, delaySeconds: t.delaySeconds });
    }
  }
}

/** Every retry the outage makes: 300 failing deliveries × the ladder, failures 0–60 s apart, jitter from a fixed seed. */
function outageRetries(): DeliveryTask[] {
  let seed = 23;
  const random = () => ((seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0) / 2 ** 32);
  const failing = Math.round(DELIVERIES * DOWN_SHARE);
  const subscription = { retryPolicy: PRESETS.standard.retryPolicy, retryOn: PRESETS.standard.retryOn };
  const retries: DeliveryTask[] = [];
  for (let i = 0; i < failing; i++) {
    let failedAt = START + (i % 60) * 1000;
    for (let attempt = 1; ; attempt++) {
      const next = nextAttempt({ subscription, attemptsMade: attempt, outcome: 'network', failedAt, random });
      if ('final' in next) break;
      retries.push(deliveryTask(i, { attempt: attempt + 1, dueAt: next.dueAt, trigger: 'retry' }));
      failedAt = next.dueAt + 5_000; // each attempt waits out a connect failure
    }
  }
  return retries;
}

/** Schedules every retry from the container whose turn it is, with the clock at its failure. */
async function scheduleAll(clock: { now: number }, containers: RetryScheduler[], retries: readonly DeliveryTask[]): Promise<void> {
  const byFailure = [...retries].sort((a, b) => a.dueAt - b.dueAt);
  const chains = new Map<string, number>();
  for (const [i, task] of byFailure.entries()) {
    // The failure that made this retry happened at (previous due + 5 s), or at START for the first.
    clock.now = chains.get(task.deliveryId) ?? START + 60_000;
    chains.set(task.deliveryId, task.dueAt + 5_000);
    await containers[i % containers.length]!.schedule(task, task.dueAt);
  }
}

/** Walks the clock through every sweep, running each (the worker's part) when it is due. */
async function sweepAll(clock: { now: number }, queue: CountingQueue, fire: () => Promise<void>, retries: readonly DeliveryTask[], shards: number): Promise<void> {
  const store = new DynamoRetryBucketStore({ client: engines.doc, tableName: engines.names.table });
  const deps = { retryBuckets: store, queue, clock: { now: () => clock.now } };
  const sweepTimes = [...new Set(retries.map((t) => bucketFor(t, t.dueAt, 1, shards).sweepAt))].sort((a, b) => a - b);
  for (const at of sweepTimes) {
    clock.now = at;
    await fire();
    for (const { task } of queue.sweeps.splice(0)) await sweepRetryBucket(deps, task);
  }
}

function expectEachRetryOnceAndExact(queue: CountingQueue, scheduled: readonly DeliveryTask[]): void {
  const sent = new Set(queue.retries.map((r) => `${r.task.deliveryId}#${r.task.attempt}`));
  expect(scheduled.filter((t) => !sent.has(`${t.deliveryId}#${t.attempt}`))).toEqual([]);
  const keys = queue.retries.map((r) => `${r.task.deliveryId}#${r.task.attempt}`);
  expect(new Set(keys).size).toBe(keys.length);
  for (const r of queue.retries) {
    const reachesWorker = r.at + r.delaySeconds * 1000;
    expect(reachesWorker).toBeLessThanOrEqual(r.task.dueAt);
    expect(reachesWorker).toBeGreaterThan(r.task.dueAt - 1000);
  }
}

describe('retry buckets under a 30 % outage (DynamoDB Local)', () => {
  const retries = outageRetries();

  it('the outage makes 2,400 retries, 1,500 of them (attempts 5 to 9) past 15 minutes', () => {
    expect(retries).toHaveLength(300 * 8);
    expect(retries.filter((t) => t.attempt >= 5)).toHaveLength(1_500);
  });

  it('local scheduler, three containers: one schedule per bucket, every retry swept once and exact', async () => {
    const clock = { now: START };
    const queue = new CountingQueue(clock);
    const containers = Array.from({ length: CONTAINERS }, () => new LocalRetryScheduler({ doc: engines.doc, tableName: engines.names.table, queue, shards: LOCAL_SHARDS, now: () => clock.now }));
    const far = retries.filter((t) => t.attempt >= 5);
    await scheduleAll(clock, containers, far);
    const created = containers.reduce((n, c) => n + c.schedules.created, 0);
    const buckets = new Set(far.map((t) => bucketFor(t, t.dueAt, 1, LOCAL_SHARDS).id));
    const minutes = new Set(far.map((t) => Math.floor(t.dueAt / 60_000)));
    console.log(`[outage] ${far.length} retries past 15 minutes → ${created} schedules (${minutes.size} due minutes, ${LOCAL_SHARDS} shard)`);
    expect(created).toBe(buckets.size);
    expect(created).toBe(minutes.size);
    expect(created).toBeLessThan(far.length / 4);

    await sweepAll(clock, queue, async () => void (await containers[0]!.fireDue()), far, LOCAL_SHARDS);
    expect(queue.retries).toHaveLength(far.length);
    expectEachRetryOnceAndExact(queue, far);
  }, 120_000);

  it('AWS adapter, Scheduler refusing every create: one sweep per bucket on the queue, no chain per retry', async () => {
    schedulerMock.reset();
    schedulerMock.on(CreateScheduleCommand).rejects(new ServiceQuotaExceededException({ message: 'quota', Message: 'quota', $metadata: {} }));
    const clock = { now: START };
    const queue = new CountingQueue(clock);
    const table = await testEngines('outage-aws');
    try {
      const store = new DynamoRetryBucketStore({ client: table.doc, tableName: table.names.table });
      const options = { queue, buckets: store, client: new SchedulerClient({ region: 'us-east-1' }), groupName: 'g', roleArn: 'arn:aws:iam::000000000000:role/r', queueUrl: 'https://sqs.us-east-1.amazonaws.com/000000000000/q', now: () => clock.now };
      const containers = Array.from({ length: CONTAINERS }, () => new AwsRetryScheduler(options));
      const far = retries.filter((t) => t.attempt >= 5);
      await scheduleAll(clock, containers, far);
      const buckets = new Set(far.map((t) => bucketFor(t, t.dueAt).id));
      const creates = schedulerMock.commandCalls(CreateScheduleCommand).length;
      console.log(`[outage] Scheduler refusing: ${far.length} retries → ${creates} CreateSchedule calls, ${queue.sweeps.length} sweeps on the queue (${buckets.size} buckets)`);
      expect(creates).toBe(buckets.size);
      expect(queue.sweeps).toHaveLength(buckets.size);
      expect(queue.sweeps.every((s) => s.delaySeconds === MAX_QUEUE_DELAY_SECONDS)).toBe(true);
    } finally {
      await table.close();
    }
  }, 120_000);
});
