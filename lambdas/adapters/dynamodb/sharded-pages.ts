/**
 * Pages over sharded, sorted partitions: every partition of a bucket is queried and the keys are
 * merged by position, so a page comes out in one global order. Positions are unique (an index's
 * `{time}#{id}`, or a record's delivery id), so the position after the last key examined is the
 * whole cursor: each partition resumes after it, whichever partition held it. The partitions are
 * a KEYS_ONLY index's (items by BatchGet) or the base table's (the query returns the items).
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ValidationError } from '../../core/errors.js';
import { batchGet } from './batch.js';
import { decodeCursor, encodeCursor } from './index-pages.js';
import { dynamo, type Item, type Key, type StoreOptions } from './table-access.js';
import type { IndexName } from './table-schema.js';

/** What a page is made of, whatever the source of its keys. */
export interface KeyPageSpec<T> {
  limit: number;
  cursor?: string;
  /** The cursor's path tag: a cursor of another path does not belong to the query. */
  via: string;
  /** Whether a cursor's position belongs to this query (checked before any read). */
  isPosition: (position: string) => boolean;
  decode: (item: Item) => T | undefined;
  accept: (record: T) => boolean;
}

export interface ShardedPageSpec<T> extends KeyPageSpec<T> {
  /** Undefined: the base table (pk / sk), whose query answers the items themselves. */
  index?: IndexName;
  /** The partitions of each time bucket, buckets in walk order (newest first unless ascending). */
  buckets: readonly (readonly string[])[];
  /** Sort-key range, inclusive. */
  from: string;
  to: string;
  ascending: boolean;
  /** An item's merge position (default: its sort key). */
  positionOf?: (item: Item) => string;
  /** The sort key a position sits at (default: the position itself). */
  sortKeyAt?: (position: string) => string;
}

export interface PagedKey {
  key: Key;
  position: string;
  /** The item, when the query already answered it (base table). */
  item?: Item;
}

/** Bounds the work of one list call; when reached, the page ends early with a cursor. */
export const MAX_KEYS_EXAMINED = 2_000;

/** One page of a sharded walk: merged keys in order, items, filters, and a cursor after the last key examined. */
export function pageFromShards<T>(options: StoreOptions, spec: ShardedPageSpec<T>): Promise<{ items: T[]; nextCursor?: string }> {
  const sortKeyAt = spec.sortKeyAt ?? ((position: string) => position);
  const after = cursorPosition(spec, (position) => {
    const sortKey = sortKeyAt(position);
    return sortKey >= spec.from && sortKey <= spec.to;
  });
  const groupSize = Math.min(100, Math.max(25, spec.limit + 1));
  return pageOfKeys(options, spec, mergedKeys(options, spec, after, groupSize), groupSize);
}

/** The position a cursor of `spec`'s path resumes after, else a 400 naming `cursor`. */
export function cursorPosition(spec: Pick<KeyPageSpec<unknown>, 'cursor' | 'via' | 'isPosition'>, inRange: (position: string) => boolean = () => true): string | undefined {
  const raw = decodeCursor(spec.cursor);
  if (raw === undefined) return undefined;
  const after = raw.after;
  const valid = Object.keys(raw).length === 2 && raw.via === spec.via && typeof after === 'string' && spec.isPosition(after) && inRange(after);
  if (!valid) throw new ValidationError([{ field: 'cursor', message: 'does not belong to this query' }]);
  return after;
}

/**
 * One page from keys in order: items (BatchGet for those the source did not answer), filters, and
 * a cursor after the last key examined. Keys are read one beyond a full page, so a page that ends
 * the listing says so instead of leading to an empty page.
 */
export async function pageOfKeys<T>(
  options: StoreOptions,
  spec: KeyPageSpec<T>,
  keys: AsyncIterator<PagedKey>,
  groupSize: number,
): Promise<{ items: T[]; nextCursor?: string }> {
  const items: T[] = [];
  const cursorAfter = (key: PagedKey) => encodeCursor({ via: spec.via, after: key.position });
  let examined = 0;
  let group = await take(keys, groupSize);
  while (group.length > 0) {
    const records = await recordsOf(options, spec, group);
    for (const [i, key] of group.entries()) {
      examined++;
      const record = records(key);
      if (record !== undefined) items.push(record);
      if (items.length >= spec.limit || examined >= MAX_KEYS_EXAMINED) {
        const nextCursor = cursorAfter(key);
        if (items.length < spec.limit) return { items, nextCursor };
        // A full page ends the listing (no cursor) only when nothing after it would be shown.
        const rest = group.slice(i + 1);
        if (rest.some((k) => records(k) !== undefined)) return { items, nextCursor };
        return (await take(keys, 1)).length === 0 ? { items } : { items, nextCursor };
      }
    }
    group = await take(keys, groupSize);
  }
  return { items };
}

const keyString = (key: Key) => `${key.pk}\u0000${key.sk}`;

async function recordsOf<T>(options: StoreOptions, spec: KeyPageSpec<T>, group: readonly PagedKey[]): Promise<(key: PagedKey) => T | undefined> {
  const missing = group.filter((k) => k.item === undefined).map((k) => k.key);
  const found = new Map(missing.length === 0 ? [] : (await batchGet(options, missing)).map((item) => [keyString({ pk: String(item.pk), sk: String(item.sk) }), item]));
  return (key) => {
    const item = key.item ?? found.get(keyString(key.key));
    const record = item === undefined ? undefined : spec.decode(item);
    return record !== undefined && spec.accept(record) ? record : undefined;
  };
}

async function take(source: AsyncIterator<PagedKey>, count: number): Promise<PagedKey[]> {
  const out: PagedKey[] = [];
  while (out.length < count) {
    const next = await source.next();
    if (next.done === true) break;
    out.push(next.value);
  }
  return out;
}

interface Shard {
  partition: string;
  buffer: PagedKey[];
  start?: Item;
  done: boolean;
}

interface ShardRange {
  from: string;
  to: string;
  pageSize: number;
  /** Only positions strictly beyond this one (in walk order) are yielded. */
  after: string | undefined;
}

/**
 * A k-way merge over each bucket's shards: a shard is read (a page at a time, in parallel with the
 * other empty ones) only when its buffer is empty, and the next key is the smallest (largest, newest
 * first) head, so no key is yielded before one that sorts ahead of it in another shard.
 */
async function* mergedKeys<T>(options: StoreOptions, spec: ShardedPageSpec<T>, after: string | undefined, pageSize: number): AsyncGenerator<PagedKey> {
  const before = (a: string, b: string) => (spec.ascending ? a < b : a > b);
  const resumeAt = after === undefined ? undefined : (spec.sortKeyAt ?? ((p: string) => p))(after);
  const [from, to] = resumeAt === undefined ? [spec.from, spec.to] : spec.ascending ? [resumeAt, spec.to] : [spec.from, resumeAt];
  for (const partitions of spec.buckets) {
    const shards: Shard[] = partitions.map((partition) => ({ partition, buffer: [], done: false }));
    for (;;) {
      await Promise.all(shards.filter((s) => s.buffer.length === 0 && !s.done).map((s) => readShard(options, spec, s, { from, to, pageSize, after })));
      let next: Shard | undefined;
      for (const shard of shards) {
        const head = shard.buffer[0];
        if (head !== undefined && (next === undefined || before(head.position, (next.buffer[0] as PagedKey).position))) next = shard;
      }
      if (next === undefined) break;
      yield next.buffer.shift() as PagedKey;
    }
  }
}

async function readShard<T>(options: StoreOptions, spec: ShardedPageSpec<T>, shard: Shard, range: ShardRange): Promise<void> {
  const [pk, sk] = spec.index === undefined ? ['pk', 'sk'] : [`${spec.index}pk`, `${spec.index}sk`];
  const out = await dynamo('Query', () =>
    options.client.send(
      new QueryCommand({
        TableName: options.tableName,
        ...(spec.index !== undefined && { IndexName: spec.index }),
        KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
        ExpressionAttributeNames: { '#pk': pk, '#sk': sk },
        ExpressionAttributeValues: { ':pk': shard.partition, ':from': range.from, ':to': range.to },
        ScanIndexForward: spec.ascending,
        Limit: range.pageSize,
        ...(shard.start !== undefined && { ExclusiveStartKey: shard.start }),
      }),
    ),
  );
  const beyond = (position: string) => range.after === undefined || (spec.ascending ? position > range.after : position < range.after);
  for (const item of (out.Items ?? []) as Item[]) {
    const position = spec.positionOf?.(item) ?? String(item[sk]);
    // BETWEEN is inclusive: the cursor's own key (and, on a shared sort key, those before it) were already examined.
    if (!beyond(position)) continue;
    const key = { pk: String(item.pk), sk: String(item.sk) };
    shard.buffer.push(spec.index === undefined ? { key, position, item } : { key, position });
  }
  shard.start = out.LastEvaluatedKey as Item | undefined;
  shard.done = shard.start === undefined;
}
