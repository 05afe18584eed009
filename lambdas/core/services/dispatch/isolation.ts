/**
 * Step 2c, isolation (DESIGN §6 "Isolation"): after the gate, a runnable task toward an endpoint
 * whose circuit breaker is open, whose slow requests already hold their share of the worker's
 * slots, or whose pace (rate limit, drain after recovery) has no slot now is deferred — put back on
 * the queue with a delay: not an attempt, no retry spent, nothing recorded on the delivery.
 */
import {
  breakerAfter,
  breakerEnabled,
  breakerGate,
  breakerOf,
  drainIntervalMs,
  isTransportFailure,
  scaledBreakerSettings,
  type BreakerState,
} from '../../breaker.js';
import type { DeliveryTask, Outcome, Subscription } from '../../model.js';
import { queueDelaySeconds } from '../../retry-route.js';
import type { BatchContext, DispatchDeps } from './types.js';

/** A probe's lease beyond its timeout: others wait this long for its answer before probing themselves. */
const PROBE_MARGIN_MS = 2000;
/** A paced slot at most this far ahead is waited for here; further ones go back on the queue. */
const PACE_WAIT_MS = 1000;

export type Isolation = { kind: 'pass'; probe: boolean; startAt?: number } | Deferral;

export interface Deferral {
  kind: 'defer';
  until: number;
  reason: string;
  /** The task holds a paced slot at `until`. */
  paced?: true;
}

export async function isolate(deps: DispatchDeps, task: DeliveryTask, subscription: Subscription): Promise<Isolation> {
  const now = deps.clock.now();
  const state = breakerOf(subscription);
  let probe = false;
  if (breakerEnabled(subscription)) {
    deps.endpointLoad.noteBreaker(subscription.id, state.openUntil);
    const gate = breakerGate(state, now);
    if (gate.kind === 'defer') return { kind: 'defer', until: gate.until, reason: gate.reason };
    if (gate.kind === 'probe') {
      const lease = now + subscription.timeoutMs + PROBE_MARGIN_MS;
      if (!(await deps.endpointHealth.claimProbe(subscription.id, state, now, lease))) return { kind: 'defer', until: lease, reason: 'circuit breaker probing' };
      probe = true;
    } else {
      const until = deps.endpointLoad.deferUntil(subscription.id, now, subscription.timeoutMs, state.failures > 0);
      if (until !== undefined) return { kind: 'defer', until, reason: 'endpoint at its in-flight cap' };
    }
  }
  if (task.paced === true || probe) return { kind: 'pass', probe };
  const interval = paceInterval(deps, subscription, state, now);
  if (interval === undefined) return { kind: 'pass', probe };
  const slot = await deps.endpointHealth.reserveSlot(subscription.id, now, interval);
  if (slot - now > PACE_WAIT_MS) return { kind: 'defer', until: slot, reason: 'paced', paced: true };
  return { kind: 'pass', probe, startAt: slot };
}

/** Spacing between attempts: the rate limit's, or the drain's after the breaker closed (the wider). */
function paceInterval(deps: DispatchDeps, subscription: Subscription, state: BreakerState, now: number): number | undefined {
  const limit = subscription.rateLimit === undefined ? undefined : 1000 / subscription.rateLimit.perSecond;
  const drain = breakerEnabled(subscription) ? drainIntervalMs(state, now, scaledBreakerSettings(deps.timeScale)) : undefined;
  if (limit === undefined) return drain;
  return drain === undefined ? limit : Math.max(limit, drain);
}

/** Puts deferred tasks back on the queue, due when they may be tried again. */
export async function deferTasks(deps: DispatchDeps, deferred: readonly { task: DeliveryTask; deferral: Deferral }[]): Promise<void> {
  if (deferred.length === 0) return;
  const now = deps.clock.now();
  const entries = deferred.map(({ task, deferral }) => {
    const { paced: _paced, ...rest } = task;
    const next: DeliveryTask = { ...rest, dueAt: deferral.until, deferrals: (task.deferrals ?? 0) + 1, ...(deferral.paced === true && { paced: true as const }) };
    return { task: next, delaySeconds: queueDelaySeconds(deferral.until - now) };
  });
  await deps.queue.sendMany(entries);
  for (const { task, deferral } of deferred) deps.observe?.({ type: 'deferred', task, until: deferral.until, reason: deferral.reason });
}

/** The breaker after an attempt: counts a transport failure, opens, re-opens or closes it. */
export async function updateBreaker(deps: DispatchDeps, context: BatchContext, subscription: Subscription, outcome: Outcome, probe: boolean): Promise<void> {
  if (!breakerEnabled(subscription)) return;
  const id = subscription.id;
  const now = deps.clock.now();
  let state = breakerOf(context.subscriptions.get(id) ?? subscription);
  if (isTransportFailure(outcome)) {
    const counted = await deps.endpointHealth.recordTransportFailure(id);
    if (counted === undefined) return; // deleted meanwhile
    state = counted;
    patchContext(context, id, { breakerFailures: counted.failures });
  }
  const change = breakerAfter(state, outcome, probe, now, scaledBreakerSettings(deps.timeScale));
  if (change.kind === 'open') {
    if (!(await deps.endpointHealth.open(id, state, change.openUntil, change.opens))) return;
    deps.endpointLoad.noteBreaker(id, change.openUntil);
    patchContext(context, id, { breakerOpenUntil: change.openUntil, breakerOpens: change.opens });
    deps.observe?.({ type: 'breaker', subscriptionId: id, state: 'open', failures: state.failures, until: change.openUntil });
  } else if (change.kind === 'close' && !context.breakersClosed.has(id)) {
    context.breakersClosed.add(id);
    await deps.endpointHealth.close(id, change.drain ? now : undefined);
    deps.endpointLoad.noteBreaker(id, undefined);
    patchContext(context, id, { ...(change.drain && { breakerClosedAt: now }) }, ['breakerFailures', 'breakerOpenUntil', 'breakerOpens', 'breakerProbeUntil']);
    if (change.drain) deps.observe?.({ type: 'breaker', subscriptionId: id, state: 'closed', failures: state.failures });
  }
}

/** The batch's copy of the subscription follows what this worker wrote, for the batch's other tasks. */
function patchContext(context: BatchContext, id: Subscription['id'], set: Partial<Subscription>, remove: (keyof Subscription)[] = []): void {
  const current = context.subscriptions.get(id);
  if (current === undefined) return;
  const next: Subscription = { ...current, ...set };
  for (const key of remove) delete next[key];
  context.subscriptions.set(id, next);
}
