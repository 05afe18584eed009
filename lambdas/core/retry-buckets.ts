/**
 * Retries due in more than 15 minutes wait in buckets, not in one schedule each: one bucket per
 * (due minute, shard), one one-shot schedule per bucket. The schedule fires `SCHEDULE_LEAD_MS`
 * before the bucket's minute and puts a `sweep` task on the queue; the sweep sends each of the
 * bucket's tasks with its remaining SQS delay (at most lead + one minute), and the worker waits
 * out the last second as for any early task. However many retries an outage makes, the
 * scheduler sees at most `RETRY_SHARDS` schedules per due minute.
 */
import type { DeliveryTask, SweepTask } from './model.js';

/** Schedules (and sweeps) run this long before the bucket's first due time. */
export const SCHEDULE_LEAD_MS = 120_000;
/** Width of a bucket: one minute of due times. */
export const BUCKET_MS = 60_000;
/**
 * Buckets per due minute. Writes into one bucket share one partition (≤ 1,000 WRU/s); 32 keeps
 * a 75,000 retries/s outage (50,000/s, 30 % down) below that with fixed ladders, where a
 * second's retries land in one minute per ladder step.
 */
export const RETRY_SHARDS = 32;

export interface RetryBucket {
  /** `{yyyy-mm-ddThh:mm:ss.sssZ}#{shard}`: the bucket's first due time and its shard. */
  id: string;
  /** Epoch ms of the bucket's first due time. */
  start: number;
  shard: number;
  /** Epoch ms its sweep should run. */
  sweepAt: number;
}

/** Stable across retries of one delivery: FNV-1a of the id. */
function shardOf(deliveryId: string, shards: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < deliveryId.length; i++) h = Math.imul(h ^ deliveryId.charCodeAt(i), 0x01000193);
  return (h >>> 0) % shards;
}

/** The bucket of a retry due at `dueAt`. `timeScale` (local mode) shrinks the minute and the lead like every delay. */
export function bucketFor(task: Pick<DeliveryTask, 'deliveryId'>, dueAt: number, timeScale = 1, shards = RETRY_SHARDS): RetryBucket {
  const width = BUCKET_MS / timeScale;
  const start = Math.floor(dueAt / width) * width;
  const shard = shardOf(task.deliveryId, shards);
  return { id: `${new Date(start).toISOString()}#${shard}`, start, shard, sweepAt: start - SCHEDULE_LEAD_MS / timeScale };
}

export function sweepTaskFor(bucket: RetryBucket): SweepTask {
  return { v: 1, kind: 'sweep', bucket: bucket.id, sweepAt: bucket.sweepAt };
}

/** A schedule name per bucket (≤ 64 of [0-9A-Za-z-_.]): `retries-20261206T1405-7`. */
export function bucketScheduleName(bucket: Pick<RetryBucket, 'start' | 'shard'>): string {
  const iso = new Date(bucket.start).toISOString();
  return `retries-${iso.slice(0, 19).replace(/[-:]/g, '')}${iso.slice(20, 23)}-${bucket.shard}`;
}
