import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  deliveryIdFor,
  isDeliveryId,
  isPreviousDeliveryId,
  messageIdsBetween,
  parseDeliveryId,
  ulidTime,
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
    expect(a).toMatch(/^dlv_[0-9A-Z]{52}$/);
    expect(a).toHaveLength(56);
    expect(isDeliveryId(a)).toBe(true);
  });

  it('is the two ULID bodies, message first, and parses back to the pair', () => {
    const msg = 'msg_01HMA0000000000000000000AB';
    const sub = 'sub_01HMB0000000000000000000CD';
    expect(deliveryIdFor(msg, sub)).toBe('dlv_01HMA0000000000000000000AB01HMB0000000000000000000CD');
    expect(parseDeliveryId(deliveryIdFor(msg, sub))).toEqual({ messageId: msg, subscriptionId: sub });
  });

  it('bounds the message ids of [since, until): since inclusive, until exclusive, to the millisecond', () => {
    const [since, until] = [Date.parse('2026-12-06T10:00:00.000Z'), Date.parse('2026-12-06T11:00:00.000Z')];
    const { from, to } = messageIdsBetween(since, until);
    const inside = (id: string) => id >= from && id <= to;
    for (let i = 0; i < 200; i++) {
      expect(inside(newMessageId(since))).toBe(true);
      expect(inside(newMessageId(until - 1))).toBe(true);
      expect(inside(newMessageId(since - 1))).toBe(false);
      expect(inside(newMessageId(until))).toBe(false);
    }
    expect(from).toBe(`msg_${ulidTime(since)}0000000000000000`);
    expect(to).toBe(`msg_${ulidTime(until - 1)}ZZZZZZZZZZZZZZZZ`);
    expect(newMessageId(since).slice(4, 14)).toBe(ulidTime(since));
    expect(messageIdsBetween(-5, 1).from).toBe(`msg_${'0'.repeat(26)}`); // clamped to the epoch
  });

  it('sorts delivery ids by message time', () => {
    const older = deliveryIdFor(newMessageId(1_700_000_000_000), newSubscriptionId());
    const newer = deliveryIdFor(newMessageId(1_700_000_000_001), newSubscriptionId(1));
    expect(older < newer).toBe(true);
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
    expect(isDeliveryId('dlv_abcdefghijklmnopqrstuvwxyz')).toBe(false); // the previous 26-character format
    expect(isDeliveryId(`dlv_${'0'.repeat(52)}`)).toBe(true);
    expect(isDeliveryId(`dlv_${'0'.repeat(51)}%`)).toBe(false);
    expect(isDeliveryId(`dlv_${'0'.repeat(26)}8${'0'.repeat(25)}`)).toBe(false); // subscription time overflow
    expect(parseDeliveryId('dlv_abc')).toBeUndefined();
  });

  it('recognises the previous delivery-id format, which is never a current id', () => {
    expect(isPreviousDeliveryId('dlv_laCgSDdGGsOTelMnXO8GhGqahU')).toBe(true);
    expect(isPreviousDeliveryId(deliveryIdFor(newMessageId(), newSubscriptionId()))).toBe(false);
    expect(isDeliveryId('dlv_laCgSDdGGsOTelMnXO8GhGqahU')).toBe(false);
  });

  it('property: every delivery id of a message and a subscription is well formed and parses back', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 48 - 1 }), fc.integer({ min: 0, max: 2 ** 48 - 1 }), (mt, st) => {
        const [m, s] = [newMessageId(mt), newSubscriptionId(st)];
        expect(isDeliveryId(deliveryIdFor(m, s))).toBe(true);
        expect(parseDeliveryId(deliveryIdFor(m, s))).toEqual({ messageId: m, subscriptionId: s });
      }),
    );
  });
});
