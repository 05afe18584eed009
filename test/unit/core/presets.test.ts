import { describe, expect, it } from 'vitest';
import { PRESETS, presetValues } from '../../../lambdas/core/presets.js';
import { nextAttempt, scheduleOf } from '../../../lambdas/core/retry-policy.js';
import { classifyStatus } from '../../../lambdas/core/classify.js';
import { failureDecision } from '../../../lambdas/core/failure-policy.js';
import type { FailureClass, PresetName } from '../../../lambdas/core/model.js';

const T0 = Date.UTC(2024, 0, 1, 0, 0, 0);

/**
 * Runs a delivery that fails every time with `outcome`, each attempt taking no time:
 * returns the due times (seconds after the first failure) and the final reason.
 */
function simulate(preset: PresetName, outcome: FailureClass = '5xx'): { dueOffsets: number[]; attempts: number; final: string } {
  const sub = presetValues(preset);
  let failedAt = T0;
  const dueOffsets: number[] = [];
  for (let attemptsMade = 1; ; attemptsMade++) {
    const next = nextAttempt({ subscription: sub, attemptsMade, outcome, failedAt, random: () => 0.5 });
    if ('final' in next) return { dueOffsets, attempts: attemptsMade, final: next.final };
    dueOffsets.push((next.dueAt - T0) / 1000);
    failedAt = next.dueAt;
  }
}


const T_NOW = Date.parse('2026-12-06T10:00:00.000Z');
describe('presets', () => {
  describe('tiktok-shop', () => {
    it('accepts 200 and 401 only, within 3 s', () => {
      const p = PRESETS['tiktok-shop'];
      expect(p.timeoutMs).toBe(3000);
      expect(p.acceptStatuses).toEqual([200, 401]);
      expect([200, 401, 201, 204, 400, 403, 500].map((s) => classifyStatus(s, p.acceptStatuses))).toEqual([
        'success', 'success', '5xx', '5xx', '4xx', '4xx', '5xx',
      ]);
    });

    it('retries 2 m, 30 m, 3 h, 12 h after each failure and stops after the 4th retry (5 attempts)', () => {
      // Act
      const run = simulate('tiktok-shop');
      // Assess: due times to the second, each measured from the previous failure.
      expect(run.dueOffsets).toEqual([120, 120 + 1800, 120 + 1800 + 10800, 120 + 1800 + 10800 + 43200]);
      expect(scheduleOf(PRESETS['tiktok-shop'].retryPolicy)).toEqual([120, 1800, 10800, 43200]);
      expect(run.attempts).toBe(5);
      expect(run.final).toMatch(/retries exhausted/);
    });

    it.each(['timeout', 'network', '3xx', '4xx', '429', '5xx'] as const)('retries on %s', (outcome) => {
      expect(simulate('tiktok-shop', outcome).attempts).toBe(5);
    });

    it('never disables or deletes the endpoint', () => {
      const p = PRESETS['tiktok-shop'].failurePolicy;
      const longAgo = '2020-01-01T00:00:00.000Z';
      expect(Array.from({ length: 1000 }, (_, i) => failureDecision(p, { count: i + 1, startedAt: longAgo }, T_NOW)).every((d) => d === 'none')).toBe(true);
    });
  });

  describe('shopify', () => {
    it('accepts any 2xx within 5 s; redirects are failures', () => {
      const p = PRESETS.shopify;
      expect(p.timeoutMs).toBe(5000);
      expect([200, 201, 299, 301, 302, 404, 503].map((s) => classifyStatus(s, p.acceptStatuses))).toEqual([
        'success', 'success', 'success', '3xx', '3xx', '4xx', '5xx',
      ]);
    });

    it('retries 19 times over exactly 48 hours, growing, and ends after attempt 20', () => {
      // Act
      const run = simulate('shopify');
      const delays = scheduleOf(PRESETS.shopify.retryPolicy);
      // Assess
      expect(delays).toEqual([10, 30, 60, 120, 300, 600, 900, 1200, 1800, 2700, 3600, 5400, 7200, 9000, 10800, 14400, 21600, 43200, 49880]);
      expect(delays).toHaveLength(19);
      expect(delays.reduce((a, b) => a + b, 0)).toBe(172_800);
      delays.slice(1).forEach((d, i) => expect(d).toBeGreaterThan(delays[i]!));
      expect(run.dueOffsets).toHaveLength(19);
      expect(run.dueOffsets.at(-1)).toBe(172_800);
      // Every due time, to the second, after the first failure at T0.
      expect(run.dueOffsets).toEqual([10, 40, 100, 220, 520, 1120, 2020, 3220, 5020, 7720, 11320, 16720, 23920, 32920, 43720, 58120, 79720, 122920, 172800]);
      expect(run.attempts).toBe(20);
      expect(run.final).toMatch(/retries exhausted/);
    });

    it('warns at 15 consecutive failures and deletes at 19 once the streak has lasted 48 h', () => {
      const p = PRESETS.shopify.failurePolicy;
      const started = new Date(T_NOW).toISOString();
      const at = (count: number, hours: number) => failureDecision(p, { count, startedAt: started }, T_NOW + hours * 3_600_000);
      expect(at(15, 1)).toBe('warn');
      expect([at(19, 1), at(30, 47.99)]).toEqual(['none', 'none']);
      expect([at(19, 48), at(25, 60)]).toEqual(['delete', 'delete']);
      expect(at(18, 100)).toBe('none');
    });
  });

  describe('partoo', () => {
    it('accepts 200 only, within 5 s', () => {
      const p = PRESETS.partoo;
      expect(p.timeoutMs).toBe(5000);
      expect([200, 201, 204].map((s) => classifyStatus(s, p.acceptStatuses))).toEqual(['success', '5xx', '5xx']);
    });

    it('retries 5xx up to 5 times with exponential backoff', () => {
      const run = simulate('partoo', '5xx');
      expect(scheduleOf(PRESETS.partoo.retryPolicy)).toEqual([60, 120, 240, 480, 960]);
      expect(run.dueOffsets).toEqual([60, 180, 420, 900, 1860]);
      expect(run.attempts).toBe(6);
    });

    it.each(['timeout', 'network'] as const)('retries %s the same way', (outcome) => {
      expect(simulate('partoo', outcome).attempts).toBe(6);
    });

    it.each(['4xx', '3xx', '429'] as const)('ends at once on %s', (outcome) => {
      const run = simulate('partoo', outcome);
      expect(run.attempts).toBe(1);
      expect(run.final).toMatch(new RegExp(`^${outcome} is not retried`));
    });
  });

  describe('standard', () => {
    it('accepts 2xx within 5 s and retries 8 times with jitter over about 24 h', () => {
      const p = PRESETS.standard;
      expect(p.timeoutMs).toBe(5000);
      expect(p.acceptStatuses).toEqual(['2xx']);
      expect(p.retryPolicy).toMatchObject({ type: 'exponential', retries: 8 });
      expect(p.retryPolicy.type === 'exponential' && p.retryPolicy.jitter).toBeGreaterThan(0);
      const nominal = scheduleOf(p.retryPolicy);
      expect(nominal).toEqual([60, 180, 540, 1620, 4860, 14580, 32400, 32400]);
      expect(nominal.reduce((a, b) => a + b, 0)).toBe(86_640);
      // random() = 0.5 means no jitter: the nominal schedule exactly.
      const run = simulate('standard');
      expect(run.dueOffsets).toEqual([60, 240, 780, 2400, 7260, 21840, 54240, 86640]);
      expect(run.attempts).toBe(9);
    });

    it('keeps every jittered delay within ±10 % of the schedule and under maxDelay', () => {
      const p = PRESETS.standard;
      for (const r of [0, 0.25, 0.75, 0.999999]) {
        const sub = presetValues('standard');
        const delays = scheduleOf(p.retryPolicy).map((nominal, i) => {
          const next = nextAttempt({ subscription: sub, attemptsMade: i + 1, outcome: 'timeout', failedAt: T0, random: () => r });
          if (!('delaySeconds' in next)) throw new Error('expected a retry');
          expect(next.delaySeconds).toBeGreaterThanOrEqual(Math.floor(nominal * 0.9));
          expect(next.delaySeconds).toBeLessThanOrEqual(Math.min(32400, Math.ceil(nominal * 1.1)));
          return next.delaySeconds;
        });
        expect(delays).toHaveLength(8);
      }
    });

    it('warns at 40 consecutive failures and disables at 50', () => {
      const p = PRESETS.standard.failurePolicy;
      const started = new Date(T_NOW).toISOString();
      const DAY = 86_400_000;
      expect(failureDecision(p, { count: 40, startedAt: started }, T_NOW + 1000)).toBe('warn');
      expect(failureDecision(p, { count: 500, startedAt: started }, T_NOW + 4.9 * DAY)).toBe('none');
      expect(failureDecision(p, { count: 50, startedAt: started }, T_NOW + 5 * DAY)).toBe('disable');
      expect(failureDecision(p, { count: 51, startedAt: started }, T_NOW + 6 * DAY)).toBe('disable');
    });
  });

  it('hands out copies: changing one subscription never changes the preset', () => {
    const copy = presetValues('tiktok-shop');
    (copy.retryPolicy as { delays: number[] }).delays.push(1);
    copy.acceptStatuses.push(500);
    expect(scheduleOf(PRESETS['tiktok-shop'].retryPolicy)).toEqual([120, 1800, 10800, 43200]);
    expect(PRESETS['tiktok-shop'].acceptStatuses).toEqual([200, 401]);
  });
});
