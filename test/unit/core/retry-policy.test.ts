import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { nextAttempt, parseRetryAfter, RETRY_AFTER_MAX_SECONDS, retryCount, scheduleOf } from '../../../lambdas/core/retry-policy.js';
import type { FailureClass, RetryPolicy } from '../../../lambdas/core/model.js';

const ALL: FailureClass[] = ['timeout', 'network', '3xx', '4xx', '429', '5xx'];
const T = Date.UTC(2024, 5, 1, 10, 0, 0);
const fixed = (delays: number[]): { retryPolicy: RetryPolicy; retryOn: FailureClass[] } => ({
  retryPolicy: { type: 'fixed', delays },
  retryOn: ALL,
});

describe('nextAttempt', () => {
  it('measures a fixed delay from the end of the failed attempt', () => {
    const next = nextAttempt({ subscription: fixed([120, 1800]), attemptsMade: 2, outcome: '5xx', failedAt: T });
    expect(next).toEqual({ dueAt: T + 1800_000, delaySeconds: 1800 });
  });

  it('ends when the fixed list is exhausted', () => {
    const next = nextAttempt({ subscription: fixed([120, 1800]), attemptsMade: 3, outcome: '5xx', failedAt: T });
    expect(next).toEqual({ final: 'retries exhausted: 3 attempts made, policy allows 2 retries' });
  });

  it('never retries a refused attempt, even when every class is retried', () => {
    const next = nextAttempt({ subscription: fixed([1]), attemptsMade: 1, outcome: 'refused', failedAt: T });
    expect(next).toEqual({ final: 'refused by the outbound address policy; never retried' });
  });

  it('ends a successful delivery', () => {
    expect(nextAttempt({ subscription: fixed([1]), attemptsMade: 1, outcome: 'success', failedAt: T })).toEqual({ final: 'delivered' });
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses attemptsMade %s (a caller bug, never a zero-delay retry)', (attemptsMade) => {
    expect(() => nextAttempt({ subscription: fixed([60]), attemptsMade, outcome: '5xx', failedAt: T })).toThrow(RangeError);
  });

  it.each(ALL)('retries %s when retryOn lists it, and only then', (outcome) => {
    expect(nextAttempt({ subscription: { ...fixed([60]), retryOn: [outcome] }, attemptsMade: 1, outcome, failedAt: T })).toEqual({ dueAt: T + 60_000, delaySeconds: 60 });
    const others = ALL.filter((c) => c !== outcome);
    expect(nextAttempt({ subscription: { ...fixed([60]), retryOn: others }, attemptsMade: 1, outcome, failedAt: T })).toEqual({
      final: `${outcome} is not retried (retryOn: ${others.join(', ')})`,
    });
  });

  it('ends at once on a class not in retryOn', () => {
    const next = nextAttempt({ subscription: { ...fixed([1]), retryOn: ['5xx'] }, attemptsMade: 1, outcome: '4xx', failedAt: T });
    expect(next).toEqual({ final: '4xx is not retried (retryOn: 5xx)' });
  });

  it('ends with an empty retryOn', () => {
    const next = nextAttempt({ subscription: { ...fixed([1]), retryOn: [] }, attemptsMade: 1, outcome: 'timeout', failedAt: T });
    expect(next).toEqual({ final: 'timeout is not retried (retryOn: none)' });
  });

  describe('exponential', () => {
    const policy: RetryPolicy = { type: 'exponential', initialDelay: 10, factor: 3, maxDelay: 200, retries: 6, jitter: 0 };

    it('grows by the factor and caps at maxDelay', () => {
      expect(scheduleOf(policy)).toEqual([10, 30, 90, 200, 200, 200]);
      const due = [1, 2, 3, 4, 5, 6].map((n) => nextAttempt({ subscription: { retryPolicy: policy, retryOn: ALL }, attemptsMade: n, outcome: 'network', failedAt: T }));
      expect(due.map((d) => ('delaySeconds' in d ? d.delaySeconds : d.final))).toEqual([10, 30, 90, 200, 200, 200]);
      expect(nextAttempt({ subscription: { retryPolicy: policy, retryOn: ALL }, attemptsMade: 7, outcome: 'network', failedAt: T })).toHaveProperty('final');
    });

    it.each([
      [0, 80],
      [0.5, 100],
      [0.999999, 120],
    ])('applies jitter (random %f → %i s) within ±jitter', (r, expected) => {
      const p: RetryPolicy = { ...policy, initialDelay: 100, maxDelay: 1000, jitter: 0.2 };
      const next = nextAttempt({ subscription: { retryPolicy: p, retryOn: ALL }, attemptsMade: 1, outcome: '5xx', failedAt: T, random: () => r });
      expect(next).toEqual({ dueAt: T + expected * 1000, delaySeconds: expected });
    });

    it('does not let jitter go past maxDelay', () => {
      const p: RetryPolicy = { ...policy, jitter: 0.5 };
      const next = nextAttempt({ subscription: { retryPolicy: p, retryOn: ALL }, attemptsMade: 5, outcome: '5xx', failedAt: T, random: () => 0.99 });
      expect(next).toMatchObject({ delaySeconds: 200 });
    });

    it('with retries 0 the first failure is final', () => {
      const next = nextAttempt({ subscription: { retryPolicy: { ...policy, retries: 0 }, retryOn: ALL }, attemptsMade: 1, outcome: '5xx', failedAt: T });
      expect(next).toEqual({ final: 'retries exhausted: 1 attempt made, policy allows 0 retries' });
    });
  });

  describe('Retry-After', () => {
    const sub = fixed([60, 60, 60]);

    it.each([
      ['429 with seconds larger than the policy', '429', undefined, '600', 600],
      ['429 with seconds smaller than the policy', '429', undefined, '10', 60],
      ['503 with seconds', '5xx', 503, '300', 300],
      ['500 ignores it', '5xx', 500, '300', 60],
      ['4xx ignores it', '4xx', 400, '300', 60],
      ['garbage is ignored', '429', undefined, 'soon', 60],
      ['a huge value is capped at 24 h', '429', undefined, '9999999', RETRY_AFTER_MAX_SECONDS],
      ['an HTTP-date', '429', undefined, new Date(T + 3_600_000).toUTCString(), 3600],
      ['503 with an HTTP-date', '5xx', 503, new Date(T + 7_200_000).toUTCString(), 7200],
      ['an HTTP-date past 24 h is capped', '429', undefined, new Date(T + 3 * 86_400_000).toUTCString(), RETRY_AFTER_MAX_SECONDS],
      ['an HTTP-date in the past is ignored', '429', undefined, new Date(T - 3_600_000).toUTCString(), 60],
    ] as const)('%s', (_name, outcome, statusCode, retryAfter, expected) => {
      const next = nextAttempt({
        subscription: sub,
        attemptsMade: 1,
        outcome,
        failedAt: T,
        retryAfter,
        ...(statusCode !== undefined && { statusCode }),
      });
      expect(next).toEqual({ dueAt: T + expected * 1000, delaySeconds: expected });
    });

    it('never revives an exhausted delivery', () => {
      const next = nextAttempt({ subscription: sub, attemptsMade: 4, outcome: '429', failedAt: T, retryAfter: '1' });
      expect(next).toHaveProperty('final');
    });
  });

  it('parseRetryAfter reads seconds and IMF-fixdate', () => {
    expect(parseRetryAfter(' 120 ', T)).toBe(120);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', Date.UTC(2015, 9, 21, 7, 27, 0))).toBe(60);
    expect(parseRetryAfter('-5', T)).toBeUndefined();
    expect(parseRetryAfter('1.5', T)).toBeUndefined();
    expect(parseRetryAfter('2024-06-01', T)).toBeUndefined();
  });
});

describe('retry engine properties', () => {
  const fixedPolicy = fc.array(fc.integer({ min: 1, max: 604_800 }), { minLength: 1, maxLength: 20 }).map((delays): RetryPolicy => ({ type: 'fixed', delays }));
  const expPolicy = fc
    .record({
      initialDelay: fc.integer({ min: 1, max: 3600 }),
      factor: fc.double({ min: 1, max: 10, noNaN: true }),
      maxDelay: fc.integer({ min: 3600, max: 604_800 }),
      retries: fc.integer({ min: 0, max: 50 }),
      jitter: fc.double({ min: 0, max: 1, noNaN: true }),
    })
    .map((p): RetryPolicy => ({ type: 'exponential', ...p }));
  const anyPolicy = fc.oneof(fixedPolicy, expPolicy);
  const outcome = fc.constantFrom<FailureClass>(...ALL);

  /** All attempts of a delivery that always fails, as (delay seconds) list. */
  function run(policy: RetryPolicy, outcomes: FailureClass[], random: () => number): { delays: number[]; attempts: number } {
    const delays: number[] = [];
    let failedAt = T;
    for (let n = 1; n < 200; n++) {
      const next = nextAttempt({ subscription: { retryPolicy: policy, retryOn: ALL }, attemptsMade: n, outcome: outcomes[(n - 1) % outcomes.length]!, failedAt, random });
      if ('final' in next) return { delays, attempts: n };
      expect(next.dueAt).toBe(failedAt + next.delaySeconds * 1000);
      delays.push(next.delaySeconds);
      failedAt = next.dueAt;
    }
    throw new Error('never ended');
  }

  it('never schedules more retries than the policy allows, and always ends', () => {
    fc.assert(
      fc.property(anyPolicy, fc.array(outcome, { minLength: 1 }), fc.double({ min: 0, max: 0.9999, noNaN: true }), (policy, outcomes, r) => {
        const { delays, attempts } = run(policy, outcomes, () => r);
        expect(delays).toHaveLength(retryCount(policy));
        expect(attempts).toBe(retryCount(policy) + 1);
      }),
    );
  });

  it('never waits longer than the policy: each delay ≤ its nominal delay (× 1 + jitter, ≤ maxDelay), total ≤ horizon', () => {
    fc.assert(
      fc.property(anyPolicy, fc.double({ min: 0, max: 0.9999, noNaN: true }), (policy, r) => {
        const { delays } = run(policy, ['5xx'], () => r);
        const nominal = scheduleOf(policy);
        const slack = policy.type === 'exponential' ? 1 + policy.jitter : 1;
        delays.forEach((d, i) => {
          expect(d).toBeGreaterThanOrEqual(1);
          expect(d).toBeLessThanOrEqual(Math.ceil(nominal[i]! * slack));
          if (policy.type === 'exponential') expect(d).toBeLessThanOrEqual(policy.maxDelay);
        });
        const horizon = nominal.reduce((a, b) => a + b, 0);
        expect(delays.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(Math.ceil(horizon * slack));
      }),
    );
  });

  it('fixed schedules are followed exactly: the delays are the list', () => {
    fc.assert(
      fc.property(fixedPolicy, (policy) => {
        expect(run(policy, ['timeout'], Math.random).delays).toEqual(scheduleOf(policy));
      }),
    );
  });

  it('exponential without jitter is monotone non-decreasing and ends at most at maxDelay', () => {
    fc.assert(
      fc.property(expPolicy, (p) => {
        const policy = { ...p, jitter: 0 } as RetryPolicy;
        const { delays } = run(policy, ['network'], Math.random);
        delays.slice(1).forEach((d, i) => expect(d).toBeGreaterThanOrEqual(delays[i]!));
      }),
    );
  });

  it('Retry-After never extends a delay past 24 h or shortens one', () => {
    fc.assert(
      fc.property(fixedPolicy, fc.nat({ max: 10_000_000 }), (policy, seconds) => {
        const plain = nextAttempt({ subscription: { retryPolicy: policy, retryOn: ALL }, attemptsMade: 1, outcome: '429', failedAt: T });
        const withHeader = nextAttempt({ subscription: { retryPolicy: policy, retryOn: ALL }, attemptsMade: 1, outcome: '429', failedAt: T, retryAfter: String(seconds) });
        if (!('delaySeconds' in plain) || !('delaySeconds' in withHeader)) throw new Error('expected a retry');
        expect(withHeader.delaySeconds).toBeGreaterThanOrEqual(plain.delaySeconds);
        expect(withHeader.delaySeconds).toBeLessThanOrEqual(Math.max(plain.delaySeconds, RETRY_AFTER_MAX_SECONDS));
      }),
    );
  });
});
