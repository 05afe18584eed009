/**
 * Deliveries, one item each with its attempts inline (the worker's one write per attempt).
 * Searched through three KEYS_ONLY indexes: by subscription, by tenant, and by day of creation.
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { forEachLimited } from '../../core/concurrency.js';
import type { Delivery, DeliveryId } from '../../core/model.js';
import type { DeliveryQuery, DeliveryStore, Page } from '../../core/ports.js';
import { getRecords } from './batch.js';
import { pageFromIndex, utcDays, type IndexPageSpec } from './index-pages.js';
import { dynamo, expiryAfter, getRecord, isConditionFailure, withoutKeys, type Item, type Key, type StoreOptions } from './table-access.js';
import { KEY_PREFIX } from './table-schema.js';

const deliveryKey = (id: string): Key => ({ pk: `${KEY_PREFIX.delivery}${id}`, sk: 'META' });
const dayPartition = (iso: string) => `DLV#DAY#${iso.slice(0, 10)}`;
const CREATE_CONCURRENCY = 16;

const decodeDelivery = (item: Item): Delivery | undefined => (item.kind === 'delivery' ? withoutKeys<Delivery>(item) : undefined);

/**
 * Day buckets (newest first unless ascending) covering [since, until). Days, not hours: an
 * unfiltered search of a 30-day window probes 31 buckets, not 720.
 */
function dayPartitions(since: string, until: string, ascending: boolean): string[] {
  const days = utcDays(since, until).map(dayPartition);
  return ascending ? days : days.reverse();
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
    const spec: Omit<IndexPageSpec<Delivery>, 'index' | 'partitions'> = {
      from: since,
      to: until,
      ascending,
      limit: query.limit,
      ...(query.cursor !== undefined && { cursor: query.cursor }),
      decode: decodeDelivery,
      accept: (d) =>
        (query.subscriptionId === undefined || d.subscriptionId === query.subscriptionId) &&
        (query.tenant === undefined || d.tenant === query.tenant) &&
        (query.eventType === undefined || d.eventType === query.eventType) &&
        (query.status === undefined || d.status === query.status) &&
        (query.messageId === undefined || d.messageId === query.messageId) &&
        d.createdAt >= since &&
        d.createdAt < until,
    };
    if (query.subscriptionId !== undefined) return pageFromIndex(this.options, { ...spec, index: 'gsi1', partitions: [`DLV#SUB#${query.subscriptionId}`] });
    if (query.tenant !== undefined) return pageFromIndex(this.options, { ...spec, index: 'gsi2', partitions: [`DLV#TENANT#${query.tenant}`] });
    return pageFromIndex(this.options, { ...spec, index: 'gsi3', partitions: dayPartitions(since, until, ascending) });
  }

  private item(delivery: Delivery): Item {
    const sortKey = `${delivery.createdAt}#${delivery.id}`;
    return {
      ...deliveryKey(delivery.id),
      kind: 'delivery',
      expiresAt: expiryAfter(delivery.createdAt, this.options.retentionDays),
      gsi1pk: `DLV#SUB#${delivery.subscriptionId}`,
      gsi1sk: sortKey,
      ...(delivery.tenant !== undefined && { gsi2pk: `DLV#TENANT#${delivery.tenant}`, gsi2sk: sortKey }),
      gsi3pk: dayPartition(delivery.createdAt),
      gsi3sk: sortKey,
      ...delivery,
    };
  }
}
