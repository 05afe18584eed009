import { describe, expect, it } from 'vitest';
import { matchesEvent, NO_TENANT_KEY, routeKeys, routingDecision, tenantKeyOf } from '../../../lambdas/core/routing.js';
import type { SubscriptionId } from '../../../lambdas/core/model.js';
import type { RouteEntry } from '../../../lambdas/core/ports.js';

const route = (id: string, status: RouteEntry['status'] = 'active'): RouteEntry => ({ subscriptionId: `sub_${id}` as SubscriptionId, status });

describe('routing decision', () => {
  it('routes to every subscription of the tenant and type', () => {
    expect(routingDecision({ tenant: 'shop_1', tenantRoutes: [route('a'), route('b')], fallbackRoutes: [route('f')] })).toEqual({
      routing: 'tenant',
      routes: [route('a'), route('b')],
    });
  });

  it('falls back when the tenant matched nothing', () => {
    expect(routingDecision({ tenant: 'shop_2', tenantRoutes: [], fallbackRoutes: [route('f'), route('g')] })).toEqual({
      routing: 'fallback',
      routes: [route('f'), route('g')],
    });
  });

  it('never falls back for an event without tenant', () => {
    expect(routingDecision({ tenantRoutes: [], fallbackRoutes: [route('f')] })).toEqual({ routing: 'unrouted', routes: [] });
    expect(routingDecision({ tenant: undefined, tenantRoutes: [route('n')], fallbackRoutes: [route('f')] })).toEqual({ routing: 'tenant', routes: [route('n')] });
  });

  it('is unrouted (kept, never dropped) when nothing matches', () => {
    expect(routingDecision({ tenant: 'shop_3', tenantRoutes: [], fallbackRoutes: [] })).toEqual({ routing: 'unrouted', routes: [] });
  });

  it('delivers once to a subscription listed for both the type and *', () => {
    expect(routingDecision({ tenant: 't', tenantRoutes: [route('a'), route('b'), route('a')], fallbackRoutes: [] }).routes).toEqual([route('a'), route('b')]);
    expect(routingDecision({ tenant: 't', tenantRoutes: [], fallbackRoutes: [route('f'), route('f')] }).routes).toEqual([route('f')]);
  });

  it("counts a disabled tenant subscription as a match, so the tenant's events wait paused instead of leaking to the fallback", () => {
    expect(routingDecision({ tenant: 't', tenantRoutes: [route('a', 'disabled')], fallbackRoutes: [route('f')] })).toEqual({
      routing: 'tenant',
      routes: [route('a', 'disabled')],
    });
  });
});

describe('route keys', () => {
  it('one route per event type under the tenant', () => {
    expect(routeKeys({ tenant: 'shop_1', eventTypes: ['order.created', 'order.updated'], fallback: false })).toEqual([
      { tenantKey: 'shop_1', eventType: 'order.created', fallback: false },
      { tenantKey: 'shop_1', eventType: 'order.updated', fallback: false },
    ]);
  });

  it('"no tenant" has its own key, never a wildcard', () => {
    expect(tenantKeyOf(undefined)).toBe(NO_TENANT_KEY);
    expect(routeKeys({ eventTypes: ['*'], fallback: false })).toEqual([{ tenantKey: NO_TENANT_KEY, eventType: '*', fallback: false }]);
  });

  it('a subscription its failure policy deleted owns no route until restored; a disabled one keeps its routes', () => {
    const sub = { tenant: 'shop_1', eventTypes: ['a'], fallback: true };
    expect(routeKeys({ ...sub, status: 'deleted' })).toEqual([]);
    expect(routeKeys({ ...sub, status: 'disabled' })).toHaveLength(2);
    expect(routeKeys({ ...sub, status: 'active' })).toHaveLength(2);
  });

  it('a fallback subscription also owns one fallback route per type (additive), duplicates removed', () => {
    expect(routeKeys({ tenant: 'shop_1', eventTypes: ['a', 'a', '*'], fallback: true })).toEqual([
      { tenantKey: 'shop_1', eventType: 'a', fallback: false },
      { tenantKey: 'shop_1', eventType: '*', fallback: false },
      { tenantKey: 'shop_1', eventType: 'a', fallback: true },
      { tenantKey: 'shop_1', eventType: '*', fallback: true },
    ]);
  });
});

describe('matchesEvent', () => {
  it.each([
    [{ tenant: 't', eventTypes: ['a.b'] }, 't', 'a.b', true],
    [{ tenant: 't', eventTypes: ['a.b'] }, 't', 'a.c', false],
    [{ tenant: 't', eventTypes: ['*'] }, 't', 'anything', true],
    [{ tenant: 't', eventTypes: ['*'] }, 'u', 'anything', false],
    [{ tenant: 't', eventTypes: ['a.b'] }, undefined, 'a.b', false],
    [{ eventTypes: ['a.b'] }, undefined, 'a.b', true],
    [{ eventTypes: ['*'] }, 't', 'a.b', false],
    [{ tenant: 't', eventTypes: ['a.*'] }, 't', 'a.b', false],
  ] as const)('%j, tenant %s, type %s → %s', (sub, tenant, type, expected) => {
    expect(matchesEvent({ ...sub, eventTypes: [...sub.eventTypes] }, tenant, type)).toBe(expected);
  });
});
