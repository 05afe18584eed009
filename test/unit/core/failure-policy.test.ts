import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { failureDecision, STREAK_COUNTED_EXACTLY, streakWriteNeeded } from '../../../lambdas/core/failure-policy.js';
import type { FailurePolicy } from '../../../lambdas/core/model.js';

const T0 = Date.parse('2026-12-06T10:00:00.000Z');
const started = new Date(T0).toISOString();
/** The decisions for a streak counted 1, 2, … n, one failure per `gapMs` (each count seen once, as the atomic counter guarantees). */
const streak = (policy: FailurePolicy, n: number, gapMs = 0) =>
  Array.from({ length: n }, (_, i) => failureDecision(policy, { count: i + 1, startedAt: started }, T0 + i * gapMs));

describe('failure policy', () => {
  it.each([
    [{ afterConsecutiveFailures: 19, action: 'delete', warnAt: 15 }, { 15: 'warn', 19: 'delete' }],
    [{ afterConsecutiveFailures: 5, action: 'disable', warnAt: 3 }, { 3: 'warn', 5: 'disable' }],
    [{ afterConsecutiveFailures: 5, action: 'disable' }, { 5: 'disable' }],
    [{ afterConsecutiveFailures: 1, action: 'disable' }, { 1: 'disable' }],
    [{ afterConsecutiveFailures: null, action: 'none' }, {}],
    [{ afterConsecutiveFailures: 10, action: 'none', warnAt: 4 }, { 4: 'warn' }],
    [{ afterConsecutiveFailures: null, action: 'disable', warnAt: 4 }, { 4: 'warn' }],
  ] as const)('%j warns once, then acts at its threshold and at every failure after (>=)', (policy, expected) => {
    const fired = Object.fromEntries(
      streak(policy as FailurePolicy, 40)
        .map((d, i) => [i + 1, d])
        .filter(([, d]) => d !== 'none'),
    );
    const action = Object.entries(expected).find(([, d]) => d !== 'warn');
    const want: Record<number, string> = { ...expected };
    if (action !== undefined) for (let n = Number(action[0]); n <= 40; n++) want[n] = action[1];
    expect(fired).toEqual(want);
  });

  it('acts only once the streak has also lasted minStreakSeconds: a burst never acts', () => {
    const policy: FailurePolicy = { afterConsecutiveFailures: 19, action: 'delete', warnAt: 15, minStreakSeconds: 48 * 3600 };
    expect(streak(policy, 100, 1000).filter((d) => d === 'delete')).toEqual([]);
    const at = (count: number, ms: number) => failureDecision(policy, { count, startedAt: started }, T0 + ms);
    expect(at(19, 48 * 3_600_000 - 1)).toBe('none');
    expect(at(19, 48 * 3_600_000)).toBe('delete');
    expect(at(5, 100 * 3_600_000)).toBe('none');
  });

  it('measures the streak on the scaled clock in local mode', () => {
    const policy: FailurePolicy = { afterConsecutiveFailures: 2, action: 'disable', minStreakSeconds: 3600 };
    expect(failureDecision(policy, { count: 2, startedAt: started }, T0 + 999, 3600)).toBe('none');
    expect(failureDecision(policy, { count: 2, startedAt: started }, T0 + 1000, 3600)).toBe('disable');
  });

  it('warns strictly before acting, for any valid policy (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 200 }), fc.constantFrom('disable', 'delete') as fc.Arbitrary<'disable' | 'delete'>, fc.nat(), (after, action, w) => {
        const warnAt = 1 + (w % (after - 1));
        const decisions = streak({ afterConsecutiveFailures: after, action, warnAt }, after + 50);
        expect(decisions.indexOf('warn')).toBe(warnAt - 1);
        expect(decisions.indexOf(action)).toBe(after - 1);
        expect(decisions.filter((d) => d === 'warn')).toHaveLength(1);
      }),
    );
  });

  describe('streakWriteNeeded', () => {
    const shopify: FailurePolicy = { afterConsecutiveFailures: 19, action: 'delete', warnAt: 15, minStreakSeconds: 48 * 3600 };
    const read = (count: number) => ({ count, startedAt: started });

    it('writes every failure of the exact range: a new streak, the warning, the threshold', () => {
      expect(streakWriteNeeded(shopify, undefined, T0)).toBe(true);
      for (const count of [1, 14, 15, 18, 19, STREAK_COUNTED_EXACTLY - 1]) expect(streakWriteNeeded(shopify, read(count), T0 + 1000), String(count)).toBe(true);
    });

    it('past it, writes only a failure that may fire the action (the streak has lasted minStreakSeconds)', () => {
      expect(streakWriteNeeded(shopify, read(STREAK_COUNTED_EXACTLY), T0 + 48 * 3_600_000 - 1)).toBe(false);
      expect(streakWriteNeeded(shopify, read(5_000), T0 + 3_600_000)).toBe(false);
      expect(streakWriteNeeded(shopify, read(STREAK_COUNTED_EXACTLY), T0 + 48 * 3_600_000)).toBe(true);
      // Local mode's time scale shortens the wait the same way the decision does.
      expect(streakWriteNeeded(shopify, read(STREAK_COUNTED_EXACTLY), T0 + 48 * 36_000, 100)).toBe(true);
    });

    it('counts exactly up to a threshold above the default range, and never past it without an action', () => {
      const high: FailurePolicy = { afterConsecutiveFailures: 500, action: 'disable', warnAt: 450 };
      expect(streakWriteNeeded(high, read(449), T0)).toBe(true);
      expect(streakWriteNeeded(high, read(499), T0)).toBe(true);
      expect(streakWriteNeeded(high, read(500), T0)).toBe(true); // acts (no minimum duration)
      expect(streakWriteNeeded({ afterConsecutiveFailures: null, action: 'none' }, read(STREAK_COUNTED_EXACTLY), T0)).toBe(false);
    });
  });
});
