import { ConflictException, CreateScheduleCommand, DeleteScheduleCommand, ResourceNotFoundException, SchedulerClient, ValidationException } from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { AwsRetryScheduler, SCHEDULE_LEAD_MS, universalSqsTarget } from '../../../lambdas/adapters/scheduler/aws-retry-scheduler.js';
import { DependencyError } from '../../../lambdas/adapters/errors.js';
import { MemoryQueue } from '../../support/memory-ports.js';
import { deliveryTask } from '../../support/tasks.js';

const NOW = Date.UTC(2026, 10, 23, 10, 0, 0, 250);
const QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/hookline-deliveries';
const schedulerMock = mockClient(SchedulerClient);

function setup() {
  const queue = new MemoryQueue();
  const fallbacks: unknown[] = [];
  const scheduler = new AwsRetryScheduler({
    queue,
    client: new SchedulerClient({ region: 'eu-west-1' }),
    groupName: 'hookline-retries',
    roleArn: 'arn:aws:iam::123456789012:role/hookline-scheduler',
    queueUrl: QUEUE_URL,
    deadLetterArn: 'arn:aws:sqs:eu-west-1:123456789012:hookline-schedules-dlq',
    now: () => NOW,
    onFallback: (error) => fallbacks.push(error),
  });
  return { queue, scheduler, fallbacks };
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
    const { queue, scheduler } = setup();
    const task = deliveryTask(1, { attempt: 2, dueAt: NOW + seconds * 1000 });
    await scheduler.schedule(task, task.dueAt);
    expect(queue.sent).toEqual([{ task, delaySeconds: delay }]);
    expect(schedulerMock.commandCalls(CreateScheduleCommand)).toHaveLength(0);
  });

  it.each([
    ['901 s', 901_000, '2026-11-23T10:13:01'],
    ['2 h', 2 * 3_600_000, '2026-11-23T11:58:00'],
    ['12 h', 12 * 3_600_000, '2026-11-23T21:58:00'],
    ['48 h', 48 * 3_600_000, '2026-11-25T09:58:00'],
  ])('creates one exact one-shot schedule for a retry %s away', async (_label, delayMs, at) => {
    schedulerMock.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn:aws:scheduler:eu-west-1:123456789012:schedule/hookline-retries/x' });
    const { queue, scheduler } = setup();
    const dueAt = NOW + delayMs;
    const task = deliveryTask(7, { attempt: 3, generation: 1, dueAt, trigger: 'retry' });
    await scheduler.schedule(task, dueAt);

    expect(queue.sent).toEqual([]);
    const calls = schedulerMock.commandCalls(CreateScheduleCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args[0].input).toEqual({
      Name: `${task.deliveryId}-a3-g1`,
      GroupName: 'hookline-retries',
      ScheduleExpression: `at(${at})`,
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'DELETE',
      Description: expect.stringContaining(new Date(dueAt).toISOString()),
      Target: {
        Arn: 'arn:aws:scheduler:::aws-sdk:sqs:sendMessage',
        RoleArn: 'arn:aws:iam::123456789012:role/hookline-scheduler',
        Input: JSON.stringify({ QueueUrl: QUEUE_URL, MessageBody: JSON.stringify(task) }),
        RetryPolicy: { MaximumEventAgeInSeconds: 86_400, MaximumRetryAttempts: 185 },
        DeadLetterConfig: { Arn: 'arn:aws:sqs:eu-west-1:123456789012:hookline-schedules-dlq' },
      },
    });
    // Fires a little early, never late: the worker tops up the rest.
    expect(Date.parse(`${at}Z`)).toBeLessThanOrEqual(dueAt - SCHEDULE_LEAD_MS);
    expect(dueAt - Date.parse(`${at}Z`)).toBeLessThan(SCHEDULE_LEAD_MS + 1000);
  });

  it('treats a ConflictException on a repeated create as success', async () => {
    schedulerMock.on(CreateScheduleCommand).rejects(new ConflictException({ message: 'exists', Message: 'exists', $metadata: {} }));
    const { queue, scheduler, fallbacks } = setup();
    await scheduler.schedule(deliveryTask(1), NOW + 3_600_000);
    expect(queue.sent).toEqual([]);
    expect(fallbacks).toEqual([]);
  });

  it('falls back to a 15-minute SQS hop when the schedule cannot be created: the retry is never dropped', async () => {
    schedulerMock.on(CreateScheduleCommand).rejects(new ValidationException({ message: 'role not assumable', Message: 'role not assumable', $metadata: {} }));
    const { queue, scheduler, fallbacks } = setup();
    const task = deliveryTask(1, { dueAt: NOW + 3_600_000 });
    await scheduler.schedule(task, task.dueAt);
    expect(queue.sent).toEqual([{ task, delaySeconds: 900 }]);
    expect(fallbacks).toHaveLength(1);
    expect(fallbacks[0]).toBeInstanceOf(DependencyError);
  });

  it('cancels by the deterministic name and ignores a schedule that already fired', async () => {
    schedulerMock.on(DeleteScheduleCommand).resolvesOnce({}).rejectsOnce(new ResourceNotFoundException({ message: 'gone', Message: 'gone', $metadata: {} }));
    const { scheduler } = setup();
    const task = deliveryTask(4, { attempt: 2, generation: 0 });
    await scheduler.cancel(task);
    await scheduler.cancel(task);
    const calls = schedulerMock.commandCalls(DeleteScheduleCommand);
    expect(calls.map((c) => c.args[0].input)).toEqual([
      { Name: `${task.deliveryId}-a2-g0`, GroupName: 'hookline-retries' },
      { Name: `${task.deliveryId}-a2-g0`, GroupName: 'hookline-retries' },
    ]);
  });
});
