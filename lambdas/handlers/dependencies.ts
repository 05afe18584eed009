/**
 * Builds the full set of adapters the admin and worker handlers use (intake's, plus jobs, the
 * retry scheduler, alerts and the outbound HTTP client), once per cold start. Local mode builds
 * the same set and overrides only what has no local AWS counterpart (the retry scheduler, the
 * attempt log's archiver).
 */
import { readFileSync } from 'node:fs';
import { Logger } from '@aws-lambda-powertools/logger';
import { createKmsClient, createSchedulerClient, createSnsClient } from '../adapters/aws-clients.js';
import { KmsDataKeys } from '../adapters/kms/kms-data-keys.js';
import { DynamoJobStore } from '../adapters/dynamodb/job-store.js';
import { DynamoRetryBucketStore } from '../adapters/dynamodb/retry-bucket-store.js';
import { AwsRetryScheduler } from '../adapters/scheduler/aws-retry-scheduler.js';
import { SnsAlertPublisher } from '../adapters/sns/alert-publisher.js';
import { createHttpSender } from '../outbound/http-sender.js';
import type { AttemptLog } from '../core/attempt-log.js';
import { stdoutAttemptLog } from '../adapters/cloudwatch-logs/attempt-log-writer.js';
import type { SubscriptionPolicy } from '../core/url-policy.js';
import type { AlertPublisher, DataKeyProvider, DeliveryStore, EndpointHealthStore, JobStore, RetryBucketStore, RetryScheduler, TaskQueue, WebhookSender } from '../core/ports.js';
import type { Config } from './config.js';
import { DynamoDeliveryStore } from '../adapters/dynamodb/delivery-store.js';
import { DynamoEndpointHealthStore } from '../adapters/dynamodb/endpoint-health-store.js';
import { awsClientConfig, buildIntakeDependencies, lazyHandler, storeOptions, unconfiguredDataKeys, type IntakeDependencies } from './intake-dependencies.js';

export interface Dependencies extends IntakeDependencies {
  deliveries: DeliveryStore;
  jobs: JobStore;
  retryScheduler: RetryScheduler;
  /** Retries waiting for their due minute; the worker sweeps them onto the queue. */
  retryBuckets: RetryBucketStore;
  alerts: AlertPublisher;
  sender: WebhookSender;
  attemptLog: AttemptLog;
  endpointHealth: EndpointHealthStore;
}

export { intakeLimits, loadConfig } from './intake-dependencies.js';

export interface DependencyOverrides extends Partial<Dependencies> {
  /** Data keys for sealing subscription secrets (local mode's key file); KMS otherwise. */
  dataKeys?: DataKeyProvider;
}

export function buildDependencies(config: Config, overrides: DependencyOverrides = {}): Dependencies {
  const store = storeOptions(config);
  const { dataKeys = kmsDataKeys(config), ...replaced } = overrides;
  const intake = buildIntakeDependencies(config, store, { ...replaced, dataKeys });
  const retryBuckets = overrides.retryBuckets ?? new DynamoRetryBucketStore({ client: store.client, tableName: store.tableName });
  return {
    ...intake,
    deliveries: new DynamoDeliveryStore(store),
    endpointHealth: new DynamoEndpointHealthStore(store),
    jobs: new DynamoJobStore(store),
    retryBuckets,
    retryScheduler: overrides.retryScheduler ?? awsRetryScheduler(config, intake.queue, retryBuckets),
    alerts: config.alertTopicArn !== undefined ? new SnsAlertPublisher({ client: createSnsClient(awsClientConfig(config, 'sns')), topicArn: config.alertTopicArn }) : unconfiguredAlerts,
    sender: createHttpSender({
      allowHttpLoopback: config.local,
      userAgent: `Hookline/${config.version}`,
      // In AWS only the scheme's port and the deployment's allowed ports; loopback receivers in local mode use any port.
      ...(!config.local && { allowedPorts: [443, ...config.allowedPorts] }),
      ...(config.extraCaFile !== undefined && { extraCa: readFileSync(config.extraCaFile, 'utf8') }),
    }),
    attemptLog: stdoutAttemptLog,
    ...replaced,
  };
}

/** The function's service name comes from POWERTOOLS_SERVICE_NAME (lib/functions.ts sets it). */
const logger = new Logger();

/** The stack's KMS key; a missing key fails the first secret read or write, naming the variable. */
function kmsDataKeys(config: Config): DataKeyProvider {
  if (config.secretsKeyArn === undefined) return unconfiguredDataKeys;
  return new KmsDataKeys({ client: createKmsClient(awsClientConfig(config, 'kms')), keyId: config.secretsKeyArn });
}

function awsRetryScheduler(config: Config, queue: TaskQueue, buckets: RetryBucketStore): RetryScheduler {
  const { scheduleGroup, schedulerRoleArn, schedulerDlqArn } = config;
  if (scheduleGroup === undefined || schedulerRoleArn === undefined) {
    // A deployment always sets them; without them a retry fails loudly (and is redelivered), never vanishes.
    return {
      schedule: () => Promise.reject(new Error('SCHEDULE_GROUP and SCHEDULER_ROLE_ARN are required to schedule retries')),
      cancel: () => Promise.resolve(),
    };
  }
  return new AwsRetryScheduler({
    queue,
    buckets,
    client: createSchedulerClient({ region: config.region }),
    groupName: scheduleGroup,
    roleArn: schedulerRoleArn,
    queueUrl: config.queueUrl,
    ...(config.queueArn !== undefined && { queueArn: config.queueArn }),
    ...(schedulerDlqArn !== undefined && { deadLetterArn: schedulerDlqArn }),
    // The bucket's sweep still happens (one task hopping through SQS); operators should know the schedule path failed.
    onFallback: (error, task) =>
      logger.warn('retry bucket schedule not created; its sweep hops through SQS', {
        deliveryId: task.deliveryId,
        attempt: task.attempt,
        error: error instanceof Error ? error.message : String(error),
      }),
  });
}

/** Without a topic (a deployment always has one), alerts still reach the logs. */
const unconfiguredAlerts: AlertPublisher = {
  publish: async (alert) => {
    logger.warn('alert (no topic configured)', { alert });
  },
};

export function subscriptionPolicy(config: Config): SubscriptionPolicy {
  return { allowHttpLoopback: config.local, allowedPorts: config.allowedPorts };
}

/** The Lambda entry of a handler that needs the full set. */
export function lazyDependencies<A extends unknown[], R>(create: (deps: Dependencies) => (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return lazyHandler((config) => buildDependencies(config), create);
}
