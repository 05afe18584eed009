import { describe, expect, it } from 'vitest';
import { utcMonths } from '../../../lambdas/adapters/dynamodb/delivery-store.js';
import {
  DELIVERY_INDEX_SHARD_CHOICES,
  DELIVERY_INDEX_SHARDS,
  deliveryIndexKeys,
  deliveryIndexShard,
  deliveryRecordKey,
  isDeliveryIndexShards,
  SUBSCRIPTION_RECORD_SHARDS,
} from '../../../lambdas/adapters/dynamodb/table-schema.js';
import { deliveryIdFor, newMessageId, newSubscriptionId } from '../../../lambdas/core/ids.js';

/**
 * A day at 3,000 deliveries/s, sampled: every 4,000th delivery of 259.2 M (the keys depend only on
 * the delivery id, status and creation time, so a sample has the day's distribution).
 */
const SAMPLE_EVERY = 4_000;

function sampledDay(subscriptions: readonly string[], pick: (i: number) => number): Map<string, number> {
  const perKey = new Map<string, number>();
  const dayStart = Date.parse('2026-12-06T00:00:00Z');
  const samples = (3_000 * 86_400) / SAMPLE_EVERY;
  for (let i = 0; i < samples; i++) {
    const at = dayStart + Math.floor((i * 86_400_000) / samples);
    const id = deliveryIdFor(newMessageId(at), subscriptions[pick(i)]!);
    const { gsi3pk } = deliveryIndexKeys({ id, status: i % 10 === 0 ? 'failed' : 'succeeded', createdAt: new Date(at).toISOString() });
    perKey.set(gsi3pk, (perKey.get(gsi3pk) ?? 0) + 1);
  }
  return perKey;
}

describe('delivery index keys', () => {
  it('spread a day of 3,000 deliveries/s so that no partition takes more than 1/8 of it, however the subscriptions share it', () => {
    const many = Array.from({ length: 500 }, () => newSubscriptionId());
    for (const [name, pick] of [
      ['500 subscriptions, even', (i: number) => i % 500],
      ['one subscription takes it all', () => 0],
    ] as const) {
      const perKey = sampledDay(many, pick);
      const total = [...perKey.values()].reduce((a, b) => a + b, 0);
      const largest = Math.max(...perKey.values());
      expect(total * SAMPLE_EVERY, name).toBe(3_000 * 86_400);
      expect(largest / total, name).toBeLessThanOrEqual(1 / 8);
      // Successes alone: 16 shards share 90 % of the day, each well under 1,000 writes/s at full scale.
      const okShards = [...perKey.keys()].filter((k) => k.startsWith('DLV#OK#'));
      expect(okShards, name).toHaveLength(DELIVERY_INDEX_SHARDS);
      expect((largest * SAMPLE_EVERY) / 86_400, name).toBeLessThan(1_000);
    }
  });

  it.each(DELIVERY_INDEX_SHARD_CHOICES)('spread over exactly %i shards when the option says so, each shard a refinement of the smaller counts', (shards) => {
    const ids = Array.from({ length: shards * 40 }, () => deliveryIdFor(newMessageId(), newSubscriptionId()));
    const used = new Set(ids.map((id) => deliveryIndexKeys({ id, status: 'succeeded', createdAt: '2026-12-06T10:00:00.000Z' }, shards).gsi3pk));
    expect(used.size).toBe(shards);
    expect([...used].every((pk) => parseInt(pk.split('#').at(-1)!, 16) < shards)).toBe(true);
    // What makes raising the count safe: a record's shard at 16 is its shard at any larger count mod 16.
    for (const id of ids.slice(0, 200)) expect(deliveryIndexShard(id, shards) % 16).toBe(deliveryIndexShard(id, 16));
  });

  it('allow only powers of two from 16 to 256, 16 by default', () => {
    expect(DELIVERY_INDEX_SHARDS).toBe(16);
    expect([8, 16, 24, 32, 48, 64, 128, 256, 512].filter(isDeliveryIndexShards)).toEqual([16, 32, 64, 128, 256]);
  });

  it('keep a record in place across attempts unless its status set changes, and sort by creation time', () => {
    const id = deliveryIdFor(newMessageId(), newSubscriptionId());
    const createdAt = '2026-12-06T10:00:00.000Z';
    const failed = deliveryIndexKeys({ id, status: 'failed', createdAt });
    expect(deliveryIndexKeys({ id, status: 'pending', createdAt })).toEqual(failed);
    const succeeded = deliveryIndexKeys({ id, status: 'succeeded', createdAt });
    expect(succeeded.gsi3sk).toBe(`${createdAt}#${id}`);
    expect(succeeded.gsi3pk).toMatch(/^DLV#OK#2026-12#[0-9a-f]{2}$/);
    expect(failed.gsi3pk).toBe(succeeded.gsi3pk.replace('#OK#', '#NOK#'));
  });

  it('spread one subscription\'s records evenly over its 8 record partitions, sorted by message id', () => {
    const subscriptionId = newSubscriptionId();
    const start = Date.parse('2026-12-06T00:00:00Z');
    const count = 100_000; // 12.5 s of one subscription at 8,000 records/s
    const perKey = new Map<string, number>();
    let sortKeyIsMessage = true;
    for (let i = 0; i < count; i++) {
      const messageId = newMessageId(start + Math.floor(i / 8));
      const { pk, sk } = deliveryRecordKey({ messageId, subscriptionId });
      sortKeyIsMessage &&= sk === messageId;
      perKey.set(pk, (perKey.get(pk) ?? 0) + 1);
    }
    expect(sortKeyIsMessage).toBe(true);
    expect([...perKey.keys()].sort()).toEqual(Array.from({ length: SUBSCRIPTION_RECORD_SHARDS }, (_, n) => `DLV#${subscriptionId}#${n}`));
    for (const [pk, n] of perKey) {
      // Each shard takes an eighth (within 5 % of it, about 6 standard deviations of a fair spread over
      // 100,000 random ids): at 8,000 records/s about 1,000 writes/s, a partition's limit.
      expect(Math.abs(n / count - 1 / SUBSCRIPTION_RECORD_SHARDS), pk).toBeLessThan(0.05 / SUBSCRIPTION_RECORD_SHARDS);
    }
  });

  it('bucket searches by UTC month, across a year boundary', () => {
    expect(utcMonths('2026-11-20T00:00:00.000Z', '2027-01-02T00:00:00.000Z')).toEqual(['2026-11', '2026-12', '2027-01']);
    expect(utcMonths('2026-12-06T00:00:00.000Z', '2026-12-06T01:00:00.000Z')).toEqual(['2026-12']);
  });
});
