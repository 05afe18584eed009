import { describe, expect, it } from 'vitest';
import { EMPTY_FORM, fromSubscription, patchBody, toBody } from '../../../console/app/subscription-form-model.js';
import type { Subscription } from '../../../console/app/model.js';

const saved: Subscription = {
  id: 'sub_1',
  url: 'https://hooks.example.com/orders',
  eventTypes: ['order.created', 'order.paid'],
  tenant: 'shop_1',
  fallback: false,
  preset: 'shopify',
  signing: { scheme: 'hmac-sha256', header: 'X-Sig' },
  auth: { type: 'basic', username: 'ops' },
  customHeaders: { 'X-Team': '****' },
  timeoutMs: 5000,
  acceptStatuses: ['2xx', 401],
  retryOn: ['5xx', 'timeout'],
  retryPolicy: { type: 'fixed', delays: [10, 30] },
  status: 'active',
  description: 'orders',
  metadata: { owner: 'team-a' },
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
};

describe('subscription form → API body', () => {
  it('leaves blank optional fields out so the preset fills them', () => {
    expect(toBody({ ...EMPTY_FORM, url: ' https://h.example/x ', eventTypes: 'a.b, c.d,', preset: 'partoo' })).toEqual({
      url: 'https://h.example/x',
      eventTypes: ['a.b', 'c.d'],
      fallback: false,
      preset: 'partoo',
    });
  });

  it('writes every field as the API spells it', () => {
    // The fields the form holds as the API spells them already: sent exactly as typed.
    const asTyped = {
      url: 'https://h.example/x',
      tenant: 't',
      fallback: true,
      method: 'GET',
      format: 'xml',
      envelope: 'standard',
      xmlRoot: 'order',
      apiVersion: '2025-07',
    };
    const body = toBody({
      ...EMPTY_FORM,
      ...asTyped,
      eventTypes: '*',
      signingScheme: 'hmac-sha256',
      signingHeader: 'X-Sig',
      secret: 'my-own-secret-0123456789',
      authType: 'header',
      authorization: 'Token abc',
      username: 'u',
      customHeaders: 'X-A: 1\nX-B: two words',
      timeoutMs: '3000',
      acceptStatuses: '200, 2xx, 200-204',
      retryOn: ['5xx'],
      retryPolicy: '{"type":"fixed","delays":[5]}',
      failurePolicy: '{"afterConsecutiveFailures":3,"action":"disable"}',
      description: 'd',
      metadata: 'a=1\nb=x=y',
    });
    expect(body).toEqual({
      ...asTyped,
      eventTypes: ['*'],
      preset: 'standard',
      signing: { scheme: 'hmac-sha256', header: 'X-Sig' },
      secret: 'my-own-secret-0123456789',
      auth: { type: 'header', authorization: 'Token abc', username: 'u' },
      customHeaders: { 'X-A': '1', 'X-B': 'two words' },
      timeoutMs: 3000,
      acceptStatuses: [200, '2xx', '200-204'],
      retryOn: ['5xx'],
      retryPolicy: { type: 'fixed', delays: [5] },
      failurePolicy: { afterConsecutiveFailures: 3, action: 'disable' },
      description: 'd',
      metadata: { a: '1', b: 'x=y' },
    });
  });

  it("signs TikTok Shop's way with an app key only under the authorization scheme", () => {
    expect(toBody({ ...EMPTY_FORM, signingScheme: 'authorization', signingAppKey: 'app-1', signingHeader: 'ignored' }).signing).toEqual({ scheme: 'authorization', appKey: 'app-1' });
    expect(toBody({ ...EMPTY_FORM, signingScheme: 'standard-webhooks', signingAppKey: 'stale' }).signing).toEqual({ scheme: 'standard-webhooks' });
  });

  it('sends what it cannot parse unchanged, for the API to name the field', () => {
    const body = toBody({ ...EMPTY_FORM, timeoutMs: 'soon', retryPolicy: '{not json' });
    expect(body.timeoutMs).toBe('soon');
    expect(body.retryPolicy).toBe('{not json');
  });
});

describe('editing a subscription', () => {
  it('round-trips a saved subscription with no change into an empty patch (masked credentials are not resent)', () => {
    const form = fromSubscription(saved);
    expect(form.password).toBe('');
    expect(patchBody(form, form)).toEqual({});
  });

  it('shows masked custom header values, and sends the map only when it is edited (every value retyped)', () => {
    const form = fromSubscription(saved);
    expect(form.customHeaders).toBe('X-Team: ****');
    expect(patchBody(form, { ...form, description: 'x' })).toEqual({ description: 'x' });
    expect(patchBody(form, { ...form, customHeaders: 'X-Team: billing' })).toEqual({ customHeaders: { 'X-Team': 'billing' } });
  });

  it('patches only the changed fields, and clears a removed tenant, description or auth with null', () => {
    const form = fromSubscription(saved);
    const edited = { ...form, eventTypes: 'order.created', tenant: '', description: '', authType: '', timeoutMs: '8000' };
    expect(patchBody(form, edited)).toEqual({ eventTypes: ['order.created'], timeoutMs: 8000, tenant: null, description: null, auth: null });
  });

  it('sends new credentials when they are typed in', () => {
    const form = fromSubscription(saved);
    expect(patchBody(form, { ...form, password: 'new-password' })).toEqual({ auth: { type: 'basic', username: 'ops', password: 'new-password' } });
  });
});
