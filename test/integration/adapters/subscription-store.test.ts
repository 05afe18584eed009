import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoSubscriptionStore } from '../../../lambdas/adapters/dynamodb/subscription-store.js';
import { ConcurrentUpdateError, ConflictError, ValidationError } from '../../../lambdas/core/errors.js';
import { newSubscriptionId } from '../../../lambdas/core/ids.js';
import type { Subscription } from '../../../lambdas/core/model.js';
import { buildSubscription, parseCreateSubscription } from '../../../lambdas/core/subscription-build.js';
import { testEngines, type TestEngines } from '../../support/engines.js';
import { allPages } from '../../support/pages.js';
import { GetCommand, PutCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { EnvelopeCipher, SealedValueError } from '../../../lambdas/core/envelope.js';
import { LocalDataKeys } from '../../../local/key-file.js';
import { DynamoEndpointHealthStore } from '../../../lambdas/adapters/dynamodb/endpoint-health-store.js';

let engines: TestEngines;
let store: DynamoSubscriptionStore;
const keys = LocalDataKeys.inMemory();

function subscription(body: Record<string, unknown>, createdAt = Date.now()): Subscription {
  const input = parseCreateSubscription({ url: 'https://hooks.example.com/in', eventTypes: ['order.created'], ...body }, { allowHttpLoopback: false, allowedPorts: [] });
  return buildSubscription(input, { id: newSubscriptionId(createdAt), now: createdAt, secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' });
}

beforeAll(async () => {
  engines = await testEngines('subs');
  store = new DynamoSubscriptionStore({ client: engines.doc, tableName: engines.names.table, retentionDays: 30 }, new EnvelopeCipher(keys));
});
afterAll(() => engines.close());

describe('DynamoSubscriptionStore on DynamoDB Local', () => {
  it('creates, reads back exactly, and routes by tenant, `*` and fallback', async () => {
    const direct = subscription({ tenant: 'shop-1', eventTypes: ['order.created', 'order.paid'] });
    const wildcard = subscription({ tenant: 'shop-1', eventTypes: ['*'] });
    const fallback = subscription({ fallback: true, eventTypes: ['order.created'] });
    for (const s of [direct, wildcard, fallback]) await store.create(s, { unique: false });

    expect(await store.get(direct.id)).toEqual(direct);
    const routed = (await store.routes('shop-1', 'order.created')).map((r) => r.subscriptionId).sort();
    expect(routed).toEqual([direct.id, wildcard.id].sort());
    expect((await store.routes('shop-1', 'order.refunded')).map((r) => r.subscriptionId)).toEqual([wildcard.id]);
    expect((await store.routes('shop-2', 'order.created'))).toEqual([]);
    expect((await store.fallbackRoutes('order.created')).map((r) => r.subscriptionId)).toEqual([fallback.id]);
    const many = await store.getMany([direct.id, fallback.id, newSubscriptionId()]);
    expect([...many.keys()].sort()).toEqual([direct.id, fallback.id].sort());
  });

  it('replaces routes in the same transaction as the subscription, and enforces the version', async () => {
    const prev = subscription({ tenant: 'shop-r', eventTypes: ['a.b'] });
    await store.create(prev, { unique: false });
    const next: Subscription = { ...prev, eventTypes: ['c.d'], status: 'disabled', version: prev.version + 1 };
    await store.replace(prev, next, { unique: false });
    expect(await store.routes('shop-r', 'a.b')).toEqual([]);
    expect(await store.routes('shop-r', 'c.d')).toEqual([{ subscriptionId: prev.id, status: 'disabled' }]);
    // A writer holding the old version loses.
    await expect(store.replace(prev, { ...prev, description: 'stale' }, { unique: false })).rejects.toBeInstanceOf(ConcurrentUpdateError);
    expect((await store.get(prev.id))?.eventTypes).toEqual(['c.d']);
  });

  it("writes only what an operator's change changes: the worker's breaker and streak written meanwhile are kept", async () => {
    const prev = subscription({ tenant: 'shop-h', description: 'before' });
    await store.create(prev, { unique: false });
    // The worker, between the operator's read and write: a transport failure, then the breaker opens.
    const health = new DynamoEndpointHealthStore({ client: engines.doc, tableName: engines.names.table });
    const seen = await health.recordTransportFailure(prev.id);
    expect(await health.open(prev.id, seen!, Date.now() + 30_000, 1)).toBe(true);
    await store.recordFailure(prev.id, new Date().toISOString());

    const { description: _removed, ...withoutDescription } = prev;
    await store.replace(prev, { ...withoutDescription, url: 'https://hooks.example.com/moved', version: prev.version + 1 }, { unique: false });

    const stored = await store.get(prev.id);
    expect(stored).toMatchObject({ url: 'https://hooks.example.com/moved', version: prev.version + 1, breakerFailures: 1, breakerOpens: 1, consecutiveFailures: 1 });
    expect(stored?.breakerOpenUntil).toBeGreaterThan(Date.now());
    expect(stored).not.toHaveProperty('description');
    expect(stored?.secrets).toEqual(prev.secrets);
    // An operator's own change to those attributes (enable resets the streak) is written.
    await store.replace(stored!, { ...stored!, consecutiveFailures: 0, version: stored!.version + 1 }, { unique: false });
    expect(await store.get(prev.id)).toMatchObject({ consecutiveFailures: 0, breakerOpens: 1 });
  });

  it('enforces one subscription per (tenant, event type) with the holder id, and frees the claim on delete', async () => {
    const first = subscription({ tenant: 'shop-u', eventTypes: ['x.y', 'x.z'] });
    await store.create(first, { unique: true });
    const clash = subscription({ tenant: 'shop-u', eventTypes: ['x.z'] });
    const error = await store.create(clash, { unique: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as ConflictError).conflictingId).toBe(first.id);
    expect(await store.get(clash.id)).toBeUndefined(); // nothing half-written
    expect(await store.routes('shop-u', 'x.z')).toEqual([{ subscriptionId: first.id, status: 'active' }]);

    // Another tenant, or the same tenant with another type, is fine.
    await store.create(subscription({ tenant: 'shop-v', eventTypes: ['x.z'] }), { unique: true });
    await store.delete(first);
    expect(await store.get(first.id)).toBeUndefined();
    expect(await store.routes('shop-u', 'x.y')).toEqual([]);
    await store.create(clash, { unique: true });
    expect((await store.get(clash.id))?.id).toBe(clash.id);
  });

  it('a subscription its failure policy deleted keeps its item (with a TTL) but no route or claim, and takes them back when restored', async () => {
    // Prepare
    const sub = subscription({ tenant: 'shop-soft', eventTypes: ['s.d'] });
    await store.create(sub, { unique: true });
    const deleted: Subscription = { ...sub, status: 'deleted', deletedAt: '2030-01-01T00:00:00.000Z', retainedUntil: '2030-01-31T00:00:00.000Z', version: sub.version + 1 };
    // Act
    await store.replace(sub, deleted, { unique: true });
    // Assess: readable, unrouted, claim free, listed only when asked for, removed by TTL at retainedUntil.
    expect(await store.get(sub.id)).toEqual(deleted);
    expect(await store.routes('shop-soft', 's.d')).toEqual([]);
    expect(await store.claimHolder('shop-soft', 's.d')).toBeUndefined();
    expect((await store.list({ tenant: 'shop-soft', limit: 10 })).items).toEqual([]);
    expect((await store.list({ tenant: 'shop-soft', status: 'deleted', limit: 10 })).items.map((s) => s.id)).toEqual([sub.id]);
    const raw = await engines.doc.send(new GetCommand({ TableName: engines.names.table, Key: { pk: `SUB#${sub.id}`, sk: 'META' } }));
    expect(raw.Item?.expiresAt).toBe(Date.parse('2030-01-31T00:00:00.000Z') / 1000);
    // Restored: routes and claim again, no TTL.
    const restored: Subscription = { ...sub, version: deleted.version + 1 };
    await store.replace(deleted, restored, { unique: true });
    expect(await store.routes('shop-soft', 's.d')).toEqual([{ subscriptionId: sub.id, status: 'active' }]);
    expect(await store.claimHolder('shop-soft', 's.d')).toBe(sub.id);
    const rawAfter = await engines.doc.send(new GetCommand({ TableName: engines.names.table, Key: { pk: `SUB#${sub.id}`, sk: 'META' } }));
    expect(rawAfter.Item?.expiresAt).toBeUndefined();
  });

  it('counts consecutive failures atomically and resets them', async () => {
    const sub = subscription({ tenant: 'shop-f' });
    await store.create(sub, { unique: false });
    const first = await store.recordFailure(sub.id, '2026-12-06T10:00:00.000Z');
    const later = await Promise.all(Array.from({ length: 9 }, (_, i) => store.recordFailure(sub.id, `2026-12-06T10:00:0${i + 1}.000Z`)));
    const streaks = [first!, ...later.map((s) => s!)];
    expect(streaks.map((s) => s.count).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // The streak starts at the failure that opened it; later ones never move it.
    expect(new Set(streaks.map((s) => s.startedAt))).toEqual(new Set(['2026-12-06T10:00:00.000Z']));
    expect(await store.get(sub.id)).toMatchObject({ consecutiveFailures: 10, failureStreakStartedAt: '2026-12-06T10:00:00.000Z' });
    await store.resetFailures(sub.id);
    const reset = await store.get(sub.id);
    expect(reset?.consecutiveFailures).toBe(0);
    expect(reset?.failureStreakStartedAt).toBeUndefined();
    expect(await store.recordFailure(sub.id, '2026-12-06T11:00:00.000Z')).toEqual({ count: 1, startedAt: '2026-12-06T11:00:00.000Z' });
    expect(await store.recordFailure(newSubscriptionId(), '2026-12-06T11:00:00.000Z')).toBeUndefined(); // deleted/unknown: nothing counted
  });

  it('lists newest first with filters and a cursor that walks every item once', async () => {
    const base = Date.now() + 10_000;
    const created = [];
    for (let i = 0; i < 7; i++) {
      const s = subscription({ tenant: 'shop-list', eventTypes: [i % 2 === 0 ? 'even.e' : 'odd.e'] }, base + i);
      await store.create(s, { unique: false });
      created.push(s);
    }
    const pages = await allPages((q) => store.list(q), { tenant: 'shop-list', limit: 3 });
    for (const page of pages) expect(page.length).toBeLessThanOrEqual(3);
    expect(pages.flat().map((s) => s.id)).toEqual(created.map((s) => s.id).reverse());
    const evens = await store.list({ tenant: 'shop-list', eventType: 'even.e', limit: 10 });
    expect(evens.items.map((s) => s.id)).toEqual(created.filter((_, i) => i % 2 === 0).map((s) => s.id).reverse());
    await expect(store.list({ limit: 3, cursor: 'not-a-cursor' })).rejects.toBeInstanceOf(ValidationError);
  });
});

describe('secrets and credentials at rest', () => {
  const bearer = 'tok_9f8e7d6c5b4a39281706';
  const password = 'pw-Zx81!correct-horse';
  const apiKey = 'key_live_4f1c9a2b7e6d5c3a';

  async function rawItems(): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await engines.doc.send(new ScanCommand({ TableName: engines.names.table, ...(start !== undefined && { ExclusiveStartKey: start }) }));
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start !== undefined);
    return items;
  }

  it('a raw scan of the table finds no signing secret, token, password or custom header value; reads return them', async () => {
    const withBearer = subscription({ auth: { type: 'bearer', token: bearer }, customHeaders: { 'X-Api-Key': apiKey } });
    const withBasic = subscription({ auth: { type: 'basic', username: 'hook', password } });
    for (const s of [withBearer, withBasic]) await store.create(s, { unique: false });
    const rotated = { ...withBasic, secrets: [{ secret: 'whsec_R0tat3dSecretR0tat3dSecretR0tat3dSecretAA=', createdAt: withBasic.createdAt }, ...withBasic.secrets], version: withBasic.version + 1 };
    await store.replace(withBasic, rotated, { unique: false });

    const raw = JSON.stringify(await rawItems());
    for (const value of [bearer, password, apiKey, 'X-Api-Key', 'whsec_', 'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'R0tat3dSecret']) expect(raw).not.toContain(value);
    expect(raw).toContain('"sealed":"v1.');
    expect(await store.get(withBearer.id)).toEqual(withBearer);
    expect(await store.get(rotated.id)).toEqual(rotated);
  });

  it('seals an item stored in plaintext (before sealing) on its first read', async () => {
    const legacy = subscription({ auth: { type: 'bearer', token: bearer } });
    const { id } = legacy;
    await engines.doc.send(new PutCommand({ TableName: engines.names.table, Item: { pk: `SUB#${id}`, sk: 'META', kind: 'subscription', gsi1pk: 'SUBS', gsi1sk: `${legacy.createdAt}#${id}`, ...legacy } }));

    expect(await store.get(id)).toEqual(legacy);
    const after = await engines.doc.send(new GetCommand({ TableName: engines.names.table, Key: { pk: `SUB#${id}`, sk: 'META' } }));
    expect(after.Item?.secrets).toBeUndefined();
    expect(after.Item?.auth).toBeUndefined();
    expect(JSON.stringify(after.Item)).not.toContain(bearer);
    expect(await store.get(id)).toEqual(legacy);
  });

  it('seals the custom headers of an item sealed before they were, on its first read', async () => {
    const older = subscription({ auth: { type: 'bearer', token: bearer }, customHeaders: { 'X-Api-Key': apiKey } });
    const { id } = older;
    // As the previous version wrote it: secrets and auth sealed, custom headers in plaintext.
    const sealed = await new EnvelopeCipher(keys).seal(JSON.stringify({ secrets: older.secrets, auth: older.auth }), `subscription:${id}`);
    const { secrets: _secrets, auth: _auth, ...plain } = older;
    await engines.doc.send(new PutCommand({ TableName: engines.names.table, Item: { pk: `SUB#${id}`, sk: 'META', kind: 'subscription', gsi1pk: 'SUBS', gsi1sk: `${older.createdAt}#${id}`, ...plain, sealed } }));
    expect(JSON.stringify((await engines.doc.send(new GetCommand({ TableName: engines.names.table, Key: { pk: `SUB#${id}`, sk: 'META' } }))).Item)).toContain(apiKey);

    expect(await store.get(id)).toEqual(older);
    const after = await engines.doc.send(new GetCommand({ TableName: engines.names.table, Key: { pk: `SUB#${id}`, sk: 'META' } }));
    expect(after.Item?.customHeaders).toBeUndefined();
    expect(after.Item?.sealed).not.toBe(sealed);
    expect(JSON.stringify(after.Item)).not.toContain(apiKey);
    expect(await store.get(id)).toEqual(older);
  });

  it('a sealed part copied onto another subscription does not open there', async () => {
    const a = subscription({});
    const b = subscription({});
    for (const s of [a, b]) await store.create(s, { unique: false });
    const sealedA = (await engines.doc.send(new GetCommand({ TableName: engines.names.table, Key: { pk: `SUB#${a.id}`, sk: 'META' } }))).Item?.sealed;
    await engines.doc.send(new UpdateCommand({ TableName: engines.names.table, Key: { pk: `SUB#${b.id}`, sk: 'META' }, UpdateExpression: 'SET sealed = :s', ExpressionAttributeValues: { ':s': sealedA } }));
    await expect(store.get(b.id)).rejects.toBeInstanceOf(SealedValueError);
  });
});
