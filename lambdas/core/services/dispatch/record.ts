/**
 * Step 4, record the outcome: schedule the retry (unless it is made in-line), store the delivery
 * and update the subscription's health side by side, then log the attempt.
 */
import { attemptLogLine } from '../../attempt-log.js';
import type { Delivery, DeliveryTask } from '../../model.js';
import type { AttemptOutcome } from './attempt-step.js';
import { recordFailure, recordSuccess } from './health.js';
import { updateBreaker } from './isolation.js';
import type { BatchContext, DispatchDeps } from './types.js';

export async function recordOutcome(deps: DispatchDeps, context: BatchContext, outcome: AttemptOutcome, probe = false): Promise<void> {
  const { task, subscription, attempt, next, retry } = outcome;
  if (retry !== undefined) {
    if (!retry.inline) await deps.retryScheduler.schedule(retry.task, retry.task.dueAt);
    deps.observe?.({ type: 'retry-scheduled', task: retry.task, delayMs: retry.delayMs });
  }
  // At once, and side by side: the retry scheduled above may be due within milliseconds.
  await Promise.all([
    keepsNoRecord(deps, context, next) ? Promise.resolve() : deps.deliveries.putMany([next]),
    attempt.outcome === 'success' ? recordSuccess(deps, context, subscription) : recordFailure(deps, context, subscription, attempt),
    updateBreaker(deps, context, subscription, attempt.outcome, probe),
  ]);
  deps.attemptLog.write(attemptLogLine(next, attempt, task.messageCreatedAt));
  deps.observe?.({ type: 'attempt', delivery: next, attempt });
}

/**
 * With `successRecords: log-only`, a delivery that succeeds on its first attempt and has no record
 * (none read by this batch, none written by an earlier attempt) stays only in the attempt log.
 * One with a record (it failed before, or was replayed) has it brought up to date.
 */
function keepsNoRecord(deps: DispatchDeps, context: BatchContext, next: Delivery): boolean {
  return deps.successRecords === 'log-only' && next.status === 'succeeded' && next.attemptCount === 1 && !context.deliveries.has(next.id);
}

/** Ends a delivery without an attempt (its subscription is disabled or deleted, its message expired). */
export async function settle(
  deps: DispatchDeps,
  delivery: Delivery,
  task: DeliveryTask,
  status: 'paused' | 'dropped',
  reason: string,
): Promise<void> {
  const next: Delivery = { ...delivery, status, reason, updatedAt: new Date(deps.clock.now()).toISOString() };
  delete next.nextAttemptAt;
  await deps.deliveries.putMany([next]);
  deps.observe?.({ type: 'skipped', task, reason });
}
