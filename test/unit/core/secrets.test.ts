import { describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import {
  activeSecrets,
  DEFAULT_ROTATION_GRACE_SECONDS,
  generateSecret,
  isWebhookSecret,
  MAX_SECRETS,
  rotateSecrets,
  secretKey,
} from '../../../lambdas/core/secrets.js';
import type { SigningSecret } from '../../../lambdas/core/model.js';

const T0 = Date.UTC(2024, 0, 15, 12, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();

describe('secrets', () => {
  it('generates whsec_ secrets of 32 CSPRNG bytes (≥ 24), all different', () => {
    const secrets = Array.from({ length: 200 }, () => generateSecret());
    for (const s of secrets) {
      expect(s).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
      expect(secretKey(s).length).toBe(32);
      expect(secretKey(s).length).toBeGreaterThanOrEqual(24);
      expect(isWebhookSecret(s)).toBe(true);
    }
    expect(new Set(secrets).size).toBe(secrets.length);
  });

  it('makes secrets the standardwebhooks package accepts', () => {
    const secret = generateSecret();
    const signed = new Webhook(secret).sign('msg_x', new Date(T0), '{}');
    expect(signed).toMatch(/^v1,/);
  });

  it('uses the decoded base64 part as the key', () => {
    expect(secretKey('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw').toString('hex')).toBe(Buffer.from('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'base64').toString('hex'));
    expect(secretKey('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')).toEqual(secretKey('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'));
  });

  it.each(['whsec_', 'whsec_short', 'sk_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw!', ''])('isWebhookSecret refuses %j', (value) => {
    expect(isWebhookSecret(value)).toBe(false);
  });

  describe('rotation', () => {
    const first: SigningSecret = { secret: 'whsec_first', createdAt: iso(T0 - 1000) };

    it('puts the new secret first and keeps the previous one for the 24 h grace period', () => {
      const secrets = rotateSecrets([first], 'whsec_second', T0);
      expect(DEFAULT_ROTATION_GRACE_SECONDS).toBe(86_400);
      expect(secrets).toEqual([
        { secret: 'whsec_second', createdAt: iso(T0) },
        { secret: 'whsec_first', createdAt: first.createdAt, expiresAt: iso(T0 + 86_400_000) },
      ]);
      expect(activeSecrets(secrets, T0)).toEqual(['whsec_second', 'whsec_first']);
      expect(activeSecrets(secrets, T0 + 86_400_000 - 1)).toEqual(['whsec_second', 'whsec_first']);
      expect(activeSecrets(secrets, T0 + 86_400_000)).toEqual(['whsec_second']);
    });

    it('never extends an earlier expiry, and drops expired secrets', () => {
      const once = rotateSecrets([first], 'whsec_second', T0, 3600);
      const twice = rotateSecrets(once, 'whsec_third', T0 + 1000, 86_400);
      expect(twice.map((s) => [s.secret, s.expiresAt])).toEqual([
        ['whsec_third', undefined],
        ['whsec_second', iso(T0 + 1000 + 86_400_000)],
        ['whsec_first', iso(T0 + 3_600_000)],
      ]);
      const later = rotateSecrets(twice, 'whsec_fourth', T0 + 3_600_000);
      expect(later.map((s) => s.secret)).toEqual(['whsec_fourth', 'whsec_third', 'whsec_second']);
    });

    it('with a zero grace period retires the old secret at once', () => {
      expect(rotateSecrets([first], 'whsec_second', T0, 0)).toEqual([{ secret: 'whsec_second', createdAt: iso(T0) }]);
    });

    it(`keeps at most ${MAX_SECRETS} secrets`, () => {
      let secrets: SigningSecret[] = [first];
      for (let i = 0; i < 10; i++) secrets = rotateSecrets(secrets, `whsec_${i}`, T0 + i);
      expect(secrets).toHaveLength(MAX_SECRETS);
      expect(secrets[0]!.secret).toBe('whsec_9');
    });
  });
});
