/**
 * The message item's write units on DynamoDB Local, as the engine reports them
 * (`ReturnConsumedCapacity`): the benchmark's 1 KB order is stored compressed in 1 unit; an
 * incompressible 1 KB payload stays text at 2 (the floor); items written as text before stay readable.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient, createDynamoClient } from '../../../lambdas/adapters/aws-clients.js';
import { DynamoMessageStore } from '../../../lambdas/adapters/dynamodb/message-store.js';
import { newMessageId, newSubscriptionId } from '../../../lambdas/core/ids.js';
import type { Message } from '../../../lambdas/core/model.js';
import { orderPayload } from '../../../bench/support/payload.js';
import { beforeAllEngines } from '../../support/engines.js';

const consumed: { operation: string; units: number }[] = [];
let messages: DynamoMessageStore;
let raw: ReturnType<typeof createDocumentClient>;
let tableName: string;

beforeAllEngines('msgunits', (engines) => {
  const dynamo = createDynamoClient(engines.dynamoConfig);
  // Every call asks for its consumed capacity, and what the engine reports is kept.
  dynamo.middlewareStack.add(
    (next, context) => async (args) => {
      (args.input as Record<string, unknown>).ReturnConsumedCapacity = 'TOTAL';
      const result = await next(args);
      const report = (result.output as { ConsumedCapacity?: { CapacityUnits?: number } | { CapacityUnits?: number }[] }).ConsumedCapacity;
      const units = [report ?? []].flat().reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0);
      consumed.push({ operation: String(context.commandName), units });
      return result;
    },
    { step: 'initialize', name: 'consumedCapacity' },
  );
  raw = createDocumentClient(dynamo);
  tableName = engines.names.table;
  messages = new DynamoMessageStore({ client: raw, tableName, retentionDays: 30 });
});

function message(payload: unknown): Message {
  const createdAt = new Date().toISOString();
  return {
    id: newMessageId(),
    type: 'cost.first-attempt-success',
    tenant: 'tenant-first-attempt-success',
    eventTime: createdAt,
    createdAt,
    routing: 'tenant',
    subscriptionIds: [newSubscriptionId()],
    payload,
    payloadBytes: Buffer.byteLength(JSON.stringify(payload)),
  };
}

async function putUnits(m: Message): Promise<number> {
  consumed.length = 0;
  await messages.put(m);
  expect(consumed.map((c) => c.operation)).toEqual(['PutItemCommand']);
  return consumed[0]!.units;
}

const storedItem = async (m: Message) => (await raw.send(new GetCommand({ TableName: tableName, Key: { pk: `MSG#${m.id}`, sk: 'META' } }))).Item!;

describe('message item write units', () => {
  it("stores the benchmark's 1 KB order compressed, in 1 write unit, and reads it back equal", async () => {
    const m = message(orderPayload(7, 1024));
    expect(m.payloadBytes).toBeGreaterThanOrEqual(1024);
    expect(await putUnits(m)).toBe(1);
    const item = await storedItem(m);
    expect(item.payloadJson).toBeUndefined();
    expect(item.payloadBrotli).toBeInstanceOf(Uint8Array);
    expect(await messages.get(m.id)).toEqual(m);
    expect((await messages.getMany([m.id])).get(m.id)).toEqual(m);
  });

  it('keeps an incompressible 1 KB payload as text: 2 write units, the floor', async () => {
    const m = message({ blob: randomBytes(760).toString('base64') });
    expect(m.payloadBytes).toBeGreaterThanOrEqual(1024);
    expect(await putUnits(m)).toBe(2);
    expect(typeof (await storedItem(m)).payloadJson).toBe('string');
    expect(await messages.get(m.id)).toEqual(m);
  });

  it('reads a message written as text before compression existed', async () => {
    const m = message(orderPayload(8, 1024));
    const { payload, ...rest } = m;
    await raw.send(new PutCommand({ TableName: tableName, Item: { pk: `MSG#${m.id}`, sk: 'META', kind: 'message', expiresAt: 2_000_000_000, ...rest, payloadJson: JSON.stringify(payload) } }));
    expect(await messages.get(m.id)).toEqual(m);
    expect((await messages.getMany([m.id])).get(m.id)).toEqual(m);
  });
});
