import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoSubscriptionStore } from '../../../lambdas/adapters/dynamodb/subscription-store.js';
import { ConcurrentUpdateError, ConflictError, ValidationError } from '../../../lambdas/core/errors.js';
import { newSubscriptionId } from '../../../lambdas/core/ids.js';
import type { Subscription } from '../../../lambdas/core/model.js';
import { buildSubscription, parseCreateSubscription } from '../../../lambdas/core/subscription-schema.js';
import { testEngines, type TestEngines } from '../../support/engines.js';

let engines: TestEngines;
let store: DynamoSubscriptionStore;

function subscription(body: Record<string, unknown>, createdAt = Date.now()): Subscription {
  const input = parseCreateSubscription({ url: 'https://hooks.example.com/in', eventTypes: ['order.created'], ...body }, { allowHttpLoopback: false, allowedPorts: [] });
  return buildSubscription(input, { id: newSubscriptionId(createdAt), now: createdAt, secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' });
}

beforeAll(async () => {
  engines = await testEngines('subs');
  store = new DynamoSubscriptionStore({ client: engines.doc, tableName: engines.names.table, retentionDays: 30 });
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

  it('counts consecutive failures atomically and resets them', async () => {
    const sub = subscription({ tenant: 'shop-f' });
    await store.create(sub, { unique: false });
    const counts = await Promise.all(Array.from({ length: 10 }, () => store.recordFailure(sub.id)));
    expect(counts.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    await store.resetFailures(sub.id);
    expect((await store.get(sub.id))?.consecutiveFailures).toBe(0);
    expect(await store.recordFailure(newSubscriptionId())).toBe(0); // deleted/unknown: nothing counted
  });

  it('lists newest first with filters and a cursor that walks every item once', async () => {
    const base = Date.now() + 10_000;
    const created = [];
    for (let i = 0; i < 7; i++) {
      const s = subscription({ tenant: 'shop-list', eventTypes: [i % 2 === 0 ? 'even.e' : 'odd.e'] }, base + i);
      await store.create(s, { unique: false });
      created.push(s);
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.list({ tenant: 'shop-list', limit: 3, ...(cursor !== undefined && { cursor }) });
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items.map((s) => s.id));
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    expect(seen).toEqual(created.map((s) => s.id).reverse());
    const evens = await store.list({ tenant: 'shop-list', eventType: 'even.e', limit: 10 });
    expect(evens.items.map((s) => s.id)).toEqual(created.filter((_, i) => i % 2 === 0).map((s) => s.id).reverse());
    await expect(store.list({ limit: 3, cursor: 'not-a-cursor' })).rejects.toBeInstanceOf(ValidationError);
  });
});
