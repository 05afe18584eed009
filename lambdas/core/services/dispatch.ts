/**
 * The worker's batch, in named steps (folder `dispatch/`): parse → control tasks within the
 * invocation's budget, beside the delivery tasks → early tasks back on the queue
 * (before any read) → load the batch's state → per task: gate (skip / requeue / settle / run) →
 * attempt → record the outcome → subscription health. Errors are classified once
 * (`dispatch/error-class.ts`): permanent ones are recorded and acknowledged, the rest redelivered.
 */
import { forEachLimited } from '../concurrency.js';
import type { DeliveryTask } from '../model.js';
import { runControlTasks, type InvocationBudget } from './dispatch/control.js';
import { redeliverAfter } from './dispatch/error-class.js';
import { splitEarly, topUp } from './dispatch/early.js';
import { deferTasks, type Deferral } from './dispatch/isolation.js';
import { parseBatch } from './dispatch/parse.js';
import { runTask } from './dispatch/run-task.js';
import type { BatchContext, DispatchDeps, QueueRecord } from './dispatch/types.js';

export type { DispatchDeps, DispatchEvent, QueueRecord } from './dispatch/types.js';
export type { InvocationBudget } from './dispatch/control.js';

type Item<T> = { recordId: string; task: T };

/**
 * Processes one SQS batch; returns the ids of records to redeliver. Control tasks run beside the
 * delivery tasks (never ahead of them), within `budget` (dispatch/control.ts).
 */
export async function processBatch(deps: DispatchDeps, records: readonly QueueRecord[], budget: InvocationBudget = {}): Promise<string[]> {
  const batch = parseBatch(records);
  const failed = batch.unparsable.filter(({ recordId, error }) => redeliverAfter(deps, error, { recordId })).map((u) => u.recordId);
  const [controls, deliveries] = await Promise.all([
    runControlTasks(deps, batch.controls, budget),
    batch.deliveries.length > 0 ? processDeliveryTasks(deps, batch.deliveries) : [],
  ]);
  return [...failed, ...controls, ...deliveries];
}

async function processDeliveryTasks(deps: DispatchDeps, items: readonly Item<DeliveryTask>[]): Promise<string[]> {
  const failed: string[] = [];
  const now = deps.clock.now();
  const { due, early } = splitEarly(items, now);
  try {
    await topUp(deps, early.map((i) => i.task), now);
  } catch (error) {
    for (const item of early) if (redeliverAfter(deps, error, item)) failed.push(item.recordId);
  }
  const { run, held } = splitKnownOpen(deps, due, now);
  try {
    await deferTasks(deps, held);
  } catch (error) {
    for (const item of held) if (redeliverAfter(deps, error, item)) failed.push(item.recordId);
  }
  if (run.length === 0) return failed;
  const context = await loadBatch(deps, run.map((i) => i.task));
  await forEachLimited(run, deps.concurrency, async (item) => {
    try {
      await runTask(deps, context, item.task);
    } catch (error) {
      // Redelivered by SQS: an attempt whose record did not land is made again (at least once).
      if (redeliverAfter(deps, error, item)) failed.push(item.recordId);
    }
  });
  return failed;
}

/** Tasks toward an endpoint this process saw with its breaker open: deferred before any read. */
function splitKnownOpen(deps: DispatchDeps, items: readonly Item<DeliveryTask>[], now: number) {
  const run: Item<DeliveryTask>[] = [];
  const held: (Item<DeliveryTask> & { deferral: Deferral })[] = [];
  for (const item of items) {
    const until = deps.endpointLoad.knownOpenUntil(item.task.subscriptionId, now);
    if (until === undefined) run.push(item);
    else held.push({ ...item, deferral: { kind: 'defer', until, reason: 'circuit breaker open' } });
  }
  return { run, held };
}

/** The batch's reads, once for all its due tasks. */
async function loadBatch(deps: DispatchDeps, tasks: readonly DeliveryTask[]): Promise<BatchContext> {
  const [deliveries, subscriptions, messages] = await Promise.all([
    deps.deliveries.getMany(unique(tasks.map((t) => t.deliveryId))),
    deps.subscriptions.getMany(unique(tasks.map((t) => t.subscriptionId))),
    deps.messages.getMany(unique(tasks.filter((t) => t.payload === undefined).map((t) => t.messageId))),
  ]);
  return { deliveries, subscriptions, messages, payloads: new Map(), failuresReset: new Set(), breakersClosed: new Set(), claimed: new Set(), startedAt: deps.clock.now() };
}

const unique = <T>(values: readonly T[]): T[] => [...new Set(values)];
