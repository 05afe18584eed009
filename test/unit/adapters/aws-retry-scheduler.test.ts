import { ConflictException, CreateScheduleCommand, SchedulerClient, ServiceQuotaExceededException, ValidationException } from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { AwsRetryScheduler, SCHEDULE_LEAD_MS, universalSqsTarget } from '../../../lambdas/adapters/scheduler/aws-retry-scheduler.js';
import { DependencyError } from '../../../lambdas/adapters/errors.js';
import type { SweepTask } from '../../../lambdas/core/model.js';
import { bucketFor, BUCKET_MS } from '../../../lambdas/core/retry-buckets.js';
import { sweepRetryBucket } from '../../../lambdas/core/services/retry-sweep.js';
import { MemoryQueue, MemoryRetryBuckets } from '../../support/memory-ports.js';
import { deliveryTask } from '../../support/tasks.js';

const NOW = Date.UTC(2026, 10, 23, 10, 0, 0, 250);
const QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/hookline-deliveries';
const schedulerMock = mockClient(SchedulerClient);

function setup(buckets = new MemoryRetryBuckets()) {
  const queue = new MemoryQueue();
  const fallbacks: unknown[] = [];
  const scheduler = new AwsRetryScheduler({
    queue,
    buckets,
    client: new SchedulerClient({ region: 'eu-west-1' }),
    groupName: 'hookline-retries',
    roleArn: 'arn:aws:iam::123456789012:role/hookline-scheduler',
    queueUrl: QUEUE_URL,
    deadLetterArn: 'arn:aws:sqs:eu-west-1:123456789012:hookline-schedules-dlq',
    now: () => NOW,
    onFallback: (error) => fallbacks.push(error),
  });
  return { queue, scheduler, fallbacks, buckets };
}

beforeEach(() => schedulerMock.reset());

describe('universalSqsTarget', () => {
  it('takes the partition from the queue ARN', () => {
    expect(universalSqsTarget('arn:aws:sqs:eu-west-1:123456789012:deliveries')).toBe('arn:aws:scheduler:::aws-sdk:sqs:sendMessage');
    expect(universalSqsTarget('arn:aws-cn:sqs:cn-north-1:123456789012:deliveries')).toBe('arn:aws-cn:scheduler:::aws-sdk:sqs:sendMessage');
    expect(universalSqsTarget('arn:aws-us-gov:sqs:us-gov-west-1:123456789012:deliveries')).toBe('arn:aws-us-gov:scheduler:::aws-sdk:sqs:sendMessage');
  });
});

describe('AwsRetryScheduler', () => {
  it.each([
    [1, 1],
    [900, 900],
  ])('sends a retry %i s away straight to SQS with DelaySeconds %i, no schedule', async (seconds, delay) => {
    const { queue, scheduler, buckets } = setup();
    const task = deliveryTask(1, { attempt: 2, dueAt: NOW + seconds * 1000 });
    await scheduler.schedule(task, task.dueAt);
    expect(queue.sent).toEqual([{ task, delaySeconds: delay }]);
    expect(schedulerMock.commandCalls(CreateScheduleCommand)).toHaveLength(0);
    expect(buckets.tasks.size).toBe(0);
  });

  it.each([
    ['901 s', 901_000, '2026-11-23T10:13:00', '20261123T101500000'],
    ['2 h', 2 * 3_600_000, '2026-11-23T11:58:00', '20261123T120000000'],
    ['48 h', 48 * 3_600_000, '2026-11-25T09:58:00', '20261125T100000000'],
  ])('keeps a retry %s away in its due-minute bucket and schedules the bucket sweep once', async (_label, delayMs, at, minute) => {
    schedulerMock.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn:aws:scheduler:eu-west-1:123456789012:schedule/hookline-retries/x' });
    const { queue, scheduler, buckets } = setup();
    const dueAt = NOW + delayMs;
    const task = deliveryTask(7, { attempt: 3, generation: 1, dueAt, trigger: 'retry' });
    await scheduler.schedule(task, dueAt);

    expect(queue.sent).toEqual([]);
    const bucket = bucketFor(task, dueAt);
    expect([...(buckets.tasks.get(bucket.id)?.values() ?? [])]).toEqual([task]);
    const calls = schedulerMock.commandCalls(CreateScheduleCommand);
    expect(calls).toHaveLength(1);
    const sweep: SweepTask = { v: 1, kind: 'sweep', bucket: bucket.id, sweepAt: bucket.start - SCHEDULE_LEAD_MS };
    expect(calls[0]!.args[0].input).toEqual({
      Name: `retries-${minute}-${bucket.shard}`,
      GroupName: 'hookline-retries',
      ScheduleExpression: `at(${at})`,
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'DELETE',
      Description: expect.any(String),
      Target: {
        Arn: 'arn:aws:scheduler:::aws-sdk:sqs:sendMessage',
        RoleArn: 'arn:aws:iam::123456789012:role/hookline-scheduler',
        Input: JSON.stringify({ QueueUrl: QUEUE_URL, MessageBody: JSON.stringify(sweep) }),
        RetryPolicy: { MaximumEventAgeInSeconds: 86_400, MaximumRetryAttempts: 185 },
        DeadLetterConfig: { Arn: 'arn:aws:sqs:eu-west-1:123456789012:hookline-schedules-dlq' },
      },
    });
    // The sweep fires before every due time of its bucket, and at most lead + one minute before.
    expect(Date.parse(`${at}Z`)).toBeLessThanOrEqual(dueAt - SCHEDULE_LEAD_MS);
    expect(dueAt - Date.parse(`${at}Z`)).toBeLessThan(SCHEDULE_LEAD_MS + BUCKET_MS);
    expect(buckets.arranged.get(bucket.id)).toBe('schedule');
  });

  it('makes one schedule per bucket however many retries it holds, across containers', async () => {
    schedulerMock.on(CreateScheduleCommand).resolves({});
    const shared = new MemoryRetryBuckets();
    const [a, b] = [setup(shared), setup(shared)];
    const dueAt = NOW + 3_600_000;
    const tasks = Array.from({ length: 200 }, (_, i) => deliveryTask(i, { dueAt }));
    for (const [i, t] of tasks.entries()) await (i % 2 === 0 ? a : b).scheduler.schedule(t, dueAt);
    const bucketIds = new Set(tasks.map((t) => bucketFor(t, dueAt).id));
    expect(schedulerMock.commandCalls(CreateScheduleCommand)).toHaveLength(bucketIds.size);
    expect(bucketIds.size).toBeGreaterThan(1); // one minute, several shards
    expect([...shared.tasks.values()].reduce((n, m) => n + m.size, 0)).toBe(200);
  });

  it('treats a ConflictException (schedule already there) as arranged', async () => {
    schedulerMock.on(CreateScheduleCommand).rejects(new ConflictException({ message: 'exists', Message: 'exists', $metadata: {} }));
    const { queue, scheduler, fallbacks, buckets } = setup();
    const task = deliveryTask(1, { dueAt: NOW + 3_600_000 });
    await scheduler.schedule(task, task.dueAt);
    expect(queue.sent).toEqual([]);
    expect(fallbacks).toEqual([]);
    expect(buckets.arranged.get(bucketFor(task, task.dueAt).id)).toBe('schedule');
  });

  it('when a create is refused, puts ONE sweep on the queue for the bucket: no storm of creates or hops', async () => {
    schedulerMock.on(CreateScheduleCommand).rejects(new ServiceQuotaExceededException({ message: 'quota', Message: 'quota', $metadata: {} }));
    const { queue, scheduler, fallbacks } = setup();
    const dueAt = NOW + 3_600_000;
    const tasks = Array.from({ length: 100 }, (_, i) => deliveryTask(i, { dueAt }));
    for (const t of tasks) await scheduler.schedule(t, dueAt);
    const bucketIds = new Set(tasks.map((t) => bucketFor(t, dueAt).id));
    expect(schedulerMock.commandCalls(CreateScheduleCommand)).toHaveLength(bucketIds.size);
    expect(fallbacks).toHaveLength(bucketIds.size);
    expect(fallbacks[0]).toBeInstanceOf(DependencyError);
    expect(queue.sent.map((s) => [(s.task as SweepTask).kind, s.delaySeconds])).toEqual([...bucketIds].map(() => ['sweep', 900]));
  });

  it('a validation error is refused the same way: the retry is never dropped', async () => {
    schedulerMock.on(CreateScheduleCommand).rejects(new ValidationException({ message: 'role not assumable', Message: 'role not assumable', $metadata: {} }));
    const { queue, scheduler, buckets } = setup();
    const task = deliveryTask(1, { dueAt: NOW + 3_600_000 });
    await scheduler.schedule(task, task.dueAt);
    expect(queue.sent).toHaveLength(1);
    expect(buckets.arranged.get(bucketFor(task, task.dueAt).id)).toBe('queue');
  });

  it('cancels by removing the task from its bucket', async () => {
    schedulerMock.on(CreateScheduleCommand).resolves({});
    const { scheduler, buckets } = setup();
    const task = deliveryTask(4, { attempt: 2, dueAt: NOW + 7_200_000 });
    await scheduler.schedule(task, task.dueAt);
    await scheduler.cancel(task);
    await scheduler.cancel(task);
    expect(buckets.tasks.get(bucketFor(task, task.dueAt).id)?.size).toBe(0);
  });
});

describe('sweepRetryBucket', () => {
  it('puts an early sweep back on the queue without reading the bucket', async () => {
    const queue = new MemoryQueue();
    const unread = { ...new MemoryRetryBuckets(), pages: () => { throw new Error('read before the early check'); } } as unknown as MemoryRetryBuckets;
    const sweep: SweepTask = { v: 1, kind: 'sweep', bucket: 'b', sweepAt: NOW + 3_600_000 };
    expect(await sweepRetryBucket({ retryBuckets: unread, queue, clock: { now: () => NOW } }, sweep)).toBe(0);
    expect(queue.sent).toEqual([{ task: sweep, delaySeconds: 900 }]);
  });

  it('sends every task of a due bucket with its remaining delay, rounded down', async () => {
    const queue = new MemoryQueue();
    const buckets = new MemoryRetryBuckets();
    const dueAt = NOW + 3_600_000;
    const bucket = bucketFor(deliveryTask(1), dueAt);
    const tasks = [deliveryTask(1, { dueAt: bucket.start + 500 }), deliveryTask(2, { dueAt: bucket.start + 59_999 })];
    for (const t of tasks) await buckets.add(bucket, t);
    const at = bucket.sweepAt;
    expect(await sweepRetryBucket({ retryBuckets: buckets, queue, clock: { now: () => at } }, { v: 1, kind: 'sweep', bucket: bucket.id, sweepAt: bucket.sweepAt })).toBe(2);
    expect(queue.sent).toEqual([
      { task: tasks[0], delaySeconds: 120 },
      { task: tasks[1], delaySeconds: 179 },
    ]);
    // The same sweep delivered again sends nothing twice.
    expect(await sweepRetryBucket({ retryBuckets: buckets, queue, clock: { now: () => at } }, { v: 1, kind: 'sweep', bucket: bucket.id, sweepAt: bucket.sweepAt })).toBe(0);
    expect(queue.sent).toHaveLength(2);
  });
});
