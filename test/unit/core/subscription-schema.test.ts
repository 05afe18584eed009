import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { z } from 'zod';
import { applySubscriptionPatch, buildSubscription, parseCreateSubscription } from '../../../lambdas/core/subscription-build.js';
import { createSubscriptionSchema, PRESET_FIELDS } from '../../../lambdas/core/subscription-schema.js';
import { zodFieldErrors } from '../../../lambdas/core/validation.js';
import { ValidationError, type FieldError } from '../../../lambdas/core/errors.js';
import { DESIGN_SUBSCRIPTION_EXAMPLE } from '../../support/design-example.js';
import { fieldErrorsOf } from '../../support/field-errors.js';
import { PRESET_NAMES, PRESETS, presetValues } from '../../../lambdas/core/presets.js';
import type { PresetName, Subscription } from '../../../lambdas/core/model.js';
import { AWS_POLICY, LOCAL_POLICY, makeSubscription, NOW, SECRET, SUB_ID } from './fixtures.js';

const MINIMAL = { url: 'https://hooks.example.com/orders', eventTypes: ['order.created'] };

/** The field errors a create body produces (empty when valid). */
function createErrors(body: unknown, policy = AWS_POLICY): FieldError[] {
  return fieldErrorsOf(() => parseCreateSubscription(body, policy));
}

const errorsOf = (fields: Record<string, unknown>) => createErrors({ ...MINIMAL, ...fields });

describe('create', () => {
  it('needs only url and eventTypes; every other field gets its default and the standard preset', () => {
    // Act
    const sub = buildSubscription(parseCreateSubscription(MINIMAL, AWS_POLICY), { id: SUB_ID, now: NOW, secret: SECRET });
    // Assess
    const iso = new Date(NOW).toISOString();
    expect(sub).toEqual({
      id: SUB_ID,
      url: 'https://hooks.example.com/orders',
      eventTypes: ['order.created'],
      fallback: false,
      method: 'POST',
      format: 'json',
      envelope: 'none',
      preset: 'standard',
      customHeaders: {},
      ...presetValues('standard'),
      status: 'active',
      metadata: {},
      secrets: [{ secret: SECRET, createdAt: iso }],
      keying: 2,
      consecutiveFailures: 0,
      createdAt: iso,
      updatedAt: iso,
      version: 1,
    });
    expect(sub).not.toHaveProperty('tenant');
    expect(sub).not.toHaveProperty('auth');
    expect(sub).not.toHaveProperty('description');
  });

  it('accepts the DESIGN contract example field for field', () => {
    const body = DESIGN_SUBSCRIPTION_EXAMPLE;
    const sub = buildSubscription(parseCreateSubscription(body, AWS_POLICY), { id: SUB_ID, now: NOW, secret: SECRET });
    expect(sub).toMatchObject(body);
  });

  it.each([
    ['signing hmac-sha256 without header', { signing: { scheme: 'hmac-sha256' } }, { signing: { scheme: 'hmac-sha256', header: 'X-Hookline-Hmac-SHA256' } }],
    ['signing hmac-sha256 with header', { signing: { scheme: 'hmac-sha256', header: 'X-Shopify-Hmac-SHA256' } }, { signing: { scheme: 'hmac-sha256', header: 'X-Shopify-Hmac-SHA256' } }],
    ['signing authorization', { signing: { scheme: 'authorization' } }, { signing: { scheme: 'authorization' } }],
    ['signing none', { signing: { scheme: 'none' } }, { signing: { scheme: 'none' } }],
    ['auth basic', { auth: { type: 'basic', username: 'u', password: 'p w' } }, { auth: { type: 'basic', username: 'u', password: 'p w' } }],
    ['auth header', { auth: { type: 'header', authorization: 'Key abc', username: 'acme' } }, { auth: { type: 'header', authorization: 'Key abc', username: 'acme' } }],
    [
      'exponential defaults',
      { retryPolicy: { type: 'exponential' } },
      { retryPolicy: { type: 'exponential', initialDelay: 60, factor: 2, maxDelay: 86_400, retries: 8, jitter: 0 } },
    ],
    [
      'the DESIGN exponential example',
      { retryPolicy: { type: 'exponential', initialDelay: 60, factor: 2, maxDelay: 3600, retries: 5, jitter: 0.2 } },
      { retryPolicy: { type: 'exponential', initialDelay: 60, factor: 2, maxDelay: 3600, retries: 5, jitter: 0.2 } },
    ],
    ['failure action defaults to disable', { failurePolicy: { afterConsecutiveFailures: 10 } }, { failurePolicy: { afterConsecutiveFailures: 10, action: 'disable' } }],
    ['status matchers of every form', { acceptStatuses: [200, '201', '2xx', '200-299'] }, { acceptStatuses: [200, '201', '2xx', '200-299'] }],
    ['an empty retryOn (never retry)', { retryOn: [] }, { retryOn: [] }],
    ['event type *', { eventTypes: ['*'] }, { eventTypes: ['*'] }],
    ['GET, XML, standard envelope', { method: 'GET', format: 'xml', envelope: 'standard' }, { method: 'GET', format: 'xml', envelope: 'standard' }],
    ['a fallback subscription', { fallback: true }, { fallback: true }],
    ['an IDN URL, stored as punycode', { url: 'https://bücher.example/hook' }, { url: 'https://xn--bcher-kva.example/hook' }],
  ])('accepts %s', (_name, fields, expected) => {
    expect(buildSubscription(parseCreateSubscription({ ...MINIMAL, ...fields }, AWS_POLICY), { id: SUB_ID, now: NOW, secret: SECRET })).toMatchObject(expected);
  });

  it('accepts http to loopback only under the local policy', () => {
    expect(parseCreateSubscription({ ...MINIMAL, url: 'http://127.0.0.1:9000/hook' }, LOCAL_POLICY).url).toBe('http://127.0.0.1:9000/hook');
    expect(createErrors({ ...MINIMAL, url: 'http://127.0.0.1:9000/hook' }, AWS_POLICY)).toEqual([{ field: 'url', message: 'must use https' }]);
  });

  describe('presets', () => {
    it.each(PRESET_NAMES)('%s fills timeoutMs, acceptStatuses, retryOn, retryPolicy, failurePolicy and signing', (preset) => {
      const sub = makeSubscription({ preset });
      for (const field of PRESET_FIELDS) expect(sub[field]).toEqual(PRESETS[preset][field]);
    });

    it('an explicit field overrides the preset, the others still come from it (property)', () => {
      const explicit = {
        timeoutMs: 1234,
        acceptStatuses: [202],
        retryOn: ['5xx'],
        retryPolicy: { type: 'fixed', delays: [7] },
        failurePolicy: { afterConsecutiveFailures: 3, action: 'disable' },
        signing: { scheme: 'none' },
      } as const;
      fc.assert(
        fc.property(fc.constantFrom(...PRESET_NAMES), fc.subarray([...PRESET_FIELDS]), (preset: PresetName, given) => {
          const body = { ...MINIMAL, preset, ...Object.fromEntries(given.map((f) => [f, explicit[f]])) };
          const sub = makeSubscription(body);
          for (const field of PRESET_FIELDS) expect(sub[field]).toEqual(given.includes(field) ? explicit[field] : PRESETS[preset][field]);
        }),
      );
    });

    it('never shares arrays with the preset table', () => {
      const sub = makeSubscription({ preset: 'tiktok-shop' });
      sub.acceptStatuses.push(500);
      expect(PRESETS['tiktok-shop'].acceptStatuses).toEqual([200, 401]);
    });
  });

  describe('errors name the field', () => {
    it.each([
      ['url missing', { url: undefined }, [{ field: 'url', message: 'is required' }]],
      ['url not a string', { url: 5 }, [{ field: 'url', message: 'must be a string' }]],
      ['url empty', { url: '' }, [{ field: 'url', message: 'must not be empty' }]],
      ['url plain http', { url: 'http://hooks.example.com/' }, [{ field: 'url', message: 'must use https' }]],
      ['url IP literal', { url: 'https://2130706433/' }, [{ field: 'url', message: 'must use a domain name, not an IP address' }]],
      ['url with a port', { url: 'https://hooks.example.com:8443/' }, [{ field: 'url', message: 'must not specify a port' }]],
      ['url with userinfo', { url: 'https://u:p@hooks.example.com/' }, [{ field: 'url', message: 'must not contain credentials (userinfo)' }]],
      ['url with a fragment', { url: 'https://hooks.example.com/#x' }, [{ field: 'url', message: 'must not contain a fragment' }]],
      ['eventTypes missing', { eventTypes: undefined }, [{ field: 'eventTypes', message: 'is required' }]],
      ['eventTypes not a list', { eventTypes: 'a' }, [{ field: 'eventTypes', message: 'must be an array' }]],
      ['eventTypes empty', { eventTypes: [] }, [{ field: 'eventTypes', message: 'must have at least 1 item' }]],
      ['eventTypes repeated', { eventTypes: ['a', 'b', 'a'] }, [{ field: 'eventTypes.2', message: 'repeats "a"' }]],
      ['eventTypes with a bad type', { eventTypes: ['ok', 'bad type'] }, [{ field: 'eventTypes.1', message: 'must be "*" or 1-128 characters of letters, digits and _ . : / -' }]],
      ['eventTypes too many', { eventTypes: Array.from({ length: 21 }, (_, i) => `t${i}`) }, [{ field: 'eventTypes', message: 'must have at most 20 items' }]],
      ['tenant empty', { tenant: '' }, [{ field: 'tenant', message: 'must not be empty' }]],
      ['tenant reserved', { tenant: '~' }, [{ field: 'tenant', message: 'must not be "~" (reserved for "no tenant")' }]],
      ['tenant with control characters', { tenant: 'a\nb' }, [{ field: 'tenant', message: 'must not contain control characters' }]],
      ['tenant too long', { tenant: 'x'.repeat(129) }, [{ field: 'tenant', message: 'must be at most 128 characters' }]],
      ['fallback not a boolean', { fallback: 'yes' }, [{ field: 'fallback', message: 'must be a boolean' }]],
      ['method', { method: 'PUT' }, [{ field: 'method', message: 'must be one of: "POST", "GET"' }]],
      ['method in lower case', { method: 'get' }, [{ field: 'method', message: 'must be one of: "POST", "GET"' }]],
      ['format', { format: 'yaml' }, [{ field: 'format', message: 'must be one of: "json", "xml"' }]],
      ['envelope', { envelope: 'full' }, [{ field: 'envelope', message: 'must be one of: "none", "standard"' }]],
      ['preset', { preset: 'github' }, [{ field: 'preset', message: 'must be one of: "standard", "tiktok-shop", "shopify", "partoo"' }]],
      ['signing not an object', { signing: 'x' }, [{ field: 'signing', message: 'must be an object' }]],
      ['signing scheme', { signing: { scheme: 'rsa' } }, [{ field: 'signing.scheme', message: 'must be one of: "standard-webhooks", "hmac-sha256", "authorization", "none"' }]],
      ['signing header on another scheme', { signing: { scheme: 'standard-webhooks', header: 'X-A' } }, [{ field: 'signing.header', message: 'is not a known field' }]],
      ['signing header hop-by-hop', { signing: { scheme: 'hmac-sha256', header: 'Transfer-Encoding' } }, [{ field: 'signing.header', message: 'must not be a hop-by-hop header' }]],
      ['signing header Hookline sets', { signing: { scheme: 'hmac-sha256', header: 'webhook-signature' } }, [{ field: 'signing.header', message: 'must not be a header Hookline sets itself' }]],
      ['signing header invalid', { signing: { scheme: 'hmac-sha256', header: 'X Sig' } }, [{ field: 'signing.header', message: 'must be a valid header name' }]],
      ['signing header too long', { signing: { scheme: 'hmac-sha256', header: `X-${'a'.repeat(127)}` } }, [{ field: 'signing.header', message: 'must be at most 128 characters' }]],
      ['signing header in the reserved family', { signing: { scheme: 'hmac-sha256', header: 'X-Hookline-Sig' } }, [{ field: 'signing.header', message: 'must not use the reserved X-Hookline prefix' }]],
      ['auth type', { auth: { type: 'digest' } }, [{ field: 'auth.type', message: 'must be one of: "basic", "bearer", "header"' }]],
      [
        'basic auth username with ":" and empty password',
        { auth: { type: 'basic', username: 'a:b', password: '' } },
        [
          { field: 'auth.username', message: 'must not contain ":" (RFC 7617)' },
          { field: 'auth.password', message: 'must not be empty' },
        ],
      ],
      ['basic auth missing password', { auth: { type: 'basic', username: 'u' } }, [{ field: 'auth.password', message: 'is required' }]],
      ['bearer token with whitespace', { auth: { type: 'bearer', token: 'a b' } }, [{ field: 'auth.token', message: 'must not contain whitespace' }]],
      ['bearer token outside Latin-1', { auth: { type: 'bearer', token: '日本' } }, [{ field: 'auth.token', message: 'must contain only Latin-1 characters (it is sent as a header value)' }]],
      ['header auth with CRLF', { auth: { type: 'header', authorization: 'x\r\nInjected: 1' } }, [{ field: 'auth.authorization', message: 'must not contain control characters (CR, LF, NUL …)' }]],
      ['custom headers not an object', { customHeaders: [] }, [{ field: 'customHeaders', message: 'must be an object' }]],
      [
        'custom headers, every problem at once',
        { customHeaders: { 'X-A': 1, Team: 'v', 'X-Hookline-X': 'v', 'X-B': 'a\nb' } },
        [
          { field: 'customHeaders.X-A', message: 'must be a string' },
          { field: 'customHeaders.Team', message: 'must start with X-' },
          { field: 'customHeaders.X-Hookline-X', message: 'must not use the reserved X-Hookline prefix' },
          { field: 'customHeaders.X-B', message: 'value must not contain CR, LF or NUL' },
        ],
      ],
      ['custom headers, six', { customHeaders: Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`X-${i}`, 'v'])) }, [{ field: 'customHeaders', message: 'must have at most 5 headers' }]],
      ['timeoutMs too small', { timeoutMs: 100 }, [{ field: 'timeoutMs', message: 'must be at least 500' }]],
      ['timeoutMs too large', { timeoutMs: 30_001 }, [{ field: 'timeoutMs', message: 'must be at most 30000' }]],
      ['timeoutMs fractional', { timeoutMs: 1.5 }, [{ field: 'timeoutMs', message: 'must be an integer' }]],
      ['acceptStatuses empty', { acceptStatuses: [] }, [{ field: 'acceptStatuses', message: 'must have at least 1 item' }]],
      [
        'acceptStatuses of every bad kind',
        { acceptStatuses: ['abc', 700, '300-200', '700', 1.5, true] },
        [
          { field: 'acceptStatuses.0', message: 'must be a status code (100-599), a class such as "2xx", or a range such as "200-299"' },
          { field: 'acceptStatuses.1', message: 'must be a status code (100-599), a class such as "2xx", or a range such as "200-299"' },
          { field: 'acceptStatuses.2', message: 'range must be written low-high' },
          { field: 'acceptStatuses.3', message: 'status codes must be between 100 and 599' },
          { field: 'acceptStatuses.4', message: 'must be a status code (100-599), a class such as "2xx", or a range such as "200-299"' },
          { field: 'acceptStatuses.5', message: 'must be a status code (100-599), a class such as "2xx", or a range such as "200-299"' },
        ],
      ],
      ['retryOn repeated', { retryOn: ['5xx', '5xx'] }, [{ field: 'retryOn', message: 'must not repeat a class' }]],
      ['retryOn unknown class', { retryOn: ['6xx'] }, [{ field: 'retryOn.0', message: expect.stringMatching(/^must be one of: .*"timeout".*"5xx"/) }]],
      ['retryPolicy type', { retryPolicy: { type: 'linear' } }, [{ field: 'retryPolicy.type', message: 'must be one of: "fixed", "exponential"' }]],
      ['fixed delays empty', { retryPolicy: { type: 'fixed', delays: [] } }, [{ field: 'retryPolicy.delays', message: 'must have at least 1 item' }]],
      [
        'fixed delays out of range',
        { retryPolicy: { type: 'fixed', delays: [0, 604_801, 1.5] } },
        [
          { field: 'retryPolicy.delays.0', message: 'must be at least 1' },
          { field: 'retryPolicy.delays.1', message: 'must be at most 604800' },
          { field: 'retryPolicy.delays.2', message: 'must be an integer' },
        ],
      ],
      ['fixed delays too many', { retryPolicy: { type: 'fixed', delays: Array.from({ length: 21 }, () => 1) } }, [{ field: 'retryPolicy.delays', message: 'must have at most 20 items' }]],
      [
        'exponential out of range',
        { retryPolicy: { type: 'exponential', initialDelay: 100, maxDelay: 50, factor: 0.5, jitter: 2, retries: 51 } },
        [
          { field: 'retryPolicy.factor', message: 'must be at least 1' },
          { field: 'retryPolicy.retries', message: 'must be at most 50' },
          { field: 'retryPolicy.jitter', message: 'must be at most 1' },
          { field: 'retryPolicy.maxDelay', message: 'must be at least initialDelay' },
        ],
      ],
      ['retryPolicy unknown key', { retryPolicy: { type: 'fixed', delays: [1], extra: 1 } }, [{ field: 'retryPolicy.extra', message: 'is not a known field' }]],
      ['failurePolicy threshold missing', { failurePolicy: {} }, [{ field: 'failurePolicy.afterConsecutiveFailures', message: 'is required' }]],
      ['failurePolicy warnAt not below the threshold', { failurePolicy: { afterConsecutiveFailures: 5, warnAt: 5 } }, [{ field: 'failurePolicy.warnAt', message: 'must be lower than afterConsecutiveFailures' }]],
      [
        'failurePolicy out of range',
        { failurePolicy: { afterConsecutiveFailures: 0, action: 'pause' } },
        [
          { field: 'failurePolicy.afterConsecutiveFailures', message: 'must be at least 1' },
          { field: 'failurePolicy.action', message: 'must be one of: "disable", "delete", "none"' },
        ],
      ],
      ['description too long', { description: 'x'.repeat(1025) }, [{ field: 'description', message: 'must be at most 1024 characters' }]],
      ['metadata value not a string', { metadata: { a: 1 } }, [{ field: 'metadata.a', message: 'must be a string' }]],
      ['metadata empty key', { metadata: { '': 'x' } }, [{ field: 'metadata.', message: 'key must not be empty' }]],
      ['metadata key too long', { metadata: { ['k'.repeat(65)]: 'x' } }, [{ field: `metadata.${'k'.repeat(65)}`, message: 'key must be at most 64 characters' }]],
      ['metadata value too long', { metadata: { a: 'x'.repeat(513) } }, [{ field: 'metadata.a', message: 'must be at most 512 characters' }]],
      ['metadata too many', { metadata: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, 'v'])) }, [{ field: 'metadata', message: 'must have at most 20 entries' }]],
      [
        'server-owned fields',
        { id: 'sub_x', status: 'active', createdAt: 'now' },
        [
          { field: 'id', message: 'is not a known field' },
          { field: 'status', message: 'is not a known field' },
          { field: 'createdAt', message: 'is not a known field' },
        ],
      ],
      ['auth with signing scheme authorization', { signing: { scheme: 'authorization' }, auth: { type: 'bearer', token: 't' } }, [{ field: 'auth', message: 'cannot be combined with signing scheme "authorization" (both use the Authorization header)' }]],
      ['a custom header shadowing the hmac header', { signing: { scheme: 'hmac-sha256', header: 'X-Sig' }, customHeaders: { 'x-sig': 'forged' } }, [{ field: 'customHeaders.x-sig', message: 'must not override the signature header' }]],
    ])('%s', (_name, fields, expected) => {
      expect(errorsOf(fields)).toEqual(expected);
    });

    it.each([null, 'x', 42, []])('refuses the non-object body %j', (body) => {
      expect(createErrors(body)).toEqual([{ field: '(body)', message: expect.stringMatching(/^must be an? /) }]);
    });

    it('reports a refused URL together with the other problems', () => {
      expect(createErrors({ url: 'http://hooks.example.com/', eventTypes: [], method: 'PUT', extra: 1 })).toEqual([
        { field: 'url', message: 'must use https' },
        { field: 'eventTypes', message: 'must have at least 1 item' },
        { field: 'method', message: 'must be one of: "POST", "GET"' },
        { field: 'extra', message: 'is not a known field' },
      ]);
    });

    it('throws a 400 ValidationError whose message lists every field', () => {
      let caught: unknown;
      try {
        parseCreateSubscription({ url: 'x' }, AWS_POLICY);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(ValidationError);
      const error = caught as ValidationError;
      expect(error.status).toBe(400);
      expect(error.name).toBe('ValidationError');
      expect(error.message).toBe('url: must be an absolute URL; eventTypes: is required');
    });
  });

  it('zodFieldErrors flattens nested paths and unknown keys', () => {
    const schema = z.object({ a: z.object({ b: z.array(z.number()) }).strict() }).strict();
    const result = schema.safeParse({ a: { b: [1, 'x'], c: 1, d: 2 }, e: 3 });
    expect(zodFieldErrors(result.error!.issues).map((e) => e.field)).toEqual(['a.b.1', 'a.c', 'a.d', 'e']);
  });

  it('produces a JSON Schema for the OpenAPI document with url and eventTypes required', () => {
    const { schemas } = z.toJSONSchema(z.globalRegistry, { io: 'input', unrepresentable: 'any' });
    const id = z.globalRegistry.get(createSubscriptionSchema)?.id;
    expect(id).toBe('CreateSubscription');
    const schema = schemas[id!] as { required?: string[]; properties?: Record<string, unknown> };
    expect(schema.required).toEqual(['url', 'eventTypes']);
    expect(Object.keys(schema.properties ?? {})).toEqual([
      'url', 'eventTypes', 'tenant', 'fallback', 'method', 'format', 'envelope', 'xmlRoot', 'apiVersion', 'preset', 'signing', 'secret', 'auth', 'customHeaders',
      'timeoutMs', 'acceptStatuses', 'retryOn', 'retryPolicy', 'failurePolicy', 'circuitBreaker', 'rateLimit', 'description', 'metadata',
    ]);
  });
});

describe('PATCH', () => {
  const LATER = NOW + 60_000;
  const base = (): Subscription =>
    makeSubscription({ tenant: 'shop_1', preset: 'shopify', auth: { type: 'bearer', token: 't' }, description: 'd', timeoutMs: 4000, metadata: { a: '1' } });

  function patchErrors(current: Subscription, body: unknown): FieldError[] {
    return fieldErrorsOf(() => applySubscriptionPatch(current, body, AWS_POLICY, LATER));
  }

  // Issue 20: a GET body PATCHed back used to store "****" as the credential.
  it.each([
    [{ type: 'bearer', token: '****' }, 'auth.token'],
    [{ type: 'basic', username: 'u', password: '****' }, 'auth.password'],
    [{ type: 'header', authorization: '****', username: 'u' }, 'auth.authorization'],
  ])('refuses the masked placeholder as a credential: %j', (auth, field) => {
    const errors = patchErrors(base(), { auth });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ field, message: expect.stringContaining('masked placeholder') });
    expect(errorsOf({ auth }).map((e) => e.field)).toEqual([field]);
  });

  it('keeps the stored credential when a read-back body leaves auth out', () => {
    const current = base();
    expect(applySubscriptionPatch(current, { description: 'x' }, AWS_POLICY, LATER).auth).toEqual(current.auth);
  });

  it('refuses the masked placeholder as a custom header value, naming the header, and keeps the stored values when the body leaves customHeaders out', () => {
    const current = { ...base(), customHeaders: { 'X-Api-Key': 'k-123456789', 'X-Team': 'payments' } };
    const readBack = { customHeaders: { 'X-Api-Key': '****', 'X-Team': '****' } };
    const errors = patchErrors(current, readBack);
    expect(errors.map((e) => e.field)).toEqual(['customHeaders.X-Api-Key', 'customHeaders.X-Team']);
    expect(errors[0]!.message).toBe('is the masked placeholder "****" from a read: send the real value, or leave customHeaders out to keep it');
    expect(errorsOf(readBack).map((e) => e.field)).toEqual(['customHeaders.X-Api-Key', 'customHeaders.X-Team']);
    expect(applySubscriptionPatch(current, { description: 'x' }, AWS_POLICY, LATER).customHeaders).toEqual(current.customHeaders);
    expect(applySubscriptionPatch(current, { customHeaders: { 'X-Api-Key': 'k-new-value' } }, AWS_POLICY, LATER).customHeaders).toEqual({ 'X-Api-Key': 'k-new-value' });
  });

  it('replaces only the given fields, bumps version and updatedAt, keeps identity, status, secrets and counters', () => {
    const current = { ...base(), status: 'disabled' as const, disabledReason: 'r', consecutiveFailures: 7 };
    const next = applySubscriptionPatch(current, { eventTypes: ['a', 'b'], description: 'new' }, AWS_POLICY, LATER);
    expect(next).toEqual({ ...current, eventTypes: ['a', 'b'], description: 'new', version: current.version + 1, updatedAt: new Date(LATER).toISOString() });
  });

  it('an empty body changes nothing but the version', () => {
    const current = base();
    expect(applySubscriptionPatch(current, {}, AWS_POLICY, LATER)).toEqual({ ...current, version: 2, updatedAt: new Date(LATER).toISOString() });
  });

  it('null clears tenant, auth and description', () => {
    const next = applySubscriptionPatch(base(), { tenant: null, auth: null, description: null }, AWS_POLICY, LATER);
    expect(next).not.toHaveProperty('tenant');
    expect(next).not.toHaveProperty('auth');
    expect(next).not.toHaveProperty('description');
  });

  it.each(['url', 'eventTypes', 'method', 'retryPolicy', 'customHeaders'])('null is refused for the required field %s', (field) => {
    expect(patchErrors(base(), { [field]: null })).toEqual([{ field, message: expect.stringMatching(/^must be /) }]);
  });

  it('a new preset re-applies its values to the preset fields the body does not set', () => {
    const next = applySubscriptionPatch(base(), { preset: 'partoo', retryOn: ['5xx'] }, AWS_POLICY, LATER);
    expect(next.preset).toBe('partoo');
    expect(next.retryOn).toEqual(['5xx']);
    expect(next.timeoutMs).toBe(PRESETS.partoo.timeoutMs);
    expect(next.acceptStatuses).toEqual(PRESETS.partoo.acceptStatuses);
    expect(next.retryPolicy).toEqual(PRESETS.partoo.retryPolicy);
    expect(next.failurePolicy).toEqual(PRESETS.partoo.failurePolicy);
  });

  it('without a preset in the body, explicit values given earlier stay', () => {
    const next = applySubscriptionPatch(base(), { acceptStatuses: [200] }, AWS_POLICY, LATER);
    expect(next.timeoutMs).toBe(4000);
    expect(next.retryPolicy).toEqual(PRESETS.shopify.retryPolicy);
    expect(next.acceptStatuses).toEqual([200]);
  });

  it('replaces objects whole (signing, auth, customHeaders, metadata), filling their defaults', () => {
    const next = applySubscriptionPatch(base(), { signing: { scheme: 'hmac-sha256' }, metadata: { b: '2' }, customHeaders: { 'X-New': 'v' } }, AWS_POLICY, LATER);
    expect(next.signing).toEqual({ scheme: 'hmac-sha256', header: 'X-Hookline-Hmac-SHA256' });
    expect(next.metadata).toEqual({ b: '2' });
    expect(next.customHeaders).toEqual({ 'X-New': 'v' });
  });

  it('normalises a new URL and applies the URL policy', () => {
    expect(applySubscriptionPatch(base(), { url: 'https://BÜCHER.example/x' }, AWS_POLICY, LATER).url).toBe('https://xn--bcher-kva.example/x');
    expect(patchErrors(base(), { url: 'https://[::1]/' })).toEqual([{ field: 'url', message: 'must use a domain name, not an IP address' }]);
  });

  it.each([
    ['an unknown field', { status: 'disabled' }, [{ field: 'status', message: 'is not a known field' }]],
    ['the id', { id: 'sub_other' }, [{ field: 'id', message: 'is not a known field' }]],
    ['a bad value', { timeoutMs: 10 }, [{ field: 'timeoutMs', message: 'must be at least 500' }]],
    ['a bad nested value', { retryPolicy: { type: 'fixed', delays: [1, -1] } }, [{ field: 'retryPolicy.delays.1', message: 'must be at least 1' }]],
    ['a non-object body', 'x', [{ field: '(body)', message: 'must be an object' }]],
  ])('refuses %s, naming the field', (_name, body, expected) => {
    expect(patchErrors(base(), body)).toEqual(expected);
  });

  it('validates the merged result: a change that conflicts with a stored field is refused', () => {
    // auth (stored) + signing "authorization" (patched) both want the Authorization header.
    expect(patchErrors(base(), { signing: { scheme: 'authorization' } })).toEqual([
      { field: 'auth', message: 'cannot be combined with signing scheme "authorization" (both use the Authorization header)' },
    ]);
    expect(applySubscriptionPatch(base(), { signing: { scheme: 'authorization' }, auth: null }, AWS_POLICY, LATER).signing).toEqual({ scheme: 'authorization' });
    // warnAt must stay below the (stored) threshold.
    const current = makeSubscription({ failurePolicy: { afterConsecutiveFailures: 5, action: 'disable' } });
    expect(patchErrors(current, { failurePolicy: { afterConsecutiveFailures: 5, warnAt: 9 } })).toEqual([
      { field: 'failurePolicy.warnAt', message: 'must be lower than afterConsecutiveFailures' },
    ]);
  });

  it('never mutates the stored subscription', () => {
    const current = base();
    const snapshot = structuredClone(current);
    applySubscriptionPatch(current, { eventTypes: ['z'], preset: 'standard', metadata: {} }, AWS_POLICY, LATER);
    expect(current).toEqual(snapshot);
  });
});
