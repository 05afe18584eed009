/**
 * The one place that classifies a worker error (the ack / retry decision, as in Outpost):
 * permanent — the record can never succeed: record the reason and acknowledge;
 * retryable — a dependency hiccup or lost race: redeliver;
 * unknown — anything else: log it with its context and redeliver (the DLQ takes it after the
 * receive limit).
 */
import { ConcurrentUpdateError, TransientDependencyError } from '../../errors.js';
import { InvalidTaskError } from '../../tasks.js';
import type { DeliveryTask } from '../../model.js';
import type { DispatchDeps, ErrorClass } from './types.js';

export function classifyError(error: unknown): ErrorClass {
  if (error instanceof InvalidTaskError) return 'permanent';
  if (error instanceof TransientDependencyError || error instanceof ConcurrentUpdateError) return 'retryable';
  return 'unknown';
}

/**
 * Classifies `error` once and reports it; true when its record is to be redelivered. A permanent
 * error is recorded as an invalid task and acknowledged.
 */
export function redeliverAfter(deps: DispatchDeps, error: unknown, at: { recordId?: string; task?: DeliveryTask }): boolean {
  const errorClass = classifyError(error);
  const asError = error instanceof Error ? error : new Error(String(error));
  if (errorClass === 'permanent') {
    deps.observe?.({ type: 'invalid-task', recordId: at.recordId ?? 'unknown', reason: asError.message });
    return false;
  }
  deps.observe?.({ type: 'task-error', errorClass, error: asError, ...at });
  return true;
}
