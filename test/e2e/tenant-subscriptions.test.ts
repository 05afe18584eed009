/**
 * TikTok Shop's Event API shape (issue 17 point 7) end to end in local mode: PUT creates or
 * replaces a tenant's one subscription for an event type, GET lists the tenant's, DELETE removes
 * it; Shopify topics with `/` in the path. Every response is validated against docs/openapi.json.
 */
import { describe, expect, it } from 'vitest';
import { eventually, type LocalInstance } from './harness.js';
import { createSubscription, expectProblem, postEvent } from './support/api.js';
import { useLocal } from './support/local.js';
import type { CheckedApi } from './support/openapi.js';

let local: LocalInstance;
let api: CheckedApi;
const receivers = useLocal({ timeScale: 1000 }, (started) => ({ local, api } = started));

const keyPath = (tenant: string, type: string) => `/v1/tenants/${encodeURIComponent(tenant)}/subscriptions/${encodeURIComponent(type)}`;

describe('PUT/GET/DELETE /v1/tenants/{tenant}/subscriptions/{eventType}', () => {
  it('creates (201, secret once), replaces in place (200, same id), lists, delivers and deletes a Shopify topic', async () => {
    const receiver = await receivers.start();
    const path = keyPath('shop-put.myshopify.com', 'orders/create');
    expect(path).toContain('orders%2Fcreate');
    const created = await api('PUT', path, { url: `${receiver.url}/first`, preset: 'shopify' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ tenant: 'shop-put.myshopify.com', eventTypes: ['orders/create'], preset: 'shopify', secret: expect.any(String) });
    const id = created.body.id as string;

    const replaced = await api('PUT', path, { url: `${receiver.url}/second`, preset: 'shopify', description: 'replaced' });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({ id, url: `${receiver.url}/second`, description: 'replaced', version: 2 });
    expect(replaced.body).not.toHaveProperty('secret');
    // The same body again changes nothing but the version: PUT is idempotent.
    const again = await api('PUT', path, { url: `${receiver.url}/second`, preset: 'shopify', description: 'replaced' });
    expect(again.status).toBe(200);
    expect((await api('GET', `/v1/subscriptions/${id}/secret`)).body).toEqual({ secret: created.body.secret });

    const listed = await api('GET', '/v1/tenants/shop-put.myshopify.com/subscriptions');
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((s: { id: string }) => s.id)).toEqual([id]);

    const { messageId } = await postEvent(api, { type: 'orders/create', tenant: 'shop-put.myshopify.com', payload: { id: 1 } });
    await receiver.waitFor(1);
    expect(receiver.requests[0]?.url).toBe('/second');
    expect(receiver.requests[0]?.headers['x-shopify-webhook-id']).toBeDefined();
    expect(messageId).toMatch(/^msg_/);

    expect((await api('DELETE', path)).status).toBe(204);
    expect((await api('GET', `/v1/subscriptions/${id}`)).status).toBe(404);
    expectProblem(await api('DELETE', path), 404);
  });

  it('takes the topic unencoded too (API Gateway hands the handler a decoded path)', async () => {
    const res = await local.api('PUT', '/v1/tenants/shop-raw/subscriptions/products/update', { url: 'http://127.0.0.1:9/hooks' });
    expect(res.status).toBe(201);
    expect((res.body as { eventTypes: string[] }).eventTypes).toEqual(['products/update']);
    expect((await local.api('DELETE', '/v1/tenants/shop-raw/subscriptions/products/update')).status).toBe(204);
  });

  it('answers concurrent PUTs for a new pair with one subscription: one 201, the others 200 with its id', async () => {
    const path = keyPath('shop-race', 'order.created');
    const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => api('PUT', path, { url: 'http://127.0.0.1:9/hooks', description: `writer ${i}` })));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 200, 201]);
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
    const listed = await api('GET', '/v1/tenants/shop-race/subscriptions?eventType=order.created');
    expect(listed.body.items).toHaveLength(1);
  });

  it('adopts the one subscription POSTed for exactly that pair, and refuses a pair held with other types or by `*`', async () => {
    const posted = await createSubscription(api, { url: 'http://127.0.0.1:9/hooks', tenant: 'shop-adopt', eventTypes: ['order.paid'] });
    const adopted = await api('PUT', keyPath('shop-adopt', 'order.paid'), { url: 'http://127.0.0.1:9/adopted' });
    expect(adopted.status).toBe(200);
    expect(adopted.body.id).toBe(posted.id);

    const wildcard = await api('PUT', keyPath('shop-wild', '*'), { url: 'http://127.0.0.1:9/all' });
    expect(wildcard.status).toBe(201);
    const typed = await api('PUT', keyPath('shop-wild', 'order.paid'), { url: 'http://127.0.0.1:9/one' });
    expectProblem(typed, 409);
    expect(typed.body).toMatchObject({ conflictingId: wildcard.body.id });
    expect(typed.body.detail).toContain('every event type (*) for tenant shop-wild');

    // Once a subscription holds the pair together with another type, the pair is managed by id.
    const both = await api('PUT', keyPath('shop-multi', 'a.one'), { url: 'http://127.0.0.1:9/a' });
    await api('PATCH', `/v1/subscriptions/${both.body.id}`, { eventTypes: ['a.one', 'a.two'] });
    const held = await api('PUT', keyPath('shop-multi', 'a.one'), { url: 'http://127.0.0.1:9/b' });
    expectProblem(held, 409);
    expect(held.body.detail).toContain('together with other event types');
    expectProblem(await api('DELETE', keyPath('shop-multi', 'a.one')), 409);
  });

  it('refuses tenant or eventTypes in the body, and bad path values, naming the field', async () => {
    expectProblem(await api('PUT', keyPath('shop-bad', 'order.created'), { url: 'http://127.0.0.1:9/x', tenant: 'other', eventTypes: ['x'] }), 400, ['tenant', 'eventTypes']);
    expectProblem(await api('PUT', keyPath('shop-bad', 'bad type!'), { url: 'http://127.0.0.1:9/x' }), 400, ['eventType']);
    expectProblem(await api('PUT', keyPath('shop-bad', 'order.created'), { url: 'ftp://x' }), 400, ['url']);
    expectProblem(await api('GET', '/v1/tenants/shop-bad/subscriptions?tenant=x'), 400, ['tenant']);
    const none = await eventually(() => api('GET', '/v1/tenants/shop-bad/subscriptions'), (r) => r.status === 200);
    expect(none.body.items).toEqual([]);
  });
});
