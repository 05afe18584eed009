/** The one place that builds AWS SDK clients: shared keep-alive agents, timeouts, standard retries. */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { S3ObjectClient } from './s3/object-client.js';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface AwsClientConfig {
  region: string;
  /** A custom endpoint (local engines); absent in AWS. */
  endpoint?: string;
  /** Static credentials (local engines); absent in AWS, where the default provider chain applies. */
  credentials?: AwsCredentials;
  /** SDK attempts per call, including the first (standard retry mode with backoff). @default 4 */
  maxAttempts?: number;
  /** Path-style S3 URLs (required by the local S3 emulator). @default false */
  forcePathStyle?: boolean;
  /** Socket connect timeout in ms. @default 3000 */
  connectionTimeoutMs?: number;
  /** Per-request socket timeout in ms. @default 10000 */
  requestTimeoutMs?: number;
}

// One pair of keep-alive agents per process: Lambda reuses connections across invocations.
let agents: { httpAgent: HttpAgent; httpsAgent: HttpsAgent } | undefined;
function sharedAgents(): { httpAgent: HttpAgent; httpsAgent: HttpsAgent } {
  agents ??= {
    httpAgent: new HttpAgent({ keepAlive: true, maxSockets: 64 }),
    httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: 64 }),
  };
  return agents;
}

/**
 * Without `throwOnRequestTimeout` smithy only logs a warning when `requestTimeout` passes, and no
 * socket timeout applies: a call whose answer never comes would hold the invocation until Lambda's
 * own timeout. With it, the call fails with a `TimeoutError` (transient: the standard retries apply).
 * A long poll passes its own, longer `requestTimeout` per call (local/worker-loop.ts).
 */
function requestHandlerOptions(config: AwsClientConfig) {
  return {
    ...sharedAgents(),
    connectionTimeout: config.connectionTimeoutMs ?? 3000,
    requestTimeout: config.requestTimeoutMs ?? 10_000,
    throwOnRequestTimeout: true,
  };
}

/** The settings every SDK client gets (exported for local mode's and the tests' full S3 client). */
export function sdkClientConfig(config: AwsClientConfig) {
  return {
    region: config.region,
    ...(config.endpoint !== undefined && { endpoint: config.endpoint }),
    ...(config.credentials !== undefined && { credentials: config.credentials }),
    maxAttempts: config.maxAttempts ?? 4,
    retryMode: 'standard',
    requestHandler: requestHandlerOptions(config),
  };
}

export function createDynamoClient(config: AwsClientConfig): DynamoDBClient {
  return new DynamoDBClient(sdkClientConfig(config));
}

/** Document client over a DynamoDB client; `undefined` attributes are dropped, never stored. */
export function createDocumentClient(config: AwsClientConfig | DynamoDBClient): DynamoDBDocumentClient {
  const client = config instanceof DynamoDBClient ? config : createDynamoClient(config);
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
    unmarshallOptions: { wrapNumbers: false },
  });
}

export function createSqsClient(config: AwsClientConfig): SQSClient {
  return new SQSClient(sdkClientConfig(config));
}

/**
 * PutObject/GetObject without `@aws-sdk/client-s3` (see s3/object-client.ts), with the same
 * agents, timeouts, attempts and credentials as the SDK clients. Local mode's bucket set-up and the
 * tests use the full SDK client (local/s3-sdk-client.ts).
 */
export function createS3ObjectClient(config: AwsClientConfig): S3ObjectClient {
  return new S3ObjectClient({
    region: config.region,
    ...(config.endpoint !== undefined && { endpoint: config.endpoint }),
    forcePathStyle: config.forcePathStyle ?? false,
    credentials: config.credentials ?? defaultProvider(),
    httpHandler: new NodeHttpHandler(requestHandlerOptions(config)),
    maxAttempts: config.maxAttempts ?? 4,
  });
}

export function createSnsClient(config: AwsClientConfig): SNSClient {
  return new SNSClient(sdkClientConfig(config));
}

export function createSchedulerClient(config: AwsClientConfig): SchedulerClient {
  return new SchedulerClient(sdkClientConfig(config));
}

export function createKmsClient(config: AwsClientConfig): KMSClient {
  return new KMSClient(sdkClientConfig(config));
}
