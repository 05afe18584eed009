/**
 * Control tasks (fan-out pages, replay pages, retry-bucket sweeps), bounded per invocation: each
 * is a page of reads and writes that can take seconds, so a batch of them must not run the
 * worker past its timeout (the batch would be redelivered whole, and its delivery tasks with it).
 * At most `CONTROL_TASKS_PER_INVOCATION` run, each only while `CONTROL_TASK_MIN_REMAINING_MS` of
 * the invocation is left; the rest go back on the queue as they are (acknowledged here, so a
 * deferral never counts toward the dead-letter receive limit) for the next invocation.
 */
import type { QueueTask } from '../../model.js';
import { continueFanOut } from '../intake.js';
import { runReplayPage } from '../replay.js';
import { sweepRetryBucket } from '../retry-sweep.js';
import { redeliverAfter } from './error-class.js';
import type { DispatchDeps } from './types.js';

/** Control tasks one invocation runs at most; a batch may hold ten. */
export const CONTROL_TASKS_PER_INVOCATION = 3;
/**
 * A control task starts only with this much of the invocation left: a page (100 replayed
 * deliveries, a fan-out page of sends) with the SDK's retries under throttling.
 */
export const CONTROL_TASK_MIN_REMAINING_MS = 20_000;

/** How much of the invocation is left (Lambda's `context.getRemainingTimeInMillis`); absent: only the count bounds. */
export interface InvocationBudget {
  remainingMs?: () => number;
}

export interface ControlItem {
  recordId: string;
  task: QueueTask;
}

/** Runs the control tasks the budget allows, defers the rest; returns the ids of records to redeliver. */
export async function runControlTasks(deps: DispatchDeps, items: readonly ControlItem[], budget: InvocationBudget): Promise<string[]> {
  const failed: string[] = [];
  const deferred: ControlItem[] = [];
  let ran = 0;
  for (const item of items) {
    if (ran >= CONTROL_TASKS_PER_INVOCATION || (budget.remainingMs?.() ?? Infinity) < CONTROL_TASK_MIN_REMAINING_MS) {
      deferred.push(item);
      continue;
    }
    ran++;
    try {
      await runControlTask(deps, item.task);
    } catch (error) {
      if (redeliverAfter(deps, error, { recordId: item.recordId })) failed.push(item.recordId);
    }
  }
  if (deferred.length > 0) failed.push(...(await defer(deps, deferred)));
  return failed;
}

/** Puts the tasks back on the queue, due now; if that fails, SQS redelivers their records instead. */
async function defer(deps: DispatchDeps, items: readonly ControlItem[]): Promise<string[]> {
  try {
    await deps.queue.sendMany(items.map((i) => ({ task: i.task, delaySeconds: 0 })));
  } catch (error) {
    return items.filter((i) => redeliverAfter(deps, error, { recordId: i.recordId })).map((i) => i.recordId);
  }
  for (const item of items) deps.observe?.({ type: 'control-deferred', recordId: item.recordId, kind: kindOf(item.task) });
  return [];
}

const kindOf = (task: QueueTask): string => ('kind' in task && task.kind !== undefined ? task.kind : 'delivery');

async function runControlTask(deps: DispatchDeps, task: QueueTask): Promise<void> {
  if ('kind' in task && task.kind === 'fanout') {
    const message = await deps.messages.get(task.messageId);
    if (message === undefined) return; // expired: nothing left to fan out
    await continueFanOut(deps, message, task);
  } else if ('kind' in task && task.kind === 'replay') {
    await runReplayPage(deps, task.jobId);
  } else if ('kind' in task && task.kind === 'sweep') {
    if (deps.retryBuckets === undefined) throw new Error('a sweep task needs the retry bucket store');
    await sweepRetryBucket({ retryBuckets: deps.retryBuckets, queue: deps.queue, clock: deps.clock }, task);
  }
}
