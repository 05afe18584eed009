/**
 * The sweep of one retry bucket (core/retry-buckets.ts): every waiting retry goes on the queue
 * with its remaining delay. A sweep that arrives early (a refused schedule's queue fallback hops
 * up to 15 minutes at a time) goes back on the queue before anything is read.
 */
import type { SweepTask } from '../model.js';
import type { Clock, RetryBucketStore, TaskQueue } from '../ports.js';
import { queueDelaySeconds } from '../retry-route.js';

/** A sweep this close to its time runs; its tasks' own delays (and the worker's wait) make them exact. */
const SWEEP_EARLY_OK_MS = 1000;

export interface SweepDeps {
  retryBuckets: RetryBucketStore;
  queue: TaskQueue;
  clock: Clock;
}

/** Returns how many retries it sent (0 for an early sweep put back). */
export async function sweepRetryBucket(deps: SweepDeps, task: SweepTask): Promise<number> {
  const early = task.sweepAt - deps.clock.now();
  if (early > SWEEP_EARLY_OK_MS) {
    await deps.queue.sendMany([{ task, delaySeconds: queueDelaySeconds(early) }]);
    return 0;
  }
  // A sweep delivered again (SQS is at-least-once; a refused schedule's takeover) sends nothing twice.
  if (await deps.retryBuckets.isSwept(task.bucket)) return 0;
  let sent = 0;
  for await (const page of deps.retryBuckets.pages(task.bucket)) {
    const now = deps.clock.now();
    await deps.queue.sendMany(page.map((t) => ({ task: t, delaySeconds: queueDelaySeconds(t.dueAt - now) })));
    sent += page.length;
  }
  await deps.retryBuckets.markSwept(task.bucket);
  return sent;
}
