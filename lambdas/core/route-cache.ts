/**
 * The route table cached per process (issue 19 item 3): an event's route lookup reads the store
 * only when its (tenant, type) was not looked up in the last `ROUTE_CACHE_TTL_MS`. Staleness is
 * bounded by that TTL across processes (the admin function's subscription changes reach a warm
 * receiver at most that late; a deleted subscription's late delivery is settled `dropped` by the
 * worker), and is zero within one process: any call other than a read clears the cache, so local
 * mode, where the admin API and intake share the store, routes on every change at once.
 */
import type { RouteEntry, SubscriptionStore } from './ports.js';

export const ROUTE_CACHE_TTL_MS = 5_000;
const MAX_ENTRIES = 10_000;
/** Store calls that change nothing; every other call may change routes and clears the cache. */
const READS = new Set<PropertyKey>(['get', 'getMany', 'list', 'routes', 'fallbackRoutes']);

export interface RouteCacheOptions {
  ttlMs?: number;
  now?: () => number;
}

/** `store` with `routes` and `fallbackRoutes` answered from a per-process cache. */
export function withRouteCache(store: SubscriptionStore, options: RouteCacheOptions = {}): SubscriptionStore {
  const ttlMs = options.ttlMs ?? ROUTE_CACHE_TTL_MS;
  const now = options.now ?? Date.now;
  const cache = new Map<string, { at: number; entries: Promise<RouteEntry[]> }>();
  const cached = (key: string, load: () => Promise<RouteEntry[]>): Promise<RouteEntry[]> => {
    const hit = cache.get(key);
    if (hit !== undefined && now() - hit.at < ttlMs) return hit.entries;
    if (cache.size >= MAX_ENTRIES) cache.delete(cache.keys().next().value as string);
    // An async wrapper, not a `.catch` beside the caller's await: the caller stays the promise's
    // only reaction, so async stack traces (the cost benchmark's attribution) still reach it.
    const entry = { at: now() } as { at: number; entries: Promise<RouteEntry[]> };
    cache.set(key, entry);
    entry.entries = (async () => {
      try {
        return await load();
      } catch (error) {
        if (cache.get(key) === entry) cache.delete(key); // a failed read is not remembered
        throw error;
      }
    })();
    return entry.entries;
  };
  const lookups: Pick<SubscriptionStore, 'routes' | 'fallbackRoutes'> = {
    routes: (tenant, eventType) => cached(JSON.stringify(['t', tenant ?? null, eventType]), () => store.routes(tenant, eventType)),
    fallbackRoutes: (eventType) => cached(JSON.stringify(['f', eventType]), () => store.fallbackRoutes(eventType)),
  };
  return new Proxy(store, {
    get(target, name, receiver) {
      if (name === 'routes' || name === 'fallbackRoutes') return lookups[name];
      const value: unknown = Reflect.get(target, name, receiver);
      if (typeof value !== 'function') return value;
      if (READS.has(name)) return (value as (...a: unknown[]) => unknown).bind(target);
      return (...args: unknown[]) => {
        cache.clear();
        const result = (value as (...a: unknown[]) => unknown).apply(target, args);
        // Cleared again when the change is done: a lookup made meanwhile may have read the old routes.
        return result instanceof Promise ? result.finally(() => cache.clear()) : result;
      };
    },
  });
}
