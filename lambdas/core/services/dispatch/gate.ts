/**
 * Step 2b, gate: after the batch's reads, each due task is skipped (stale or duplicate), put back
 * (its previous attempt is not recorded yet), settled without an attempt (paused / dropped), or run.
 */
import { DELETED_BY_POLICY, type Delivery, type DeliveryTask, type Subscription } from '../../model.js';
import { sleep, type BatchContext, type DispatchDeps } from './types.js';

export type Gate =
  | { kind: 'skip'; task: DeliveryTask; reason: string }
  | { kind: 'requeue'; task: DeliveryTask; reason: string }
  | { kind: 'settle'; task: DeliveryTask; delivery: Delivery; status: 'paused' | 'dropped'; reason: string }
  | { kind: 'run'; task: DeliveryTask; delivery: Delivery; subscription: Subscription };

/** A retry due sooner than this (below SQS's one-second delay step) is made in the same invocation. */
export const INLINE_RETRY_MS = 1000;
/**
 * An in-line retry not recorded this long after its due time was lost with its invocation (the
 * longest attempt timeout, 30 s, plus a margin); the redelivered task that failed makes it.
 */
const INLINE_LOST_AFTER_MS = 35_000;
/** Pauses between reads while a retry waits for its previous attempt's record. */
const RECORD_WAITS_MS = [2, 5, 10, 20, 40, 80, 160, 320];

export async function gateTask(deps: DispatchDeps, context: BatchContext, received: DeliveryTask): Promise<Gate> {
  let current = context.deliveries.get(received.deliveryId) ?? deliveryFromTask(received);
  const task = lostInlineRetry(current, received, deps.clock.now()) ?? received;
  // A retry that overtook the record of the attempt before it (scheduled just before that write):
  // running now would let the two writes overwrite each other's attempts and status.
  if (overtook(current, task)) {
    const caughtUp = await awaitPreviousRecord(deps, task);
    if (caughtUp === undefined) return { kind: 'requeue', task, reason: 'previous attempt not recorded yet: requeued' };
    current = caughtUp;
  }
  const claim = `${task.deliveryId}#${task.generation}#${task.attempt}`;
  const staleReason = context.claimed.has(claim) ? 'duplicate in the same batch' : staleness(current, task);
  context.claimed.add(claim);
  if (staleReason !== undefined) return { kind: 'skip', task, reason: staleReason };
  // A retry or replay sent before its record was written: this attempt opens that generation, and
  // the record's late write (an older state of it) cannot overwrite what the attempt stores.
  if (task.generation > current.generation) current = { ...current, generation: task.generation, status: 'pending', ...replayJobOf(task) };

  const subscription = context.subscriptions.get(task.subscriptionId);
  if (subscription === undefined) return { kind: 'settle', task, delivery: current, status: 'dropped', reason: 'subscription was deleted' };
  // Deleted by its failure policy: ended with the recorded reason, replayable once it is restored.
  if (subscription.status === 'deleted') {
    return { kind: 'settle', task, delivery: current, status: 'dropped', reason: subscription.disabledReason ?? DELETED_BY_POLICY };
  }
  if (subscription.status === 'disabled') {
    return { kind: 'settle', task, delivery: current, status: 'paused', reason: subscription.disabledReason ?? 'subscription is disabled' };
  }
  return { kind: 'run', task, delivery: current, subscription };
}

/** The retry `task` was to make in-line, when its invocation ended before recording it. */
function lostInlineRetry(delivery: Delivery, task: DeliveryTask, now: number): DeliveryTask | undefined {
  // The newest attempt: `attempts` is trimmed from the front, so compare numbers, never its length.
  const last = delivery.attempts.at(-1);
  if (task.generation !== delivery.generation || task.attempt !== delivery.attemptCount || last?.attempt !== task.attempt) return undefined;
  if (delivery.status !== 'pending' || delivery.nextAttemptAt === undefined) return undefined;
  const dueAt = Date.parse(delivery.nextAttemptAt);
  const inline = dueAt - Date.parse(last.endedAt) < INLINE_RETRY_MS;
  return inline && now > dueAt + INLINE_LOST_AFTER_MS ? { ...task, attempt: task.attempt + 1, dueAt, trigger: 'retry' } : undefined;
}

/** Why a task must not run: its delivery moved on (newer generation, attempt done, or finished). */
function staleness(delivery: Delivery, task: DeliveryTask): string | undefined {
  if (task.generation < delivery.generation) return 'superseded by a retry or replay';
  if (task.generation > delivery.generation) return undefined;
  if (task.attempt <= delivery.attemptCount) return 'attempt already made (duplicate receive)';
  if (delivery.status !== 'pending') return `delivery is ${delivery.status}`;
  return undefined;
}

/** Same generation, but the record is not yet at the attempt before this one. */
const overtook = (delivery: Delivery, task: DeliveryTask) =>
  task.generation === delivery.generation && task.attempt > delivery.attemptCount + 1;

/**
 * Waits for the record of the attempt before `task`, which is normally one write away (about
 * 0.6 s in all); a whole SQS round trip instead would make a retry due sooner than that late.
 */
async function awaitPreviousRecord(deps: DispatchDeps, task: DeliveryTask): Promise<Delivery | undefined> {
  for (const pauseMs of RECORD_WAITS_MS) {
    await sleep(pauseMs);
    const latest = await deps.deliveries.get(task.deliveryId);
    if (latest !== undefined && !overtook(latest, task)) return latest;
  }
  return undefined;
}

/**
 * The delivery of a task whose record is not written yet: a first attempt (recorded when it
 * ends), or a retry that overtook its first record (no attempts made: it waits for that record).
 */
function deliveryFromTask(task: DeliveryTask): Delivery {
  const created = new Date(task.messageCreatedAt).toISOString();
  return {
    id: task.deliveryId,
    messageId: task.messageId,
    subscriptionId: task.subscriptionId,
    ...(task.tenant !== undefined && { tenant: task.tenant }),
    eventType: task.eventType,
    status: 'pending',
    attemptCount: 0,
    generation: task.generation,
    createdAt: created,
    updatedAt: created,
    attempts: [],
    ...replayJobOf(task),
  };
}

const replayJobOf = (task: DeliveryTask): Pick<Delivery, 'replayJobId'> => (task.replayJobId !== undefined ? { replayJobId: task.replayJobId } : {});
