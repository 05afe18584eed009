import { describe, expect, it } from 'vitest';
import { credentialValues, redactCredentials, REDACTED } from '../../../lambdas/core/redaction.js';
import type { Subscription } from '../../../lambdas/core/model.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw/+ab';
const OLD_SECRET = 'whsec_R0tat3dSecretR0tat3dSecretR0tat3dSecretAA=';

function credentials(overrides: Partial<Pick<Subscription, 'url' | 'auth' | 'customHeaders'>> = {}) {
  return {
    url: 'https://hooks.example.com/in?token=qs-tok-7c1e9a55&v=2',
    secrets: [{ secret: SECRET, createdAt: '2026-01-01T00:00:00.000Z' }, { secret: OLD_SECRET, createdAt: '2025-01-01T00:00:00.000Z' }],
    customHeaders: { 'X-Api-Key': 'key_live_4f1c9a2b7e6d5c3a', 'X-Team': 'ops' },
    ...overrides,
  };
}

const redact = (text: string, sub = credentials()) => redactCredentials(text, credentialValues(sub));

describe('redacting a subscription\'s credentials from a response excerpt', () => {
  it('removes the current and older signing secrets, with or without their whsec_ prefix', () => {
    expect(redact(`secret=${SECRET} key=${SECRET.slice(6)} old=${OLD_SECRET}`)).toBe(`secret=${REDACTED} key=${REDACTED} old=${REDACTED}`);
  });

  it('removes a bearer token and the Authorization header that carried it', () => {
    const sub = credentials({ auth: { type: 'bearer', token: 'tok_9f8e7d6c5b4a39281706' } });
    expect(redact('{"authorization":"Bearer tok_9f8e7d6c5b4a39281706"} tok_9f8e7d6c5b4a39281706', sub)).toBe(`{"authorization":"${REDACTED}"} ${REDACTED}`);
  });

  it('removes a basic password and the base64 header value that reveals it', () => {
    const sub = credentials({ auth: { type: 'basic', username: 'hook', password: 'pw-Zx81!correct-horse' } });
    const encoded = Buffer.from('hook:pw-Zx81!correct-horse').toString('base64');
    const out = redact(`Authorization: Basic ${encoded}\npassword=pw-Zx81!correct-horse\nencoded=${encoded}`, sub);
    expect(out).toBe(`Authorization: ${REDACTED}\npassword=${REDACTED}\nencoded=${REDACTED}`);
  });

  it('removes a header-type Authorization value', () => {
    const sub = credentials({ auth: { type: 'header', authorization: 'Token abcdef0123456789' } });
    expect(redact('got Token abcdef0123456789', sub)).toBe(`got ${REDACTED}`);
  });

  it('removes custom header values and URL query values of 8 characters or more, and leaves short ones', () => {
    expect(redact('x-api-key: key_live_4f1c9a2b7e6d5c3a, x-team: ops, url: /in?token=qs-tok-7c1e9a55&v=2')).toBe(
      `x-api-key: ${REDACTED}, x-team: ops, url: /in?token=${REDACTED}&v=2`,
    );
  });

  it('removes the JSON-escaped and percent-encoded forms a receiver may echo', () => {
    const escaped = SECRET.replaceAll('/', '\\/');
    expect(redact(`{"s":"${escaped}"} q=${encodeURIComponent(SECRET)}`)).toBe(`{"s":"${REDACTED}"} q=${REDACTED}`);
  });

  it('removes the beginning of a credential the excerpt was cut inside', () => {
    expect(redact(`...Bearer-less echo: ${SECRET.slice(0, 20)}`)).toBe(`...Bearer-less echo: ${REDACTED}`);
    // Fewer than 8 characters of it: indistinguishable from ordinary text, left alone.
    expect(redact('ends with whsec_M')).toBe('ends with whsec_M');
  });

  it('leaves an excerpt without credentials as it is', () => {
    expect(redact('{"ok":true,"received":"msg_2aB"}')).toBe('{"ok":true,"received":"msg_2aB"}');
  });
});
