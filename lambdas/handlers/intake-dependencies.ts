/**
 * The adapters event intake needs (DynamoDB stores, the SQS queue, the S3 payload store), once
 * per cold start. Kept apart from the full set so the receiver's bundle carries neither the
 * outbound HTTP client nor the Scheduler and SNS clients it never calls.
 */
import { withRouteCache } from '../core/route-cache.js';
import { createDocumentClient, createS3ObjectClient, createSqsClient, type AwsClientConfig } from '../adapters/aws-clients.js';
import { DynamoSubscriptionStore } from '../adapters/dynamodb/subscription-store.js';
import { DynamoMessageStore } from '../adapters/dynamodb/message-store.js';
import { SqsTaskQueue } from '../adapters/sqs/task-queue.js';
import { S3PayloadStore } from '../adapters/s3/payload-store.js';
import type { IntakeLimits } from '../core/services/intake.js';
import { EnvelopeCipher } from '../core/envelope.js';
import { systemClock, type Clock, type DataKeyProvider, type MessageStore, type PayloadStore, type SubscriptionStore, type TaskQueue } from '../core/ports.js';
import type { StoreOptions } from '../adapters/dynamodb/table-access.js';
import { ConfigError, loadConfig, type Config } from './config.js';

export interface IntakeDependencies {
  config: Config;
  clock: Clock;
  subscriptions: SubscriptionStore;
  messages: MessageStore;
  queue: TaskQueue;
  payloads: PayloadStore;
}

/** SDK client settings for one service: the deployment's region, local mode's endpoints. */
export function awsClientConfig(config: Config, service: keyof Config['endpoints']): AwsClientConfig {
  return {
    region: config.region,
    ...(config.endpoints[service] !== undefined && { endpoint: config.endpoints[service] }),
    ...(service === 's3' && config.local && { forcePathStyle: true }),
  };
}

/** The table's settings every DynamoDB store shares. */
export function storeOptions(config: Config): StoreOptions {
  return { client: createDocumentClient(awsClientConfig(config, 'dynamodb')), tableName: config.tableName, retentionDays: config.retentionDays, deliveryIndexShards: config.deliveryIndexShards };
}

/**
 * Intake reads only route items, never secrets: without a key provider (the receiver), reading or
 * writing a subscription's sealed part fails loudly instead of falling back to plaintext.
 */
export const unconfiguredDataKeys: DataKeyProvider = {
  generateDataKey: () => Promise.reject(new ConfigError('SECRETS_KEY_ARN is required to seal subscription secrets')),
  decryptDataKey: () => Promise.reject(new ConfigError('SECRETS_KEY_ARN is required to open subscription secrets')),
};

export interface IntakeOverrides extends Partial<IntakeDependencies> {
  /** Where the subscription store's data keys come from (KMS for admin and worker, a key file locally). */
  dataKeys?: DataKeyProvider;
}

export function buildIntakeDependencies(config: Config, store: StoreOptions = storeOptions(config), overrides: IntakeOverrides = {}): IntakeDependencies {
  const { dataKeys = unconfiguredDataKeys, ...replaced } = overrides;
  return {
    config,
    clock: systemClock,
    subscriptions: withRouteCache(new DynamoSubscriptionStore(store, new EnvelopeCipher(dataKeys))),
    messages: new DynamoMessageStore(store),
    queue: overrides.queue ?? new SqsTaskQueue({ client: createSqsClient(awsClientConfig(config, 'sqs')), queueUrl: config.queueUrl }),
    payloads: new S3PayloadStore({ client: createS3ObjectClient(awsClientConfig(config, 's3')), bucket: config.payloadBucket }),
    ...replaced,
  };
}

export function intakeLimits(config: Config): IntakeLimits {
  return {
    maxPayloadBytes: config.maxPayloadBytes,
    inlinePayloadBytes: 64 * 1024,
    taskPayloadBytes: 8 * 1024,
    fanoutPageSize: 500,
    retentionDays: config.retentionDays,
  };
}

/**
 * A Lambda entry that builds its dependencies from the environment on first use (not at
 * import, so tests and local mode can import the module without an environment).
 */
export function lazyHandler<D, A extends unknown[], R>(build: (config: Config) => D, create: (deps: D) => (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  let handler: ((...args: A) => Promise<R>) | undefined;
  // Every argument is passed on: the worker reads its remaining time from Lambda's context.
  return (...args) => {
    handler ??= create(build(loadConfig(process.env)));
    return handler(...args);
  };
}

export { loadConfig };
