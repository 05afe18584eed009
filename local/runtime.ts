/**
 * Local mode, assembled: engines (started, or reused for tests), the environment the handlers
 * read, the very receiver/admin/worker handlers behind the front door and the worker loop, the
 * local retry scheduler, the attempt archiver and the startup recovery sweep.
 */
import { randomBytes } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { join } from 'node:path';
import type { AttemptLog, AttemptLogLine } from '../lambdas/core/attempt-log.js';
import { stdoutAttemptLog } from '../lambdas/adapters/cloudwatch-logs/attempt-log-writer.js';
import { createDocumentClient, createSqsClient } from '../lambdas/adapters/aws-clients.js';
import { createS3Client } from './s3-sdk-client.js';
import { LocalRetryScheduler } from '../lambdas/adapters/scheduler/local-retry-scheduler.js';
import { SqsTaskQueue } from '../lambdas/adapters/sqs/task-queue.js';
import { buildDependencies, loadConfig, type Dependencies } from '../lambdas/handlers/dependencies.js';
import { createAdminHandler } from '../lambdas/handlers/admin.js';
import { createReceiverHandler } from '../lambdas/handlers/receiver.js';
import { createWorkerHandler } from '../lambdas/handlers/worker.js';
import { AttemptArchiver } from './attempt-archiver.js';
import {
  clientConfig,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  provisionResources,
  resourceNamesFor,
  startEngines,
  type EngineEndpoints,
  type Engines,
  type ResourceCoordinates,
} from './engines.js';
import { startFrontDoor, type FrontDoor } from './front-door.js';
import { LocalDataKeys } from './key-file.js';
import type { LocalOptions } from './options.js';
import { legacyKeyedSubscriptions, legacyKeyingRefusal } from './legacy-keying.js';
import { recoverPendingDeliveries, type RecoveryResult } from './recovery.js';
import { migrateDeliveryIndex } from '../lambdas/adapters/dynamodb/delivery-index-migration.js';
import { claimDeliveryIndexShards } from './index-shards.js';
import { WorkerLoop } from './worker-loop.js';

export interface LocalRuntime {
  /** `http://host:port` of the front door. */
  url: string;
  endpoints: EngineEndpoints;
  names: ResourceCoordinates;
  recovery: RecoveryResult;
  /** Subscriptions still stored with the old keying (started with `allowLegacyKeying`). */
  legacyKeying: string[];
  /** Delivery records of the previous index layout moved to the sharded one at start. */
  migratedDeliveries: number;
  /** Milliseconds from `startLocalRuntime` to ready. */
  startupMs: number;
  /** Stops everything in order: intake, worker, scheduler, archive flush, engines. */
  stop(): Promise<void>;
}

export interface RuntimeHooks {
  /** Non-fatal errors of the loops (queue hiccups, handler crashes). */
  onError?: (error: unknown, where: string) => void;
  /** Where each attempt's log line goes besides the archive. @default raw JSON on stdout */
  attemptLog?: AttemptLog;
}

/** The environment the handlers' `loadConfig` and the SDK clients read, for these engines. */
export function localEnvironment(options: LocalOptions, endpoints: EngineEndpoints, names: ResourceCoordinates): Record<string, string> {
  return {
    AWS_REGION: endpoints.region,
    AWS_ACCESS_KEY_ID: endpoints.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: endpoints.credentials.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamoEndpoint,
    AWS_ENDPOINT_URL_SQS: endpoints.sqsEndpoint,
    AWS_ENDPOINT_URL_S3: endpoints.sqsEndpoint,
    AWS_ENDPOINT_URL_SNS: endpoints.sqsEndpoint,
    TABLE_NAME: names.table,
    QUEUE_URL: names.queueUrl,
    QUEUE_ARN: names.queueArn,
    PAYLOAD_BUCKET: names.bucket,
    ALERT_TOPIC_ARN: names.alertTopicArn,
    UNIQUE_TENANT_EVENT: String(options.uniqueTenantEvent),
    ...(options.successRecords !== undefined && { SUCCESS_RECORDS: options.successRecords }),
    ...(options.deliveryIndexShards !== undefined && { DELIVERY_INDEX_SHARDS: String(options.deliveryIndexShards) }),
    ...(options.allowedPorts !== undefined && { ALLOWED_PORTS: options.allowedPorts }),
    ...(options.shopDomain !== undefined && { SHOP_DOMAIN: options.shopDomain }),
    ...(options.maxPayloadBytes !== undefined && { MAX_PAYLOAD_BYTES: String(options.maxPayloadBytes) }),
    HOOKLINE_LOCAL: 'true',
    HOOKLINE_TIME_SCALE: String(options.timeScale),
  };
}

async function engineSetup(options: LocalOptions): Promise<{ endpoints: EngineEndpoints; names: ResourceCoordinates; engines?: Engines }> {
  if (options.dynamoEndpoint !== undefined && options.sqsEndpoint !== undefined) {
    const endpoints: EngineEndpoints = {
      dynamoEndpoint: options.dynamoEndpoint,
      sqsEndpoint: options.sqsEndpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    };
    const prefix = options.resourcePrefix ?? `local-${randomBytes(4).toString('hex')}`;
    return { endpoints, names: await provisionResources(endpoints, resourceNamesFor(prefix)) };
  }
  const engines = await startEngines({ memory: options.memory, dataDir: options.dataDir });
  return { endpoints: engines, names: engines.names, engines };
}

/** KMS's local stand-in: `--key-file`, else `<data dir>/secrets.key`, or a key in memory with `--memory`. */
function localDataKeys(options: LocalOptions): LocalDataKeys {
  if (options.keyFile !== undefined) return LocalDataKeys.fromFile(options.keyFile);
  return options.memory ? LocalDataKeys.inMemory() : LocalDataKeys.fromFile(join(options.dataDir, 'secrets.key'));
}

/**
 * Before anything is delivered: a shard count lower than the store last used is refused (it
 * would hide records), old-keying data is named now (not discovered one refused delivery
 * at a time), the delivery index migrated, pending deliveries recovered. Recovery runs before the
 * scheduler starts: it skips deliveries whose schedule is still persisted and the scheduler fires
 * those itself; the other order would enqueue a schedule that came due while stopped twice.
 */
async function checkAndRecoverStore(options: LocalOptions, deps: Dependencies, doc: DynamoDBDocumentClient, tableName: string) {
  const where = options.memory || options.dynamoEndpoint !== undefined ? 'the store' : options.dataDir;
  const deliveryIndexShards = deps.config.deliveryIndexShards;
  await claimDeliveryIndexShards(doc, tableName, deliveryIndexShards, where);
  const legacyKeying = await legacyKeyedSubscriptions(deps.subscriptions);
  if (legacyKeying.length > 0 && !options.allowLegacyKeying) throw legacyKeyingRefusal(legacyKeying, where);
  const migratedDeliveries = await migrateDeliveryIndex({ client: doc, tableName, deliveryIndexShards });
  const recovery = await recoverPendingDeliveries({ doc, tableName, deliveries: deps.deliveries, messages: deps.messages, queue: deps.queue });
  return { legacyKeying, migratedDeliveries, recovery };
}

export async function startLocalRuntime(options: LocalOptions, hooks: RuntimeHooks = {}): Promise<LocalRuntime> {
  const started = performance.now();
  const onError = hooks.onError ?? (() => undefined);
  const attemptConsole = hooks.attemptLog ?? stdoutAttemptLog;
  const { endpoints, names, engines } = await engineSetup(options);
  const stack: (() => Promise<void>)[] = [];
  const stopAll = async (): Promise<void> => {
    // Reverse start order; every part gets its chance even if an earlier one fails.
    for (const stop of stack.reverse()) await stop().catch((error: unknown) => onError(error, 'stop'));
    stack.length = 0;
  };
  if (engines !== undefined) stack.push(() => engines.stop());
  try {
    Object.assign(process.env, localEnvironment(options, endpoints, names));
    const config = loadConfig(process.env);

    const sqsConfig = clientConfig(endpoints.sqsEndpoint, endpoints);
    const sqs = createSqsClient(sqsConfig);
    const s3 = createS3Client(sqsConfig);
    const doc = createDocumentClient(clientConfig(endpoints.dynamoEndpoint, endpoints));
    stack.push(async () => {
      sqs.destroy();
      s3.destroy();
      doc.destroy();
    });

    const archiver = new AttemptArchiver({ s3, bucket: names.bucket, intervalMs: options.archiveIntervalMs, onError: (e) => onError(e, 'archive') });
    const scheduler = new LocalRetryScheduler({ doc, tableName: names.table, queue: new SqsTaskQueue({ client: sqs, queueUrl: names.queueUrl }), timeScale: options.timeScale });
    const deps = buildDependencies(config, {
      dataKeys: localDataKeys(options),
      retryScheduler: scheduler,
      attemptLog: {
        write(line: AttemptLogLine) {
          attemptConsole.write(line);
          archiver.write(line);
        },
      },
    });

    const { legacyKeying, migratedDeliveries, recovery } = await checkAndRecoverStore(options, deps, doc, names.table);

    archiver.start();
    stack.push(() => archiver.stop());
    await scheduler.start();
    stack.push(() => scheduler.stop());

    const worker = new WorkerLoop({
      sqs,
      queueUrl: names.queueUrl,
      queueArn: names.queueArn,
      region: endpoints.region,
      handler: createWorkerHandler(deps),
      onError: (e, where) => onError(e, `worker ${where}`),
    });
    worker.start();
    stack.push(() => worker.stop());

    const door: FrontDoor = await startFrontDoor({
      host: options.host,
      port: options.port,
      handlers: { receiver: createReceiverHandler(deps), admin: createAdminHandler(deps) },
      onError: (e) => onError(e, 'front door'),
    });
    stack.push(() => door.close());

    return {
      url: door.url,
      endpoints,
      names,
      recovery,
      legacyKeying,
      migratedDeliveries,
      startupMs: Math.round(performance.now() - started),
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
