/**
 * Step 5, subscription health: a success ends the failure streak; a failure extends it (counted
 * exactly up to `STREAK_COUNTED_EXACTLY`, then only when it may fire the action) and may warn,
 * then disable or (softly) delete the subscription (DESIGN §6 "Failure policy"). The action's
 * threshold is `>=`, so it may be decided more than once; it is announced only by the caller
 * whose write changed the subscription.
 */
import { ConcurrentUpdateError } from '../../errors.js';
import { failureDecision, streakWriteNeeded } from '../../failure-policy.js';
import { urlHost } from '../../url-policy.js';
import { DELETED_BY_POLICY, type Attempt, type FailureStreak, type Subscription } from '../../model.js';
import type { BatchContext, DispatchDeps } from './types.js';

export async function recordSuccess(deps: DispatchDeps, context: BatchContext, subscription: Subscription): Promise<void> {
  if (subscription.consecutiveFailures === 0 || context.failuresReset.has(subscription.id)) return;
  context.failuresReset.add(subscription.id);
  await deps.subscriptions.resetFailures(subscription.id);
}

export async function recordFailure(deps: DispatchDeps, context: BatchContext, subscription: Subscription, attempt: Attempt): Promise<void> {
  // A streak this batch ended is over, whatever the batch read.
  const resetHere = context.failuresReset.delete(subscription.id);
  const read = resetHere ? undefined : streakAsRead(subscription);
  if (!streakWriteNeeded(subscription.failurePolicy, read, Date.parse(attempt.endedAt), deps.timeScale)) return;
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
  const changed = await applyPolicy(deps, context, subscription, decision, reason);
  if (changed === undefined) return;
  deps.observe?.({ type: 'subscription', action: decision, subscriptionId: subscription.id, failures: streak.count });
  const done = decision === 'delete' ? 'deleted' : 'disabled';
  const restore =
    decision === 'delete'
      ? `It receives no new events; it can be restored (POST /v1/subscriptions/${subscription.id}/enable) until ${changed.retainedUntil}, ` +
        'and its undelivered events stay visible and can be replayed.'
      : 'Its undelivered events stay visible and can be replayed once it is enabled.';
  await deps.alerts.publish({
    kind: decision === 'delete' ? 'subscription-deleted' : 'subscription-disabled',
    subscriptionId: subscription.id,
    subject: `Hookline: endpoint ${done} (${subscription.id})`,
    message: `Subscription ${subscription.id} (${urlHost(subscription.url) ?? 'invalid url'}) was ${done} after ${reason}. ${restore}`,
  });
}

function streakAsRead(subscription: Subscription): FailureStreak | undefined {
  const { consecutiveFailures: count, failureStreakStartedAt: startedAt } = subscription;
  return count > 0 && startedAt !== undefined ? { count, startedAt } : undefined;
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

/**
 * The policy's action on the subscription: disabled, or deleted softly (status `deleted`: kept,
 * readable and restorable for the retention period, but owning no route, so it receives nothing
 * new). Re-reads it when a concurrent write won; undefined when it is already so, or gone (another
 * worker acted first).
 */
async function applyPolicy(
  deps: DispatchDeps,
  context: BatchContext,
  subscription: Subscription,
  decision: 'disable' | 'delete',
  reason: string,
): Promise<Subscription | undefined> {
  const now = deps.clock.now();
  const change = (s: Subscription): Subscription => {
    const changed: Subscription = { ...s, updatedAt: new Date(now).toISOString(), version: s.version + 1 };
    if (decision === 'disable') return { ...changed, status: 'disabled', disabledReason: reason };
    const retainedUntil = new Date(now + deps.limits.retentionDays * DAY_MS).toISOString();
    return { ...changed, status: 'deleted', disabledReason: `${DELETED_BY_POLICY}: ${reason}`, deletedAt: changed.updatedAt, retainedUntil };
  };
  context.subscriptions.set(subscription.id, change(subscription));
  for (let tries = 0; tries < 3; tries++) {
    const latest = await deps.subscriptions.get(subscription.id);
    if (latest === undefined || latest.status === 'deleted' || (decision === 'disable' && latest.status === 'disabled')) return undefined;
    const next = change(latest);
    try {
      await deps.subscriptions.replace(latest, next, { unique: deps.uniqueTenantEvent });
      return next;
    } catch (error) {
      if (!(error instanceof ConcurrentUpdateError)) throw error;
    }
  }
  throw new ConcurrentUpdateError(`subscription ${subscription.id}: ${decision} lost three concurrent updates`);
}

const DAY_MS = 86_400_000;
