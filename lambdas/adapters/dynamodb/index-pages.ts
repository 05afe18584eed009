/** Pages over the KEYS_ONLY indexes: walks, filtered pages, and opaque cursors validated on the way back. */
import { QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { ValidationError } from '../../core/errors.js';
import { batchGet } from './batch.js';
import { dynamo, type Item, type Key, type StoreOptions } from './table-access.js';
import type { IndexName } from './table-schema.js';

/** Cursors are the index position, base64url JSON: opaque to clients, validated on the way back. */
export function encodeCursor(position: Item): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

export function decodeCursor(cursor: string | undefined, field = 'cursor'): Item | undefined {
  if (cursor === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((v) => typeof v === 'string')) {
      return value as Item;
    }
  } catch {
    // fall through to the validation error
  }
  throw new ValidationError([{ field, message: 'is not a cursor returned by this API' }]);
}

export interface IndexQuery {
  index: IndexName;
  partition: string;
  /** Sort-key range on the index, inclusive bounds. */
  from?: string;
  to?: string;
  ascending: boolean;
  startAfter?: Item;
}

/** The Query for one index partition and sort-key range. */
function indexQueryInput(options: StoreOptions, query: IndexQuery, limit: number): QueryCommandInput {
  const pk = `${query.index}pk`;
  const sk = `${query.index}sk`;
  const conditions = [`#pk = :pk`];
  const values: Record<string, string> = { ':pk': query.partition };
  if (query.from !== undefined && query.to !== undefined) {
    conditions.push('#sk BETWEEN :from AND :to');
    Object.assign(values, { ':from': query.from, ':to': query.to });
  } else if (query.from !== undefined) {
    conditions.push('#sk >= :from');
    values[':from'] = query.from;
  } else if (query.to !== undefined) {
    conditions.push('#sk <= :to');
    values[':to'] = query.to;
  }
  return {
    TableName: options.tableName,
    IndexName: query.index,
    KeyConditionExpression: conditions.join(' AND '),
    ExpressionAttributeNames: { '#pk': pk, ...(conditions.length > 1 && { '#sk': sk }) },
    ExpressionAttributeValues: values,
    ScanIndexForward: query.ascending,
    Limit: limit,
    ...(query.startAfter !== undefined && { ExclusiveStartKey: query.startAfter }),
  };
}

/**
 * Walks an index partition (KEYS_ONLY) and yields table keys in index order together with the
 * index position of each, so a caller can stop mid-page and hand out an exact cursor.
 */
export async function* walkIndex(options: StoreOptions, query: IndexQuery, pageSize: number): AsyncGenerator<{ key: Key; position: Item }> {
  const pk = `${query.index}pk`;
  const sk = `${query.index}sk`;
  let start = query.startAfter;
  do {
    const input = indexQueryInput(options, { ...query, ...(start !== undefined && { startAfter: start }) }, pageSize);
    const out = await dynamo('Query', () => options.client.send(new QueryCommand(input)));
    for (const item of (out.Items ?? []) as Item[]) {
      const key = { pk: String(item.pk), sk: String(item.sk) };
      yield { key, position: { pk: key.pk, sk: key.sk, [pk]: String(item[pk]), [sk]: String(item[sk]) } };
    }
    start = out.LastEvaluatedKey as Item | undefined;
  } while (start !== undefined);
}

/** Which of `partitions` hold at least one key in range: one-key queries, all at once. */
async function occupied(options: StoreOptions, query: Omit<IndexQuery, 'partition' | 'startAfter'>, partitions: readonly string[]): Promise<boolean[]> {
  return Promise.all(
    partitions.map(async (partition) => {
      const out = await dynamo('Query', () => options.client.send(new QueryCommand(indexQueryInput(options, { ...query, partition }, 1))));
      return (out.Items ?? []).length > 0;
    }),
  );
}

export interface IndexPageSpec<T> {
  index: IndexName;
  /** Index partitions to walk, in order (one, or time buckets newest/oldest first). */
  partitions: readonly string[];
  from?: string;
  to?: string;
  ascending: boolean;
  limit: number;
  cursor?: string;
  /** Turns a table item into the record (undefined: not of this kind, skipped). */
  decode: (item: Item) => T | undefined;
  /** Filters the index cannot express (status, event type…). */
  accept: (record: T) => boolean;
}

/** Bounds the work of one list call; when reached, the page ends early with a cursor. */
const MAX_KEYS_EXAMINED = 2_000;
const MAX_PARTITIONS_WALKED = 1_000;

/** Empty-bucket probes sent at once. */
const PROBE_WIDTH = 24;

interface CursorState {
  part: string;
  after?: Item;
}

/**
 * One page of records from a KEYS_ONLY index: keys in index order, items by BatchGet, filters
 * applied, and a cursor that resumes exactly after the last record examined. Keys are read one
 * beyond the page, so a page that ends the listing says so (no cursor) instead of leading to an
 * empty page; only when the keys after a full page are all filtered out and more may follow
 * does it hand out a cursor that can lead to an empty page.
 */
export async function pageFromIndex<T>(options: StoreOptions, spec: IndexPageSpec<T>): Promise<{ items: T[]; nextCursor?: string }> {
  const state = decodeCursorState(spec);
  const startIndex = state === undefined ? 0 : spec.partitions.indexOf(state.part);
  const items: T[] = [];
  let examined = 0;
  const pageSize = Math.min(100, Math.max(25, spec.limit + 1));
  const range = { index: spec.index, ascending: spec.ascending, ...(spec.from !== undefined && { from: spec.from }), ...(spec.to !== undefined && { to: spec.to }) };
  // Time-bucketed walks cross many empty buckets: probe them in parallel and skip the empty ones.
  const empty = new Set<number>();
  let probedUntil = startIndex + (state?.after !== undefined ? 1 : 0); // a resumed bucket is known to hold keys
  for (let p = startIndex; p < spec.partitions.length; p++) {
    const part = spec.partitions[p] as string;
    if (p - startIndex >= MAX_PARTITIONS_WALKED || examined >= MAX_KEYS_EXAMINED) return { items, nextCursor: encodeState({ part }) };
    if (spec.partitions.length > 1 && p >= probedUntil) {
      const window = spec.partitions.slice(p, p + PROBE_WIDTH);
      (await occupied(options, range, window)).forEach((full, i) => full || empty.add(p + i));
      probedUntil = p + window.length;
    }
    if (empty.has(p)) continue;
    const walker = walkIndex(
      options,
      {
        index: spec.index,
        partition: part,
        ascending: spec.ascending,
        ...(spec.from !== undefined && { from: spec.from }),
        ...(spec.to !== undefined && { to: spec.to }),
        ...(p === startIndex && state?.after !== undefined && { startAfter: state.after }),
      },
      pageSize,
    );
    for await (const keys of inGroups(walker, pageSize)) {
      const records = new Map((await batchGet(options, keys.map((k) => k.key))).map((item) => [`${String(item.pk)}\u0000${String(item.sk)}`, item]));
      const accepted = (key: Key): T | undefined => {
        const item = records.get(`${key.pk}\u0000${key.sk}`);
        const record = item === undefined ? undefined : spec.decode(item);
        return record !== undefined && spec.accept(record) ? record : undefined;
      };
      for (const [i, { key, position }] of keys.entries()) {
        examined++;
        const record = accepted(key);
        if (record !== undefined) items.push(record);
        if (items.length >= spec.limit || examined >= MAX_KEYS_EXAMINED) {
          // A short group is the end of its partition; with no partition after it, the listing ends here
          // unless a key left in this group is a record the caller would see.
          const lastKeys = keys.length < pageSize && p === spec.partitions.length - 1;
          const nothingFollows = items.length >= spec.limit && lastKeys && keys.slice(i + 1).every((k) => accepted(k.key) === undefined);
          return nothingFollows ? { items } : { items, nextCursor: encodeState({ part, after: position }) };
        }
      }
    }
  }
  return { items };
}

function encodeState(state: CursorState): string {
  return encodeCursor({ part: state.part, ...(state.after !== undefined && { after: JSON.stringify(state.after) }) });
}

function decodeCursorState(spec: Pick<IndexPageSpec<unknown>, 'cursor' | 'partitions' | 'index' | 'from' | 'to'>): CursorState | undefined {
  const raw = decodeCursor(spec.cursor);
  if (raw === undefined) return undefined;
  const part = raw.part;
  let after: unknown;
  try {
    after = typeof raw.after === 'string' ? JSON.parse(raw.after) : undefined;
  } catch {
    after = undefined;
  }
  const badAfter = raw.after !== undefined && (typeof part !== 'string' || !isStartPosition(after, spec, part));
  if (typeof part !== 'string' || !spec.partitions.includes(part) || badAfter) {
    throw new ValidationError([{ field: 'cursor', message: 'does not belong to this query' }]);
  }
  return { part, ...(after !== undefined && { after: after as Item }) };
}

/**
 * A forged position would reach DynamoDB as an invalid ExclusiveStartKey (a 500): accept only
 * exactly the table and index keys, as non-empty strings within key size, in this partition and range.
 */
function isStartPosition(after: unknown, spec: Pick<IndexPageSpec<unknown>, 'index' | 'from' | 'to'>, part: string): boolean {
  if (typeof after !== 'object' || after === null || Array.isArray(after)) return false;
  const position = after as Item;
  const names = ['pk', 'sk', `${spec.index}pk`, `${spec.index}sk`];
  const entries = Object.entries(position);
  const wellFormed =
    entries.length === names.length &&
    entries.every(([name, value]) => names.includes(name) && typeof value === 'string' && value !== '' && Buffer.byteLength(value) <= 1024);
  if (!wellFormed) return false;
  const sortKey = position[`${spec.index}sk`] as string;
  return position[`${spec.index}pk`] === part && (spec.from === undefined || sortKey >= spec.from) && (spec.to === undefined || sortKey <= spec.to);
}

async function* inGroups<T>(source: AsyncIterable<T>, size: number): AsyncGenerator<T[]> {
  let group: T[] = [];
  for await (const value of source) {
    group.push(value);
    if (group.length >= size) {
      yield group;
      group = [];
    }
  }
  if (group.length > 0) yield group;
}

/** The UTC days (yyyy-mm-dd) that [since, until] touches, oldest first: the buckets of time-bucketed indexes. */
export function utcDays(since: string, until: string): string[] {
  const days: string[] = [];
  const end = Date.parse(until);
  for (let t = Date.parse(since.slice(0, 10)); t <= end; t += 86_400_000) days.push(new Date(t).toISOString().slice(0, 10));
  return days;
}
