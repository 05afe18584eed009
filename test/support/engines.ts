/**
 * Test-file access to the run's shared engines: SDK clients, plus a fresh table, queue pair,
 * bucket and topic per call (unique names, same schema) so test files never see each other's data.
 */
import { randomBytes } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, inject } from 'vitest';
import {
  createDocumentClient,
  createDynamoClient,
  createSnsClient,
  createSqsClient,
  type AwsClientConfig,
} from '../../lambdas/adapters/aws-clients.js';
import { clientConfig, provisionResources, resourceNamesFor, type ResourceCoordinates } from '../../local/engines.js';
import { createS3Client } from '../../local/s3-sdk-client.js';
import type { ProvidedEngines } from './global-setup.js';

export interface TestEngines {
  engines: ProvidedEngines;
  /** This file's own resources. */
  names: ResourceCoordinates;
  dynamoConfig: AwsClientConfig;
  /** SQS, S3 (path style) and SNS. */
  fauxqsConfig: AwsClientConfig;
  dynamo: DynamoDBClient;
  doc: DynamoDBDocumentClient;
  sqs: SQSClient;
  s3: S3Client;
  sns: SNSClient;
  /** Destroys the clients (the engines keep running for other files). */
  close(): void;
}

/** A short unique prefix, valid in table, queue, bucket and topic names. */
export function uniquePrefix(label = 't'): string {
  return `${label}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`.toLowerCase();
}

export async function testEngines(label = 't'): Promise<TestEngines> {
  const engines = inject('engines');
  const names = await provisionResources(engines, resourceNamesFor(uniquePrefix(label)));
  const dynamoConfig = clientConfig(engines.dynamoEndpoint, engines);
  const fauxqsConfig = clientConfig(engines.sqsEndpoint, engines);
  const dynamo = createDynamoClient(dynamoConfig);
  const doc = createDocumentClient(dynamo);
  const sqs = createSqsClient(fauxqsConfig);
  const s3 = createS3Client(fauxqsConfig);
  const sns = createSnsClient(fauxqsConfig);
  return {
    engines,
    names,
    dynamoConfig,
    fauxqsConfig,
    dynamo,
    doc,
    sqs,
    s3,
    sns,
    close: () => {
      for (const client of [dynamo, sqs, s3, sns]) client.destroy();
    },
  };
}

/** Engines for the calling file: provisioned under `label` before all its tests (handed to `use`), closed after all. */
export function beforeAllEngines(label: string, use: (engines: TestEngines) => void): void {
  let engines: TestEngines | undefined;
  beforeAll(async () => {
    engines = await testEngines(label);
    use(engines);
  });
  afterAll(() => engines?.close());
}
