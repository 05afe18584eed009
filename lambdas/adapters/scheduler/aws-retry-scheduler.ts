/**
 * Exact retry intervals on AWS. Up to 15 minutes away: the task goes straight to SQS with a delay.
 * Further: an EventBridge Scheduler one-shot schedule fires a little before `dueAt` into the same
 * queue (universal target, no Lambda in between), and the worker tops up the remaining seconds.
 * A schedule that cannot be created falls back to a 15-minute SQS hop, which the worker's top-up
 * chains until due: a retry is never dropped.
 */
import {
  CreateScheduleCommand,
  DeleteScheduleCommand,
  type CreateScheduleCommandInput,
  type SchedulerClient,
} from '@aws-sdk/client-scheduler';
import type { DeliveryTask } from '../../core/model.js';
import type { RetryScheduler, TaskQueue } from '../../core/ports.js';
import { errorName, mapErrors } from '../errors.js';
import { MAX_QUEUE_DELAY_SECONDS, retryRoute } from '../../core/retry-route.js';
import { taskBody } from '../sqs/task-queue.js';
import { scheduleNameFor } from './schedule-name.js';

/** Schedules fire this long before the due time; the worker's top-up makes up the difference. */
export const SCHEDULE_LEAD_MS = 120_000;

/** Scheduler's universal SQS target in the queue's partition (`aws`, `aws-cn`, `aws-us-gov`…). */
export function universalSqsTarget(queueOrRoleArn: string): string {
  const partition = queueOrRoleArn.split(':')[1] || 'aws';
  return `arn:${partition}:scheduler:::aws-sdk:sqs:sendMessage`;
}

export interface AwsRetrySchedulerOptions {
  queue: TaskQueue;
  client: SchedulerClient;
  groupName: string;
  /** The role Scheduler assumes; it may only `sqs:SendMessage` to the deliveries queue. */
  roleArn: string;
  queueUrl: string;
  /** The deliveries queue's ARN: the target's partition comes from it (else from `roleArn`). */
  queueArn?: string;
  deadLetterArn?: string;
  now?: () => number;
  /** Called when a schedule could not be created and the SQS fallback was used. */
  onFallback?: (error: unknown, task: DeliveryTask) => void;
}

/** `at(yyyy-mm-ddThh:mm:ss)`, UTC, whole seconds. */
export function atExpression(epochMs: number): string {
  return `at(${new Date(Math.floor(epochMs / 1000) * 1000).toISOString().slice(0, 19)})`;
}

export class AwsRetryScheduler implements RetryScheduler {
  private readonly now: () => number;
  constructor(private readonly options: AwsRetrySchedulerOptions) {
    this.now = options.now ?? Date.now;
  }

  async schedule(task: DeliveryTask, dueAt: number): Promise<void> {
    const route = retryRoute(dueAt, this.now());
    if (route.via === 'queue') {
      await this.options.queue.sendMany([{ task, delaySeconds: route.delaySeconds }]);
      return;
    }
    try {
      await mapErrors('scheduler', 'CreateSchedule', () => this.options.client.send(new CreateScheduleCommand(this.request(task, dueAt))));
    } catch (error) {
      if (causeName(error) === 'ConflictException') return; // already scheduled: idempotent
      this.options.onFallback?.(error, task);
      await this.options.queue.sendMany([{ task, delaySeconds: MAX_QUEUE_DELAY_SECONDS }]);
    }
  }

  async cancel(task: DeliveryTask): Promise<void> {
    try {
      await mapErrors('scheduler', 'DeleteSchedule', () =>
        this.options.client.send(new DeleteScheduleCommand({ Name: scheduleNameFor(task), GroupName: this.options.groupName })),
      );
    } catch (error) {
      if (causeName(error) !== 'ResourceNotFoundException') throw error;
    }
  }

  /** The exact CreateSchedule request for a task (exported for tests through the class). */
  request(task: DeliveryTask, dueAt: number): CreateScheduleCommandInput {
    return {
      Name: scheduleNameFor(task),
      GroupName: this.options.groupName,
      ScheduleExpression: atExpression(dueAt - SCHEDULE_LEAD_MS),
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'DELETE',
      Description: `Hookline retry ${task.attempt} of ${task.deliveryId}, due ${new Date(dueAt).toISOString()}`,
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

/** The SDK exception's name behind a mapped domain error. */
const causeName = (error: unknown): string | undefined => errorName(error instanceof Error ? error.cause : undefined);
