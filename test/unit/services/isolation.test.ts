import { describe, expect, it } from 'vitest';
import type { AttemptLogLine } from '../../../lambdas/core/attempt-log.js';
import { maskSubscription } from '../../../lambdas/core/auth.js';
import { ValidationError } from '../../../lambdas/core/errors.js';
import { BREAKER_DEFAULTS } from '../../../lambdas/core/breaker.js';
import type { SubscriptionId } from '../../../lambdas/core/model.js';
import type { SendResult } from '../../../lambdas/core/ports.js';
import { processBatch, type DispatchEvent } from '../../../lambdas/core/services/dispatch.js';
import { acceptEvent } from '../../../lambdas/core/services/intake.js';
import { createSubscription, getSubscription } from '../../../lambdas/core/services/subscriptions.js';
import { respond } from '../../support/memory-ports.js';
import { memoryServiceDeps, T0 } from '../../support/service-world.js';

const timeout: SendResult = { kind: 'failure', outcome: 'timeout', reason: 'no answer within 5000 ms', durationMs: 5000 };

function world() {
  let answer: SendResult = timeout;
  const events: DispatchEvent[] = [];
  const log: AttemptLogLine[] = [];
  const { deps, clock, subscriptionDeps } = memoryServiceDeps({
    script: () => answer,
    limits: { maxPayloadBytes: 262_144, inlinePayloadBytes: 65_536, taskPayloadBytes: 8192, fanoutPageSize: 500, retentionDays: 30 },
    observe: (e) => events.push(e),
    attemptLog: { write: (line) => log.push(line) },
  });
  let n = 0;
  const drainOnce = () => processBatch(deps, deps.queue.sent.splice(0).map((t) => ({ id: `r${n++}`, body: JSON.stringify(t.task) })));
  const subscribe = async (body: Record<string, unknown> = {}) =>
    (await createSubscription(subscriptionDeps, { url: 'https://hooks.example.com/in', eventTypes: ['order.created'], ...body })).id as SubscriptionId;
  const post = (count: number) => Promise.all(Array.from({ length: count }, (_, i) => acceptEvent(deps, { type: 'order.created', payload: { i } })));
  const requests = () => deps.sender.requests.length;
  const deferred = () => events.filter((e): e is Extract<DispatchEvent, { type: 'deferred' }> => e.type === 'deferred');
  return { deps, clock, events, log, drainOnce, subscribe, post, requests, deferred, answer: (r: SendResult) => (answer = r), subscriptionDeps };
}

describe('isolation in the worker', () => {
  it('a timing-out endpoint opens its breaker; the tasks it defers are not attempts and carry no record', async () => {
    // Prepare
    const w = world();
    const id = await w.subscribe();
    await w.post(10);
    // Act
    await w.drainOnce();
    // Assess: the threshold's failures (and at most the batch's lanes already under way) were attempts
    expect(w.requests()).toBeGreaterThanOrEqual(BREAKER_DEFAULTS.threshold);
    expect(w.requests()).toBeLessThan(BREAKER_DEFAULTS.threshold + w.deps.concurrency);
    const deferred = w.deferred();
    expect(deferred).toHaveLength(10 - w.requests());
    const view = maskSubscription(await getSubscription(w.subscriptionDeps, id), w.clock.t);
    expect(view.health.breaker).toMatchObject({ enabled: true, state: 'open', opens: 1 });
    const openUntil = Date.parse(view.health.breaker.openUntil ?? '');
    expect(openUntil).toBe(T0 + BREAKER_DEFAULTS.coolDownMs);
    for (const d of deferred) {
      expect(d.until).toBe(openUntil);
      expect(w.deps.deliveries.items.get(d.task.deliveryId)).toBeUndefined(); // no attempt recorded
    }
    const back = w.deps.queue.sent.map((q) => q.task).filter((t) => 'deferrals' in t);
    expect(back).toHaveLength(deferred.length);
    expect(back.every((t) => 'dueAt' in t && t.dueAt === openUntil && t.deferrals === 1 && t.attempt === 1)).toBe(true);
    expect(w.events.filter((e) => e.type === 'breaker')).toEqual([expect.objectContaining({ state: 'open', subscriptionId: id })]);
  });

  it('after the cool-down exactly one probe goes; its answer closes the breaker and the rest follow paced', async () => {
    // Prepare: open breaker, deferred tasks back on the queue, endpoint recovered
    const w = world();
    const id = await w.subscribe();
    await w.post(10);
    await w.drainOnce();
    const before = w.requests();
    w.deps.retryScheduler.scheduled.splice(0); // the failed attempts' retries are not part of this
    w.clock.t = T0 + BREAKER_DEFAULTS.coolDownMs;
    w.answer(respond(200));
    // Act
    await w.drainOnce();
    // Assess: one probe; the others wait for its lease
    expect(w.requests()).toBe(before + 1);
    const probeLine = w.log.find((l) => l.breakerProbe === true);
    expect(probeLine).toMatchObject({ outcome: 'success', deferrals: 1 });
    const view = maskSubscription(await getSubscription(w.subscriptionDeps, id), w.clock.t);
    expect(view.health.breaker).toMatchObject({ state: 'closed', transportFailures: 0, closedAt: new Date(w.clock.t).toISOString() });
    expect(w.deferred().filter((d) => d.reason === 'circuit breaker probing')).toHaveLength(10 - before - 1);

    // Act: the probing lease passes; the drain spaces the backlog at the drain interval
    w.clock.t += 10_000;
    await w.drainOnce();
    // Assess: slots one drain interval apart; those within a second were attempted, the rest deferred to their slot
    const paced = w.deferred().filter((d) => d.reason === 'paced');
    const attempted = w.requests() - before - 1;
    expect(attempted + paced.length).toBe(10 - before - 1);
    expect(attempted).toBeGreaterThan(0);
    for (const d of paced) expect(d.until - w.clock.t).toBeGreaterThan(1000);
    expect(w.deps.queue.sent.every((q) => !('paced' in q.task) || q.task.paced === true)).toBe(true);
  });

  it('fixed-schedule presets have no breaker: every task is an attempt at its time', async () => {
    const w = world();
    await w.subscribe({ preset: 'shopify' });
    await w.post(10);
    await w.drainOnce();
    expect(w.requests()).toBe(10);
    expect(w.deferred()).toHaveLength(0);
  });

  it('circuitBreaker.enabled: false turns it off for a standard subscription; bad values are named', async () => {
    const w = world();
    await w.subscribe({ circuitBreaker: { enabled: false } });
    await w.post(10);
    await w.drainOnce();
    expect(w.requests()).toBe(10);
    expect(w.deferred()).toHaveLength(0);
    const error = await w.subscribe({ rateLimit: { perSecond: 0 }, circuitBreaker: { enabled: 'yes' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).errors.map((e) => e.field).sort()).toEqual(['circuitBreaker.enabled', 'rateLimit.perSecond']);
  });

  it('rateLimit.perSecond delays (never fails): beyond the first slot tasks wait on the queue for theirs, then go without a second slot', async () => {
    // Prepare: 0.5/s = one slot every 2 s
    const w = world();
    w.answer(respond(200));
    await w.subscribe({ rateLimit: { perSecond: 0.5 } });
    await w.post(3);
    // Act
    await w.drainOnce();
    // Assess
    expect(w.requests()).toBe(1);
    expect(w.deferred().map((d) => d.until).sort()).toEqual([T0 + 2000, T0 + 4000]);
    expect(w.deps.queue.sent.map((q) => q.task)).toEqual([expect.objectContaining({ paced: true }), expect.objectContaining({ paced: true })]);
    w.clock.t = T0 + 4000;
    await w.drainOnce();
    expect(w.requests()).toBe(3);
    expect(w.deps.queue.sent).toHaveLength(0);
  });
});
