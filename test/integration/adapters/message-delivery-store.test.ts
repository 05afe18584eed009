import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { migrateDeliveryIndex } from '../../../lambdas/adapters/dynamodb/delivery-index-migration.js';
import { DynamoDeliveryStore } from '../../../lambdas/adapters/dynamodb/delivery-store.js';
import { DynamoJobStore } from '../../../lambdas/adapters/dynamodb/job-store.js';
import { deliveryIndexKeys, deliveryRecordKey } from '../../../lambdas/adapters/dynamodb/table-schema.js';
import { DynamoMessageStore } from '../../../lambdas/adapters/dynamodb/message-store.js';
import { deliveryIdFor, newMessageId, newReplayJobId, newSubscriptionId } from '../../../lambdas/core/ids.js';
import type { Delivery, Message, MessageId, SubscriptionId } from '../../../lambdas/core/model.js';
import { testEngines, type TestEngines } from '../../support/engines.js';
import { allPages } from '../../support/pages.js';

let engines: TestEngines;
let messages: DynamoMessageStore;
let deliveries: DynamoDeliveryStore;
let jobs: DynamoJobStore;

function message(overrides: Partial<Message> = {}, at = Date.now()): Message {
  const createdAt = new Date(at).toISOString();
  return { id: newMessageId(at), type: 'order.created', tenant: 'shop-1', eventTime: createdAt, createdAt, routing: 'tenant', subscriptionIds: [], payload: { n: 1 }, payloadBytes: 7, ...overrides };
}

function delivery(messageId: MessageId, subscriptionId: SubscriptionId, at: number, overrides: Partial<Delivery> = {}): Delivery {
  const createdAt = new Date(at).toISOString();
  return {
    id: deliveryIdFor(messageId, subscriptionId),
    messageId,
    subscriptionId,
    tenant: 'shop-1',
    eventType: 'order.created',
    status: 'pending',
    attemptCount: 0,
    generation: 0,
    createdAt,
    updatedAt: createdAt,
    attempts: [],
    ...overrides,
  };
}

/** The tenant-index entry of a subscription (all a tenant search reads of it). */
async function tenantSubscription(tenant: string, id: SubscriptionId): Promise<void> {
  await engines.doc.send(
    new PutCommand({ TableName: engines.names.table, Item: { pk: `SUB#${id}`, sk: 'META', kind: 'subscription', id, tenant, gsi2pk: `SUB#TENANT#${tenant}`, gsi2sk: `${new Date().toISOString()}#${id}` } }),
  );
}

beforeAll(async () => {
  engines = await testEngines('msgs');
  const options = { client: engines.doc, tableName: engines.names.table, retentionDays: 30 };
  messages = new DynamoMessageStore(options);
  deliveries = new DynamoDeliveryStore(options);
  jobs = new DynamoJobStore(options);
});
afterAll(() => engines.close());

describe('DynamoMessageStore', () => {
  it('stores a message and reads it back, in bulk too', async () => {
    const m = message();
    expect(await messages.put(m)).toEqual({});
    expect(await messages.get(m.id)).toEqual(m);
    expect([...(await messages.getMany([m.id, newMessageId()])).keys()]).toEqual([m.id]);
  });

  it('lets exactly one of many concurrent duplicates claim an idempotency key', async () => {
    const candidates = Array.from({ length: 8 }, () => message({ idempotencyKey: 'key-1' }));
    const results = await Promise.all(candidates.map((m) => messages.put(m, { key: 'key-1', expiresAt: Date.now() + 86_400_000 })));
    const winners = results.filter((r) => r.duplicateOf === undefined);
    expect(winners).toHaveLength(1);
    const winner = candidates[results.indexOf(winners[0]!)]!;
    expect(results.filter((r) => r.duplicateOf === winner.id)).toHaveLength(7);
    const stored = await messages.getMany(candidates.map((m) => m.id));
    expect([...stored.keys()]).toEqual([winner.id]); // losers stored nothing
  });

  it('lets an expired claim be taken over', async () => {
    const old = message();
    await messages.put(old, { key: 'key-expired', expiresAt: Date.now() - 1000 });
    const fresh = message();
    expect(await messages.put(fresh, { key: 'key-expired', expiresAt: Date.now() + 60_000 })).toEqual({});
  });

  it('lists unrouted messages in a window, oldest first, across days', async () => {
    const t0 = Date.UTC(2030, 0, 1, 23, 59, 0);
    const unrouted = [message({ routing: 'unrouted', tenant: 'u' }, t0), message({ routing: 'unrouted', tenant: 'u' }, t0 + 120_000)];
    for (const m of [...unrouted, message({}, t0 + 60_000)]) await messages.put(m);
    const page = await messages.listUnrouted(new Date(t0).toISOString(), new Date(t0 + 3_600_000).toISOString());
    expect(page.items.map((m) => m.id)).toEqual(unrouted.map((m) => m.id));
    const narrow = await messages.listUnrouted(new Date(t0 + 1).toISOString(), new Date(t0 + 3_600_000).toISOString());
    expect(narrow.items.map((m) => m.id)).toEqual([unrouted[1]!.id]);
  });

  it('adds a late route once, even when asked twice at the same time; a missing message stays missing', async () => {
    const m = message({ routing: 'unrouted' });
    await messages.put(m);
    const late = 'sub_late' as SubscriptionId;
    await Promise.all([messages.addRoute(m.id, late), messages.addRoute(m.id, late)]);
    await messages.addRoute(m.id, 'sub_other' as SubscriptionId);
    expect(await messages.get(m.id)).toEqual({ ...m, subscriptionIds: [late, 'sub_other'] });

    const missing = newMessageId();
    await messages.addRoute(missing, late);
    expect(await messages.get(missing)).toBeUndefined();
  });
});

describe('DynamoDeliveryStore', () => {
  it('creates only deliveries that do not exist, so a resumed fan-out keeps progress', async () => {
    const m = message();
    const sub = newSubscriptionId();
    const first = delivery(m.id, sub, Date.now());
    await deliveries.createMany([first]);
    await deliveries.putMany([{ ...first, status: 'succeeded', attemptCount: 1 }]);
    await deliveries.createMany([first, delivery(m.id, newSubscriptionId(), Date.now())]);
    expect((await deliveries.get(first.id))?.status).toBe('succeeded');
  });

  it('puts never roll a delivery back; the record of a retry opens its generation only where nobody has', async () => {
    const m = message();
    const base = delivery(m.id, newSubscriptionId(), Date.now(), { status: 'failed', attemptCount: 1 });
    await deliveries.createMany([base]);
    const requeued = { ...base, status: 'pending' as const, generation: 1 };
    const paused = { ...requeued, status: 'paused' as const, reason: 'subscription is disabled' };

    await deliveries.putMany([paused]); // the worker settled the new generation first
    await deliveries.openGenerations([requeued]); // the retry's late record
    expect(await deliveries.get(base.id)).toEqual(paused);
    await deliveries.putMany([{ ...paused, status: 'succeeded', attemptCount: 0 }]); // an older attempt
    expect(await deliveries.get(base.id)).toEqual(paused);

    const fresh = delivery(m.id, newSubscriptionId(), Date.now(), { status: 'failed', attemptCount: 1 });
    await deliveries.createMany([fresh]);
    await deliveries.openGenerations([{ ...fresh, status: 'pending', generation: 1 }]);
    expect(await deliveries.get(fresh.id)).toMatchObject({ status: 'pending', generation: 1 });
  });

  it('writes 60 deliveries in batches and reads them back in bulk', async () => {
    const m = message();
    const batch = Array.from({ length: 60 }, () => delivery(m.id, newSubscriptionId(), Date.now()));
    await deliveries.putMany(batch);
    const read = await deliveries.getMany(batch.map((d) => d.id));
    expect(read.size).toBe(60);
    expect(read.get(batch[7]!.id)).toEqual(batch[7]);
  });

  it('searches by subscription, tenant, type, status and window, newest first, with exact cursors', async () => {
    const sub = newSubscriptionId();
    const t0 = Math.floor((Date.now() - 5 * 3_600_000) / 3_600_000) * 3_600_000; // recent: inside the default retention window
    const all = Array.from({ length: 9 }, (_, i) => {
      const m = message({}, t0 + i * 20 * 60_000); // spans several hours
      return delivery(m.id, sub, t0 + i * 20 * 60_000, {
        tenant: i < 6 ? 'shop-s' : 'shop-t',
        status: i % 3 === 0 ? 'failed' : 'succeeded',
        eventType: i % 2 === 0 ? 'a.even' : 'a.odd',
      });
    });
    await deliveries.putMany(all);
    const window = { since: new Date(t0).toISOString(), until: new Date(t0 + 4 * 3_600_000).toISOString() };
    const newestFirst = [...all].reverse().map((d) => d.id);

    const walk = async (query: Parameters<DynamoDeliveryStore['list']>[0]) => (await allPages((q) => deliveries.list(q), query)).flat().map((d) => d.id);
    expect(await walk({ subscriptionId: sub, limit: 2 })).toEqual(newestFirst);
    expect(await walk({ ...window, limit: 4 })).toEqual(newestFirst); // day buckets, no subscription
    expect(await walk({ subscriptionId: sub, limit: 4, ascending: true })).toEqual(all.map((d) => d.id));
    expect(await walk({ tenant: 'shop-t', ...window, limit: 2 })).toEqual(newestFirst.slice(0, 3));
    expect(await walk({ subscriptionId: sub, status: 'failed', limit: 2 })).toEqual(all.filter((d) => d.status === 'failed').reverse().map((d) => d.id));
    expect(await walk({ ...window, eventType: 'a.odd', limit: 10 })).toEqual(all.filter((d) => d.eventType === 'a.odd').reverse().map((d) => d.id));
    const inner = { since: new Date(t0 + 20 * 60_000).toISOString(), until: new Date(t0 + 60 * 60_000).toISOString() };
    expect(await walk({ subscriptionId: sub, ...inner, limit: 10 })).toEqual([all[2]!.id, all[1]!.id]);

    // A page that ends the listing carries no cursor: nobody is sent to an empty page.
    const exactly = await deliveries.list({ subscriptionId: sub, limit: 9 });
    expect(exactly.items).toHaveLength(9);
    expect(exactly.nextCursor).toBeUndefined();
    const pages = await allPages((q) => deliveries.list(q), { subscriptionId: sub, limit: 3 });
    expect(pages.map((page) => page.length)).toEqual([3, 3, 3]);
    const failedOnly = await deliveries.list({ subscriptionId: sub, status: 'failed', limit: 3 });
    expect([failedOnly.items.length, failedOnly.nextCursor]).toEqual([3, undefined]);
  });
});

describe('DynamoDeliveryStore sharded index', () => {
  const walk = async (query: Parameters<DynamoDeliveryStore['list']>[0]) => {
    const pages = await allPages((q) => deliveries.list(q), query);
    for (const page of pages) expect(page.length).toBeLessThanOrEqual(query.limit);
    return pages.flat().map((d) => d.id);
  };

  it('merges the shards of both status sets by time, across a month boundary, with cursors that resume exactly', async () => {
    const tenant = `shard-${Date.now()}`;
    const t0 = Date.parse(`${new Date().toISOString().slice(0, 7)}-01T00:00:00Z`) - 90 * 60_000; // spans the month start
    const all = Array.from({ length: 40 }, (_, i) => {
      const m = message({ tenant }, t0 + i * 4 * 60_000);
      return delivery(m.id, newSubscriptionId(), t0 + i * 4 * 60_000, { tenant, status: i % 4 === 0 ? 'failed' : 'succeeded' });
    });
    await deliveries.putMany(all);
    const shards = new Set((await Promise.all(all.map((d) => engines.doc.send(new GetCommand({ TableName: engines.names.table, Key: deliveryRecordKey(d) })))))
      .map((out) => String(out.Item?.gsi3pk)));
    expect(shards.size).toBeGreaterThan(10); // really spread over many partitions
    const window = { since: new Date(t0).toISOString(), until: new Date(t0 + 3 * 3_600_000).toISOString(), tenant };
    const oldestFirst = all.map((d) => d.id);
    expect(await walk({ ...window, limit: 7 })).toEqual([...oldestFirst].reverse());
    expect(await walk({ ...window, limit: 3, ascending: true })).toEqual(oldestFirst);
    expect(await walk({ ...window, status: 'failed', limit: 4 })).toEqual(all.filter((d) => d.status === 'failed').map((d) => d.id).reverse());

    // A retry that succeeds moves its one entry to the other set: found once, never twice.
    const mover = all[4]!;
    await deliveries.putMany([{ ...mover, status: 'succeeded', attemptCount: 1, updatedAt: new Date().toISOString() }]);
    expect(await walk({ ...window, status: 'failed', limit: 50 })).not.toContain(mover.id);
    expect(await walk({ ...window, limit: 6, ascending: true })).toEqual(oldestFirst);

    const forged = Buffer.from(JSON.stringify({ after: '2020-01-01T00:00:00.000Z#dlv_x' })).toString('base64url');
    await expect(deliveries.list({ ...window, limit: 5, cursor: forged })).rejects.toThrow(/cursor/);
  });

  it('finds a message\'s records by its subscriptions, and a tenant\'s under any subscription (a fallback one too), each path with its own cursors', async () => {
    const tenant = `few-${Date.now()}`;
    const subs = [newSubscriptionId(), newSubscriptionId(), newSubscriptionId()];
    for (const sub of subs) await tenantSubscription(tenant, sub);
    const at = Date.now() - 3_600_000;
    const m = message({ tenant, subscriptionIds: subs }, at);
    await messages.put(m);
    const ofMessage = subs.map((sub) => delivery(m.id, sub, at, { tenant }));
    const later = subs.map((sub, i) => delivery(newMessageId(at + (i + 1) * 1000), sub, at + (i + 1) * 1000, { tenant, status: 'failed' }));
    // An event of this tenant that matched none of its routes went to another tenant's fallback subscription.
    const viaFallback = delivery(newMessageId(at + 500), newSubscriptionId(), at + 500, { tenant });
    await deliveries.putMany([...ofMessage, ...later, viaFallback]);
    const byTime = (records: Delivery[]) => [...records].sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id)).map((d) => d.id);

    expect(await walk({ messageId: m.id, limit: 2 })).toEqual(ofMessage.map((d) => d.id).sort().reverse());
    expect(await walk({ messageId: m.id, limit: 1, ascending: true })).toEqual(ofMessage.map((d) => d.id).sort());
    expect(await walk({ messageId: m.id, subscriptionId: subs[1]!, limit: 5 })).toEqual([ofMessage[1]!.id]);
    const tenantRecords = [...ofMessage, viaFallback, ...later];
    expect(await walk({ tenant, limit: 4 })).toEqual(byTime(tenantRecords).reverse());
    expect(await walk({ tenant, limit: 2, ascending: true })).toEqual(byTime(tenantRecords));
    expect(await walk({ tenant, status: 'failed', limit: 1 })).toEqual(byTime(later).reverse());

    const subscriptionCursor = (await deliveries.list({ subscriptionId: subs[0]!, limit: 1 })).nextCursor!;
    const messageCursor = (await deliveries.list({ messageId: m.id, limit: 1 })).nextCursor!;
    const tenantCursor = (await deliveries.list({ tenant, limit: 2 })).nextCursor!;
    await expect(deliveries.list({ limit: 2, cursor: subscriptionCursor })).rejects.toThrow(/cursor/);
    await expect(deliveries.list({ subscriptionId: subs[1]!, limit: 2, cursor: subscriptionCursor })).rejects.toThrow(/cursor/);
    await expect(deliveries.list({ messageId: m.id, limit: 2, cursor: tenantCursor })).rejects.toThrow(/cursor/);
    await expect(deliveries.list({ subscriptionId: subs[0]!, limit: 2, cursor: messageCursor })).rejects.toThrow(/cursor/);
    await expect(deliveries.list({ tenant, limit: 2, cursor: messageCursor })).rejects.toThrow(/cursor/);
    expect((await deliveries.list({ messageId: newMessageId(), limit: 2 })).items).toEqual([]);
  });

  it('pages a rare subscription among many others without reading theirs: no empty page, no cursor past its last record', async () => {
    const at = Date.now() - 30 * 60_000;
    const rare = newSubscriptionId();
    const busy = Array.from({ length: 300 }, (_, i) => delivery(newMessageId(at + i * 10), newSubscriptionId(), at + i * 10, { status: 'failed' }));
    const mine = [50, 250].map((i) => delivery(newMessageId(at + i * 10 + 5), rare, at + i * 10 + 5, { status: 'failed' }));
    await deliveries.putMany([...busy, ...mine]);
    // Every item DynamoDB answers the search with is counted.
    let itemsRead = 0;
    const counting = {
      send: async (command: Parameters<typeof engines.doc.send>[0]) => {
        const out = (await engines.doc.send(command)) as { Items?: unknown[]; Responses?: Record<string, unknown[]> };
        itemsRead += (out.Items?.length ?? 0) + Object.values(out.Responses ?? {}).flat().length;
        return out;
      },
    } as unknown as typeof engines.doc;
    const store = new DynamoDeliveryStore({ client: counting, tableName: engines.names.table, retentionDays: 30 });
    const pages = await allPages((q) => store.list(q), { subscriptionId: rare, status: 'failed' as const, limit: 1 });
    expect(pages.map((page) => page.map((d) => d.id))).toEqual([[mine[1]!.id], [mine[0]!.id]]);
    expect(itemsRead).toBeLessThanOrEqual(2 * mine.length); // its own records only (a page reads one beyond itself)
  });

  it('re-keys records of the earlier layouts (DLV#{old id} / META) under their subscription and new id, once', async () => {
    const sub = newSubscriptionId();
    const at = Date.now() - 60_000;
    const current = delivery(newMessageId(at), sub, at, { status: 'succeeded', tenant: `legacy-${at}` });
    const oldId = 'dlv_laCgSDdGGsOTelMnXO8GhGqahU'; // the previous format: a hash of the pair
    const legacy = { ...current, id: oldId };
    const sortKey = `${legacy.createdAt}#${oldId}`;
    const threeEntries = { gsi1pk: `DLV#SUB#${sub}`, gsi1sk: sortKey, gsi2pk: `DLV#TENANT#${legacy.tenant}`, gsi2sk: sortKey, gsi3pk: `DLV#DAY#${legacy.createdAt.slice(0, 10)}`, gsi3sk: sortKey };
    const oneEntry = delivery(newMessageId(at + 1), sub, at + 1, { status: 'failed', tenant: legacy.tenant });
    const oldKey = (id: string) => ({ pk: `DLV#${id}`, sk: 'META' });
    for (const item of [
      { ...oldKey(oldId), kind: 'delivery', expiresAt: 4_000_000_000, ...threeEntries, ...legacy },
      { ...oldKey('dlv_other0000000000000000000'), kind: 'delivery', gsi3pk: 'DLV#NOK#2030-01#03', gsi3sk: 'x', ...oneEntry, id: 'dlv_other0000000000000000000' },
    ]) {
      await engines.doc.send(new PutCommand({ TableName: engines.names.table, Item: item }));
    }
    expect(await walk({ subscriptionId: sub, limit: 5 })).toEqual([]);
    expect(await migrateDeliveryIndex({ client: engines.doc, tableName: engines.names.table })).toBeGreaterThanOrEqual(2);
    expect(await walk({ subscriptionId: sub, limit: 5 })).toEqual([oneEntry.id, current.id]);
    expect(await walk({ subscriptionId: sub, status: 'failed', limit: 5 })).toEqual([oneEntry.id]);
    expect(await deliveries.get(current.id)).toEqual(current);
    const moved = (await engines.doc.send(new GetCommand({ TableName: engines.names.table, Key: deliveryRecordKey(current) }))).Item!;
    expect([moved.gsi1pk, moved.gsi2pk, moved.expiresAt, moved.gsi3pk]).toEqual([undefined, undefined, 4_000_000_000, deliveryIndexKeys(current).gsi3pk]);
    const old = await engines.doc.send(new GetCommand({ TableName: engines.names.table, Key: oldKey(oldId) }));
    expect(old.Item).toBeUndefined();
    expect(await migrateDeliveryIndex({ client: engines.doc, tableName: engines.names.table })).toBe(0);
  });
});

describe('DynamoJobStore', () => {
  it('stores and reads replay jobs', async () => {
    const now = new Date().toISOString();
    const job = { id: newReplayJobId(), subscriptionId: newSubscriptionId(), since: now, until: now, onlyFailed: true, status: 'running' as const, matched: 0, enqueued: 0, phase: 'deliveries' as const, createdAt: now, updatedAt: now };
    await jobs.put(job);
    expect(await jobs.get(job.id)).toEqual(job);
    expect(await jobs.get(newReplayJobId())).toBeUndefined();
  });
});
