/**
 * The handlers' router under API Gateway's semantics: a route API Gateway matched arrives with its
 * `routeKey` and decoded `pathParameters` (and a decoded `rawPath`); the admin catch-all arrives
 * with only the path. A greedy last variable takes event types with `/` either way.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { json } from '../../../lambdas/handlers/api/response.js';
import { Router } from '../../../lambdas/handlers/api/router.js';

const TEMPLATE = '/v1/tenants/{tenant}/subscriptions/{eventType+}';

function event(method: string, rawPath: string, routeKey: string, pathParameters?: Record<string, string>): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey,
    rawPath,
    rawQueryString: '',
    headers: {},
    ...(pathParameters !== undefined && { pathParameters }),
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'api.example.com',
      domainPrefix: 'api',
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
      requestId: 'req-1',
      routeKey,
      stage: '$default',
      time: '23/Nov/2026:10:00:00 +0000',
      timeEpoch: 0,
    },
    isBase64Encoded: false,
  };
}

const router = new Router().on('PUT', TEMPLATE, async (_, params) => json(200, params));
const paramsOf = async (e: APIGatewayProxyEventV2) => JSON.parse(String((await router.handle(e)).body)) as Record<string, string>;

describe('Router', () => {
  it('takes the path parameters API Gateway matched as they are (decoded once; rawPath is decoded too)', async () => {
    // The client sent /v1/tenants/shop%2525x/subscriptions/orders%2Fcreate.
    const e = event('PUT', '/v1/tenants/shop%25x/subscriptions/orders/create', `PUT ${TEMPLATE}`, { tenant: 'shop%25x', eventType: 'orders/create' });
    expect(await paramsOf(e)).toEqual({ tenant: 'shop%25x', eventType: 'orders/create' });
  });

  it('matches the path itself behind the catch-all: a greedy variable spans segments, encoded or not', async () => {
    for (const path of ['/v1/tenants/shop-1/subscriptions/orders%2Fcreate', '/v1/tenants/shop-1/subscriptions/orders/create']) {
      expect(await paramsOf(event('PUT', path, 'ANY /v1/{proxy+}', { proxy: path.slice(4) }))).toEqual({ tenant: 'shop-1', eventType: 'orders/create' });
    }
  });

  it('needs at least one segment for a greedy variable, and answers other methods with 405', async () => {
    await expect(router.handle(event('PUT', '/v1/tenants/shop-1/subscriptions/', 'ANY /v1/{proxy+}'))).rejects.toMatchObject({ status: 404 });
    await expect(router.handle(event('GET', '/v1/tenants/shop-1/subscriptions/a.b', 'ANY /v1/{proxy+}'))).rejects.toMatchObject({ status: 405 });
  });
});
