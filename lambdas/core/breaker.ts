/**
 * The per-endpoint circuit breaker (DESIGN §6 "Isolation"), as pure decisions over the state the
 * subscription's item carries. A burst of timeouts or transport failures opens it; while open,
 * tasks are deferred (put back on the queue: no attempt, no retry spent, no attempt record); after
 * the cool-down one probe is let through; an answer closes it, another transport failure re-opens
 * it for twice as long. After it closes, the backlog is paced (`drainIntervalMs`), not released at once.
 */
import type { Outcome, Subscription } from './model.js';

/** The breaker's fields as stored on the subscription's item (all epoch ms). */
export interface BreakerState {
  /** Consecutive timeouts and transport failures; any answer of the endpoint resets it. */
  failures: number;
  /** Present while open; once passed, the breaker is half-open (one probe). */
  openUntil?: number;
  /** Times it opened without closing in between (the cool-down doubles each time). */
  opens?: number;
  /** While set and in the future, a probe is under way: others wait for it. */
  probeUntil?: number;
  /** When it last closed: the paced drain runs from there. */
  closedAt?: number;
}

export type BreakerMode = 'closed' | 'open' | 'half-open';

export interface BreakerSettings {
  /** Consecutive transport failures that open it. */
  threshold: number;
  /** First cool-down; doubled on each re-open, up to `maxCoolDownMs`. */
  coolDownMs: number;
  maxCoolDownMs: number;
  /** After closing: attempts are spaced at least this far apart for `drainMs`. */
  drainIntervalMs: number;
  drainMs: number;
}

export const BREAKER_DEFAULTS: Readonly<BreakerSettings> = {
  threshold: 3,
  coolDownMs: 30_000,
  maxCoolDownMs: 10 * 60_000,
  drainIntervalMs: 100, // 10 attempts/s toward a recovering endpoint
  drainMs: 60_000,
};

/** Settings with local mode's time scale applied to every duration. */
export function scaledBreakerSettings(timeScale: number, base: BreakerSettings = BREAKER_DEFAULTS): BreakerSettings {
  return {
    threshold: base.threshold,
    coolDownMs: base.coolDownMs / timeScale,
    maxCoolDownMs: base.maxCoolDownMs / timeScale,
    drainIntervalMs: base.drainIntervalMs,
    drainMs: base.drainMs / timeScale,
  };
}

/** On unless switched off; absent (stored before the field), on for exponential policies only: a fixed schedule is a contract. */
export function breakerEnabled(sub: Pick<Subscription, 'circuitBreaker' | 'retryPolicy'>): boolean {
  return sub.circuitBreaker?.enabled ?? sub.retryPolicy.type === 'exponential';
}

/** Timeouts and transport failures: the endpoint held (or refused) a slot without answering. */
export const isTransportFailure = (outcome: Outcome): boolean => outcome === 'timeout' || outcome === 'network';

export function breakerOf(sub: Pick<Subscription, 'breakerFailures' | 'breakerOpenUntil' | 'breakerOpens' | 'breakerProbeUntil' | 'breakerClosedAt'>): BreakerState {
  return {
    failures: sub.breakerFailures ?? 0,
    ...(sub.breakerOpenUntil !== undefined && { openUntil: sub.breakerOpenUntil }),
    ...(sub.breakerOpens !== undefined && { opens: sub.breakerOpens }),
    ...(sub.breakerProbeUntil !== undefined && { probeUntil: sub.breakerProbeUntil }),
    ...(sub.breakerClosedAt !== undefined && { closedAt: sub.breakerClosedAt }),
  };
}

export function breakerMode(state: BreakerState, now: number): BreakerMode {
  if (state.openUntil === undefined) return 'closed';
  return now < state.openUntil ? 'open' : 'half-open';
}

export type BreakerGate = { kind: 'pass' } | { kind: 'probe' } | { kind: 'defer'; until: number; reason: string };

/** What a task toward this endpoint may do now. */
export function breakerGate(state: BreakerState, now: number): BreakerGate {
  const mode = breakerMode(state, now);
  if (mode === 'closed') return { kind: 'pass' };
  if (mode === 'open') return { kind: 'defer', until: state.openUntil as number, reason: 'circuit breaker open' };
  if (state.probeUntil !== undefined && now < state.probeUntil) return { kind: 'defer', until: state.probeUntil, reason: 'circuit breaker probing' };
  return { kind: 'probe' };
}

export function coolDownMs(opens: number, settings: BreakerSettings): number {
  return Math.min(settings.maxCoolDownMs, settings.coolDownMs * 2 ** Math.max(0, opens - 1));
}

/** `close.drain`: it was open, so the backlog it held back is paced from now on. */
export type BreakerChange = { kind: 'none' } | { kind: 'open'; openUntil: number; opens: number } | { kind: 'close'; drain: boolean };

/**
 * What an attempt's outcome does to the breaker. `state` is the state after this failure was
 * counted (for a transport failure) or as the batch read it (otherwise).
 */
export function breakerAfter(state: BreakerState, outcome: Outcome, probe: boolean, now: number, settings: BreakerSettings): BreakerChange {
  if (!isTransportFailure(outcome)) {
    return state.failures > 0 || state.openUntil !== undefined ? { kind: 'close', drain: state.openUntil !== undefined } : { kind: 'none' };
  }
  const reopen = probe && state.openUntil !== undefined;
  if (!reopen && (state.openUntil !== undefined || state.failures < settings.threshold)) return { kind: 'none' };
  const opens = (state.opens ?? 0) + 1;
  return { kind: 'open', openUntil: now + coolDownMs(opens, settings), opens };
}

/** While draining after a close, the spacing between attempts; undefined when not draining. */
export function drainIntervalMs(state: BreakerState, now: number, settings: BreakerSettings): number | undefined {
  if (state.openUntil !== undefined || state.closedAt === undefined) return undefined;
  return now - state.closedAt < settings.drainMs ? settings.drainIntervalMs : undefined;
}
