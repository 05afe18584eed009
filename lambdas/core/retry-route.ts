/** How a retry reaches the queue at its due time: the one "≤ 15 minutes goes to SQS, else a schedule" rule. */

/** SQS's longest delivery delay. */
export const MAX_QUEUE_DELAY_SECONDS = 900;

export type RetryRoute = { via: 'queue'; delaySeconds: number } | { via: 'schedule' };

/**
 * Within SQS's delay (shrunk by `timeScale` in local mode), straight to the queue; beyond, a
 * schedule that puts it on the queue later.
 */
export function retryRoute(dueAt: number, now: number, timeScale = 1): RetryRoute {
  const delayMs = dueAt - now;
  if (delayMs > (MAX_QUEUE_DELAY_SECONDS * 1000) / timeScale) return { via: 'schedule' };
  return { via: 'queue', delaySeconds: queueDelaySeconds(delayMs) };
}

/** Whole seconds of SQS delay for a task due in `delayMs`: rounded down and capped, so it arrives early (the worker waits out the rest), never late. */
export function queueDelaySeconds(delayMs: number): number {
  return Math.max(0, Math.min(MAX_QUEUE_DELAY_SECONDS, Math.floor(delayMs / 1000)));
}
