import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  deliveryIdFor,
  isDeliveryId,
  isMessageId,
  isReplayJobId,
  isSubscriptionId,
  newMessageId,
  newReplayJobId,
  newSubscriptionId,
} from '../../../lambdas/core/ids.js';

describe('ids', () => {
  it('makes prefixed 26-character ULID-shaped subscription and message ids', () => {
    // Act
    const sub = newSubscriptionId();
    const msg = newMessageId();
    // Assess
    expect(sub).toMatch(/^sub_[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(msg).toMatch(/^msg_[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(isSubscriptionId(sub)).toBe(true);
    expect(isMessageId(msg)).toBe(true);
  });

  it('makes random rpl_ replay job ids and recognises only that shape', () => {
    // Act
    const ids = new Set(Array.from({ length: 100 }, () => newReplayJobId()));
    // Assess
    expect(ids.size).toBe(100);
    for (const id of ids) expect(id).toMatch(/^rpl_[0-9a-f]{24}$/);
    expect([...ids].every(isReplayJobId)).toBe(true);
    for (const bad of ['rpl_', 'rpl_0123456789abcdef0123456', 'rpl_0123456789ABCDEF01234567', 'rpl_../../0123456789abcdef01', 'job_0123456789abcdef01234567', 42]) {
      expect(isReplayJobId(bad)).toBe(false);
    }
  });

  it('sorts ids by creation time', () => {
    // Prepare
    const times = [0, 1, 1_700_000_000_000, 1_700_000_000_001, 2 ** 48 - 1];
    // Act
    const ids = times.map((t) => newMessageId(t));
    // Assess
    expect([...ids].sort()).toEqual(ids);
    expect(ids[0]!.slice(4, 14)).toBe('0000000000');
  });

  it('draws fresh randomness for every id made in the same millisecond', () => {
    // Act
    const ids = new Set(Array.from({ length: 1000 }, () => newSubscriptionId(1_700_000_000_000)));
    // Assess
    expect(ids.size).toBe(1000);
  });

  it('derives the delivery id deterministically from (message, subscription)', () => {
    // Prepare
    const msg = newMessageId();
    const sub = newSubscriptionId();
    // Act
    const a = deliveryIdFor(msg, sub);
    const b = deliveryIdFor(msg, sub);
    const other = deliveryIdFor(msg, newSubscriptionId());
    // Assess
    expect(a).toBe(b);
    expect(a).not.toBe(other);
    expect(a).toMatch(/^dlv_[A-Za-z0-9_-]{26}$/);
    expect(isDeliveryId(a)).toBe(true);
  });

  it('matches the documented derivation: base64url(sha256("msg:sub")) cut to 26', () => {
    // Computed independently: printf 'msg_A:sub_B' | sha256sum | xxd -r -p | base64 | tr '+/' '-_'
    expect(deliveryIdFor('msg_A', 'sub_B')).toBe('dlv_laCgSDdGGsOTelMnXO8GhGqahU');
  });

  describe.each([
    ['isSubscriptionId', isSubscriptionId, 'sub_'],
    ['isMessageId', isMessageId, 'msg_'],
  ] as const)('%s refuses anything that is not exactly an id', (_name, check, prefix) => {
    it.each([
      `${prefix}01HMA0000000000000000000A`, // 25
      `${prefix}01HMA0000000000000000000ABC`, // 27
      `${prefix}01hma0000000000000000000ab`, // lower case
      `${prefix}01HMA00000000000000000000I`, // I is not Crockford
      `${prefix}81HMA0000000000000000000AB`, // time overflow
      `${prefix}../../etc/passwd0000000000`,
      `xyz_01HMA0000000000000000000AB`,
      '',
    ])('refuses %j', (value) => {
      expect(check(value)).toBe(false);
    });
    it('refuses non-strings', () => {
      expect(check(42)).toBe(false);
      expect(check(undefined)).toBe(false);
    });
  });

  it('isDeliveryId refuses path traversal and wrong lengths', () => {
    expect(isDeliveryId('dlv_../../../../../../../../../')).toBe(false);
    expect(isDeliveryId('dlv_abc')).toBe(false);
    expect(isDeliveryId('dlv_abcdefghijklmnopqrstuvwxyz')).toBe(true);
    expect(isDeliveryId('dlv_abcdefghijklmnopqrstuvwxy%')).toBe(false);
  });

  it('property: every delivery id is well formed', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (m, s) => {
        expect(isDeliveryId(deliveryIdFor(m, s))).toBe(true);
      }),
    );
  });
});
