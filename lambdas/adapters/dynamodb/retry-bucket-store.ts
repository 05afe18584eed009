/**
 * Retry buckets in the shared table: `RETRY#{bucket}` holds one `TASK#…` item per waiting retry
 * and a `META` item: the claim of arranging the bucket's sweep (a conditional put, so one
 * container arranges it), then how it is arranged. Items expire (TTL) a day
 * after the bucket's due minute: a swept bucket costs no deletes.
 */
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DeliveryTask } from '../../core/model.js';
import type { RetryBucketStore } from '../../core/ports.js';
import type { RetryBucket } from '../../core/retry-buckets.js';
import { parseQueueTask } from '../../core/tasks.js';
import { scheduleNameFor } from '../scheduler/schedule-name.js';
import { dynamo, isConditionFailure } from './table-access.js';

export interface RetryBucketStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
}

const PAGE_SIZE = 500;
const KEEP_AFTER_DUE_S = 86_400;
const partition = (bucketId: string) => `RETRY#${bucketId}`;
const expiresAt = (bucket: RetryBucket) => Math.floor(bucket.start / 1000) + KEEP_AFTER_DUE_S;

export class DynamoRetryBucketStore implements RetryBucketStore {
  constructor(private readonly options: RetryBucketStoreOptions) {}

  async add(bucket: RetryBucket, task: DeliveryTask): Promise<void> {
    const item = { pk: partition(bucket.id), sk: `TASK#${scheduleNameFor(task)}`, kind: 'retry-task', task: JSON.stringify(task), expiresAt: expiresAt(bucket) };
    await dynamo('PutItem', () => this.options.client.send(new PutCommand({ TableName: this.options.tableName, Item: item })));
  }

  async claim(bucket: RetryBucket, now: number, staleAfterMs: number): Promise<boolean> {
    const item = { pk: partition(bucket.id), sk: 'META', kind: 'retry-bucket', arranged: 'pending', claimedAt: now, expiresAt: expiresAt(bucket) };
    try {
      await dynamo('PutItem', () =>
        this.options.client.send(
          new PutCommand({
            TableName: this.options.tableName,
            Item: item,
            ConditionExpression: 'attribute_not_exists(pk) OR (arranged = :pending AND claimedAt < :stale)',
            ExpressionAttributeValues: { ':pending': 'pending', ':stale': now - staleAfterMs },
          }),
        ),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async markArranged(bucket: RetryBucket, via: 'schedule' | 'queue'): Promise<void> {
    const item = { pk: partition(bucket.id), sk: 'META', kind: 'retry-bucket', arranged: via, expiresAt: expiresAt(bucket) };
    await dynamo('PutItem', () => this.options.client.send(new PutCommand({ TableName: this.options.tableName, Item: item })));
  }

  async *pages(bucketId: string): AsyncIterable<DeliveryTask[]> {
    let start: Record<string, unknown> | undefined;
    do {
      const out = await dynamo('Query', () =>
        this.options.client.send(
          new QueryCommand({
            TableName: this.options.tableName,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :task)',
            ExpressionAttributeValues: { ':pk': partition(bucketId), ':task': 'TASK#' },
            Limit: PAGE_SIZE,
            ...(start !== undefined && { ExclusiveStartKey: start }),
          }),
        ),
      );
      const tasks = (out.Items ?? []).map((item) => parseQueueTask(String(item.task)) as DeliveryTask);
      if (tasks.length > 0) yield tasks;
      start = out.LastEvaluatedKey;
    } while (start !== undefined);
  }

  async isSwept(bucketId: string): Promise<boolean> {
    const out = await dynamo('GetItem', () =>
      this.options.client.send(new GetCommand({ TableName: this.options.tableName, Key: { pk: partition(bucketId), sk: 'META' }, ConsistentRead: true })),
    );
    return out.Item?.swept === true;
  }

  async markSwept(bucketId: string): Promise<void> {
    await dynamo('UpdateItem', () =>
      this.options.client.send(
        new UpdateCommand({ TableName: this.options.tableName, Key: { pk: partition(bucketId), sk: 'META' }, UpdateExpression: 'SET swept = :t', ExpressionAttributeValues: { ':t': true } }),
      ),
    );
  }

  async remove(bucket: RetryBucket, task: DeliveryTask): Promise<void> {
    await dynamo('DeleteItem', () =>
      this.options.client.send(new DeleteCommand({ TableName: this.options.tableName, Key: { pk: partition(bucket.id), sk: `TASK#${scheduleNameFor(task)}` } })),
    );
  }
}
