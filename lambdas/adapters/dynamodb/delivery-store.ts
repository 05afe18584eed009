/**
 * Deliveries, one item each with its attempts inline (the worker's one write per attempt), keyed
 * by subscription and message (table-schema.ts): the id alone locates a record, and a
 * subscription's records are a time-ordered key range. Each has ONE KEYS_ONLY index entry (month
 * bucket, status set, shard) for the searches no key answers.
 *
 * Searches, by the most selective filter given:
 * - `messageId`: the message's subscriptions give the record keys (BatchGet, paged over that list);
 * - `subscriptionId`: that subscription's record partitions, merged by delivery id;
 * - the rest (tenant, event type, status, none): the month index, filters applied to the items.
 *   Not the tenant's subscriptions: a fallback subscription (routing.ts) receives the events of
 *   tenants that matched no route, so a tenant's records may lie under any fallback subscription,
 *   and no key lists those (nor the ones deleted or no longer fallback since).
 * The other filters are applied to the items. A cursor names its path and is refused on another.
 */
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { forEachLimited } from '../../core/concurrency.js';
import { deliveryIdFor, messageIdsBetween, parseDeliveryId } from '../../core/ids.js';
import type { Delivery, DeliveryId, MessageId, SubscriptionId } from '../../core/model.js';
import type { DeliveryQuery, DeliveryStore, Page } from '../../core/ports.js';
import { getRecords } from './batch.js';
import { cursorPosition, pageFromShards, pageOfKeys, type PagedKey } from './sharded-pages.js';
import { dynamo, expiryAfter, getRecord, isConditionFailure, withoutKeys, type Item, type Key, type StoreOptions } from './table-access.js';
import {
  DELIVERY_INDEX,
  DELIVERY_INDEX_SHARDS,
  deliveryIndexKeys,
  deliveryIndexPartition,
  deliveryIndexSet,
  deliveryRecordKey,
  KEY_PREFIX,
  subscriptionRecordPartitions,
  type DeliveryIndexSet,
} from './table-schema.js';

const CREATE_CONCURRENCY = 16;
/** A delivery index sort key: `{createdAt}#{id}` (what a month-index cursor may point at). */
const INDEX_SORT_KEY = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z#dlv_[0-9A-Z]{52}$/;
/** Records written before message ids took intake's clock may carry an id a few ms past `createdAt`: key ranges are widened by this, items filtered exactly. */
const ID_TIME_MARGIN_MS = 1_000;

/** The record key of a delivery id; undefined for anything that is not one (never found). */
function deliveryKey(id: string): Key | undefined {
  const pair = parseDeliveryId(id);
  return pair === undefined ? undefined : deliveryRecordKey(pair);
}

const decodeDelivery = (item: Item): Delivery | undefined => (item.kind === 'delivery' ? withoutKeys<Delivery>(item) : undefined);

/** A search's clamped time window, order and item filter. */
interface SearchWindow {
  since: string;
  until: string;
  ascending: boolean;
  accept: (d: Delivery) => boolean;
}

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

  async get(id: DeliveryId): Promise<Delivery | undefined> {
    const key = deliveryKey(id);
    return key === undefined ? undefined : getRecord(this.options, key, decodeDelivery);
  }

  getMany(ids: readonly DeliveryId[]): Promise<Map<DeliveryId, Delivery>> {
    return getRecords(this.options, ids.filter((id) => deliveryKey(id) !== undefined), (id) => deliveryKey(id) as Key, decodeDelivery);
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

  /** Async so that a bad cursor is a rejected promise, never a synchronous throw. */
  async list(query: DeliveryQuery): Promise<Page<Delivery>> {
    const window = this.window(query);
    if (query.messageId !== undefined) return this.listByMessage(query, query.messageId, window);
    if (query.subscriptionId !== undefined) return this.listBySubscriptions(query, [query.subscriptionId], window);
    return this.listByMonth(query, window);
  }

  /** The query's time window and filters. */
  private window(query: DeliveryQuery): SearchWindow {
    // Clamped to the retention window (plus TTL's deletion lag): nothing lives outside it, and an
    // unbounded range would mean millions of buckets built for one request.
    const now = Date.now();
    const [earliest, latest] = [now - (this.options.retentionDays + 2) * 86_400_000, now + 86_400_000];
    const within = (iso: string | undefined, fallback: number) =>
      new Date(Math.min(latest, Math.max(earliest, iso === undefined ? fallback : Date.parse(iso)))).toISOString();
    const until = within(query.until, now + 60_000);
    const since = within(query.since, now - this.options.retentionDays * 86_400_000);
    const accept = (d: Delivery) =>
      (query.subscriptionId === undefined || d.subscriptionId === query.subscriptionId) &&
      (query.tenant === undefined || d.tenant === query.tenant) &&
      (query.eventType === undefined || d.eventType === query.eventType) &&
      (query.status === undefined || d.status === query.status) &&
      (query.messageId === undefined || d.messageId === query.messageId) &&
      d.createdAt >= since &&
      d.createdAt < until;
    return { since, until, ascending: query.ascending ?? false, accept };
  }

  /** Searches without subscription or message: the month index's shards, merged by `{createdAt}#{id}`. */
  private listByMonth(query: DeliveryQuery, window: SearchWindow): Promise<Page<Delivery>> {
    return pageFromShards(this.options, {
      index: DELIVERY_INDEX,
      via: 'i',
      buckets: bucketPartitions(window.since, window.until, window.ascending, query.status, this.options.deliveryIndexShards ?? DELIVERY_INDEX_SHARDS),
      from: window.since,
      to: window.until,
      ascending: window.ascending,
      limit: query.limit,
      ...(query.cursor !== undefined && { cursor: query.cursor }),
      isPosition: (sortKey) => INDEX_SORT_KEY.test(sortKey),
      decode: decodeDelivery,
      accept: window.accept,
    });
  }

  /** The record partitions of `subscriptions`, merged by delivery id (message time, then subscription). */
  private listBySubscriptions(query: DeliveryQuery, subscriptions: readonly string[], window: SearchWindow): Promise<Page<Delivery>> {
    const ids = messageIdsBetween(Date.parse(window.since) - ID_TIME_MARGIN_MS, Date.parse(window.until) + ID_TIME_MARGIN_MS);
    return pageFromShards(this.options, {
      via: 's',
      buckets: [subscriptions.flatMap(subscriptionRecordPartitions)],
      from: ids.from,
      to: ids.to,
      ascending: window.ascending,
      limit: query.limit,
      ...(query.cursor !== undefined && { cursor: query.cursor }),
      isPosition: (position) => subscriptions.includes(parseDeliveryId(position)?.subscriptionId ?? ''),
      positionOf: (item) => deliveryIdFor(String(item.sk), String(item.subscriptionId)),
      sortKeyAt: (position) => `msg_${(parseDeliveryId(position) as { messageId: string }).messageId.slice(4)}`,
      decode: decodeDelivery,
      accept: window.accept,
    });
  }

  /** The records of one message: its subscriptions give their keys, read in delivery-id order. */
  private async listByMessage(query: DeliveryQuery, messageId: MessageId, window: SearchWindow): Promise<Page<Delivery>> {
    const spec = {
      via: 'm',
      limit: query.limit,
      ...(query.cursor !== undefined && { cursor: query.cursor }),
      isPosition: (position: string) => parseDeliveryId(position)?.messageId === messageId,
      decode: decodeDelivery,
      accept: window.accept,
    };
    const after = cursorPosition(spec);
    const ids = (await this.routedSubscriptions(messageId)).map((s) => deliveryIdFor(messageId, s)).sort();
    if (!window.ascending) ids.reverse();
    const rest = after === undefined ? ids : ids.filter((id) => (window.ascending ? id > after : id < after));
    async function* keys(): AsyncGenerator<PagedKey> {
      for (const id of rest) yield { key: deliveryKey(id) as Key, position: id };
    }
    return pageOfKeys(this.options, spec, keys(), 100);
  }

  /** The subscriptions a message was routed to (none if it expired). */
  private async routedSubscriptions(messageId: MessageId): Promise<SubscriptionId[]> {
    const out = await dynamo('GetItem', () =>
      this.options.client.send(
        new GetCommand({
          TableName: this.options.tableName,
          Key: { pk: `${KEY_PREFIX.message}${messageId}`, sk: 'META' },
          ProjectionExpression: 'subscriptionIds',
        }),
      ),
    );
    const ids: unknown = out.Item?.subscriptionIds;
    return Array.isArray(ids) ? (ids as SubscriptionId[]) : [];
  }

  private item(delivery: Delivery): Item {
    return {
      ...deliveryRecordKey(delivery),
      kind: 'delivery',
      expiresAt: expiryAfter(delivery.createdAt, this.options.retentionDays),
      ...deliveryIndexKeys(delivery, this.options.deliveryIndexShards ?? DELIVERY_INDEX_SHARDS),
      ...delivery,
    };
  }
}
