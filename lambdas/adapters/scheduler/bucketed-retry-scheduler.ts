/**
 * What the AWS and the local retry scheduler share: retries due within 15 minutes go to the
 * queue with a delay; later ones wait in a due-minute bucket (core/retry-buckets.ts) whose sweep
 * one one-shot schedule arranges. Only the first retry into a bucket (as far as this container
 * knows) tries to claim it, and only the claim's winner creates the schedule:
 * a mass outage creates `RETRY_SHARDS` schedules per due minute, not one per retry. A refused
 * create sends ONE sweep task for the bucket on the queue instead, which hops (≤ 15 minutes at a
 * time, reading nothing) to the bucket's time: never a chain per retry.
 */
import type { DeliveryTask } from '../../core/model.js';
import type { OneShotSchedules, RetryBucketStore, RetryScheduler, TaskQueue } from '../../core/ports.js';
import { bucketFor, bucketScheduleName, RETRY_SHARDS, sweepTaskFor, type RetryBucket } from '../../core/retry-buckets.js';
import { queueDelaySeconds, retryRoute } from '../../core/retry-route.js';

export interface BucketedRetrySchedulerOptions {
  queue: TaskQueue;
  buckets: RetryBucketStore;
  schedules: OneShotSchedules;
  /** Local mode: minutes and leads shrink like every delay. @default 1 */
  timeScale?: number;
  /** Buckets per due minute. @default RETRY_SHARDS */
  shards?: number;
  now?: () => number;
  /** Called when a bucket's schedule could not be created and its sweep went on the queue instead. */
  onFallback?: (error: unknown, task: DeliveryTask) => void;
}

/**
 * A claim not followed by an arrangement this long is its holder's crash: the task that made it
 * comes back after the queue's visibility timeout (6 × the worker's timeout) and claims again.
 */
const CLAIM_STALE_MS = 30_000;
/** Buckets this container arranged or saw claimed; cleared when it grows past this (a re-claim is cheap). */
const KNOWN_BUCKETS_MAX = 10_000;

export class BucketedRetryScheduler implements RetryScheduler {
  protected readonly now: () => number;
  protected readonly scale: number;
  private readonly shards: number;
  private readonly arranged = new Set<string>();

  constructor(private readonly base: BucketedRetrySchedulerOptions) {
    this.now = base.now ?? Date.now;
    this.scale = base.timeScale ?? 1;
    this.shards = base.shards ?? RETRY_SHARDS;
  }

  async schedule(task: DeliveryTask, dueAt: number): Promise<void> {
    const route = retryRoute(dueAt, this.now(), this.scale);
    if (route.via === 'queue') {
      await this.base.queue.sendMany([{ task, delaySeconds: route.delaySeconds }]);
      return;
    }
    const bucket = bucketFor(task, dueAt, this.scale, this.shards);
    // The task is stored before the schedule exists: a sweep can never miss it.
    await this.base.buckets.add(bucket, { ...task, dueAt });
    if (this.arranged.has(bucket.id)) return;
    if (await this.base.buckets.claim(bucket, this.now(), CLAIM_STALE_MS)) await this.arrange(bucket, task);
    if (this.arranged.size >= KNOWN_BUCKETS_MAX) this.arranged.clear();
    this.arranged.add(bucket.id);
  }

  async cancel(task: DeliveryTask): Promise<void> {
    await this.base.buckets.remove(bucketFor(task, task.dueAt, this.scale, this.shards), task);
  }

  private async arrange(bucket: RetryBucket, task: DeliveryTask): Promise<void> {
    const sweep = sweepTaskFor(bucket);
    try {
      await this.base.schedules.create(bucketScheduleName(bucket), bucket.sweepAt, sweep);
    } catch (error) {
      this.base.onFallback?.(error, task);
      await this.base.queue.sendMany([{ task: sweep, delaySeconds: queueDelaySeconds(bucket.sweepAt - this.now()) }]);
      await this.base.buckets.markArranged(bucket, 'queue');
      return;
    }
    await this.base.buckets.markArranged(bucket, 'schedule');
  }
}
