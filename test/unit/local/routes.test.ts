import { describe, expect, it } from 'vitest';
import { API_ROUTES } from '../../../lambdas/handlers/api/routes.js';
import { ADMIN_CATCH_ALL, matchRoute } from '../../../local/routes.js';

describe('matchRoute', () => {
  it.each([
    ['POST', '/v1/events', 'receiver', 'POST /v1/events', undefined],
    ['POST', '/v1/subscriptions', 'admin', 'POST /v1/subscriptions', undefined],
    ['GET', '/v1/subscriptions', 'admin', 'GET /v1/subscriptions', undefined],
    ['POST', '/v1/subscriptions/test', 'admin', 'POST /v1/subscriptions/test', undefined],
    ['GET', '/v1/subscriptions/sub_1', 'admin', 'GET /v1/subscriptions/{id}', { id: 'sub_1' }],
    ['PATCH', '/v1/subscriptions/sub_1', 'admin', 'PATCH /v1/subscriptions/{id}', { id: 'sub_1' }],
    ['POST', '/v1/subscriptions/sub_1/rotate-secret', 'admin', 'POST /v1/subscriptions/{id}/rotate-secret', { id: 'sub_1' }],
    ['GET', '/v1/deliveries/dlv_9', 'admin', 'GET /v1/deliveries/{id}', { id: 'dlv_9' }],
    ['POST', '/v1/deliveries/dlv_9/retry', 'admin', 'POST /v1/deliveries/{id}/retry', { id: 'dlv_9' }],
    ['GET', '/v1/messages/msg_%41', 'admin', 'GET /v1/messages/{id}', { id: 'msg_A' }],
    ['GET', '/v1/replays/rpl_1', 'admin', 'GET /v1/replays/{id}', { id: 'rpl_1' }],
    ['GET', '/v1/tenants/shop-1/subscriptions', 'admin', 'GET /v1/tenants/{tenant}/subscriptions', { tenant: 'shop-1' }],
    // A Shopify topic: encoded, or as API Gateway hands it on (decoded), one greedy parameter.
    ['PUT', '/v1/tenants/shop-1/subscriptions/orders%2Fcreate', 'admin', 'PUT /v1/tenants/{tenant}/subscriptions/{eventType+}', { tenant: 'shop-1', eventType: 'orders/create' }],
    ['PUT', '/v1/tenants/shop-1/subscriptions/orders/create', 'admin', 'PUT /v1/tenants/{tenant}/subscriptions/{eventType+}', { tenant: 'shop-1', eventType: 'orders/create' }],
    ['DELETE', '/v1/tenants/shop%201/subscriptions/order.created', 'admin', 'DELETE /v1/tenants/{tenant}/subscriptions/{eventType+}', { tenant: 'shop 1', eventType: 'order.created' }],
  ])('%s %s → %s (%s)', (method, path, target, routeKey, pathParameters) => {
    const match = matchRoute(method, path);
    expect(match).toEqual({ target, routeKey, ...(pathParameters && { pathParameters }) });
  });

  it.each(API_ROUTES.map((r) => [r.method, r.path, r.target] as const))('serves the registry route %s %s by the %s handler', (method, path, target) => {
    const concrete = path.replace('{id}', 'x_1').replace('{tenant}', 't').replace('{eventType+}', 'e');
    expect(matchRoute(method, concrete)).toMatchObject({ target, routeKey: `${method} ${path}` });
  });

  it('prefers the literal /v1/subscriptions/test over /v1/subscriptions/{id} for POST', () => {
    expect(matchRoute('POST', '/v1/subscriptions/test')?.routeKey).toBe('POST /v1/subscriptions/test');
  });

  it('sends other /v1/ requests to the admin catch-all so it can answer 404 or 405', () => {
    expect(matchRoute('PUT', '/v1/subscriptions/sub_1')).toEqual({
      target: 'admin',
      routeKey: ADMIN_CATCH_ALL,
      pathParameters: { proxy: 'subscriptions/sub_1' },
    });
  });

  it.each([['GET', '/'], ['GET', '/health'], ['POST', '/v2/events'], ['GET', '/v1/']])('has no route for %s %s', (method, path) => {
    expect(matchRoute(method, path)).toBeUndefined();
  });
});
