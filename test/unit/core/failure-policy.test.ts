import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { failureDecision } from '../../../lambdas/core/failure-policy.js';
import type { FailurePolicy } from '../../../lambdas/core/model.js';

/** The decisions for a streak counted 1, 2, … n (each value seen once, as the atomic counter guarantees). */
const streak = (policy: FailurePolicy, n: number) => Array.from({ length: n }, (_, i) => failureDecision(policy, i + 1));

describe('failure policy', () => {
  it.each([
    [{ afterConsecutiveFailures: 19, action: 'delete', warnAt: 15 }, { 15: 'warn', 19: 'delete' }],
    [{ afterConsecutiveFailures: 5, action: 'disable', warnAt: 3 }, { 3: 'warn', 5: 'disable' }],
    [{ afterConsecutiveFailures: 5, action: 'disable' }, { 5: 'disable' }],
    [{ afterConsecutiveFailures: 1, action: 'disable' }, { 1: 'disable' }],
    [{ afterConsecutiveFailures: null, action: 'none' }, {}],
    [{ afterConsecutiveFailures: 10, action: 'none', warnAt: 4 }, { 4: 'warn' }],
    [{ afterConsecutiveFailures: null, action: 'disable', warnAt: 4 }, { 4: 'warn' }],
  ] as const)('%j fires %j, each exactly once', (policy, expected) => {
    const decisions = streak(policy as FailurePolicy, 40);
    const fired = Object.fromEntries(decisions.map((d, i) => [i + 1, d]).filter(([, d]) => d !== 'none'));
    expect(fired).toEqual(expected);
  });

  it('a success resets the streak: counting again from 1 warns and acts again', () => {
    const policy: FailurePolicy = { afterConsecutiveFailures: 3, action: 'disable', warnAt: 2 };
    expect([...streak(policy, 3), ...streak(policy, 3)]).toEqual(['none', 'warn', 'disable', 'none', 'warn', 'disable']);
  });

  it('warns strictly before acting, and acts exactly once, for any valid policy (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 200 }), fc.constantFrom('disable', 'delete') as fc.Arbitrary<'disable' | 'delete'>, fc.nat(), (after, action, w) => {
        const warnAt = 1 + (w % (after - 1));
        const decisions = streak({ afterConsecutiveFailures: after, action, warnAt }, after + 50);
        expect(decisions.indexOf('warn')).toBe(warnAt - 1);
        expect(decisions.indexOf(action)).toBe(after - 1);
        expect(decisions.filter((d) => d !== 'none')).toEqual(['warn', action]);
      }),
    );
  });
});
