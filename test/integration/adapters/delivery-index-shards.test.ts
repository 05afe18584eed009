/**
 * The delivery index shard count is a deployment option that may only grow: records written at
 * 16 shards stay found by searches at 64, and the records written at 64 really use the upper shards.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDeliveryStore } from '../../../lambdas/adapters/dynamodb/delivery-store.js';
import { deliveryRecordKey } from '../../../lambdas/adapters/dynamodb/table-schema.js';
import { deliveryIdFor, newMessageId, newSubscriptionId } from '../../../lambdas/core/ids.js';
import type { Delivery } from '../../../lambdas/core/model.js';
import { testEngines, type TestEngines } from '../../support/engines.js';
import { allPages } from '../../support/pages.js';

let engines: TestEngines;

beforeAll(async () => {
  engines = await testEngines('shards');
});
afterAll(() => engines.close());

const storeAt = (deliveryIndexShards: number) =>
  new DynamoDeliveryStore({ client: engines.doc, tableName: engines.names.table, retentionDays: 30, deliveryIndexShards });

function deliveries(count: number, tenant: string, t0: number): Delivery[] {
  return Array.from({ length: count }, (_, i) => {
    const at = t0 + i * 1000;
    const createdAt = new Date(at).toISOString();
    const subscriptionId = newSubscriptionId();
    const messageId = newMessageId(at);
    return {
      id: deliveryIdFor(messageId, subscriptionId),
      messageId,
      subscriptionId,
      tenant,
      eventType: 'order.created',
      status: i % 3 === 0 ? 'failed' : 'succeeded',
      attemptCount: 1,
      generation: 0,
      createdAt,
      updatedAt: createdAt,
      attempts: [],
    };
  });
}

async function walk(store: DynamoDeliveryStore, query: Parameters<DynamoDeliveryStore['list']>[0]): Promise<string[]> {
  return (await allPages((q) => store.list(q), query)).flat().map((d) => d.id);
}

async function shardOf(d: Delivery): Promise<number> {
  const out = await engines.doc.send(new GetCommand({ TableName: engines.names.table, Key: deliveryRecordKey(d) }));
  return parseInt(String(out.Item?.gsi3pk).split('#').at(-1)!, 16);
}

describe('delivery index shard count', () => {
  it('finds records written at 16 shards from a search at 64, alongside the records written at 64', async () => {
    const tenant = `grow-${Date.now()}`;
    const t0 = Date.now() - 10 * 60_000;
    const [old, fresh] = [deliveries(30, tenant, t0), deliveries(60, tenant, t0 + 60_000)];
    await storeAt(16).putMany(old);
    await storeAt(64).putMany(fresh);

    const oldShards = await Promise.all(old.map(shardOf));
    const freshShards = await Promise.all(fresh.map(shardOf));
    expect(Math.max(...oldShards)).toBeLessThan(16);
    expect(Math.max(...freshShards)).toBeGreaterThanOrEqual(16); // 60 records: the upper 48 shards get some

    const window = { since: new Date(t0 - 1000).toISOString(), until: new Date(t0 + 5 * 60_000).toISOString(), tenant };
    const newestFirst = [...old, ...fresh].map((d) => d.id).reverse();
    expect(await walk(storeAt(64), { ...window, limit: 7 })).toEqual(newestFirst);
    const failed = [...old, ...fresh].filter((d) => d.status === 'failed').map((d) => d.id);
    expect(await walk(storeAt(64), { ...window, status: 'failed', limit: 5, ascending: true })).toEqual(failed);

    // Lowering the count is what the option's docs and local mode refuse: a search at 16 misses the upper shards.
    const atSixteen = await walk(storeAt(16), { ...window, limit: 50 });
    expect(atSixteen.length).toBeLessThan(newestFirst.length);
    expect(atSixteen).toEqual(expect.arrayContaining(old.map((d) => d.id)));
  });
});
