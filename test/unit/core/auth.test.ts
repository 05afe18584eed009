import { describe, expect, it } from 'vitest';
import { authHeaders, MASK, maskAuth, maskSubscription } from '../../../lambdas/core/auth.js';
import { makeSubscription } from './fixtures.js';

describe('auth headers', () => {
  it.each([
    // RFC 7617 §2 and §2.1 examples.
    ['Aladdin', 'open sesame', 'Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=='],
    ['test', '123£', 'Basic dGVzdDoxMjPCow=='],
    ['user', 'p:a:ss', `Basic ${Buffer.from('user:p:a:ss').toString('base64')}`],
  ])('basic %s / %s → %s (base64 of UTF-8 "user:password")', (username, password, expected) => {
    const headers = authHeaders({ type: 'basic', username, password });
    expect(headers).toEqual({ Authorization: expected });
    const decoded = Buffer.from(headers.Authorization!.slice('Basic '.length), 'base64').toString('utf8');
    expect(decoded).toBe(`${username}:${password}`);
  });

  it('bearer sends the static token', () => {
    expect(authHeaders({ type: 'bearer', token: 's3cr3t' })).toEqual({ Authorization: 'Bearer s3cr3t' });
  });

  it('header sends Authorization verbatim and the optional UserName (the messaging provider scheme)', () => {
    expect(authHeaders({ type: 'header', authorization: 'Key abc', username: 'acme' })).toEqual({ Authorization: 'Key abc', UserName: 'acme' });
    expect(authHeaders({ type: 'header', authorization: 'Key abc' })).toEqual({ Authorization: 'Key abc' });
  });

  it('no auth, no header', () => {
    expect(authHeaders(undefined)).toEqual({});
  });
});

describe('masking (auth is write-only)', () => {
  it.each([
    [{ type: 'basic', username: 'u', password: 'p' }, { type: 'basic', username: 'u', password: MASK }],
    [{ type: 'bearer', token: 't' }, { type: 'bearer', token: MASK }],
    [{ type: 'header', authorization: 'a', username: 'n' }, { type: 'header', authorization: MASK, username: 'n' }],
    [{ type: 'header', authorization: 'a' }, { type: 'header', authorization: MASK }],
  ] as const)('masks %j', (auth, masked) => {
    expect(maskAuth(auth)).toEqual(masked);
  });

  it('a public subscription has no secrets and masked credentials', () => {
    const sub = makeSubscription({ auth: { type: 'bearer', token: 'tok' } });
    const view = maskSubscription(sub);
    expect(view).not.toHaveProperty('secrets');
    expect(view.auth).toEqual({ type: 'bearer', token: MASK });
    expect(JSON.stringify(view)).not.toContain('tok"');
    expect(JSON.stringify(view)).not.toContain('whsec_');
    expect(maskSubscription(makeSubscription())).not.toHaveProperty('auth');
  });

  it('masks every custom header value and keeps the names', () => {
    const view = maskSubscription(makeSubscription({ customHeaders: { 'X-Api-Key': 'key-abcdef', 'X-Team': 'payments' } }));
    expect(view.customHeaders).toEqual({ 'X-Api-Key': MASK, 'X-Team': MASK });
    expect(JSON.stringify(view)).not.toContain('key-abcdef');
    expect(maskSubscription(makeSubscription({ customHeaders: {} })).customHeaders).toEqual({});
  });
});
