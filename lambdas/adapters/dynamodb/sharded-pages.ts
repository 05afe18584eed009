/**
 * Pages over a sharded, time-bucketed KEYS_ONLY index: every shard of a bucket is queried and the
 * keys are merged by sort key, so a page comes out in one global order. Sort keys are unique
 * (`{time}#{id}`), so the position after the last key examined is the whole cursor: each shard
 * resumes after it, whichever shard held it.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ValidationError } from '../../core/errors.js';
import { batchGet } from './batch.js';
import { decodeCursor, encodeCursor } from './index-pages.js';
import { dynamo, type Item, type Key, type StoreOptions } from './table-access.js';
import type { IndexName } from './table-schema.js';

export interface ShardedPageSpec<T> {
  index: IndexName;
  /** The partitions of each time bucket, buckets in walk order (newest first unless ascending). */
  buckets: readonly (readonly string[])[];
  /** Sort-key range, inclusive. */
  from: string;
  to: string;
  ascending: boolean;
  limit: number;
  cursor?: string;
  /** Whether a cursor's position is a sort key this index can hold (checked before any query). */
  isPosition: (sortKey: string) => boolean;
  decode: (item: Item) => T | undefined;
  accept: (record: T) => boolean;
}

interface IndexKey {
  key: Key;
  sortKey: string;
}

/** Bounds the work of one list call; when reached, the page ends early with a cursor. */
const MAX_KEYS_EXAMINED = 2_000;

/** One page: merged keys in order, items by BatchGet, filters, and a cursor after the last key examined. */
export async function pageFromShards<T>(options: StoreOptions, spec: ShardedPageSpec<T>): Promise<{ items: T[]; nextCursor?: string }> {
  const after = cursorPosition(spec);
  const groupSize = Math.min(100, Math.max(25, spec.limit + 1));
  const keys = mergedKeys(options, spec, after, groupSize);
  const items: T[] = [];
  let examined = 0;
  let group = await take(keys, groupSize);
  while (group.length > 0) {
    const records = await recordsOf(options, spec, group);
    for (const [i, key] of group.entries()) {
      examined++;
      const record = records(key);
      if (record !== undefined) items.push(record);
      if (items.length >= spec.limit || examined >= MAX_KEYS_EXAMINED) {
        const nextCursor = encodeCursor({ after: key.sortKey });
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

async function recordsOf<T>(options: StoreOptions, spec: ShardedPageSpec<T>, group: readonly IndexKey[]): Promise<(key: IndexKey) => T | undefined> {
  const found = new Map((await batchGet(options, group.map((k) => k.key))).map((item) => [`${String(item.pk)}\u0000${String(item.sk)}`, item]));
  return (key) => {
    const item = found.get(`${key.key.pk}\u0000${key.key.sk}`);
    const record = item === undefined ? undefined : spec.decode(item);
    return record !== undefined && spec.accept(record) ? record : undefined;
  };
}

async function take(source: AsyncIterator<IndexKey>, count: number): Promise<IndexKey[]> {
  const out: IndexKey[] = [];
  while (out.length < count) {
    const next = await source.next();
    if (next.done === true) break;
    out.push(next.value);
  }
  return out;
}

interface Shard {
  partition: string;
  buffer: IndexKey[];
  start?: Item;
  done: boolean;
}

/**
 * A k-way merge over each bucket's shards: a shard is read (a page at a time, in parallel with the
 * other empty ones) only when its buffer is empty, and the next key is the smallest (largest, newest
 * first) head, so no key is yielded before one that sorts ahead of it in another shard.
 */
async function* mergedKeys<T>(options: StoreOptions, spec: ShardedPageSpec<T>, after: string | undefined, pageSize: number): AsyncGenerator<IndexKey> {
  const before = (a: string, b: string) => (spec.ascending ? a < b : a > b);
  const [from, to] = after === undefined ? [spec.from, spec.to] : spec.ascending ? [after, spec.to] : [spec.from, after];
  for (const partitions of spec.buckets) {
    const shards: Shard[] = partitions.map((partition) => ({ partition, buffer: [], done: false }));
    for (;;) {
      await Promise.all(shards.filter((s) => s.buffer.length === 0 && !s.done).map((s) => readShard(options, spec, s, { from, to, pageSize, after })));
      let next: Shard | undefined;
      for (const shard of shards) {
        const head = shard.buffer[0];
        if (head !== undefined && (next === undefined || before(head.sortKey, (next.buffer[0] as IndexKey).sortKey))) next = shard;
      }
      if (next === undefined) break;
      yield next.buffer.shift() as IndexKey;
    }
  }
}

async function readShard<T>(
  options: StoreOptions,
  spec: ShardedPageSpec<T>,
  shard: Shard,
  range: { from: string; to: string; pageSize: number; after: string | undefined },
): Promise<void> {
  const [pk, sk] = [`${spec.index}pk`, `${spec.index}sk`];
  const out = await dynamo('Query', () =>
    options.client.send(
      new QueryCommand({
        TableName: options.tableName,
        IndexName: spec.index,
        KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
        ExpressionAttributeNames: { '#pk': pk, '#sk': sk },
        ExpressionAttributeValues: { ':pk': shard.partition, ':from': range.from, ':to': range.to },
        ScanIndexForward: spec.ascending,
        Limit: range.pageSize,
        ...(shard.start !== undefined && { ExclusiveStartKey: shard.start }),
      }),
    ),
  );
  for (const item of (out.Items ?? []) as Item[]) {
    const sortKey = String(item[sk]);
    // BETWEEN is inclusive: the cursor's own key (in whichever shard holds it) was already examined.
    if (sortKey !== range.after) shard.buffer.push({ key: { pk: String(item.pk), sk: String(item.sk) }, sortKey });
  }
  shard.start = out.LastEvaluatedKey as Item | undefined;
  shard.done = shard.start === undefined;
}

/** The cursor's position: a sort key in this query's range that the index can hold, else a 400. */
function cursorPosition(spec: Pick<ShardedPageSpec<unknown>, 'cursor' | 'from' | 'to' | 'isPosition'>): string | undefined {
  const raw = decodeCursor(spec.cursor);
  if (raw === undefined) return undefined;
  const after = raw.after;
  const valid = Object.keys(raw).length === 1 && typeof after === 'string' && spec.isPosition(after) && after >= spec.from && after <= spec.to;
  if (!valid) throw new ValidationError([{ field: 'cursor', message: 'does not belong to this query' }]);
  return after;
}
