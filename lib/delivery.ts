/**
 * Delivery: the `deliveries` queue and its DLQ, the Scheduler schedule group for retries due
 * in more than 15 minutes (its role may only send to the queue; failed invocations go to a
 * DLQ of their own), and the worker that consumes the queue.
 */
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { HooklineFunction } from './functions.js';
import { acknowledgeWildcardResources } from './nag.js';
import type { HooklineSettings } from './props.js';
import { serviceRole } from './service-role.js';

/** A task that failed this many receives (crash, timeout, unknown error) is a poison task. */
export const MAX_RECEIVE_COUNT = 5;
/** Lambda's guidance: visibility ≥ 6 × function timeout, so retried batches never overlap. */
export const VISIBILITY_FACTOR = 6;

const queueDefaults: sqs.QueueProps = {
  encryption: sqs.QueueEncryption.SQS_MANAGED,
  enforceSSL: true,
};

export interface DeliveryProps {
  readonly settings: HooklineSettings;
  /** The worker's log group: its attempt lines are archived from here. */
  readonly attemptLogGroup: logs.ILogGroup;
  /** Variables shared with the other functions (table, bucket, …); the delivery ones are added here. */
  readonly environment: Record<string, string>;
}

export class Delivery extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly scheduleGroup: scheduler.CfnScheduleGroup;
  readonly scheduleGroupName: string;
  readonly schedulerRole: iam.Role;
  readonly schedulerDeadLetterQueue: sqs.Queue;
  readonly worker: HooklineFunction;

  constructor(scope: Construct, id: string, props: DeliveryProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { settings } = props;
    const workerTimeout = Duration.seconds(settings.workerTimeoutSeconds);

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      ...queueDefaults,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      ...queueDefaults,
      visibilityTimeout: Duration.seconds(VISIBILITY_FACTOR * settings.workerTimeoutSeconds),
      retentionPeriod: Duration.days(14),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: MAX_RECEIVE_COUNT },
    });

    this.scheduleGroupName = `${stack.stackName}-retries`;
    this.scheduleGroup = new scheduler.CfnScheduleGroup(this, 'ScheduleGroup', { name: this.scheduleGroupName });
    const schedulesArn = stack.formatArn({
      service: 'scheduler',
      resource: 'schedule',
      resourceName: `${this.scheduleGroupName}/*`,
    });

    this.schedulerDeadLetterQueue = new sqs.Queue(this, 'SchedulerDeadLetterQueue', {
      ...queueDefaults,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.schedulerDeadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself a dead-letter queue (EventBridge Scheduler target failures).',
    });

    // Scheduler invokes the target AND writes its dead-letter events with this role, so it may
    // send to exactly those two queues and nothing else.
    this.schedulerRole = serviceRole(this, 'SchedulerRole', {
      service: 'scheduler.amazonaws.com',
      description: 'Hookline retry schedules: send the due task to the deliveries queue',
      policyName: 'send',
      statements: [
        new iam.PolicyStatement({
          actions: ['sqs:SendMessage'],
          resources: [this.queue.queueArn, this.schedulerDeadLetterQueue.queueArn],
        }),
      ],
    });

    this.worker = new HooklineFunction(this, 'Worker', {
      name: 'worker',
      description: 'Hookline worker: signs, sends, classifies, records and schedules retries',
      memoryMb: settings.workerMemoryMb,
      timeout: workerTimeout,
      logRetentionDays: settings.attemptRetentionDays,
      logGroup: props.attemptLogGroup,
      environment: {
        ...props.environment,
        QUEUE_URL: this.queue.queueUrl,
        QUEUE_ARN: this.queue.queueArn,
        SCHEDULE_GROUP: this.scheduleGroupName,
        SCHEDULER_ROLE_ARN: this.schedulerRole.roleArn,
        SCHEDULER_DLQ_ARN: this.schedulerDeadLetterQueue.queueArn,
        // Every record of a batch gets a lane: a batch waits once for its slowest request, not in turns.
        HOOKLINE_WORKER_CONCURRENCY: String(settings.workerInFlight),
      },
    });
    this.worker.fn.node.addDependency(this.scheduleGroup);

    this.worker.fn.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: settings.workerBatchSize,
        // No window by default: a due retry starts as soon as it is visible. Batches over 10
        // need one (Lambda's rule); at the loads that want them, batches fill well before it ends.
        ...(settings.workerBatchingWindowSeconds > 0 && { maxBatchingWindow: Duration.seconds(settings.workerBatchingWindowSeconds) }),
        reportBatchItemFailures: true,
        // On-demand mode grows by 300 batches a minute up to 1,000; provisioned pollers go past that.
        ...(settings.workerPollers > 0
          ? { provisionedPollerConfig: { minimumPollers: 2, maximumPollers: settings.workerPollers } }
          : { maxConcurrency: settings.workerConcurrency }),
      }),
    );

    const role = this.worker.role;
    this.grantSend(role);
    role.addToPrincipalPolicy(
      // No DeleteSchedule: schedules delete themselves after firing (ActionAfterCompletion DELETE) and a
      // cancelled retry only leaves its bucket, so nothing ever deletes one.
      new iam.PolicyStatement({ actions: ['scheduler:CreateSchedule'], resources: [schedulesArn] }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [this.schedulerRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      }),
    );
    acknowledgeWildcardResources(role, [schedulesArn], 'Retry schedules are created per attempt with generated names; the wildcard is limited to this schedule group.');
  }

  /** sqs:SendMessage on the deliveries queue (SSE-SQS needs no KMS grant). */
  grantSend(role: iam.IRole): void {
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.queue.queueArn] }));
  }
}
