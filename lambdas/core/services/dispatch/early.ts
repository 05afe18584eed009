/**
 * Step 2a, before any read: a task that arrived early (EventBridge Scheduler fires early; a long
 * wait is a chain of 900 s SQS hops) goes back on the queue with the remaining delay, so an early
 * hop costs one SendMessage and no DynamoDB read (shared/SCALE.md).
 */
import type { DeliveryTask } from '../../model.js';
import { queueDelaySeconds } from '../../retry-route.js';
import type { DispatchDeps } from './types.js';

/** A task arriving earlier than this before its due time is put back on the queue. */
const TOP_UP_THRESHOLD_MS = 1000;

export interface EarlySplit<T extends { task: DeliveryTask }> {
  due: T[];
  early: T[];
}

export function splitEarly<T extends { task: DeliveryTask }>(items: readonly T[], now: number): EarlySplit<T> {
  const split: EarlySplit<T> = { due: [], early: [] };
  for (const item of items) (item.task.dueAt - now > TOP_UP_THRESHOLD_MS ? split.early : split.due).push(item);
  return split;
}

/** Puts early tasks back with their remaining delay. */
export async function topUp(deps: DispatchDeps, tasks: readonly DeliveryTask[], now: number): Promise<void> {
  if (tasks.length === 0) return;
  await deps.queue.sendMany(
    tasks.map((task) => ({ task, delaySeconds: queueDelaySeconds(task.dueAt - now) })),
  );
  for (const task of tasks) deps.observe?.({ type: 'skipped', task, reason: 'early: topped up' });
}
