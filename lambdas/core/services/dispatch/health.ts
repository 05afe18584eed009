/**
 * Step 5, subscription health: a success ends the failure streak; a failure extends it and may
 * warn, then disable or delete the subscription (DESIGN §6 "Failure policy"). The action's
 * threshold is `>=`, so it may be decided more than once; it is announced only by the caller
 * whose write changed the subscription.
 */
import { ConcurrentUpdateError } from '../../errors.js';
import { failureDecision } from '../../failure-policy.js';
import { urlHost } from '../../url-policy.js';
import type { Attempt, FailureStreak, Subscription, SubscriptionId } from '../../model.js';
import type { BatchContext, DispatchDeps } from './types.js';

export async function recordSuccess(deps: DispatchDeps, context: BatchContext, subscription: Subscription): Promise<void> {
  if (subscription.consecutiveFailures === 0 || context.failuresReset.has(subscription.id)) return;
  context.failuresReset.add(subscription.id);
  await deps.subscriptions.resetFailures(subscription.id);
}

export async function recordFailure(deps: DispatchDeps, context: BatchContext, subscription: Subscription, attempt: Attempt): Promise<void> {
  context.failuresReset.delete(subscription.id);
  const streak = await deps.subscriptions.recordFailure(subscription.id, attempt.endedAt);
  if (streak === undefined) return; // deleted meanwhile
  const decision = failureDecision(subscription.failurePolicy, streak, Date.parse(attempt.endedAt), deps.timeScale);
  if (decision === 'none') return;
  if (decision === 'warn') {
    deps.observe?.({ type: 'subscription', action: decision, subscriptionId: subscription.id, failures: streak.count });
    await deps.alerts.publish(warning(subscription, streak));
    return;
  }
  const reason = `${streak.count} consecutive failed attempts since ${streak.startedAt}`;
  const changed = decision === 'delete' ? await remove(deps, context, subscription.id) : await disable(deps, context, subscription, reason);
  if (!changed) return;
  deps.observe?.({ type: 'subscription', action: decision, subscriptionId: subscription.id, failures: streak.count });
  const done = decision === 'delete' ? 'deleted' : 'disabled';
  await deps.alerts.publish({
    kind: decision === 'delete' ? 'subscription-deleted' : 'subscription-disabled',
    subscriptionId: subscription.id,
    subject: `Hookline: endpoint ${done} (${subscription.id})`,
    message:
      `Subscription ${subscription.id} (${urlHost(subscription.url) ?? 'invalid url'}) was ${done} ` +
      `after ${reason}. Its undelivered events stay visible and can be replayed.`,
  });
}

function warning(subscription: Subscription, streak: FailureStreak) {
  const policy = subscription.failurePolicy;
  const minHours = (policy.minStreakSeconds ?? 0) / 3600;
  const lasting = minHours > 0 ? ` lasting at least ${Number(minHours.toFixed(2))} h with no success` : '';
  return {
    kind: 'subscription-failing' as const,
    subscriptionId: subscription.id,
    subject: `Hookline: endpoint failing (${subscription.id})`,
    message:
      `Subscription ${subscription.id} (${urlHost(subscription.url) ?? 'invalid url'}) has failed ${streak.count} consecutive attempts since ${streak.startedAt}. ` +
      `It will be ${policy.action === 'delete' ? 'deleted' : 'disabled'} after ${policy.afterConsecutiveFailures ?? streak.count} consecutive failures${lasting}.`,
  };
}

/** Deletes the subscription; false when it was already gone (another worker acted first). */
async function remove(deps: DispatchDeps, context: BatchContext, id: SubscriptionId): Promise<boolean> {
  const latest = await deps.subscriptions.get(id);
  context.subscriptions.delete(id);
  if (latest === undefined) return false;
  await deps.subscriptions.delete(latest);
  return true;
}

/** Disables the subscription, re-reading it when a concurrent write won; false when already disabled or gone. */
async function disable(deps: DispatchDeps, context: BatchContext, subscription: Subscription, reason: string): Promise<boolean> {
  context.subscriptions.set(subscription.id, { ...subscription, status: 'disabled', disabledReason: reason });
  for (let tries = 0; tries < 3; tries++) {
    const latest = await deps.subscriptions.get(subscription.id);
    if (latest === undefined || latest.status === 'disabled') return false;
    const next: Subscription = {
      ...latest,
      status: 'disabled',
      disabledReason: reason,
      updatedAt: new Date(deps.clock.now()).toISOString(),
      version: latest.version + 1,
    };
    try {
      await deps.subscriptions.replace(latest, next, { unique: deps.uniqueTenantEvent });
      return true;
    } catch (error) {
      if (!(error instanceof ConcurrentUpdateError)) throw error;
    }
  }
  throw new ConcurrentUpdateError(`subscription ${subscription.id}: disable lost three concurrent updates`);
}

