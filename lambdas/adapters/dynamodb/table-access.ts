/**
 * What every DynamoDB store shares: the table handle, TTL, error mapping and single reads.
 * Batches: ./batch.ts; index pages and cursors: ./index-pages.ts; item layout: ./table-schema.ts.
 */
import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { errorName, mapErrors } from '../errors.js';

export interface StoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** Messages, deliveries and jobs expire (DynamoDB TTL) this many days after creation. */
  retentionDays: number;
  /** Delivery index shards (table-schema.ts; only ever raised on a table). @default DELIVERY_INDEX_SHARDS (16) */
  deliveryIndexShards?: number;
}

export type Item = Record<string, unknown>;
export type Key = { pk: string; sk: string };

/** Epoch seconds `days` after `iso` (DynamoDB TTL is in seconds). */
export function expiryAfter(iso: string, days: number): number {
  return Math.floor(Date.parse(iso) / 1000) + days * 86_400;
}

/** Runs a DynamoDB call, mapping SDK errors to domain errors. */
export function dynamo<T>(operation: string, call: () => Promise<T>): Promise<T> {
  return mapErrors('dynamodb', operation, call);
}

/** Strips the table's own attributes from an item, leaving the domain record. */
export function withoutKeys<T>(item: Item): T {
  const { pk: _pk, sk: _sk, kind: _kind, expiresAt: _e, gsi1pk: _a, gsi1sk: _b, gsi2pk: _c, gsi2sk: _d, gsi3pk: _f, gsi3sk: _g, ...record } = item;
  return record as T;
}

/** A failed condition, raw or already mapped by `dynamo()` (which keeps the SDK error as cause). */
export function isConditionFailure(error: unknown): boolean {
  const cause = error instanceof Error ? error.cause : undefined;
  return errorName(error) === 'ConditionalCheckFailedException' || errorName(cause) === 'ConditionalCheckFailedException';
}

/** One item by key (strongly consistent), decoded; undefined when absent or of another kind. */
export async function getRecord<T>(options: StoreOptions, key: Key, decode: (item: Item) => T | undefined): Promise<T | undefined> {
  const out = await dynamo('GetItem', () => options.client.send(new GetCommand({ TableName: options.tableName, Key: key, ConsistentRead: true })));
  return out.Item === undefined ? undefined : decode(out.Item);
}
