/**
 * Step 3, attempt: send the request, then decide the delivery's next state — succeeded, failed
 * (with the policy's reason) or pending with its next attempt (in-line when due within a second).
 */
import { nextAttempt } from '../../retry-policy.js';
import { STORED_ATTEMPTS_MAX, type Attempt, type Delivery, type DeliveryTask, type Subscription } from '../../model.js';
import { performAttempt } from '../attempt.js';
import { INLINE_RETRY_MS } from './gate.js';
import type { BatchContext, DispatchDeps } from './types.js';

/** In-line retries stop once a batch has run this long (the worker's timeout is 60 s by default). */
const INLINE_BUDGET_MS = 15_000;

export interface AttemptOutcome {
  task: DeliveryTask;
  subscription: Subscription;
  attempt: Attempt;
  /** The delivery as it is to be stored. */
  next: Delivery;
  retry?: { task: DeliveryTask; delayMs: number; inline: boolean };
}

export interface RunnableTask {
  task: DeliveryTask;
  delivery: Delivery;
  subscription: Subscription;
}

export async function attemptStep(deps: DispatchDeps, context: BatchContext, run: RunnableTask, payload: unknown): Promise<AttemptOutcome> {
  const { task, delivery, subscription } = run;
  const { attempt, retryAfter } = await performAttempt(
    deps,
    subscription,
    { id: task.messageId, type: task.eventType, eventTime: task.eventTime, payload, ...(task.tenant !== undefined && { tenant: task.tenant }) },
    task.attempt,
    task.trigger,
  );
  const next: Delivery = {
    ...delivery,
    attemptCount: task.attempt,
    lastOutcome: attempt.outcome,
    updatedAt: attempt.endedAt,
    attempts: [...delivery.attempts, attempt].slice(-STORED_ATTEMPTS_MAX),
  };
  delete next.nextAttemptAt;
  delete next.reason;
  if (attempt.outcome === 'success') {
    next.status = 'succeeded';
    return { task, subscription, attempt, next };
  }
  const decision = nextAttempt({
    subscription,
    attemptsMade: task.attempt,
    outcome: attempt.outcome,
    failedAt: Date.parse(attempt.endedAt),
    ...(attempt.statusCode !== undefined && { statusCode: attempt.statusCode }),
    ...(retryAfter !== undefined && { retryAfter }),
  });
  if ('final' in decision) {
    next.status = 'failed';
    next.reason = decision.final;
    return { task, subscription, attempt, next };
  }
  const delayMs = (decision.delaySeconds * 1000) / deps.timeScale;
  const dueAt = Date.parse(attempt.endedAt) + delayMs;
  const retry: DeliveryTask = { ...task, attempt: task.attempt + 1, dueAt, trigger: 'retry' };
  const inline = delayMs < INLINE_RETRY_MS && dueAt + subscription.timeoutMs - context.startedAt <= INLINE_BUDGET_MS;
  next.status = 'pending';
  next.nextAttemptAt = new Date(dueAt).toISOString();
  attempt.nextAttemptAt = next.nextAttemptAt;
  return { task, subscription, attempt, next, retry: { task: retry, delayMs, inline } };
}
