import { describe, expect, it } from 'vitest';
import { STREAK_COUNTED_EXACTLY } from '../../../lambdas/core/failure-policy.js';
import { PRICES } from '../../../bench/prices.js';
import {
  attemptRates,
  CONDITIONS,
  deliveryIndexShardsFor,
  evaluate,
  expectedSlowestS,
  sizeKnobs,
  SECONDS_PER_MONTH,
  TIMEOUT_S,
  type Counted,
  type Knobs,
} from '../../../bench/support/capacity-model.js';

const unit = (usd: number, w: number, r: number) => ({ usdBesidesCompute: usd, writeUnits: w, readUnits: r, schedulerCreates: 0, schedulerInvocations: 0 });
const counted: Counted = {
  oneToOne: unit(2e-6, 5, 2),
  fanOut: unit(1e-6, 4, 1),
  queuedRetry: unit(1e-6, 3, 1),
  scheduledRetry: unit(3e-6, 4, 2),
  receiverMs: 40,
  workerOverheadMs: 100,
  attemptLogBytes: 800,
  subscriptionUpdateUnits: 2,
};
const knobs: Knobs = {
  throttleRateLimit: 100,
  receiverReservedConcurrency: 20,
  workerBatchSize: 10,
  workerBatchingWindowSeconds: 0,
  workerInFlight: 10,
  workerConcurrency: 10,
  workerPollers: 0,
  receiverMemoryMb: 512,
  workerMemoryMb: 1024,
  retryShards: 0,
  deliveryIndexShards: 16,
};
const failing = CONDITIONS.find((c) => c.name === '10% failing');
const condition = (name: string) => {
  const found = CONDITIONS.find((c) => c.name === name);
  if (found === undefined) throw new Error(`condition ${name} missing`);
  return found;
};
const demandOf = (row: ReturnType<typeof evaluate>, name: string) => row.demands.find((d) => d.name === name);

describe('capacity model arithmetic', () => {
  it('E[slowest of n]: the log-normal mean for one request, the timeout when all time out', () => {
    // median 0.2 s, p99 0.8 s: sigma = ln 4 / z(0.99); mean = median · e^(sigma²/2).
    const sigma = Math.log(4) / 2.3263;
    expect(expectedSlowestS(1, 0)).toBeCloseTo(0.2 * Math.exp(sigma ** 2 / 2), 3);
    expect(expectedSlowestS(10, 1)).toBeCloseTo(TIMEOUT_S, 6);
    expect(expectedSlowestS(100, 0)).toBeGreaterThan(expectedSlowestS(10, 0));
  });

  it('10 % failing at 1,000/s, 1:1: attempts, retries, limits and monthly cost by hand', () => {
    if (failing === undefined) throw new Error('condition missing');
    // standard ladder: 60, 180, 540 s through SQS; 1620, 4860, 14580, 32400, 32400 s scheduled.
    expect(attemptRates(1000, failing)).toEqual({ attempts: 900 + 100 * 9, queuedRetries: 300, scheduledRetries: 500, timeoutShare: 0 });

    const row = evaluate(counted, knobs, 1000, '1:1', failing);
    const batchS = 0.1 + expectedSlowestS(10, 0);
    expect(row.batchSeconds).toBeCloseTo(batchS, 9);
    expect(row.workerConcurrency).toBeCloseTo((1800 / 10) * batchS, 6);
    expect(row.receiverConcurrency).toBeCloseTo(1000 * 0.04, 9);
    const by = Object.fromEntries(row.demands.map((d) => [d.name, d]));
    expect(by.dynamoTableWrites?.demand).toBeCloseTo(1000 * 5 + 300 * 3 + 500 * 4, 9);
    expect(by.dynamoTableReads?.demand).toBeCloseTo(1000 * 2 + 300 * 1 + 500 * 2, 9);
    expect(by.schedulerCreate?.demand).toBe(500);
    expect(by.apiStageThrottle?.utilization).toBe(10);
    expect(by.sqsInFlight?.demand).toBeCloseTo(1800 * batchS, 6);
    // The event source's 10 concurrent batches bind (≈ 11×, above the stage throttle's 10×).
    expect(row.binding.name).toBe('workerEventSource');
    expect(row.headroom).toBeCloseTo(10 / row.workerConcurrency, 9);
    expect(row.exceeded.map((d) => d.name).sort()).toEqual(['apiStageThrottle', 'receiverReservedConcurrency', 'workerEventSource']);
    const usdPerS = 1000 * 2e-6 + 300 * 1e-6 + 500 * 3e-6 + ((row.workerConcurrency * 1024 + 40 * 512) / 1024) * PRICES.lambdaArmGbSecond.usd;
    expect(row.usdPerMonth).toBeCloseTo(usdPerS * SECONDS_PER_MONTH, 6);
  });

  it('bucketed retries ask the scheduler for one schedule per (minute, shard), not one per retry', () => {
    if (failing === undefined) throw new Error('condition missing');
    const row = evaluate(counted, { ...knobs, retryShards: 16 }, 1000, '1:1', failing);
    const creates = row.demands.find((d) => d.name === 'schedulerCreate');
    // 5 ladder steps past 15 minutes × 16 shards per minute.
    expect(creates?.demand).toBeCloseTo((16 * 5) / 60, 9);
  });

  it('delivery index: the hottest key takes load ÷ shards; the sized count is the smallest power of two within 80 % of a partition', () => {
    const at16 = evaluate(counted, knobs, 50_000, '1:1', condition('30% down'));
    expect(demandOf(at16, 'deliveryIndexKey')).toMatchObject({ demand: 50_000 / 16, limit: 1_000 });
    expect(at16.exceeded.map((d) => d.name)).toContain('deliveryIndexKey');
    // 12,800/s ÷ 16 = 800 writes/s, exactly 80 %; one more needs 32. 50,000 ÷ 32 = 1,563 > 800, ÷ 64 = 781.
    expect([100, 12_800, 12_801, 25_600, 50_000, 102_400, 204_800, 300_000].map(deliveryIndexShardsFor)).toEqual([16, 16, 32, 32, 64, 128, 256, 256]);
    expect(at16.deliveryIndexShardsNeeded).toBe(64);
    const at64 = evaluate(counted, { ...knobs, deliveryIndexShards: 64 }, 50_000, '1:1', condition('30% down'));
    expect(demandOf(at64, 'deliveryIndexKey')?.utilization).toBeCloseTo(50_000 / 64 / 1_000, 9);
    expect(at64.exceeded.map((d) => d.name)).not.toContain('deliveryIndexKey');
    expect(sizeKnobs(counted, knobs, 50_000).deliveryIndexShards).toBe(64);
    expect(sizeKnobs(counted, knobs, 10_000).deliveryIndexShards).toBe(16);
  });

  it('largest subscription: one record write per attempt against its 8 record partitions, at most STREAK_COUNTED_EXACTLY streak updates a streak on its own item', () => {
    const healthy = evaluate(counted, knobs, 50_000, '1:1', condition('healthy'), { largestSubscriptionShare: 0.01 });
    expect(demandOf(healthy, 'subscriptionRecordKeys')).toMatchObject({ demand: 500, limit: 8_000 });
    expect(demandOf(healthy, 'subscriptionItem')?.demand).toBe(0); // a success writes its item only to end a streak
    expect(healthy.largestSubscriptionShareMax).toBeCloseTo(6_400 / 50_000, 9);
    expect(evaluate(counted, knobs, 1_000, '1:1', condition('healthy')).largestSubscriptionShareMax).toBe(1); // 6,400 of 1,000/s: any share fits
    const down = evaluate(counted, knobs, 10_000, '1:1', condition('30% down'), { largestSubscriptionShare: 0.01 });
    // 100 deliveries/s × (1 + 8 retries of the standard ladder) = 900 record writes/s (of 8,000);
    // of the 900 failed attempts/s, at most the streak's first 100 update the item: 100 × 2 units.
    expect(demandOf(down, 'subscriptionRecordKeys')?.demand).toBeCloseTo(900, 9);
    expect(demandOf(down, 'subscriptionItem')).toMatchObject({ limit: 1_000 });
    expect(demandOf(down, 'subscriptionItem')?.demand).toBeCloseTo(STREAK_COUNTED_EXACTLY * 2, 9);
    expect(down.exceeded.map((d) => d.name)).not.toContain('subscriptionItem');
    expect(down.exceeded.map((d) => d.name)).not.toContain('subscriptionRecordKeys');
    // A small subscription's streak writes every failure: 10 deliveries/s × 9 attempts × 2 units.
    const small = evaluate(counted, knobs, 1_000, '1:1', condition('30% down'), { largestSubscriptionShare: 0.01 });
    expect(demandOf(small, 'subscriptionItem')?.demand).toBeCloseTo(10 * 9 * 2, 9);
    // The record partitions bind now: 8 × 800 writes/s ÷ (10,000 × 9) of the deliveries.
    expect(down.largestSubscriptionShareMax).toBeCloseTo((8 * 800) / (10_000 * 9), 9);
  });
});
