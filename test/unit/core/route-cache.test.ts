import { describe, expect, it } from 'vitest';
import { ROUTE_CACHE_TTL_MS, withRouteCache } from '../../../lambdas/core/route-cache.js';
import { createSubscription } from '../../../lambdas/core/services/subscriptions.js';
import { MemorySubscriptions } from '../../support/memory-ports.js';
import { memoryServiceDeps } from '../../support/service-world.js';

/** A memory store whose route reads are counted, behind the cache, on a manual clock. */
function cachedStore() {
  const inner = new MemorySubscriptions();
  let reads = 0;
  const routes = inner.routes.bind(inner);
  inner.routes = async (...args) => (reads++, routes(...args));
  let t = 0;
  const store = withRouteCache(inner, { now: () => t });
  return { store, reads: () => reads, advance: (ms: number) => (t += ms) };
}

describe('withRouteCache', () => {
  it('reads a (tenant, type) once per TTL, each key on its own', async () => {
    const c = cachedStore();
    await c.store.routes('t1', 'order.created');
    await c.store.routes('t1', 'order.created');
    await c.store.routes(undefined, 'order.created');
    expect(c.reads()).toBe(2);
    c.advance(ROUTE_CACHE_TTL_MS - 1);
    await c.store.routes('t1', 'order.created');
    expect(c.reads()).toBe(2);
    c.advance(1);
    await c.store.routes('t1', 'order.created');
    expect(c.reads()).toBe(3);
  });

  it('routes on a change made through the same store at once (any call but a read clears it)', async () => {
    const { deps, subscriptionDeps } = memoryServiceDeps();
    const store = withRouteCache(deps.subscriptions, { now: () => 0 });
    const subs = { ...subscriptionDeps, subscriptions: store };
    expect(await store.routes('shop', 'order.created')).toEqual([]);
    const created = await createSubscription(subs, { url: 'https://hooks.example.com/in', eventTypes: ['order.created'], tenant: 'shop' });
    expect((await store.routes('shop', 'order.created')).map((r) => r.subscriptionId)).toEqual([created.id]);
    await store.get(created.id as never);
    expect(await store.routes('shop', 'order.created')).toHaveLength(1);
  });

  it('does not remember a failed read', async () => {
    const inner = new MemorySubscriptions();
    let calls = 0;
    inner.fallbackRoutes = async () => {
      calls++;
      if (calls === 1) throw new Error('throttled');
      return [];
    };
    const store = withRouteCache(inner, { now: () => 0 });
    await expect(store.fallbackRoutes('a')).rejects.toThrow('throttled');
    await expect(store.fallbackRoutes('a')).resolves.toEqual([]);
    await store.fallbackRoutes('a');
    expect(calls).toBe(2);
  });
});
