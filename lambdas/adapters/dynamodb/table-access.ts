/**
 * What every DynamoDB store shares: the table handle, TTL, batched reads and writes that
 * retry unprocessed items, and opaque pagination cursors. Item layout: ./table-schema.ts.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  BatchGetCommand,
  BatchWriteCommand,
  GetCommand,
  QueryCommand,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { TransientDependencyError, ValidationError } from '../../core/errors.js';
import { errorName, mapErrors } from '../errors.js';
import type { IndexName } from './table-schema.js';

export interface StoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** Messages, deliveries and jobs expire (DynamoDB TTL) this many days after creation. */
  retentionDays: number;
}

export type Item = Record<string, unknown>;
export type Key = { pk: string; sk: string };

const BATCH_GET_SIZE = 100;
const BATCH_WRITE_SIZE = 25;
/** Unprocessed items are retried with backoff this many times before the call fails transiently. */
const UNPROCESSED_RETRIES = 6;

/** Epoch seconds `days` after `iso` (DynamoDB TTL is in seconds). */
export function expiryAfter(iso: string, days: number): number {
  return Math.floor(Date.parse(iso) / 1000) + days * 86_400;
}

/** Runs a DynamoDB call, mapping SDK errors to domain errors. */
export function dynamo<T>(operation: string, call: () => Promise<T>): Promise<T> {
  return mapErrors('dynamodb', operation, call);
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

const backoff = (attempt: number) => sleep(Math.min(1000, 25 * 2 ** attempt) * (0.5 + Math.random() / 2));

/** BatchGet of any number of keys; missing items are simply absent from the result. */
export async function batchGet(options: StoreOptions, keys: readonly Key[]): Promise<Item[]> {
  const found: Item[] = [];
  for (const part of chunk(dedupeKeys(keys), BATCH_GET_SIZE)) {
    let pending: Key[] = part;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > UNPROCESSED_RETRIES) throw new TransientDependencyError(`dynamodb BatchGetItem left ${pending.length} keys unprocessed`);
      if (attempt > 0) await backoff(attempt);
      const out = await dynamo('BatchGetItem', () =>
        options.client.send(new BatchGetCommand({ RequestItems: { [options.tableName]: { Keys: pending } } })),
      );
      found.push(...((out.Responses?.[options.tableName] ?? []) as Item[]));
      pending = (out.UnprocessedKeys?.[options.tableName]?.Keys ?? []) as Key[];
    }
  }
  return found;
}

/** BatchWrite (puts) of any number of items. */
export async function batchPut(options: StoreOptions, items: readonly Item[]): Promise<void> {
  for (const part of chunk(items, BATCH_WRITE_SIZE)) {
    let pending = part.map((Item) => ({ PutRequest: { Item } }));
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > UNPROCESSED_RETRIES) throw new TransientDependencyError(`dynamodb BatchWriteItem left ${pending.length} items unprocessed`);
      if (attempt > 0) await backoff(attempt);
      const out = await dynamo('BatchWriteItem', () =>
        options.client.send(new BatchWriteCommand({ RequestItems: { [options.tableName]: pending } })),
      );
      pending = (out.UnprocessedItems?.[options.tableName] ?? []) as typeof pending;
    }
  }
}

function dedupeKeys(keys: readonly Key[]): Key[] {
  const seen = new Map<string, Key>();
  for (const key of keys) seen.set(`${key.pk}\u0000${key.sk}`, { pk: key.pk, sk: key.sk });
  return [...seen.values()];
}

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

/**
 * Walks an index partition (KEYS_ONLY) and yields table keys in index order together with the
 * index position of each, so a caller can stop mid-page and hand out an exact cursor.
 */
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

/** Strips the table's own attributes from an item, leaving the domain record. */
export function withoutKeys<T>(item: Item): T {
  const { pk: _pk, sk: _sk, kind: _kind, expiresAt: _e, gsi1pk: _a, gsi1sk: _b, gsi2pk: _c, gsi2sk: _d, gsi3pk: _f, gsi3sk: _g, ...record } = item;
  return record as T;
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

/** Many items by id, decoded, keyed by id; absent ones are left out. */
export async function getRecords<I extends string, T extends { id: I }>(
  options: StoreOptions,
  ids: readonly I[],
  keyOf: (id: string) => Key,
  decode: (item: Item) => T | undefined,
): Promise<Map<I, T>> {
  const records = new Map<I, T>();
  for (const item of await batchGet(options, ids.map(keyOf))) {
    const record = decode(item);
    if (record !== undefined) records.set(record.id, record);
  }
  return records;
}

/** The UTC days (yyyy-mm-dd) that [since, until] touches, oldest first: the buckets of time-bucketed indexes. */
export function utcDays(since: string, until: string): string[] {
  const days: string[] = [];
  const end = Date.parse(until);
  for (let t = Date.parse(since.slice(0, 10)); t <= end; t += 86_400_000) days.push(new Date(t).toISOString().slice(0, 10));
  return days;
}
