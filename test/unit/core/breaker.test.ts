import { describe, expect, it } from 'vitest';
import {
  BREAKER_DEFAULTS,
  breakerAfter,
  breakerEnabled,
  breakerGate,
  breakerMode,
  coolDownMs,
  drainIntervalMs,
  scaledBreakerSettings,
  type BreakerState,
} from '../../../lambdas/core/breaker.js';

const S = BREAKER_DEFAULTS;
const NOW = 1_000_000;

describe('circuit breaker state machine', () => {
  it('stays closed below the threshold and opens when the threshold-th transport failure is counted', () => {
    expect(breakerAfter({ failures: S.threshold - 1 }, 'timeout', false, NOW, S)).toEqual({ kind: 'none' });
    expect(breakerAfter({ failures: S.threshold }, 'network', false, NOW, S)).toEqual({ kind: 'open', openUntil: NOW + S.coolDownMs, opens: 1 });
  });

  it('is not moved by 4xx/5xx answers unless it has something to clear: an answer resets the count', () => {
    expect(breakerAfter({ failures: 0 }, '5xx', false, NOW, S)).toEqual({ kind: 'none' });
    expect(breakerAfter({ failures: 0 }, 'success', false, NOW, S)).toEqual({ kind: 'none' });
    expect(breakerAfter({ failures: 2 }, '5xx', false, NOW, S)).toEqual({ kind: 'close', drain: false });
  });

  it('while open defers every task to the end of the cool-down; once passed lets exactly one probe go', () => {
    const open: BreakerState = { failures: 3, openUntil: NOW + 30_000, opens: 1 };
    expect(breakerMode(open, NOW)).toBe('open');
    expect(breakerGate(open, NOW)).toEqual({ kind: 'defer', until: NOW + 30_000, reason: 'circuit breaker open' });
    const later = NOW + 30_000;
    expect(breakerMode(open, later)).toBe('half-open');
    expect(breakerGate(open, later)).toEqual({ kind: 'probe' });
    const probing = { ...open, probeUntil: later + 7000 };
    expect(breakerGate(probing, later + 1)).toEqual({ kind: 'defer', until: later + 7000, reason: 'circuit breaker probing' });
    // A probe whose lease ran out (its worker died) lets the next one go.
    expect(breakerGate(probing, later + 7000)).toEqual({ kind: 'probe' });
  });

  it('a failed probe re-opens it for twice as long (capped); a non-probe failure while open changes nothing', () => {
    const halfOpen: BreakerState = { failures: 5, openUntil: NOW - 1, opens: 1 };
    expect(breakerAfter(halfOpen, 'timeout', true, NOW, S)).toEqual({ kind: 'open', openUntil: NOW + 2 * S.coolDownMs, opens: 2 });
    expect(breakerAfter(halfOpen, 'timeout', false, NOW, S)).toEqual({ kind: 'none' });
    expect(coolDownMs(1, S)).toBe(S.coolDownMs);
    expect(coolDownMs(3, S)).toBe(4 * S.coolDownMs);
    expect(coolDownMs(50, S)).toBe(S.maxCoolDownMs);
  });

  it('an answered probe closes it with a paced drain afterwards', () => {
    const halfOpen: BreakerState = { failures: 5, openUntil: NOW - 1, opens: 2, probeUntil: NOW + 5000 };
    expect(breakerAfter(halfOpen, 'success', true, NOW, S)).toEqual({ kind: 'close', drain: true });
    const closed: BreakerState = { failures: 0, closedAt: NOW };
    expect(breakerMode(closed, NOW)).toBe('closed');
    expect(drainIntervalMs(closed, NOW + 1, S)).toBe(S.drainIntervalMs);
    expect(drainIntervalMs(closed, NOW + S.drainMs, S)).toBeUndefined();
    expect(drainIntervalMs({ failures: 0 }, NOW, S)).toBeUndefined();
  });

  it('is on for exponential schedules and off for fixed ones unless the subscription says otherwise', () => {
    const exponential = { type: 'exponential', initialDelay: 60, factor: 3, maxDelay: 600, retries: 3, jitter: 0 } as const;
    const fixed = { type: 'fixed' as const, delays: [10, 30] };
    expect(breakerEnabled({ retryPolicy: exponential })).toBe(true);
    expect(breakerEnabled({ retryPolicy: fixed })).toBe(false);
    expect(breakerEnabled({ retryPolicy: fixed, circuitBreaker: { enabled: true } })).toBe(true);
    expect(breakerEnabled({ retryPolicy: exponential, circuitBreaker: { enabled: false } })).toBe(false);
  });

  it('local mode time scale shortens the cool-down and drain, not the threshold or the drain spacing', () => {
    const scaled = scaledBreakerSettings(10);
    expect(scaled).toEqual({ ...S, coolDownMs: S.coolDownMs / 10, maxCoolDownMs: S.maxCoolDownMs / 10, drainMs: S.drainMs / 10 });
  });
});
