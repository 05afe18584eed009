/**
 * Exact retry intervals on AWS. Up to 15 minutes away: the task goes straight to SQS with a delay.
 * Further: the retry waits in a due-minute bucket in DynamoDB, and one EventBridge Scheduler
 * one-shot schedule per bucket fires a little before the bucket's minute into the same queue
 * (universal target, no Lambda in between) with a sweep task; the sweep sends each retry with its
 * remaining delay and the worker tops up the last second (bucketed-retry-scheduler.ts).
 */
import { CreateScheduleCommand, type CreateScheduleCommandInput, type SchedulerClient } from '@aws-sdk/client-scheduler';
import type { DeliveryTask, QueueTask } from '../../core/model.js';
import type { OneShotSchedules, RetryBucketStore, TaskQueue } from '../../core/ports.js';
import { errorName, mapErrors } from '../errors.js';
import { taskBody } from '../sqs/task-queue.js';
import { BucketedRetryScheduler } from './bucketed-retry-scheduler.js';

export { SCHEDULE_LEAD_MS } from '../../core/retry-buckets.js';

/** Scheduler's universal SQS target in the queue's partition (`aws`, `aws-cn`, `aws-us-gov`…). */
export function universalSqsTarget(queueOrRoleArn: string): string {
  const partition = queueOrRoleArn.split(':')[1] || 'aws';
  return `arn:${partition}:scheduler:::aws-sdk:sqs:sendMessage`;
}

export interface AwsSchedulesOptions {
  client: SchedulerClient;
  groupName: string;
  /** The role Scheduler assumes; it may only `sqs:SendMessage` to the deliveries queue. */
  roleArn: string;
  queueUrl: string;
  /** The deliveries queue's ARN: the target's partition comes from it (else from `roleArn`). */
  queueArn?: string;
  deadLetterArn?: string;
}

export interface AwsRetrySchedulerOptions extends AwsSchedulesOptions {
  queue: TaskQueue;
  buckets: RetryBucketStore;
  /** Buckets per due minute. @default RETRY_SHARDS */
  shards?: number;
  now?: () => number;
  /** Called when a bucket's schedule could not be created and its sweep went on the queue instead. */
  onFallback?: (error: unknown, task: DeliveryTask) => void;
}

/** `at(yyyy-mm-ddThh:mm:ss)`, UTC, whole seconds. */
export function atExpression(epochMs: number): string {
  return `at(${new Date(Math.floor(epochMs / 1000) * 1000).toISOString().slice(0, 19)})`;
}

/** EventBridge Scheduler one-shot schedules that send a task to the deliveries queue, then delete themselves. */
export class AwsOneShotSchedules implements OneShotSchedules {
  constructor(private readonly options: AwsSchedulesOptions) {}

  async create(name: string, fireAt: number, task: QueueTask): Promise<void> {
    try {
      await mapErrors('scheduler', 'CreateSchedule', () => this.options.client.send(new CreateScheduleCommand(this.request(name, fireAt, task))));
    } catch (error) {
      if (causeName(error) !== 'ConflictException') throw error; // already there: idempotent
    }
  }

  /** The exact CreateSchedule request. */
  request(name: string, fireAt: number, task: QueueTask): CreateScheduleCommandInput {
    return {
      Name: name,
      GroupName: this.options.groupName,
      ScheduleExpression: atExpression(fireAt),
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'DELETE',
      Description: `Hookline retries due from ${new Date(fireAt).toISOString()} on`,
      Target: {
        Arn: universalSqsTarget(this.options.queueArn ?? this.options.roleArn),
        RoleArn: this.options.roleArn,
        Input: JSON.stringify({ QueueUrl: this.options.queueUrl, MessageBody: taskBody(task) }),
        RetryPolicy: { MaximumEventAgeInSeconds: 86_400, MaximumRetryAttempts: 185 },
        ...(this.options.deadLetterArn !== undefined && { DeadLetterConfig: { Arn: this.options.deadLetterArn } }),
      },
    };
  }
}

export class AwsRetryScheduler extends BucketedRetryScheduler {
  constructor(options: AwsRetrySchedulerOptions) {
    super({ ...options, schedules: new AwsOneShotSchedules(options) });
  }
}

/** The SDK exception's name behind a mapped domain error. */
const causeName = (error: unknown): string | undefined => errorName(error instanceof Error ? error.cause : undefined);
