/** Batched reads and writes of any size that retry unprocessed items with backoff. */
import { setTimeout as sleep } from 'node:timers/promises';
import { BatchGetCommand, BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { TransientDependencyError } from '../../core/errors.js';
import { dynamo, type Item, type Key, type StoreOptions } from './table-access.js';

const BATCH_GET_SIZE = 100;
const BATCH_WRITE_SIZE = 25;

/** Unprocessed items are retried with backoff this many times before the call fails transiently. */
const UNPROCESSED_RETRIES = 6;

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
