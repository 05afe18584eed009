import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { DEFAULT_HMAC_HEADER, NoSigningSecretError, signatureHeaders, type SignatureInput } from '../../../lambdas/core/signing.js';
import { generateSecret, rotateSecrets, secretKey } from '../../../lambdas/core/secrets.js';
import { buildDeliveryRequest } from '../../../lambdas/core/request.js';
import type { Subscription } from '../../../lambdas/core/model.js';
import { makeSubscription, SECRET } from './fixtures.js';

/** The published Standard Webhooks test vector. */
const VECTOR = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  messageId: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

const input = (over: Partial<SignatureInput>): SignatureInput => ({
  scheme: 'standard-webhooks',
  secrets: [VECTOR.secret],
  messageId: VECTOR.messageId,
  timestamp: VECTOR.timestamp,
  body: VECTOR.body,
  ...over,
});

const MESSAGE = { id: 'msg_01HMA00000000000000000000X', type: 'order.created', eventTime: '2024-01-15T11:59:00.000Z', payload: { order: 42, note: 'né' } };

/** A delivery request for `sub` made at `now`, as the worker would build it. */
function requestAt(sub: Subscription, now: number, attempt = 1) {
  return buildDeliveryRequest({ subscription: sub, message: MESSAGE, attempt, now, version: '1.2.3' });
}

afterEach(() => {
  vi.useRealTimers();
});

describe('standard-webhooks', () => {
  it('reproduces the published test vector', () => {
    expect(signatureHeaders(input({}))).toEqual({ 'webhook-signature': VECTOR.signature });
  });

  it('agrees with the standardwebhooks package on the vector', () => {
    const theirs = new Webhook(VECTOR.secret).sign(VECTOR.messageId, new Date(VECTOR.timestamp * 1000), VECTOR.body);
    expect(theirs).toBe(VECTOR.signature);
  });

  it.each([
    ['a changed body', { body: '{"test": 2432232315}' }],
    ['a changed id', { messageId: 'msg_p5jXN8AQM9LWM0D4loKWxJeK' }],
    ['a changed timestamp', { timestamp: VECTOR.timestamp + 1 }],
    ['another secret', { secrets: ['whsec_' + Buffer.alloc(32, 1).toString('base64')] }],
  ])('changes with %s', (_name, over) => {
    expect(signatureHeaders(input(over))['webhook-signature']).not.toBe(VECTOR.signature);
  });

  it('a request Hookline signs verifies with the standardwebhooks package; a tampered one does not', () => {
    // Prepare: verification checks the timestamp against the real clock, so sign "now".
    const sub = makeSubscription();
    const request = requestAt(sub, Date.now());
    const webhook = new Webhook(SECRET);
    // Act + Assess
    expect(webhook.verify(request.body!, request.headers)).toEqual(MESSAGE.payload);
    expect(() => webhook.verify(request.body!.replace('42', '43'), request.headers)).toThrow('No matching signature found');
    expect(() => webhook.verify(`${request.body!} `, request.headers)).toThrow('No matching signature found');
    expect(() => webhook.verify(request.body!, { ...request.headers, 'webhook-id': 'msg_other' })).toThrow('No matching signature found');
    const ts = Number(request.headers['webhook-timestamp']);
    expect(() => webhook.verify(request.body!, { ...request.headers, 'webhook-timestamp': String(ts - 1) })).toThrow('No matching signature found');
    expect(() => new Webhook(generateSecret()).verify(request.body!, request.headers)).toThrow('No matching signature found');
  });

  it('signs with the raw UTF-8 bytes of the body', () => {
    const body = JSON.stringify({ name: 'Zoë 日本 😀' });
    const headers = signatureHeaders(input({ body }));
    const expected = createHmac('sha256', secretKey(VECTOR.secret)).update(Buffer.from(`${VECTOR.messageId}.${VECTOR.timestamp}.${body}`, 'utf8')).digest('base64');
    expect(headers['webhook-signature']).toBe(`v1,${expected}`);
  });

  describe('rotation', () => {
    const T0 = Date.UTC(2024, 0, 15, 12, 0, 0);
    const NEW_SECRET = 'whsec_' + Buffer.alloc(32, 7).toString('base64');

    function rotated(graceSeconds?: number): Subscription {
      const sub = makeSubscription();
      return { ...sub, secrets: rotateSecrets(sub.secrets, NEW_SECRET, T0, graceSeconds) };
    }

    it('signs with every active secret, current first, space-separated; each verifies', () => {
      // Prepare
      const sub = rotated();
      const now = T0 + 3_600_000;
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(now);
      // Act
      const request = requestAt(sub, now);
      // Assess
      const signatures = request.headers['webhook-signature']!.split(' ');
      expect(signatures).toHaveLength(2);
      expect(signatures.every((s) => /^v1,[A-Za-z0-9+/]{43}=$/.test(s))).toBe(true);
      const timestamp = Number(request.headers['webhook-timestamp']);
      expect(signatures[0]).toBe(new Webhook(NEW_SECRET).sign(MESSAGE.id, new Date(timestamp * 1000), request.body!));
      expect(signatures[1]).toBe(new Webhook(SECRET).sign(MESSAGE.id, new Date(timestamp * 1000), request.body!));
      expect(new Webhook(NEW_SECRET).verify(request.body!, request.headers)).toEqual(MESSAGE.payload);
      expect(new Webhook(SECRET).verify(request.body!, request.headers)).toEqual(MESSAGE.payload);
    });

    it('keeps the old secret signing until the end of the grace window (24 h by default), then drops it', () => {
      const sub = rotated();
      const lastSecond = T0 + 86_400_000 - 1000;
      const expired = T0 + 86_400_000;
      expect(requestAt(sub, lastSecond).headers['webhook-signature']!.split(' ')).toHaveLength(2);
      const after = requestAt(sub, expired);
      expect(after.headers['webhook-signature']!.split(' ')).toHaveLength(1);
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(expired);
      expect(new Webhook(NEW_SECRET).verify(after.body!, after.headers)).toEqual(MESSAGE.payload);
      expect(() => new Webhook(SECRET).verify(after.body!, after.headers)).toThrow('No matching signature found');
    });

    it('honours a custom grace period, and 0 retires the old secret at once', () => {
      expect(requestAt(rotated(60), T0 + 59_000).headers['webhook-signature']!.split(' ')).toHaveLength(2);
      expect(requestAt(rotated(60), T0 + 60_000).headers['webhook-signature']!.split(' ')).toHaveLength(1);
      expect(requestAt(rotated(0), T0).headers['webhook-signature']!.split(' ')).toHaveLength(1);
    });
  });
});

describe('hmac-sha256 (Shopify style)', () => {
  it('puts the base64 HMAC of the raw body in the default header, keyed with the secret string as held (UTF-8)', () => {
    const headers = signatureHeaders(input({ scheme: 'hmac-sha256' }));
    const expected = createHmac('sha256', Buffer.from(VECTOR.secret, 'utf8')).update(VECTOR.body).digest('base64');
    expect(DEFAULT_HMAC_HEADER).toBe('X-Hookline-Hmac-SHA256');
    expect(headers).toEqual({ 'X-Hookline-Hmac-SHA256': expected });
  });

  it('uses the configured header and signs the exact body sent, recomputable with node:crypto', () => {
    // Prepare
    const sub = makeSubscription({ signing: { scheme: 'hmac-sha256', header: 'X-Shopify-Hmac-SHA256' } });
    // Act
    const request = requestAt(sub, Date.UTC(2024, 0, 15, 12, 0, 0));
    // Assess: the receiver's check, as Shopify documents it.
    const received = request.headers['X-Shopify-Hmac-SHA256']!;
    const computed = createHmac('sha256', SECRET).update(Buffer.from(request.body!, 'utf8')).digest('base64');
    expect(received).toBe(computed);
    expect(received).not.toBe(createHmac('sha256', secretKey(SECRET)).update(request.body!).digest('base64'));
    const tampered = createHmac('sha256', SECRET).update(request.body!.replace('42', '43')).digest('base64');
    expect(received).not.toBe(tampered);
    expect(request.headers).not.toHaveProperty('webhook-signature');
    expect(request.headers).not.toHaveProperty('X-Hookline-Hmac-SHA256');
  });

  it('signs with the current secret only, even during rotation', () => {
    const secrets = [VECTOR.secret, 'whsec_' + Buffer.alloc(32, 9).toString('base64')];
    const headers = signatureHeaders(input({ scheme: 'hmac-sha256', secrets, headerName: 'X-Sig' }));
    expect(headers).toEqual(signatureHeaders(input({ scheme: 'hmac-sha256', secrets: [VECTOR.secret], headerName: 'X-Sig' })));
  });
});

describe('authorization (TikTok style)', () => {
  it('puts the lowercase hex HMAC-SHA256 of the raw body in Authorization, keyed with the secret string (no app key: empty)', () => {
    const headers = signatureHeaders(input({ scheme: 'authorization' }));
    const expected = createHmac('sha256', VECTOR.secret).update(VECTOR.body).digest('hex');
    expect(headers).toEqual({ Authorization: expected });
    expect(headers.Authorization).toMatch(/^[0-9a-f]{64}$/);
  });

  it('signs appKey + body when the subscription has an app key', () => {
    const headers = signatureHeaders(input({ scheme: 'authorization', appKey: '6abc1d2e' }));
    expect(headers.Authorization).toBe(createHmac('sha256', VECTOR.secret).update(`6abc1d2e${VECTOR.body}`).digest('hex'));
    expect(headers.Authorization).not.toBe(signatureHeaders(input({ scheme: 'authorization' })).Authorization);
  });

  it('reaches the request as its Authorization header, app key included', () => {
    const request = requestAt(makeSubscription({ signing: { scheme: 'authorization', appKey: 'app_7' } }), Date.UTC(2024, 0, 1));
    expect(request.headers.Authorization).toBe(createHmac('sha256', SECRET).update(`app_7${request.body!}`).digest('hex'));
  });

  it('keys an imported secret byte for byte as written (UTF-8), never base64-decoded', () => {
    const imported = 'e59af819cc0123456789abcdef';
    const headers = signatureHeaders(input({ scheme: 'authorization', secrets: [imported] }));
    expect(headers.Authorization).toBe(createHmac('sha256', Buffer.from(imported, 'utf8')).update(VECTOR.body).digest('hex'));
  });
});

describe('none', () => {
  it('adds no signature, but the request still carries webhook-id and webhook-timestamp', () => {
    expect(signatureHeaders(input({ scheme: 'none' }))).toEqual({});
    expect(signatureHeaders(input({ scheme: 'none', secrets: [] }))).toEqual({});
    const request = requestAt(makeSubscription({ signing: { scheme: 'none' } }), Date.UTC(2024, 0, 1));
    expect(Object.keys(request.headers).sort()).toEqual(['Content-Type', 'User-Agent', 'X-Hookline-Attempt', 'X-Hookline-Event-Type', 'webhook-id', 'webhook-timestamp']);
  });
});

it.each(['standard-webhooks', 'hmac-sha256', 'authorization'] as const)('%s without an active secret throws NoSigningSecretError', (scheme) => {
  expect(() => signatureHeaders(input({ scheme, secrets: [] }))).toThrow(NoSigningSecretError);
});
