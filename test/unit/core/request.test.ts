import { describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { XMLParser } from 'fast-xml-parser';
import { buildDeliveryRequest, requestTarget, withQuery, type DeliveryRequestInput } from '../../../lambdas/core/request.js';
import { makeSubscription, NOW, SECRET } from './fixtures.js';

const MESSAGE = { id: 'msg_01HMA00000000000000000000X', type: 'order.created', eventTime: '2024-01-15T11:59:00.000Z', payload: { order: 42, status: 'paid', lines: [1] } };

function build(body: Record<string, unknown> = {}, over: Partial<DeliveryRequestInput> = {}) {
  return buildDeliveryRequest({ subscription: makeSubscription(body), message: MESSAGE, attempt: 1, now: NOW, version: '1.2.3', ...over });
}

describe('delivery request', () => {
  it('POSTs the JSON payload with Hookline headers and a standard-webhooks signature', () => {
    const request = build();
    expect(request.method).toBe('POST');
    expect(request.url).toBe('https://hooks.example.com/orders');
    expect(request.body).toBe(JSON.stringify(MESSAGE.payload));
    expect(request.headers).toEqual({
      'Content-Type': 'application/json',
      'User-Agent': 'Hookline/1.2.3',
      'X-Hookline-Event-Type': 'order.created',
      'X-Hookline-Attempt': '1',
      'webhook-id': MESSAGE.id,
      'webhook-timestamp': String(NOW / 1000),
      'webhook-signature': new Webhook(SECRET).sign(MESSAGE.id, new Date(NOW), request.body!),
    });
  });

  it('keeps webhook-id (the message id) across retries while the attempt number and timestamp move on', () => {
    const first = build({}, { attempt: 1, now: NOW });
    const retry = build({}, { attempt: 2, now: NOW + 120_000 });
    expect(first.headers['webhook-id']).toBe(MESSAGE.id);
    expect(retry.headers['webhook-id']).toBe(MESSAGE.id);
    expect(retry.headers['X-Hookline-Attempt']).toBe('2');
    expect(Number(retry.headers['webhook-timestamp']) - Number(first.headers['webhook-timestamp'])).toBe(120);
    expect(retry.headers['webhook-signature']).not.toBe(first.headers['webhook-signature']);
    expect(retry.body).toBe(first.body);
  });

  it('uses whole seconds for webhook-timestamp', () => {
    expect(build({}, { now: NOW + 999 }).headers['webhook-timestamp']).toBe(String(NOW / 1000));
  });

  it.each([
    [{ type: 'basic', username: 'Aladdin', password: 'open sesame' }, { Authorization: 'Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==' }],
    [{ type: 'bearer', token: 's3cr3t' }, { Authorization: 'Bearer s3cr3t' }],
    [{ type: 'header', authorization: 'Key 123', username: 'acme' }, { Authorization: 'Key 123', UserName: 'acme' }],
  ])('sends the auth %j', (auth, expected) => {
    expect(build({ auth }).headers).toMatchObject(expected);
  });

  it('adds the custom headers', () => {
    expect(build({ customHeaders: { 'X-Team': 'payments', 'X-Org': 'o1' } }).headers).toMatchObject({ 'X-Team': 'payments', 'X-Org': 'o1' });
  });

  it("never lets extra headers replace Hookline's, auth or the signature (case-insensitive, no duplicates)", () => {
    const request = build(
      { auth: { type: 'bearer', token: 'real' } },
      { extraHeaders: { 'user-agent': 'evil', AUTHORIZATION: 'Bearer forged', 'Webhook-Signature': 'v1,forged', 'x-hookline-attempt': '99', 'X-Trace': 't' } },
    );
    const lower = Object.keys(request.headers).map((h) => h.toLowerCase());
    expect(new Set(lower).size).toBe(lower.length);
    const get = (name: string) => Object.entries(request.headers).find(([k]) => k.toLowerCase() === name)?.[1];
    expect(get('user-agent')).toBe('Hookline/1.2.3');
    expect(get('authorization')).toBe('Bearer real');
    expect(get('webhook-signature')).toMatch(/^v1,(?!forged)/);
    expect(get('x-hookline-attempt')).toBe('1');
    expect(get('x-trace')).toBe('t');
  });

  it('sends XML with its content type when the format is xml', () => {
    const request = build({ format: 'xml' });
    expect(request.headers['Content-Type']).toBe('application/xml; charset=utf-8');
    expect(new XMLParser({ parseTagValue: false }).parse(request.body!)).toMatchObject({ created: { order: '42', status: 'paid', lines: '1' } });
  });

  it('sends the standard envelope when asked', () => {
    expect(JSON.parse(build({ envelope: 'standard' }).body!)).toEqual({ id: MESSAGE.id, type: 'order.created', eventTime: '2024-01-15 11:59:00', body: MESSAGE.payload });
  });

  describe('GET', () => {
    it('sends no body and no Content-Type: id, type, eventTime and top-level scalars go in the query', () => {
      const request = build({ method: 'GET' });
      expect(request.method).toBe('GET');
      expect(request.body).toBeUndefined();
      expect(request.headers).not.toHaveProperty('Content-Type');
      const url = new URL(request.url);
      expect(url.origin + url.pathname).toBe('https://hooks.example.com/orders');
      expect(Object.fromEntries(url.searchParams)).toEqual({ id: MESSAGE.id, type: 'order.created', eventTime: MESSAGE.eventTime, order: '42', status: 'paid' });
    });

    it("keeps the subscription URL's own query", () => {
      const request = build({ method: 'GET', url: 'https://hooks.example.com/orders?token=abc' });
      expect(request.url.startsWith('https://hooks.example.com/orders?token=abc&id=msg_')).toBe(true);
    });

    // Issue 20: an empty-body signature left the query (the event itself) unsigned.
    it('signs the request target (path and query as sent), which the standardwebhooks package verifies', () => {
      const now = Date.now();
      const request = build({ method: 'GET', url: 'https://hooks.example.com/orders?token=abc' }, { now });
      const target = new URL(request.url).pathname + new URL(request.url).search;
      expect(target.startsWith('/orders?token=abc&id=msg_')).toBe(true);
      expect(requestTarget(request.url)).toBe(target);
      expect(request.headers['webhook-signature']).toBe(new Webhook(SECRET).sign(MESSAGE.id, new Date(Math.floor(now / 1000) * 1000), target));
      expect(new Webhook(SECRET).verify(target, request.headers, { jsonParse: false })).toBeUndefined();
      expect(() => new Webhook(SECRET).verify('', request.headers, { jsonParse: false })).toThrow();
      expect(() => new Webhook(SECRET).verify(target.replace('status=paid', 'status=refunded'), request.headers, { jsonParse: false })).toThrow();
    });
  });

  it.each([
    ['https://a.example.com/x', 'q=1', 'https://a.example.com/x?q=1'],
    ['https://a.example.com/x?a=1', 'q=1', 'https://a.example.com/x?a=1&q=1'],
    ['https://a.example.com/x?', 'q=1', 'https://a.example.com/x?q=1'],
    ['https://a.example.com/x?a=1&', 'q=1', 'https://a.example.com/x?a=1&q=1'],
    ['https://a.example.com/x', '', 'https://a.example.com/x'],
  ])('withQuery(%s, %s) = %s', (url, query, expected) => {
    expect(withQuery(url, query)).toBe(expected);
  });
});
