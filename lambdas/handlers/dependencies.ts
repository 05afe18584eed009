/**
 * Builds the adapters every handler uses from the parsed configuration, once per cold start.
 * Local mode builds the same set and overrides only what has no local AWS counterpart
 * (the retry scheduler, the attempt log's archiver).
 */
import { readFileSync } from 'node:fs';
import {
  createDocumentClient,
  createS3Client,
  createSchedulerClient,
  createSnsClient,
  createSqsClient,
  type AwsClientConfig,
} from '../adapters/aws-clients.js';
import { DynamoSubscriptionStore } from '../adapters/dynamodb/subscription-store.js';
import { DynamoMessageStore } from '../adapters/dynamodb/message-store.js';
import { DynamoDeliveryStore } from '../adapters/dynamodb/delivery-store.js';
import { DynamoJobStore } from '../adapters/dynamodb/job-store.js';
import { SqsTaskQueue } from '../adapters/sqs/task-queue.js';
import { AwsRetryScheduler } from '../adapters/scheduler/aws-retry-scheduler.js';
import { S3PayloadStore } from '../adapters/s3/payload-store.js';
import { SnsAlertPublisher } from '../adapters/sns/alert-publisher.js';
import { createHttpSender } from '../http/http-sender.js';
import { stdoutAttemptLog, type AttemptLog } from '../core/attempt-log.js';
import type { SubscriptionPolicy } from '../core/url-policy.js';
import type { IntakeLimits } from '../core/services/intake.js';
import {
  systemClock,
  type AlertPublisher,
  type Clock,
  type DeliveryStore,
  type JobStore,
  type MessageStore,
  type PayloadStore,
  type RetryScheduler,
  type SubscriptionStore,
  type TaskQueue,
  type WebhookSender,
} from '../core/ports.js';
import { loadConfig, type Config } from './config.js';

export interface Dependencies {
  config: Config;
  clock: Clock;
  subscriptions: SubscriptionStore;
  messages: MessageStore;
  deliveries: DeliveryStore;
  jobs: JobStore;
  queue: TaskQueue;
  retryScheduler: RetryScheduler;
  payloads: PayloadStore;
  alerts: AlertPublisher;
  sender: WebhookSender;
  attemptLog: AttemptLog;
}

export { loadConfig };

export function buildDependencies(config: Config, overrides: Partial<Dependencies> = {}): Dependencies {
  const aws = (service: keyof Config['endpoints']): AwsClientConfig => ({
    region: config.region,
    ...(config.endpoints[service] !== undefined && { endpoint: config.endpoints[service] }),
    ...(service === 's3' && config.local && { forcePathStyle: true }),
  });
  const db = createDocumentClient(aws('dynamodb'));
  const storeOptions = { client: db, tableName: config.tableName, retentionDays: config.retentionDays };
  const queue = overrides.queue ?? new SqsTaskQueue({ client: createSqsClient(aws('sqs')), queueUrl: config.queueUrl });

  return {
    config,
    clock: systemClock,
    subscriptions: new DynamoSubscriptionStore(storeOptions),
    messages: new DynamoMessageStore(storeOptions),
    deliveries: new DynamoDeliveryStore(storeOptions),
    jobs: new DynamoJobStore(storeOptions),
    queue,
    retryScheduler: overrides.retryScheduler ?? awsRetryScheduler(config, queue),
    payloads: new S3PayloadStore({ client: createS3Client(aws('s3')), bucket: config.payloadBucket }),
    alerts: config.alertTopicArn !== undefined ? new SnsAlertPublisher({ client: createSnsClient(aws('sns')), topicArn: config.alertTopicArn }) : unconfiguredAlerts,
    sender: createHttpSender({
      allowHttpLoopback: config.local,
      userAgent: `Hookline/${config.version}`,
      // In AWS only the scheme's port and the deployment's allowed ports; loopback receivers in local mode use any port.
      ...(!config.local && { allowedPorts: [443, ...config.allowedPorts] }),
      ...(config.extraCaFile !== undefined && { extraCa: readFileSync(config.extraCaFile, 'utf8') }),
    }),
    attemptLog: stdoutAttemptLog,
    ...overrides,
  };
}

function awsRetryScheduler(config: Config, queue: TaskQueue): RetryScheduler {
  const { scheduleGroup, schedulerRoleArn, schedulerDlqArn } = config;
  if (scheduleGroup === undefined || schedulerRoleArn === undefined) {
    // Only the worker and admin schedule or cancel; a receiver built without these never calls it.
    return {
      schedule: () => Promise.reject(new Error('SCHEDULE_GROUP and SCHEDULER_ROLE_ARN are required to schedule retries')),
      cancel: () => Promise.resolve(),
    };
  }
  return new AwsRetryScheduler({
    queue,
    client: createSchedulerClient({ region: config.region }),
    groupName: scheduleGroup,
    roleArn: schedulerRoleArn,
    queueUrl: config.queueUrl,
    ...(schedulerDlqArn !== undefined && { deadLetterArn: schedulerDlqArn }),
    // The retry still happens (15-minute SQS hops); operators should know the schedule path failed.
    onFallback: (error, task) =>
      process.stdout.write(
        `${JSON.stringify({ level: 'WARN', message: 'schedule not created; retrying through SQS hops', deliveryId: task.deliveryId, attempt: task.attempt, error: error instanceof Error ? error.message : String(error) })}\n`,
      ),
  });
}

/** Without a topic (a deployment always has one), alerts still reach the logs. */
const unconfiguredAlerts: AlertPublisher = {
  publish: async (alert) => {
    process.stdout.write(`${JSON.stringify({ level: 'WARN', message: 'alert (no topic configured)', alert })}\n`);
  },
};

export function intakeLimits(config: Config): IntakeLimits {
  return {
    maxPayloadBytes: config.maxPayloadBytes,
    inlinePayloadBytes: 64 * 1024,
    taskPayloadBytes: 8 * 1024,
    fanoutPageSize: 500,
    retentionDays: config.retentionDays,
  };
}

export function subscriptionPolicy(config: Config): SubscriptionPolicy {
  return { allowHttpLoopback: config.local, allowedPorts: config.allowedPorts };
}

/**
 * The Lambda entry: builds dependencies from the environment on first use (not at import, so
 * tests and local mode can import the module without an environment).
 */
export function lazyDependencies<E, R>(create: (deps: Dependencies) => (event: E) => Promise<R>): (event: E) => Promise<R> {
  let handler: ((event: E) => Promise<R>) | undefined;
  return (event) => {
    handler ??= create(buildDependencies(loadConfig(process.env)));
    return handler(event);
  };
}
