/**
 * Subscriptions with their route items and uniqueness claims. Every change to a subscription
 * rewrites its routes (and claims) in the same transaction, so intake never routes on half an update.
 */
import { GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { EnvelopeCipher } from '../../core/envelope.js';
import { ConcurrentUpdateError } from '../../core/errors.js';
import type { FailureStreak, Subscription, SubscriptionId } from '../../core/model.js';
import type { Page, RouteEntry, SubscriptionQuery, SubscriptionStore } from '../../core/ports.js';
import { ANY_EVENT_TYPE, ownsRoutes, routeKeys, tenantKeyOf, type RouteKey } from '../../core/routing.js';
import { claimKey, claimsOf, claimWrites, heldClaims, type Claim, type PlannedWrite, type TransactItem } from './uniqueness-claims.js';
import { errorName } from '../errors.js';
import { getRecords } from './batch.js';
import { pageFromIndex } from './index-pages.js';
import { dynamo, getRecord, isConditionFailure, withoutKeys, type Item, type Key, type StoreOptions } from './table-access.js';
import { KEY_PREFIX } from './table-schema.js';

const subscriptionKey = (id: string): Key => ({ pk: `SUB#${id}`, sk: 'META' });
const routePartition = (route: Pick<RouteKey, 'tenantKey' | 'eventType' | 'fallback'>) =>
  route.fallback ? `${KEY_PREFIX.fallbackRoute}${route.eventType}` : `${KEY_PREFIX.route}${route.tenantKey}#${route.eventType}`;

function routeItems(sub: Subscription): Map<string, Item> {
  const items = new Map<string, Item>();
  for (const route of routeKeys(sub)) {
    const pk = routePartition(route);
    items.set(pk, { pk, sk: sub.id, kind: 'route', subscriptionId: sub.id, status: sub.status });
  }
  return items;
}

/** What is sealed together: signing secrets, credentials and custom headers (which often carry API keys). */
type SealedPart = Pick<Subscription, 'secrets' | 'auth' | 'customHeaders'>;

/**
 * A subscription as stored: the `SealedPart` sealed. Plaintext `secrets`/`auth` only in items written
 * before sealing, plaintext `customHeaders` only in items written before custom headers were sealed.
 */
type StoredSubscription = Omit<Subscription, keyof SealedPart> & { sealed?: string } & Partial<SealedPart>;

const decodeStored = (item: Item): StoredSubscription | undefined => (item.kind === 'subscription' ? withoutKeys<StoredSubscription>(item) : undefined);

const sealedPartOf = ({ secrets, auth, customHeaders }: Subscription): SealedPart => ({ secrets, auth, customHeaders });

/** The item's attributes but its key and the sealed part, with the index keys and TTL derived from `sub`. */
function plainAttributes(sub: Subscription): Item {
  const { secrets: _secrets, auth: _auth, customHeaders: _customHeaders, ...rest } = sub;
  const sortKey = `${sub.createdAt}#${sub.id}`;
  return {
    kind: 'subscription',
    gsi1pk: 'SUBS',
    gsi1sk: sortKey,
    ...(sub.tenant !== undefined && { gsi2pk: `SUB#TENANT#${sub.tenant}`, gsi2sk: sortKey }),
    ...rest,
    // DynamoDB's TTL (epoch seconds) removes a deleted subscription after the retention period.
    ...(sub.retainedUntil !== undefined && { expiresAt: Math.floor(Date.parse(sub.retainedUntil) / 1000) }),
  };
}

/** Additional authenticated data: a sealed value opens only on the subscription it was written for. */
const sealContext = (id: string) => `subscription:${id}`;

export class DynamoSubscriptionStore implements SubscriptionStore {
  /** `cipher` seals every subscription's `secrets`, `auth` and `customHeaders` (envelope encryption, see core/envelope). */
  constructor(
    private readonly options: StoreOptions,
    private readonly cipher: EnvelopeCipher,
  ) {}

  private get table(): string {
    return this.options.tableName;
  }

  async create(sub: Subscription, options: { unique: boolean }): Promise<void> {
    const writes: PlannedWrite[] = [
      { item: { Put: { TableName: this.table, Item: await this.subscriptionItem(sub), ConditionExpression: 'attribute_not_exists(pk)' } } },
      ...[...routeItems(sub).values()].map((Item) => ({ item: { Put: { TableName: this.table, Item } } })),
      ...this.claimWrites(sub.id, [], options.unique ? claimsOf(sub) : []),
    ];
    await this.transact(writes, sub);
  }

  /** `next` claims under the rule, or when `prev` already held a claim (an upsert's, or the rule's before it was switched off). */
  async replace(prev: Subscription, next: Subscription, options: { unique: boolean }): Promise<void> {
    const before = routeItems(prev);
    const after = routeItems(next);
    const held = await heldClaims(this.options, prev);
    const writes: PlannedWrite[] = [
      { item: { Update: { TableName: this.table, Key: subscriptionKey(next.id), ...(await this.changesFrom(prev, next)) } } },
      ...[...before.keys()].filter((pk) => !after.has(pk)).map((pk) => ({ item: { Delete: { TableName: this.table, Key: { pk, sk: prev.id } } } })),
      ...[...after.values()].map((Item) => ({ item: { Put: { TableName: this.table, Item } } })),
      // A subscription its failure policy deleted releases every claim (and takes them again when restored).
      ...this.claimWrites(next.id, held, ownsRoutes(next) && (options.unique || held.length > 0) ? claimsOf(next) : []),
    ];
    await this.transact(writes, next);
  }

  async delete(sub: Subscription): Promise<void> {
    const held = await heldClaims(this.options, sub);
    const writes: PlannedWrite[] = [
      { item: { Delete: { TableName: this.table, Key: subscriptionKey(sub.id) } } },
      ...[...routeItems(sub).keys()].map((pk) => ({ item: { Delete: { TableName: this.table, Key: { pk, sk: sub.id } } } })),
      ...this.claimWrites(sub.id, held, []),
    ];
    await this.transact(writes, sub);
  }

  /** The subscription holding (tenant, event type) as a uniqueness claim, if any. */
  async claimHolder(tenant: string | undefined, eventType: string): Promise<SubscriptionId | undefined> {
    const item = await this.readItem(claimKey({ scope: { kind: 'tenant', tenantKey: tenantKeyOf(tenant) }, eventType }));
    return item?.subscriptionId as SubscriptionId | undefined;
  }

  async get(id: SubscriptionId): Promise<Subscription | undefined> {
    const stored = await getRecord(this.options, subscriptionKey(id), decodeStored);
    return stored === undefined ? undefined : this.reveal(stored);
  }

  async getMany(ids: readonly SubscriptionId[]): Promise<Map<SubscriptionId, Subscription>> {
    const stored = await getRecords(this.options, ids, subscriptionKey, decodeStored);
    const revealed = await Promise.all([...stored.values()].map((sub) => this.reveal(sub)));
    return new Map(revealed.map((sub) => [sub.id, sub]));
  }

  async list(query: SubscriptionQuery): Promise<Page<Subscription>> {
    const byTenant = query.tenant !== undefined;
    const page = await pageFromIndex(this.options, {
      index: byTenant ? 'gsi2' : 'gsi1',
      partitions: [byTenant ? `SUB#TENANT#${query.tenant}` : 'SUBS'],
      ascending: false,
      limit: query.limit,
      ...(query.cursor !== undefined && { cursor: query.cursor }),
      decode: decodeStored,
      // Subscriptions deleted by their policy are listed only when asked for (`status=deleted`).
      accept: (sub) =>
        (query.status === undefined ? sub.status !== 'deleted' : sub.status === query.status) &&
        (query.eventType === undefined || sub.eventTypes.includes(query.eventType) || sub.eventTypes.includes(ANY_EVENT_TYPE)),
    });
    return { ...page, items: await Promise.all(page.items.map((sub) => this.reveal(sub))) };
  }

  routes(tenant: string | undefined, eventType: string): Promise<RouteEntry[]> {
    const tenantKey = tenantKeyOf(tenant);
    return this.routeEntries([eventType, ANY_EVENT_TYPE].map((type) => routePartition({ tenantKey, eventType: type, fallback: false })));
  }

  fallbackRoutes(eventType: string): Promise<RouteEntry[]> {
    return this.routeEntries([eventType, ANY_EVENT_TYPE].map((type) => routePartition({ tenantKey: '', eventType: type, fallback: true })));
  }

  async recordFailure(id: SubscriptionId, failedAt: string): Promise<FailureStreak | undefined> {
    try {
      const out = await dynamo('UpdateItem', () =>
        this.options.client.send(
          new UpdateCommand({
            TableName: this.table,
            Key: subscriptionKey(id),
            // One atomic update: concurrent workers each see their own count, and the start is
            // set only by the failure that opened the streak.
            UpdateExpression: 'ADD consecutiveFailures :one SET failureStreakStartedAt = if_not_exists(failureStreakStartedAt, :at)',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeValues: { ':one': 1, ':at': failedAt },
            ReturnValues: 'UPDATED_NEW',
          }),
        ),
      );
      return { count: Number(out.Attributes?.consecutiveFailures ?? 0), startedAt: String(out.Attributes?.failureStreakStartedAt ?? failedAt) };
    } catch (error) {
      if (isConditionFailure(error)) return undefined; // deleted meanwhile: nothing to count
      throw error;
    }
  }

  async resetFailures(id: SubscriptionId): Promise<void> {
    try {
      await dynamo('UpdateItem', () =>
        this.options.client.send(
          new UpdateCommand({
            TableName: this.table,
            Key: subscriptionKey(id),
            UpdateExpression: 'SET consecutiveFailures = :zero REMOVE failureStreakStartedAt',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeValues: { ':zero': 0 },
          }),
        ),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  private async subscriptionItem(sub: Subscription): Promise<Item> {
    return { ...subscriptionKey(sub.id), ...plainAttributes(sub), sealed: await this.seal(sub.id, sealedPartOf(sub)) };
  }

  /**
   * An operator's change as an update of only the attributes it changes, on the condition that
   * `prev`'s version is still stored: the worker's breaker, streak and pacer attributes (written
   * without a version bump) that changed meanwhile are kept, not overwritten with the stale read.
   */
  private async changesFrom(prev: Subscription, next: Subscription) {
    const [before, after] = [plainAttributes(prev), plainAttributes(next)];
    const names: Record<string, string> = { '#version': 'version', '#sealed': 'sealed', '#secrets': 'secrets', '#auth': 'auth', '#customHeaders': 'customHeaders' };
    const values: Record<string, unknown> = {
      ':prevVersion': prev.version,
      ':sealed': await this.seal(next.id, sealedPartOf(next)),
    };
    const set = ['#sealed = :sealed'];
    // Plaintext copies of the sealed part exist only in items written before sealing.
    const remove = ['#secrets', '#auth', '#customHeaders'];
    for (const [i, name] of [...new Set([...Object.keys(before), ...Object.keys(after)])].entries()) {
      if (JSON.stringify(before[name]) === JSON.stringify(after[name])) continue;
      names[`#a${i}`] = name;
      if (after[name] === undefined) remove.push(`#a${i}`);
      else {
        values[`:a${i}`] = after[name];
        set.push(`#a${i} = :a${i}`);
      }
    }
    return {
      UpdateExpression: `SET ${set.join(', ')} REMOVE ${remove.join(', ')}`,
      ConditionExpression: 'attribute_exists(pk) AND #version = :prevVersion',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    };
  }

  private seal(id: string, part: SealedPart): Promise<string> {
    return this.cipher.seal(JSON.stringify(part), sealContext(id));
  }

  /** Opens the sealed part; an item holding any of it in plaintext (written before it was sealed) is sealed in place. */
  private async reveal(stored: StoredSubscription): Promise<Subscription> {
    const { sealed, secrets, auth, customHeaders, ...rest } = stored;
    const opened: Partial<SealedPart> = sealed === undefined ? { secrets: secrets ?? [], auth } : (JSON.parse(await this.cipher.open(sealed, sealContext(stored.id))) as Partial<SealedPart>);
    const part: SealedPart = {
      secrets: opened.secrets ?? [],
      ...(opened.auth !== undefined && { auth: opened.auth }),
      customHeaders: opened.customHeaders ?? customHeaders ?? {},
    };
    if (sealed === undefined || customHeaders !== undefined) await this.sealInPlace(stored, part);
    return { ...rest, ...part };
  }

  /** Migration of a plaintext item: sealed unless it changed meanwhile (then its writer sealed it). */
  private async sealInPlace(stored: StoredSubscription, part: SealedPart): Promise<void> {
    const sealed = await this.seal(stored.id, part);
    try {
      await dynamo('UpdateItem', () =>
        this.options.client.send(
          new UpdateCommand({
            TableName: this.table,
            Key: subscriptionKey(stored.id),
            UpdateExpression: 'SET sealed = :sealed REMOVE secrets, #auth, customHeaders',
            ConditionExpression: '#version = :version AND (attribute_not_exists(sealed) OR attribute_exists(customHeaders))',
            ExpressionAttributeNames: { '#version': 'version', '#auth': 'auth' },
            ExpressionAttributeValues: { ':sealed': sealed, ':version': stored.version },
          }),
        ),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  private async routeEntries(partitions: string[]): Promise<RouteEntry[]> {
    const entries: RouteEntry[] = [];
    for (const pk of partitions) {
      let start: Record<string, unknown> | undefined;
      do {
        const out = await dynamo('Query', () =>
          this.options.client.send(
            new QueryCommand({
              TableName: this.table,
              KeyConditionExpression: 'pk = :pk',
              ExpressionAttributeValues: { ':pk': pk },
              ProjectionExpression: 'subscriptionId, #status',
              ExpressionAttributeNames: { '#status': 'status' },
              ...(start !== undefined && { ExclusiveStartKey: start }),
            }),
          ),
        );
        for (const item of out.Items ?? []) entries.push({ subscriptionId: item.subscriptionId as SubscriptionId, status: item.status as RouteEntry['status'] });
        start = out.LastEvaluatedKey;
      } while (start !== undefined);
    }
    return entries;
  }

  private claimWrites(id: SubscriptionId, held: readonly Claim[], next: readonly Claim[]): PlannedWrite[] {
    return claimWrites(this.table, id, held, next, (key) => this.readItem(key));
  }

  private async readItem(key: Key): Promise<Item | undefined> {
    const out = await dynamo('GetItem', () => this.options.client.send(new GetCommand({ TableName: this.table, Key: key, ConsistentRead: true })));
    return out.Item;
  }

  /** Writes atomically; a failed condition becomes the domain error it means. */
  private async transact(writes: PlannedWrite[], sub: Subscription): Promise<void> {
    try {
      await this.options.client.send(new TransactWriteCommand({ TransactItems: writes.map((w) => w.item) }));
    } catch (error) {
      if (errorName(error) !== 'TransactionCanceledException') return dynamo('TransactWriteItems', () => Promise.reject(error));
      const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
      const failed = reasons.findIndex((r) => r.Code === 'ConditionalCheckFailed');
      const write = failed >= 0 ? writes[failed] : undefined;
      if (failed === 0 && (write?.item.Put?.Item?.kind === 'subscription' || write?.item.Update !== undefined)) {
        throw new ConcurrentUpdateError(`subscription ${sub.id} changed meanwhile`, { cause: error });
      }
      if (write?.conflict !== undefined) throw Object.assign(await write.conflict(), { cause: error });
      // A claim released or a route changed meanwhile: the caller re-reads and tries again.
      if (write !== undefined) throw new ConcurrentUpdateError(`subscription ${sub.id}'s claims changed meanwhile`, { cause: error });
      return dynamo('TransactWriteItems', () => Promise.reject(error));
    }
  }
}
