/**
 * Deliveries, one item each with its attempts inline (the worker's one write per attempt).
 * Each has ONE KEYS_ONLY index entry (table-schema.ts: month bucket, status set, shard); searches
 * merge the shards by time and filter subscription, tenant, type, status and message on the items.
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { forEachLimited } from '../../core/concurrency.js';
import type { Delivery, DeliveryId } from '../../core/model.js';
import type { DeliveryQuery, DeliveryStore, Page } from '../../core/ports.js';
import { getRecords } from './batch.js';
import { pageFromShards } from './sharded-pages.js';
import { dynamo, expiryAfter, getRecord, isConditionFailure, withoutKeys, type Item, type Key, type StoreOptions } from './table-access.js';
import {
  DELIVERY_INDEX,
  DELIVERY_INDEX_SHARDS,
  deliveryIndexKeys,
  deliveryIndexPartition,
  deliveryIndexSet,
  KEY_PREFIX,
  type DeliveryIndexSet,
} from './table-schema.js';

const deliveryKey = (id: string): Key => ({ pk: `${KEY_PREFIX.delivery}${id}`, sk: 'META' });
const CREATE_CONCURRENCY = 16;
/** A delivery index sort key: `{createdAt}#{id}` (what a cursor may point at). */
const INDEX_SORT_KEY = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z#dlv_[A-Za-z0-9_-]{26}$/;

const decodeDelivery = (item: Item): Delivery | undefined => (item.kind === 'delivery' ? withoutKeys<Delivery>(item) : undefined);

/** The UTC months (yyyy-mm) that [since, until] touches, oldest first. */
export function utcMonths(since: string, until: string): string[] {
  const months: string[] = [];
  const end = until.slice(0, 7);
  const cursor = new Date(`${since.slice(0, 7)}-01T00:00:00Z`);
  for (let month = since.slice(0, 7); month <= end; month = cursor.toISOString().slice(0, 7)) {
    months.push(month);
    cursor.setUTCMonth(cursor.getUTCMonth() + 1);
  }
  return months;
}

/**
 * The index partitions to walk for [since, until]: per month bucket (newest first unless
 * ascending), shards 0..shards-1 of the status sets the query can match (a status picks one set).
 * Records written under a smaller shard count lie in the lower shards, so they are walked too.
 */
function bucketPartitions(since: string, until: string, ascending: boolean, status: string | undefined, shards: number): string[][] {
  const sets: DeliveryIndexSet[] = status === undefined ? ['OK', 'NOK'] : [deliveryIndexSet(status)];
  const months = utcMonths(since, until);
  if (!ascending) months.reverse();
  return months.map((month) => sets.flatMap((set) => Array.from({ length: shards }, (_, shard) => deliveryIndexPartition(set, month, shard))));
}

export class DynamoDeliveryStore implements DeliveryStore {
  constructor(private readonly options: StoreOptions) {}

  /** Conditional puts: a delivery that already exists (a resumed fan-out) keeps its state. */
  async createMany(deliveries: readonly Delivery[]): Promise<void> {
    await forEachLimited(deliveries, CREATE_CONCURRENCY, async (delivery) => {
      try {
        await dynamo('PutItem', () =>
          this.options.client.send(
            new PutCommand({ TableName: this.options.tableName, Item: this.item(delivery), ConditionExpression: 'attribute_not_exists(pk)' }),
          ),
        );
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    });
  }

  get(id: DeliveryId): Promise<Delivery | undefined> {
    return getRecord(this.options, deliveryKey(id), decodeDelivery);
  }

  getMany(ids: readonly DeliveryId[]): Promise<Map<DeliveryId, Delivery>> {
    return getRecords(this.options, ids, deliveryKey, decodeDelivery);
  }

  /**
   * Conditional puts, never a roll-back: a state is written unless the table already holds a
   * newer one (a later generation, or a later attempt of this one). A slow batch that ends after
   * the retry it scheduled has already succeeded must not put the delivery back to `pending`
   * with no task left to run it.
   */
  putMany(deliveries: readonly Delivery[]): Promise<void> {
    return this.putUnless(deliveries, 'generation < :generation OR (generation = :generation AND attemptCount <= :attemptCount)', (d) => ({
      ':generation': d.generation,
      ':attemptCount': d.attemptCount,
    }));
  }

  openGenerations(deliveries: readonly Delivery[]): Promise<void> {
    return this.putUnless(deliveries, 'generation < :generation', (d) => ({ ':generation': d.generation }));
  }

  /** Puts each delivery that is new or for which `newer` holds; otherwise the stored state stays. */
  private async putUnless(deliveries: readonly Delivery[], newer: string, values: (d: Delivery) => Record<string, number>): Promise<void> {
    await forEachLimited(deliveries, CREATE_CONCURRENCY, async (delivery) => {
      try {
        await dynamo('PutItem', () =>
          this.options.client.send(
            new PutCommand({
              TableName: this.options.tableName,
              Item: this.item(delivery),
              ConditionExpression: `attribute_not_exists(pk) OR ${newer}`,
              ExpressionAttributeValues: values(delivery),
            }),
          ),
        );
      } catch (error) {
        if (!isConditionFailure(error)) throw error; // a newer state is stored: it stays
      }
    });
  }

  list(query: DeliveryQuery): Promise<Page<Delivery>> {
    const ascending = query.ascending ?? false;
    // Clamped to the retention window (plus TTL's deletion lag): nothing lives outside it, and an
    // unbounded range would mean millions of day buckets built for one request.
    const now = Date.now();
    const [earliest, latest] = [now - (this.options.retentionDays + 2) * 86_400_000, now + 86_400_000];
    const within = (iso: string | undefined, fallback: number) =>
      new Date(Math.min(latest, Math.max(earliest, iso === undefined ? fallback : Date.parse(iso)))).toISOString();
    const until = within(query.until, now + 60_000);
    const since = within(query.since, now - this.options.retentionDays * 86_400_000);
    return pageFromShards(this.options, {
      index: DELIVERY_INDEX,
      buckets: bucketPartitions(since, until, ascending, query.status, this.options.deliveryIndexShards ?? DELIVERY_INDEX_SHARDS),
      from: since,
      to: until,
      ascending,
      limit: query.limit,
      ...(query.cursor !== undefined && { cursor: query.cursor }),
      isPosition: (sortKey) => INDEX_SORT_KEY.test(sortKey),
      decode: decodeDelivery,
      accept: (d) =>
        (query.subscriptionId === undefined || d.subscriptionId === query.subscriptionId) &&
        (query.tenant === undefined || d.tenant === query.tenant) &&
        (query.eventType === undefined || d.eventType === query.eventType) &&
        (query.status === undefined || d.status === query.status) &&
        (query.messageId === undefined || d.messageId === query.messageId) &&
        d.createdAt >= since &&
        d.createdAt < until,
    });
  }

  private item(delivery: Delivery): Item {
    return {
      ...deliveryKey(delivery.id),
      kind: 'delivery',
      expiresAt: expiryAfter(delivery.createdAt, this.options.retentionDays),
      ...deliveryIndexKeys(delivery, this.options.deliveryIndexShards ?? DELIVERY_INDEX_SHARDS),
      ...delivery,
    };
  }
}
