/**
 * Routing (DESIGN §5): which subscriptions receive an event, and which route items a
 * subscription owns in the store.
 *
 * - A subscription with a tenant matches events of that tenant; a subscription WITHOUT tenant
 *   matches only events WITHOUT tenant (it is not a wildcard: use `fallback` for "everyone else").
 * - `*` in `eventTypes` matches every type.
 * - `fallback: true` is additive: the subscription keeps its normal routes and also receives
 *   events whose tenant matched no subscription at all (disabled ones count as a match, so a
 *   tenant's events never leak to the fallback while its endpoint is disabled; they wait paused).
 */
import type { Routing, Subscription } from './model.js';
import type { RouteEntry } from './ports.js';
import { NO_TENANT_KEY } from './event-schema.js';

export { NO_TENANT_KEY };
export const ANY_EVENT_TYPE = '*';

export interface RouteKey {
  /** The subscription's tenant, or `~` when it has none. Fallback items are keyed by event type only. */
  tenantKey: string;
  eventType: string;
  fallback: boolean;
}

export function tenantKeyOf(tenant: string | undefined): string {
  return tenant ?? NO_TENANT_KEY;
}

/**
 * The route items `sub` owns: one per event type, plus one fallback item per event type when
 * `fallback`; none once its failure policy deleted it (it receives nothing new until restored).
 */
export function routeKeys(sub: Pick<Subscription, 'tenant' | 'eventTypes' | 'fallback'> & Partial<Pick<Subscription, 'status'>>): RouteKey[] {
  if (!ownsRoutes(sub)) return [];
  const tenantKey = tenantKeyOf(sub.tenant);
  const types = [...new Set(sub.eventTypes)];
  const keys: RouteKey[] = types.map((eventType) => ({ tenantKey, eventType, fallback: false }));
  if (sub.fallback) keys.push(...types.map((eventType) => ({ tenantKey, eventType, fallback: true })));
  return keys;
}

/** Whether `sub` holds routes and uniqueness claims: a subscription deleted by its policy gives them up. */
export const ownsRoutes = (sub: Partial<Pick<Subscription, 'status'>>): boolean => sub.status !== 'deleted';

export interface RoutingInput {
  tenant?: string | undefined;
  /** Routes for (tenant, type) and (tenant, `*`). */
  tenantRoutes: readonly RouteEntry[];
  /** Fallback routes for type and `*` (ignored for events without tenant). */
  fallbackRoutes: readonly RouteEntry[];
}

export function routingDecision(input: RoutingInput): { routing: Routing; routes: RouteEntry[] } {
  const direct = dedupe(input.tenantRoutes);
  if (direct.length > 0) return { routing: 'tenant', routes: direct };
  if (input.tenant !== undefined) {
    const fallback = dedupe(input.fallbackRoutes);
    if (fallback.length > 0) return { routing: 'fallback', routes: fallback };
  }
  return { routing: 'unrouted', routes: [] };
}

/** A subscription listed for both the type and `*` receives the event once. */
function dedupe(routes: readonly RouteEntry[]): RouteEntry[] {
  const seen = new Set<string>();
  return routes.filter((route) => {
    if (seen.has(route.subscriptionId)) return false;
    seen.add(route.subscriptionId);
    return true;
  });
}

/** Whether `sub` would receive an event of `type` for `tenant` directly (not as fallback). */
export function matchesEvent(sub: Pick<Subscription, 'tenant' | 'eventTypes'>, tenant: string | undefined, type: string): boolean {
  return sub.tenant === tenant && (sub.eventTypes.includes(type) || sub.eventTypes.includes(ANY_EVENT_TYPE));
}
