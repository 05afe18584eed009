/**
 * Issue 17 in the pure core: keys per scheme, imported secrets, preset signing, Shopify's header
 * set and XML root. The providers' own libraries verify the same requests end to end in
 * test/e2e/provider-verifiers.test.ts.
 */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildDeliveryRequest } from '../../../lambdas/core/request.js';
import { deliveryIdFor } from '../../../lambdas/core/ids.js';
import { secretProblem, signingKey } from '../../../lambdas/core/secrets.js';
import { shopifyXmlRoot, DEFAULT_SHOPIFY_API_VERSION, DEFAULT_SHOP_DOMAIN } from '../../../lambdas/core/provider-headers.js';
import { renderBody } from '../../../lambdas/core/formats.js';
import { applySubscriptionPatch, parseCreateSubscription } from '../../../lambdas/core/subscription-build.js';
import { ValidationError } from '../../../lambdas/core/errors.js';
import { AWS_POLICY, makeSubscription, NOW, SECRET } from './fixtures.js';

const MESSAGE = { id: 'msg_01HMA00000000000000000000X', type: 'orders/create', eventTime: '2024-01-15T11:59:00.000Z', payload: { id: 42, total: '9.50' } };
const B64_32 = Buffer.alloc(32, 7).toString('base64');

function fieldErrors(fn: () => unknown): { field: string; message: string }[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof ValidationError) return error.errors;
    throw error;
  }
  throw new Error('expected a ValidationError');
}

describe('signing keys', () => {
  it('standard-webhooks decodes the whsec_ base64 part; hmac-sha256 and authorization take the string as held', () => {
    expect(signingKey('standard-webhooks', SECRET)).toEqual(Buffer.from(SECRET.slice(6), 'base64'));
    expect(signingKey('hmac-sha256', SECRET)).toEqual(Buffer.from(SECRET, 'utf8'));
    expect(signingKey('authorization', 'shpss_0123456789abcdef')).toEqual(Buffer.from('shpss_0123456789abcdef', 'utf8'));
  });
});

describe('imported secrets (secretProblem)', () => {
  it.each([
    ['standard-webhooks', `whsec_${Buffer.alloc(24).toString('base64')}`],
    ['standard-webhooks', `whsec_${Buffer.alloc(64).toString('base64')}`],
    ['hmac-sha256', 'a'.repeat(16)],
    ['hmac-sha256', '~'.repeat(256)],
    ['authorization', 'e59af819cc0123456789'],
    ['hmac-sha256', SECRET],
  ] as const)('%s accepts %s', (scheme, secret) => {
    expect(secretProblem(scheme, secret)).toBeUndefined();
  });

  it.each([
    ['standard-webhooks', `whsec_${Buffer.alloc(23).toString('base64')}`, /base64 of 24-64 bytes/],
    ['standard-webhooks', `whsec_${Buffer.alloc(65).toString('base64')}`, /base64 of 24-64 bytes/],
    ['standard-webhooks', B64_32, /must be "whsec_"/],
    ['standard-webhooks', `whsec_${B64_32.slice(0, -1)}!`, /base64/],
    ['hmac-sha256', 'a'.repeat(15), /16-256 printable ASCII/],
    ['hmac-sha256', 'a'.repeat(257), /16-256/],
    ['authorization', 'has a space in it ok', /without spaces/],
    ['authorization', 'nön-ascii-secret-value', /printable ASCII/],
  ] as const)('%s refuses %s', (scheme, secret, message) => {
    const problem = secretProblem(scheme, secret);
    expect(problem).toMatch(message);
    expect(problem).not.toContain(secret);
  });

  it('a create names the field "secret" and checks it against the resolved scheme (preset included), never echoing it', () => {
    const short = 'short-secret';
    const hmacRule = 'must be 16-256 printable ASCII characters without spaces for signing scheme "hmac-sha256"';
    expect(fieldErrors(() => parseCreateSubscription({ url: 'https://h.example.com/x', eventTypes: ['a'], secret: short, preset: 'shopify' }, AWS_POLICY))).toEqual([
      { field: 'secret', message: hmacRule },
    ]);
    // Named beside the schema's other problems too (the preset still resolves the scheme).
    expect(fieldErrors(() => parseCreateSubscription({ url: 'https://h.example.com/x', eventTypes: ['a'], secret: short, preset: 'shopify', timeoutMs: 'x' }, AWS_POLICY))).toEqual([
      { field: 'timeoutMs', message: 'must be a number' },
      { field: 'secret', message: hmacRule },
    ]);
    const errors = fieldErrors(() => parseCreateSubscription({ url: 'https://h.example.com/x', eventTypes: ['a'], secret: 'shpss_0123456789abcdef' }, AWS_POLICY));
    expect(errors).toEqual([{ field: 'secret', message: expect.stringContaining('"standard-webhooks"') }]);
    expect(JSON.stringify(errors)).not.toContain('shpss_0123456789abcdef');
  });

  it('an imported secret becomes the first signing secret', () => {
    const sub = makeSubscription({ preset: 'shopify' });
    expect(sub.secrets[0]!.secret).toBe(SECRET);
    const input = parseCreateSubscription({ url: 'https://h.example.com/x', eventTypes: ['a'], preset: 'tiktok-shop', secret: 'tts_secret_0123456789' }, AWS_POLICY);
    expect(input.secret).toBe('tts_secret_0123456789');
  });
});

describe('presets choose their provider signing; explicit fields win', () => {
  it.each([
    ['standard', { scheme: 'standard-webhooks' }],
    ['partoo', { scheme: 'standard-webhooks' }],
    ['shopify', { scheme: 'hmac-sha256', header: 'X-Shopify-Hmac-Sha256' }],
    ['tiktok-shop', { scheme: 'authorization' }],
  ] as const)('%s signs with %j', (preset, signing) => {
    expect(makeSubscription({ preset }).signing).toEqual(signing);
  });

  it('an explicit signing overrides the preset', () => {
    expect(makeSubscription({ preset: 'shopify', signing: { scheme: 'standard-webhooks' } }).signing).toEqual({ scheme: 'standard-webhooks' });
    expect(makeSubscription({ preset: 'tiktok-shop', signing: { scheme: 'authorization', appKey: '6abc1d2e' } }).signing).toEqual({ scheme: 'authorization', appKey: '6abc1d2e' });
  });

  it('tiktok-shop with auth explains that the preset signs in Authorization', () => {
    const errors = fieldErrors(() => makeSubscription({ preset: 'tiktok-shop', auth: { type: 'bearer', token: 't' } }));
    expect(errors).toEqual([{ field: 'auth', message: expect.stringContaining('"tiktok-shop" preset') }]);
  });

  it('a PATCH to a new preset takes its signing; a scheme whose key the stored secret cannot be is refused', () => {
    const standard = makeSubscription();
    expect(applySubscriptionPatch(standard, { preset: 'shopify' }, AWS_POLICY, NOW).signing).toEqual({ scheme: 'hmac-sha256', header: 'X-Shopify-Hmac-Sha256' });
    const imported = { ...makeSubscription({ preset: 'shopify' }), secrets: [{ secret: 'shpss_0123456789abcdef', createdAt: new Date(NOW).toISOString() }] };
    expect(fieldErrors(() => applySubscriptionPatch(imported, { preset: 'standard' }, AWS_POLICY, NOW))).toEqual([
      { field: 'signing.scheme', message: expect.stringContaining('rotate-secret') },
    ]);
  });
});

describe('shopify headers', () => {
  const request = (body: Record<string, unknown>, message: typeof MESSAGE & { tenant?: string } = MESSAGE, shopDomain?: string) =>
    buildDeliveryRequest({ subscription: makeSubscription({ preset: 'shopify', ...body }), message, attempt: 2, now: NOW, version: '9.9.9', ...(shopDomain !== undefined && { shopDomain }) });

  it('sends the header set webhooks.validate requires, signed with the string key', () => {
    const r = request({ tenant: 'demo.myshopify.com' });
    expect(r.headers).toMatchObject({
      'X-Shopify-Topic': 'orders/create',
      'X-Shopify-Shop-Domain': 'demo.myshopify.com',
      'X-Shopify-API-Version': DEFAULT_SHOPIFY_API_VERSION,
      'X-Shopify-Webhook-Id': deliveryIdFor(MESSAGE.id, makeSubscription().id),
      'X-Shopify-Triggered-At': MESSAGE.eventTime,
      'X-Shopify-Event-Id': MESSAGE.id,
      'X-Shopify-Hmac-Sha256': createHmac('sha256', SECRET).update(r.body!).digest('base64'),
    });
  });

  it("takes the event's tenant first, then the subscription's, then the deployment's domain, then the default", () => {
    expect(request({ tenant: 'sub.myshopify.com' }, { ...MESSAGE, tenant: 'event.myshopify.com' }).headers['X-Shopify-Shop-Domain']).toBe('event.myshopify.com');
    expect(request({}, MESSAGE, 'deploy.myshopify.com').headers['X-Shopify-Shop-Domain']).toBe('deploy.myshopify.com');
    expect(request({}).headers['X-Shopify-Shop-Domain']).toBe(DEFAULT_SHOP_DOMAIN);
  });

  it('apiVersion is a subscription field; a webhook id is per delivery and the same on every attempt', () => {
    expect(request({ apiVersion: '2024-10' }).headers['X-Shopify-API-Version']).toBe('2024-10');
    const other = { ...MESSAGE, id: 'msg_01HMA00000000000000000000Y' };
    expect(request({}).headers['X-Shopify-Webhook-Id']).toBe(request({}).headers['X-Shopify-Webhook-Id']);
    expect(request({}, other).headers['X-Shopify-Webhook-Id']).not.toBe(request({}).headers['X-Shopify-Webhook-Id']);
  });

  it('other presets send no Shopify headers', () => {
    const r = buildDeliveryRequest({ subscription: makeSubscription({ preset: 'tiktok-shop' }), message: MESSAGE, attempt: 1, now: NOW, version: '1' });
    expect(Object.keys(r.headers).filter((h) => h.toLowerCase().startsWith('x-shopify'))).toEqual([]);
  });

  it('refuses an apiVersion that is not a Shopify version', () => {
    expect(fieldErrors(() => makeSubscription({ preset: 'shopify', apiVersion: 'v2' }))).toEqual([{ field: 'apiVersion', message: expect.stringContaining('2025-07') }]);
  });
});

describe('XML root', () => {
  it.each([
    ['orders/create', 'order'],
    ['products/update', 'product'],
    ['inventory_items/delete', 'inventory_item'],
    ['companies/create', 'company'],
    ['customer_addresses/create', 'customer_address'],
    ['app/uninstalled', 'app'],
    ['shop/update', 'shop'],
  ])('shopify: %s → <%s>', (topic, root) => {
    expect(shopifyXmlRoot(topic)).toBe(root);
    expect(renderBody({ format: 'xml', envelope: 'none', preset: 'shopify' }, { ...MESSAGE, type: topic }).body).toMatch(new RegExp(`^<\\?xml[^>]*\\?><${root}>`));
  });

  it('any subscription may set xmlRoot; without it other presets keep the last segment', () => {
    expect(renderBody({ format: 'xml', envelope: 'none', preset: 'standard', xmlRoot: 'notification' }, MESSAGE).body).toContain('<notification><id>42</id>');
    expect(renderBody({ format: 'xml', envelope: 'none', preset: 'standard' }, MESSAGE).body).toContain('<create>');
    expect(makeSubscription({ format: 'xml', xmlRoot: 'event_v2' }).xmlRoot).toBe('event_v2');
  });

  it.each(['1root', 'xmlThing', 'a b', ''])('refuses the xmlRoot %j', (xmlRoot) => {
    expect(fieldErrors(() => makeSubscription({ xmlRoot }))).toEqual([{ field: 'xmlRoot', message: expect.any(String) }]);
  });
});
