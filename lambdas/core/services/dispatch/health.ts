/**
 * Step 5, subscription health: a success ends the failure streak; a failure extends it and may
 * warn, then disable or delete the subscription (DESIGN §6 "Failure policy").
 */
import { ConcurrentUpdateError } from '../../errors.js';
import { failureDecision } from '../../failure-policy.js';
import type { Subscription, SubscriptionId } from '../../model.js';
import type { BatchContext, DispatchDeps } from './types.js';

export async function recordSuccess(deps: DispatchDeps, context: BatchContext, subscription: Subscription): Promise<void> {
  if (subscription.consecutiveFailures === 0 || context.failuresReset.has(subscription.id)) return;
  context.failuresReset.add(subscription.id);
  await deps.subscriptions.resetFailures(subscription.id);
}

export async function recordFailure(deps: DispatchDeps, context: BatchContext, subscription: Subscription): Promise<void> {
  context.failuresReset.delete(subscription.id);
  const failures = await deps.subscriptions.recordFailure(subscription.id);
  const policy = subscription.failurePolicy;
  const decision = failureDecision(policy, failures);
  if (decision === 'none') return;
  deps.observe?.({ type: 'subscription', action: decision, subscriptionId: subscription.id, failures });
  if (decision === 'warn') {
    await deps.alerts.publish(warning(subscription, failures));
    return;
  }
  const reason = `${failures} consecutive failed attempts`;
  if (decision === 'delete') {
    const latest = (await deps.subscriptions.get(subscription.id)) ?? subscription;
    await deps.subscriptions.delete(latest);
    context.subscriptions.delete(subscription.id);
  } else {
    await disable(deps, subscription.id, reason);
    context.subscriptions.set(subscription.id, { ...subscription, status: 'disabled', disabledReason: reason });
  }
  const done = decision === 'delete' ? 'deleted' : 'disabled';
  await deps.alerts.publish({
    kind: decision === 'delete' ? 'subscription-deleted' : 'subscription-disabled',
    subscriptionId: subscription.id,
    subject: `Hookline: endpoint ${done} (${subscription.id})`,
    message:
      `Subscription ${subscription.id} (${hostOf(subscription.url)}) was ${done} ` +
      `after ${reason}. Its undelivered events stay visible and can be replayed.`,
  });
}

function warning(subscription: Subscription, failures: number) {
  const policy = subscription.failurePolicy;
  const remaining = (policy.afterConsecutiveFailures ?? failures) - failures;
  return {
    kind: 'subscription-failing' as const,
    subscriptionId: subscription.id,
    subject: `Hookline: endpoint failing (${subscription.id})`,
    message:
      `Subscription ${subscription.id} (${hostOf(subscription.url)}) has failed ${failures} consecutive attempts. ` +
      `It will be ${policy.action === 'delete' ? 'deleted' : 'disabled'} after ${remaining} more consecutive failures.`,
  };
}

/** Disables the subscription, re-reading it when a concurrent write won (up to three tries). */
async function disable(deps: DispatchDeps, id: SubscriptionId, reason: string): Promise<void> {
  for (let tries = 0; tries < 3; tries++) {
    const latest = await deps.subscriptions.get(id);
    if (latest === undefined || latest.status === 'disabled') return;
    const next: Subscription = {
      ...latest,
      status: 'disabled',
      disabledReason: reason,
      updatedAt: new Date(deps.clock.now()).toISOString(),
      version: latest.version + 1,
    };
    try {
      await deps.subscriptions.replace(latest, next, { unique: deps.uniqueTenantEvent });
      return;
    } catch (error) {
      if (!(error instanceof ConcurrentUpdateError)) throw error;
    }
  }
}

const hostOf = (url: string): string => URL.parse(url)?.host ?? 'invalid url';
