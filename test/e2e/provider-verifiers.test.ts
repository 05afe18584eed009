/**
 * Issue 17, "done when": each preset's deliveries, made by local mode, verified by the
 * provider's own receiver code with nothing configured but the secret (and TikTok's app key):
 * `standardwebhooks` and `svix` (standard), `@shopify/shopify-api` `webhooks.validate` (shopify),
 * and for TikTok Shop an independent implementation of its SDKs' documented algorithm
 * (lowercase hex HMAC-SHA256, key = app secret, content = app_key + body). JSON and XML, own and
 * imported secrets; two messages give two Shopify webhook ids.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import '@shopify/shopify-api/adapters/node';
import { ApiVersion, LogSeverity, shopifyApi } from '@shopify/shopify-api';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { Webhook as SvixWebhook } from 'svix';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocal, type LocalInstance } from './harness.js';
import { createSubscription, deliveryReaching, postEvent } from './support/api.js';
import { checkedApi, type CheckedApi } from './support/openapi.js';

let local: LocalInstance;
let api: CheckedApi;
let server: Server;
let base = '';

/** One receiver per path: `verify` is the provider library's check; the answer is 200 or 401. */
type Verifier = (req: IncomingMessage, res: ServerResponse, rawBody: string) => Promise<{ ok: boolean; detail?: unknown }>;
const verifiers = new Map<string, Verifier>();
const verdicts: { path: string; ok: boolean; detail?: unknown; headers: IncomingMessage['headers']; body: string }[] = [];

beforeAll(async () => {
  local = await startLocal({ args: ['--shop-domain', 'fallback-shop.myshopify.com'] });
  api = checkedApi(local);
  server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const path = (req.url ?? '/').split('?')[0]!;
    const verify = verifiers.get(path);
    const verdict = verify === undefined ? { ok: false, detail: 'no verifier' } : await verify(req, res, body).catch((e: unknown) => ({ ok: false, detail: String(e) }));
    verdicts.push({ path, ...verdict, headers: req.headers, body });
    if (!res.headersSent) res.writeHead(verdict.ok ? 200 : 401).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  if (local) await local.stop();
});

const flatHeaders = (h: IncomingMessage['headers']) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : (v ?? '')]));

/** `jsonParse: false`: the body may be XML (svix's verifier has no such switch). */
const standardwebhooks = (secret: string): Verifier => async (req, _res, body) => {
  new StandardWebhook(secret).verify(body, flatHeaders(req.headers), { jsonParse: false });
  return { ok: true };
};
const svix = (secret: string): Verifier => async (req, _res, body) => {
  // svix maps webhook-* to its own names and parses the verified body as JSON.
  return { ok: true, detail: new SvixWebhook(secret).verify(body, flatHeaders(req.headers)) };
};
const shopify = (secret: string): Verifier => async (req, res, body) => {
  const app = shopifyApi({ apiKey: 'app-key', apiSecretKey: secret, hostName: 'localhost', apiVersion: ApiVersion.July25, isEmbeddedApp: false, logger: { level: LogSeverity.Error } });
  const result = await app.webhooks.validate({ rawBody: body, rawRequest: req, rawResponse: res });
  return { ok: result.valid, detail: result };
};
/** TikTok Shop, from its public description: hex(HMAC-SHA256(key = app secret, app_key + body)) in Authorization. */
const tiktok = (appSecret: string, appKey: string): Verifier => async (req, _res, body) => {
  const expected = createHmac('sha256', appSecret).update(appKey + body).digest('hex');
  return { ok: req.headers.authorization === expected };
};

/** Subscribes `path` with `verify` (made from the secret the create answered), sends `events`, waits for each delivery. */
async function deliverThrough(path: string, body: Record<string, unknown>, verifier: (secret: string) => Verifier, events: Record<string, unknown>[]) {
  const sub = await createSubscription(api, { url: `${base}${path}`, ...body });
  verifiers.set(path, verifier(sub.secret));
  const accepted = [];
  for (const event of events) accepted.push(await postEvent(api, event));
  const deliveries = await Promise.all(accepted.map((a) => deliveryReaching(api, a.messageId, 'succeeded')));
  const seen = verdicts.filter((v) => v.path === path);
  return { sub, deliveries, seen };
}

const whsec = (bytes: number) => `whsec_${randomBytes(bytes).toString('base64')}`;

describe('standard preset: standardwebhooks and svix verify with only the secret', () => {
  it.each([
    ['own secret, JSON, svix', undefined, 'json', svix],
    ['imported 24-byte secret, JSON, standardwebhooks', whsec(24), 'json', standardwebhooks],
    ['imported 64-byte secret, JSON, svix', whsec(64), 'json', svix],
    ['own secret, XML, standardwebhooks (svix always parses JSON)', undefined, 'xml', standardwebhooks],
  ] as const)('%s', async (name, secret, format, verifier) => {
    const type = `std.${name.length}.${format}`;
    const path = `/std/${type}`;
    const { sub, seen } = await deliverThrough(path, { eventTypes: [type], format, ...(secret !== undefined && { secret }) }, verifier, [{ type, payload: { n: 1, note: 'zoë' } }]);
    if (secret !== undefined) expect(sub.secret).toBe(secret);
    expect(seen.map((v) => [v.ok, v.detail instanceof Error ? v.detail.message : 'ok'])).toEqual([[true, 'ok']]);
  });
});

describe('shopify preset: @shopify/shopify-api webhooks.validate accepts it with only the secret', () => {
  it('JSON with a generated secret; two messages give two webhook ids; topic, shop, version as sent', async () => {
    const events = [1, 2].map((n) => ({ type: 'orders/create', tenant: 'demo-shop.myshopify.com', payload: { id: n, total_price: '9.50' } }));
    const { sub, seen } = await deliverThrough('/shopify/json', { eventTypes: ['orders/create'], tenant: 'demo-shop.myshopify.com', preset: 'shopify' }, shopify, events);

    expect(sub.signing).toEqual({ scheme: 'hmac-sha256', header: 'X-Shopify-Hmac-Sha256' });
    expect(seen.map((v) => v.detail)).toEqual([1, 2].map(() => expect.objectContaining({ valid: true, topic: 'ORDERS_CREATE', domain: 'demo-shop.myshopify.com', apiVersion: '2025-07' })));
    const ids = seen.map((v) => (v.detail as { webhookId: string }).webhookId);
    expect(new Set(ids).size).toBe(2);
  });

  it('XML with an imported secret string: root <order>, validate accepts it; the deployment shop domain fills an event without tenant', async () => {
    const secret = `shpss_${randomBytes(16).toString('hex')}`;
    const { sub, seen } = await deliverThrough(
      '/shopify/xml',
      { eventTypes: ['products/update'], preset: 'shopify', format: 'xml', secret, apiVersion: '2024-10' },
      shopify,
      [{ type: 'products/update', payload: { id: 7, title: 'Mug' } }],
    );
    expect(sub.secret).toBe(secret);
    expect(seen[0]!.body).toMatch(/^<\?xml[^>]*\?><product><id>7<\/id>/);
    expect(seen[0]!.detail).toMatchObject({ valid: true, domain: 'fallback-shop.myshopify.com', apiVersion: '2024-10' });
  });

  it('a wrong secret is refused by the library (the check can fail)', async () => {
    const path = '/shopify/wrong';
    const sub = await createSubscription(api, { url: `${base}${path}`, eventTypes: ['carts/update'], preset: 'shopify', retryPolicy: { type: 'fixed', delays: [1] } });
    verifiers.set(path, shopify(`${sub.secret}x`));
    await postEvent(api, { type: 'carts/update', payload: { id: 1 } });
    await expect.poll(() => verdicts.filter((v) => v.path === path).length, { timeout: 20_000 }).toBeGreaterThan(0);
    expect(verdicts.find((v) => v.path === path)!.detail).toMatchObject({ valid: false, reason: 'invalid_hmac' });
  });
});

describe('tiktok-shop preset: the SDK algorithm verifies with the app secret and app key', () => {
  it.each([
    ['own secret, no app key', undefined, undefined, 'json'],
    ['imported secret with app key', 'e59af819cc0123456789abcd', '68xu9ks5p4i8', 'json'],
    ['imported secret with app key, XML', 'e59af819cc0123456789abcd', '68xu9ks5p4i8', 'xml'],
  ] as const)('%s', async (name, secret, appKey, format) => {
    const type = `tts.${name.length}.${format}`;
    const { sub, seen } = await deliverThrough(
      `/tiktok/${type}`,
      { eventTypes: [type], tenant: 'tt_shop', preset: 'tiktok-shop', format, ...(secret !== undefined && { secret }), ...(appKey !== undefined && { signing: { scheme: 'authorization', appKey } }) },
      (s) => tiktok(s, appKey ?? ''),
      [{ type, tenant: 'tt_shop', payload: { order_id: '576', status: 'AWAITING_SHIPMENT' } }],
    );
    expect(sub.signing.scheme).toBe('authorization');
    expect(seen.map((v) => v.ok)).toEqual([true]);
    expect(seen[0]!.headers.authorization).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('imported secrets are checked per scheme', () => {
  it.each([
    [{ secret: 'whsec_c2hvcnQ=' }, 'standard-webhooks'],
    [{ secret: 'short', preset: 'shopify' }, 'hmac-sha256'],
    [{ secret: 'has spaces in the secret', preset: 'tiktok-shop' }, 'authorization'],
  ])('%j is a problem naming "secret", never echoing it', async (body, scheme) => {
    const res = await api('POST', '/v1/subscriptions', { url: `${base}/never`, eventTypes: ['x.y'], ...body });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect((res.body as { errors: { field: string; message: string }[] }).errors).toEqual([{ field: 'secret', message: expect.stringContaining(scheme) }]);
    expect(JSON.stringify(res.body)).not.toContain(body.secret);
  });
});
