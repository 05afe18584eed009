/**
 * The local engines: DynamoDB Local (a Java child process) and fauxqs (SQS, S3 and SNS in
 * this process), both listening on 127.0.0.1 only, plus the resources Hookline needs in them. Used by `npm start` and by the
 * test run's global setup, so both run on exactly the same engines and the same table layout.
 */
import { spawn as spawnChild } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CreateTableCommand,
  DescribeTableCommand,
  ListTablesCommand,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { CreateTopicCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { buildApp } from 'fauxqs';
import {
  createDynamoClient,
  createSnsClient,
  createSqsClient,
  type AwsClientConfig,
  type AwsCredentials,
} from '../lambdas/adapters/aws-clients.js';
import { TABLE_NAME_DEFAULT, tableSchema } from '../lambdas/adapters/dynamodb/table-schema.js';
import { spawnDynamoDbLocal } from './dynamodb-loopback.js';
import { createS3Client } from './s3-sdk-client.js';
import { LocalModeError } from './errors.js';
import { isAlive } from './local-process.js';

export const LOCAL_REGION = 'us-east-1';
/** Fake credentials (DynamoDB Local 2+ insists on an alphanumeric access key id); valid nowhere else. */
export const LOCAL_CREDENTIALS: AwsCredentials = { accessKeyId: 'hooklinelocal', secretAccessKey: 'hooklinelocal' };

/** Queue visibility timeout (s), as in the stack. @default 60 */
export const QUEUE_VISIBILITY_TIMEOUT_S = 60;
/** Receives before a task goes to the dead-letter queue, as in the stack. @default 5 */
export const QUEUE_MAX_RECEIVE_COUNT = 5;

/** Names of the resources created in the engines. */
export interface ResourceNames {
  table: string;
  queue: string;
  dlq: string;
  bucket: string;
  alertTopic: string;
}

/** Where the created resources are. */
export interface ResourceCoordinates {
  table: string;
  queueUrl: string;
  queueArn: string;
  dlqUrl: string;
  dlqArn: string;
  bucket: string;
  alertTopicArn: string;
}

export interface EngineEndpoints {
  dynamoEndpoint: string;
  /** fauxqs: SQS, S3 (path style) and SNS share it. */
  sqsEndpoint: string;
  region: string;
  credentials: AwsCredentials;
}

export interface Engines extends EngineEndpoints {
  names: ResourceCoordinates;
  /** Pid of the DynamoDB Local Java process. */
  dynamoPid: number;
  /** Stops both engines; resolves once the Java process is gone and fauxqs has closed. */
  stop(): Promise<void>;
}

export interface StartEnginesOptions {
  /** Keep DynamoDB in memory (nothing persists). */
  memory: boolean;
  /** Where DynamoDB Local keeps its file when not in memory. @default ".hookline" */
  dataDir?: string;
  /** @default a free port */
  dynamoPort?: number;
  /** @default a free port */
  fauxqsPort?: number;
  names?: Partial<ResourceNames>;
  /** How long to wait for the engines to answer (Java starts in ~3 s, far slower on a loaded machine). @default 60000 */
  readyTimeoutMs?: number;
}

export const DEFAULT_RESOURCE_NAMES: ResourceNames = {
  table: TABLE_NAME_DEFAULT,
  queue: 'hookline-deliveries',
  dlq: 'hookline-deliveries-dlq',
  bucket: 'hookline-archive',
  alertTopic: 'hookline-alerts',
};

/** Resource names under a prefix (lower-case letters, digits, dashes), e.g. one set per test file. */
export function resourceNamesFor(prefix: string): ResourceNames {
  const p = prefix.toLowerCase().replace(/[^a-z0-9-]/g, '-');
  return { table: `${p}-hookline`, queue: `${p}-deliveries`, dlq: `${p}-deliveries-dlq`, bucket: `${p}-archive`, alertTopic: `${p}-alerts` };
}

export function clientConfig(endpoint: string, engines: Pick<EngineEndpoints, 'region' | 'credentials'>): AwsClientConfig {
  return { region: engines.region, endpoint, credentials: engines.credentials, forcePathStyle: true, maxAttempts: 3 };
}

export async function startEngines(options: StartEnginesOptions): Promise<Engines> {
  const started = Date.now();
  const deadline = started + (options.readyTimeoutMs ?? 60_000);
  const dataPath = options.memory ? undefined : resolve(options.dataDir ?? '.hookline', 'dynamodb');
  if (dataPath !== undefined) await mkdir(dataPath, { recursive: true });

  const [dynamo, fauxqs] = await Promise.all([
    startDynamoLocal({ ...(options.dynamoPort !== undefined && { port: options.dynamoPort }), ...(dataPath !== undefined && { path: dataPath }), deadline }),
    startFauxqsOnLoopback(options.fauxqsPort ?? 0),
  ]).catch(async (error: unknown) => {
    throw new LocalModeError(`engines failed to start: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  });

  const endpoints: EngineEndpoints = {
    dynamoEndpoint: dynamo.endpoint,
    sqsEndpoint: `http://127.0.0.1:${fauxqs.port}`,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  };
  const stop = async (): Promise<void> => {
    await Promise.allSettled([dynamo.stop(), fauxqs.stop()]);
  };
  try {
    const names = await provisionResources(endpoints, { ...DEFAULT_RESOURCE_NAMES, ...options.names });
    return { ...endpoints, names, dynamoPid: dynamo.pid, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Creates (or finds) the table, queues, bucket and topic named `names` in running engines.
 * Idempotent: a persisted table is reused as it is.
 */
export async function provisionResources(endpoints: EngineEndpoints, names: ResourceNames): Promise<ResourceCoordinates> {
  const dynamo = createDynamoClient(clientConfig(endpoints.dynamoEndpoint, endpoints));
  const sqs = createSqsClient(clientConfig(endpoints.sqsEndpoint, endpoints));
  const s3 = createS3Client(clientConfig(endpoints.sqsEndpoint, endpoints));
  const sns = createSnsClient(clientConfig(endpoints.sqsEndpoint, endpoints));
  try {
    const dlq = await sqs.send(new CreateQueueCommand({ QueueName: names.dlq, Attributes: { MessageRetentionPeriod: '1209600' } }));
    const dlqUrl = required(dlq.QueueUrl, 'dlq url');
    const dlqAttributes = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }));
    const dlqArn = required(dlqAttributes.Attributes?.QueueArn, 'dlq arn');
    const queue = await sqs.send(
      new CreateQueueCommand({
        QueueName: names.queue,
        Attributes: {
          VisibilityTimeout: String(QUEUE_VISIBILITY_TIMEOUT_S),
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: QUEUE_MAX_RECEIVE_COUNT }),
        },
      }),
    );
    const queueUrl = required(queue.QueueUrl, 'queue url');
    const queueAttributes = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
    const [, topic] = await Promise.all([
      createBucket(s3, names.bucket),
      sns.send(new CreateTopicCommand({ Name: names.alertTopic })),
      createTable(dynamo, names.table),
    ]);
    return {
      table: names.table,
      queueUrl,
      queueArn: required(queueAttributes.Attributes?.QueueArn, 'queue arn'),
      dlqUrl,
      dlqArn,
      bucket: names.bucket,
      alertTopicArn: required(topic.TopicArn, 'topic arn'),
    };
  } finally {
    for (const client of [dynamo, sqs, s3, sns]) client.destroy();
  }
}

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new LocalModeError(`engine did not return the ${what}`);
  return value;
}

async function createBucket(s3: S3Client, bucket: string): Promise<void> {
  try {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw error;
  }
}

/** Creates the single table from `tableSchema` (the same data the CDK construct reads). */
export async function createTable(dynamo: DynamoDBClient, table: string): Promise<void> {
  const keyNames = [
    tableSchema.partitionKey,
    tableSchema.sortKey,
    ...tableSchema.globalSecondaryIndexes.flatMap((i) => [i.partitionKey, i.sortKey]),
  ];
  try {
    await dynamo.send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: keyNames.map((AttributeName) => ({ AttributeName, AttributeType: 'S' })),
        KeySchema: [
          { AttributeName: tableSchema.partitionKey, KeyType: 'HASH' },
          { AttributeName: tableSchema.sortKey, KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: tableSchema.globalSecondaryIndexes.map((index) => ({
          IndexName: index.indexName,
          KeySchema: [
            { AttributeName: index.partitionKey, KeyType: 'HASH' },
            { AttributeName: index.sortKey, KeyType: 'RANGE' },
          ],
          // Indexes are KEYS_ONLY (see table-schema.ts): list routes hydrate with BatchGet.
          Projection: { ProjectionType: 'KEYS_ONLY' },
        })),
      }),
    );
  } catch (error) {
    if (error instanceof ResourceInUseException) return; // persisted from an earlier run
    throw error;
  }
  const described = await dynamo.send(new DescribeTableCommand({ TableName: table }));
  if (described.Table?.TableStatus !== 'ACTIVE') throw new LocalModeError(`table ${table} is ${described.Table?.TableStatus}`);
  await dynamo.send(
    new UpdateTimeToLiveCommand({
      TableName: table,
      TimeToLiveSpecification: { AttributeName: tableSchema.timeToLiveAttribute, Enabled: true },
    }),
  );
}

/**
 * fauxqs's own `startFauxqs` listens on every interface; local mode must only be reachable
 * from this machine, so build the same app and bind it to loopback.
 */
async function startFauxqsOnLoopback(port: number): Promise<{ port: number; stop(): Promise<void> }> {
  const app = buildApp({ logger: false, defaultRegion: LOCAL_REGION });
  const address = await app.listen({ port, host: '127.0.0.1' });
  return { port: Number(new URL(address).port), stop: () => app.close() };
}

/** A port nobody listens on right now (the OS picks it; DynamoDB Local cannot take port 0). */
export async function findFreePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

interface DynamoLocal {
  endpoint: string;
  pid: number;
  stop(): Promise<void>;
}

/** Starts DynamoDB Local, retrying on another free port if the chosen one was taken meanwhile. */
async function startDynamoLocal(options: { port?: number; path?: string; deadline: number }): Promise<DynamoLocal> {
  let lastError: unknown;
  for (let tries = 0; tries < 3 && Date.now() < options.deadline; tries++) {
    const port = options.port ?? (await findFreePort());
    try {
      return await startDynamoLocalOn(port, options.path, options.deadline);
    } catch (error) {
      lastError = error;
      if (options.port !== undefined) break;
    }
  }
  throw lastError ?? new LocalModeError('DynamoDB Local did not start in time');
}

async function startDynamoLocalOn(port: number, path: string | undefined, deadline: number): Promise<DynamoLocal> {
  const child = spawnDynamoDbLocal({ port, ...(path !== undefined && { path }) });
  const pid = child.pid;
  if (pid === undefined) throw new LocalModeError('could not spawn java for DynamoDB Local');
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  let hasExited = false;
  void exited.then(() => (hasExited = true));

  // If this process dies without running its exit handlers (SIGKILL), the watchdog sees its
  // stdin close and kills Java, so no orphan survives the parent.
  const watchdog = spawnChild('sh', ['-c', `read _; kill -9 ${pid} 2>/dev/null`], { stdio: ['pipe', 'ignore', 'ignore'], detached: false });
  watchdog.unref();
  const killOnExit = (): void => {
    child.kill('SIGKILL');
    watchdog.kill('SIGKILL');
  };
  process.once('exit', killOnExit);

  const stop = async (): Promise<void> => {
    process.removeListener('exit', killOnExit);
    if (!hasExited) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    watchdog.kill('SIGKILL');
    await waitUntilGone(pid);
  };

  const endpoint = `http://127.0.0.1:${port}`;
  const client = createDynamoClient({ ...clientConfig(endpoint, { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS }), maxAttempts: 1, requestTimeoutMs: 2000 });
  try {
    for (;;) {
      if (hasExited) throw new LocalModeError(`DynamoDB Local exited during start on port ${port}: ${output.trim()}`);
      if (Date.now() > deadline) throw new LocalModeError(`DynamoDB Local not ready on port ${port} in time: ${output.trim()}`);
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        break;
      } catch (e) {
        if (process.env.HL_DEBUG) console.error(e);
        await sleep(100);
      }
    }
  } catch (error) {
    await stop();
    throw error;
  } finally {
    client.destroy();
  }
  return { endpoint, pid, stop };
}

/** Resolves once no process has `pid` (signal 0 probes without signalling). */
async function waitUntilGone(pid: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (!isAlive(pid)) return;
    await sleep(50);
  }
  throw new LocalModeError(`process ${pid} is still alive`);
}

