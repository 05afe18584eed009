/**
 * Issue 18 item 2, nothing lost: a subscription its failure policy deletes (softly) or disables
 * stays readable, ends what was pending with a recorded reason, and once restored a replay
 * delivers what it missed.
 */
import { describe, expect, it } from 'vitest';
import { acceptEvent } from '../../../lambdas/core/services/intake.js';
import { retryDelivery, startReplay } from '../../../lambdas/core/services/replay.js';
import {
  createSubscription,
  deleteSubscription,
  getSubscription,
  listSubscriptions,
  setSubscriptionStatus,
  updateSubscription,
} from '../../../lambdas/core/services/subscriptions.js';
import { ConflictError } from '../../../lambdas/core/errors.js';
import type { SubscriptionId } from '../../../lambdas/core/model.js';
import { respond } from '../../support/memory-ports.js';
import { memoryServiceDeps, T0 } from '../../support/service-world.js';
import { processBatch } from '../../../lambdas/core/services/dispatch.js';

/** An endpoint that fails until `up`; the policy acts after two failures; retries a minute apart. */
async function failingWorld(action: 'delete' | 'disable') {
  let up = false;
  const { deps, clock, subscriptionDeps } = memoryServiceDeps({ script: () => respond(up ? 200 : 500) });
  const created = await createSubscription(subscriptionDeps, {
    url: 'https://hooks.example.com/in',
    eventTypes: ['order.created'],
    retryPolicy: { type: 'fixed', delays: [60, 60, 60] },
    failurePolicy: { afterConsecutiveFailures: 2, action },
  });
  const id = created.id as SubscriptionId;
  let record = 0;
  const drain = async () => {
    while (deps.queue.sent.length > 0) {
      const batch = deps.queue.sent.splice(0, 10);
      expect(await processBatch(deps, batch.map((t) => ({ id: `r${record++}`, body: JSON.stringify(t.task) })))).toEqual([]);
    }
  };
  /** Runs every scheduled retry at its due time. */
  const runScheduled = async () => {
    for (const { task, dueAt } of deps.retryScheduler.scheduled.splice(0)) {
      clock.t = Math.max(clock.t, dueAt);
      deps.queue.sent.push({ task, delaySeconds: 0 });
    }
    await drain();
  };
  const post = async (n: number) => acceptEvent(deps, { type: 'order.created', payload: { n } });
  return { deps, clock, subs: subscriptionDeps, id, drain, runScheduled, post, recover: () => (up = true) };
}

/** A failingWorld where two events have failed: the second failure made its policy act. */
async function afterTwoFailures(action: 'delete' | 'disable') {
  const w = await failingWorld(action);
  await w.post(1);
  await w.post(2);
  await w.drain();
  return w;
}

describe('a subscription its failure policy deleted', () => {
  it('stays readable, ends its pending deliveries with the reason, owns no route, and is restored and replayed with nothing lost', async () => {
    // Prepare: two events fail, and the second failure deletes the subscription.
    const w = await afterTwoFailures('delete');
    const deleted = await getSubscription(w.subs, w.id);
    expect(deleted).toMatchObject({ status: 'deleted', disabledReason: expect.stringMatching(/^subscription_deleted_by_policy: 2 consecutive/) });

    // Act 1: the scheduled retries come due; a third event arrives while it is deleted.
    await w.runScheduled();
    const third = await w.post(3);

    // Assess 1: the retries ended with the recorded reason, no request; the event reached nobody.
    const requestsWhileDeleted = w.deps.sender.requests.length;
    expect(requestsWhileDeleted).toBe(2);
    for (const delivery of w.deps.deliveries.items.values()) {
      expect(delivery).toMatchObject({ status: 'dropped', reason: deleted.disabledReason });
    }
    expect(third.deliveryCount).toBe(0);
    expect((await listSubscriptions(w.subs, {})).items.map((s) => s.id)).toEqual([]);
    expect((await listSubscriptions(w.subs, { status: 'deleted' })).items.map((s) => s.id)).toEqual([w.id]);
    // Changes, replays and retries wait for the restore.
    await expect(updateSubscription(w.subs, w.id, { description: 'x' })).rejects.toThrow(ConflictError);
    await expect(startReplay(w.deps, w.id, { since: new Date(T0 - 1000).toISOString() })).rejects.toThrow(/restore it first/);
    const [firstDelivery] = w.deps.deliveries.items.keys();
    await expect(retryDelivery(w.deps, firstDelivery!)).rejects.toThrow(ConflictError);

    // Act 2: the endpoint is back; the operator restores the subscription and replays the window.
    w.recover();
    const restored = await setSubscriptionStatus(w.subs, w.id, 'active');
    w.clock.t += 1000;
    const job = await startReplay(w.deps, w.id, { since: new Date(T0 - 1000).toISOString() });
    await w.drain();

    // Assess 2: active with its streak reset; the two dropped deliveries and the unrouted event delivered.
    expect(restored).toMatchObject({ status: 'active', health: { failureStreak: { count: 0 } } });
    expect(restored).not.toHaveProperty('deletedAt');
    expect(restored).not.toHaveProperty('retainedUntil');
    expect(await w.deps.subscriptions.routes(undefined, 'order.created')).toEqual([{ subscriptionId: w.id, status: 'active' }]);
    expect(await w.deps.jobs.get(job.id)).toMatchObject({ status: 'done', enqueued: 3 });
    expect(w.deps.sender.requests.length - requestsWhileDeleted).toBe(3);
    expect([...w.deps.deliveries.items.values()].map((d) => d.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
  });

  it('is deleted for good by an operator', async () => {
    const w = await afterTwoFailures('delete');
    await deleteSubscription(w.subs, w.id);
    expect(w.deps.subscriptions.items.has(w.id)).toBe(false);
  });
});

describe('a subscription its failure policy disabled', () => {
  it('pauses what comes meanwhile (recorded), and once enabled a replay delivers every missed event', async () => {
    // Prepare: disabled after two failures; a third event arrives while disabled.
    const w = await afterTwoFailures('disable');
    expect(await getSubscription(w.subs, w.id)).toMatchObject({ status: 'disabled', disabledReason: expect.stringMatching(/^2 consecutive/) });
    await w.post(3);
    await w.runScheduled();
    const requestsWhileDisabled = w.deps.sender.requests.length;
    expect([...w.deps.deliveries.items.values()].map((d) => d.status)).toEqual(['paused', 'paused', 'paused']);

    // Act
    w.recover();
    await setSubscriptionStatus(w.subs, w.id, 'active');
    w.clock.t += 1000;
    await startReplay(w.deps, w.id, { since: new Date(T0 - 1000).toISOString(), onlyFailed: true });
    await w.drain();

    // Assess
    expect(w.deps.sender.requests.length - requestsWhileDisabled).toBe(3);
    expect([...w.deps.deliveries.items.values()].every((d) => d.status === 'succeeded' && d.generation === 1)).toBe(true);
  });
});
