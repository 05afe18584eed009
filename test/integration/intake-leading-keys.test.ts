/**
 * The receiver's role allows only items whose partition key starts with one of
 * INTAKE_KEY_PREFIXES (dynamodb:LeadingKeys, lib/store.ts). This runs the very receiver handler
 * on DynamoDB Local and records the partition key of every item each of its requests names
 * (Get, Put, Query, BatchGet, each item of a transaction): all must fall under those prefixes, or
 * the deployed receiver would be denied. Every operation must also be one of the role's
 * RECEIVER_TABLE_ACTIONS (the claim's and a failed intake's UpdateItem were once missing).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INTAKE_KEY_PREFIXES } from '../../lambdas/adapters/dynamodb/table-schema.js';
import { RECEIVER_TABLE_ACTIONS } from '../../lib/store.js';
import { startInProcess, type InProcessHookline } from '../support/fault-runtime.js';
import { refuseSendsWhile } from '../support/refused-sends.js';

let hookline: InProcessHookline;
let recording = false;
let refusing = false;
const seen: { operation: string; pk: string }[] = [];

/** A key attribute, marshalled (`{ S }`) or not (the document client's input, depending on middleware order). */
const text = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : typeof (value as { S?: unknown } | undefined)?.S === 'string' ? (value as { S: string }).S : undefined;

/** Partition keys an SDK input names: `pk` attributes anywhere, and a Query's `pk = :v`. */
function partitionKeys(input: Record<string, unknown>): string[] {
  const keys: string[] = [];
  const walk = (node: unknown): void => {
    if (node === null || typeof node !== 'object') return;
    for (const [name, value] of Object.entries(node)) {
      const pk = name === 'pk' ? text(value) : undefined;
      if (pk !== undefined) keys.push(pk);
      else walk(value);
    }
  };
  walk({ Key: input.Key, Item: input.Item, TransactItems: input.TransactItems, RequestItems: input.RequestItems });
  const placeholder = /\bpk\s*=\s*(:\w+)/.exec(String(input.KeyConditionExpression ?? ''))?.[1];
  const value = placeholder === undefined ? undefined : text((input.ExpressionAttributeValues as Record<string, unknown> | undefined)?.[placeholder]);
  if (value !== undefined) keys.push(value);
  return keys;
}

function record(client: DynamoDBClient): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (recording) {
        const operation = (context.commandName ?? '').replace(/Command$/, '');
        for (const pk of partitionKeys(args.input as Record<string, unknown>)) seen.push({ operation, pk });
      }
      return next(args);
    },
    { step: 'initialize', name: 'leadingKeyRecorder' },
  );
}

beforeAll(async () => {
  hookline = await startInProcess({ label: 'leading-keys', worker: false, onDynamoClient: record, onSqsClient: (client) => refuseSendsWhile(client, () => refusing) });
  for (const body of [
    { url: 'https://hooks.example.com/a', eventTypes: ['order.created'], tenant: 'shop-1' },
    { url: 'https://hooks.example.com/b', eventTypes: ['*'], fallback: true },
  ]) {
    expect((await hookline.api('POST', '/v1/subscriptions', body)).status).toBe(201);
  }
});
afterAll(() => hookline?.stop());

describe('receiver table access', () => {
  it('touches only items under the intake key prefixes, with the role\'s actions: routed, fallback, unrouted, duplicate and failed events', async () => {
    recording = true;
    const send = (body: object, headers: Record<string, string> = {}) => hookline.invoke('POST', '/v1/events', { body, headers });
    expect((await send({ type: 'order.created', tenant: 'shop-1', payload: { n: 1 } }, { 'idempotency-key': 'k-1' })).status).toBe(202);
    expect((await send({ type: 'order.created', tenant: 'shop-1', payload: { n: 1 } }, { 'idempotency-key': 'k-1' })).status).toBeLessThan(300);
    expect((await send({ type: 'order.created', tenant: 'other', payload: { n: 2 } })).status).toBe(202);
    expect((await send({ type: 'nothing.routes', payload: { n: 3 } })).status).toBe(202);
    refusing = true;
    expect((await send({ type: 'order.created', tenant: 'shop-1', payload: { n: 4 } })).status).toBeGreaterThanOrEqual(500);
    refusing = false;
    recording = false;

    expect(seen.length).toBeGreaterThan(0);
    expect(new Set(seen.map((s) => s.operation)).size).toBeGreaterThan(1);
    const outside = seen.filter(({ pk }) => !INTAKE_KEY_PREFIXES.some((prefix) => pk.startsWith(prefix)));
    expect(outside).toEqual([]);
    const operations = [...new Set(seen.map((s) => `dynamodb:${s.operation}`))];
    expect(operations).toEqual(expect.arrayContaining(['dynamodb:UpdateItem']));
    expect(operations.filter((op) => !(RECEIVER_TABLE_ACTIONS as readonly string[]).includes(op))).toEqual([]);
  });
});
