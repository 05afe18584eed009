/**
 * The worker's batch: one place decides, per task, to skip (stale or duplicate), top up (early),
 * record a paused/dropped outcome, or attempt — and after an attempt whether to retry, finish,
 * or apply the failure policy. Permanent outcomes are recorded and acknowledged; an unexpected
 * error fails only that record so SQS redelivers it (or dead-letters it after maxReceiveCount).
 */
import { attemptLogLine, type AttemptLog } from '../attempt-log.js';
import { forEachLimited } from '../concurrency.js';
import { failureDecision } from '../failure-policy.js';
import { nextAttempt } from '../retry-policy.js';
import { queueDelaySeconds } from '../retry-route.js';
import { isDeliveryTask, parseQueueTask, InvalidTaskError } from '../tasks.js';
import type { Attempt, Delivery, DeliveryTask, Message, MessageId, QueueTask, Subscription, SubscriptionId } from '../model.js';
import type {
  AlertPublisher,
  DeliveryStore,
  MessageStore,
  PayloadStore,
  RetryScheduler,
  SubscriptionStore,
  TaskQueue,
} from '../ports.js';
import { ConcurrentUpdateError } from '../errors.js';
import { performAttempt, type AttemptDeps } from './attempt.js';
import { fanOut, storedRoutes, type IntakeLimits } from './intake.js';
import { runReplayPage, type ReplayDeps } from './replay.js';

export type DispatchEvent =
  | { type: 'attempt'; delivery: Delivery; attempt: Attempt; latencyMs?: number }
  | { type: 'retry-scheduled'; task: DeliveryTask; delayMs: number }
  | { type: 'skipped'; task: DeliveryTask; reason: string }
  | { type: 'subscription'; action: 'warn' | 'disable' | 'delete'; subscriptionId: SubscriptionId; failures: number }
  | { type: 'invalid-task'; recordId: string; reason: string };

export interface DispatchDeps extends AttemptDeps, ReplayDeps {
  subscriptions: SubscriptionStore;
  messages: MessageStore;
  deliveries: DeliveryStore;
  payloads: PayloadStore;
  queue: TaskQueue;
  retryScheduler: RetryScheduler;
  alerts: AlertPublisher;
  attemptLog: AttemptLog;
  limits: IntakeLimits;
  /** Local mode only: every retry delay is divided by this. @default 1 */
  timeScale: number;
  /** Tasks attempted at once within one batch. @default 10 */
  concurrency: number;
  /** Whether the uniqueness rule is on (a disable rewrites the subscription's claims). */
  uniqueTenantEvent: boolean;
  observe?: (event: DispatchEvent) => void;
}

export interface QueueRecord {
  id: string;
  body: string;
}

/** A task arriving earlier than this before its due time is put back on the queue. */
const TOP_UP_THRESHOLD_MS = 1000;
/** A retry due sooner than this (below SQS's one-second delay step) is made in the same invocation. */
const INLINE_RETRY_MS = 1000;
/** In-line retries stop once a batch has run this long (the worker's timeout is 60 s by default). */
const INLINE_BUDGET_MS = 15_000;
/**
 * An in-line retry not recorded this long after its due time was lost with its invocation (the
 * longest attempt timeout, 30 s, plus a margin); the redelivered task that failed makes it.
 */
const INLINE_LOST_AFTER_MS = 35_000;
/** Pauses between reads while a retry waits for its previous attempt's record. */
const RECORD_WAITS_MS = [2, 5, 10, 20, 40, 80, 160, 320];

/** Processes one SQS batch; returns the ids of records to redeliver. */
export async function processBatch(deps: DispatchDeps, records: readonly QueueRecord[]): Promise<string[]> {
  const failed: string[] = [];
  const deliveryTasks: { recordId: string; task: DeliveryTask }[] = [];
  const controlTasks: { recordId: string; task: QueueTask }[] = [];
  for (const record of records) {
    try {
      const task = parseQueueTask(record.body);
      (isDeliveryTask(task) ? deliveryTasks : controlTasks).push({ recordId: record.id, task } as never);
    } catch (error) {
      // A body that can never parse would only poison the queue: record and acknowledge it.
      if (!(error instanceof InvalidTaskError)) throw error;
      deps.observe?.({ type: 'invalid-task', recordId: record.id, reason: error.message });
    }
  }

  for (const { recordId, task } of controlTasks) {
    try {
      await runControlTask(deps, task);
    } catch {
      failed.push(recordId);
    }
  }
  if (deliveryTasks.length > 0) failed.push(...(await processDeliveryTasks(deps, deliveryTasks)));
  return failed;
}

async function runControlTask(deps: DispatchDeps, task: QueueTask): Promise<void> {
  if ('kind' in task && task.kind === 'fanout') {
    const message = await deps.messages.get(task.messageId);
    if (message === undefined) return; // expired: nothing left to fan out
    await fanOut(deps, message, storedRoutes(message), task.offset, { onlyMissing: task.onlyMissing === true });
  } else if ('kind' in task && task.kind === 'replay') {
    await runReplayPage(deps, task.jobId);
  }
}

interface BatchContext {
  deliveries: Map<string, Delivery>;
  subscriptions: Map<SubscriptionId, Subscription>;
  messages: Map<MessageId, Message>;
  payloads: Map<MessageId, Promise<unknown>>;
  failuresReset: Set<SubscriptionId>;
  /** `deliveryId#generation#attempt` already taken in this batch (a duplicate receive inside one batch). */
  claimed: Set<string>;
  /** When the batch arrived: bounds the time spent on in-line retries. */
  startedAt: number;
}

async function processDeliveryTasks(
  deps: DispatchDeps,
  items: readonly { recordId: string; task: DeliveryTask }[],
): Promise<string[]> {
  const tasks = items.map((i) => i.task);
  const [deliveries, subscriptions, messages] = await Promise.all([
    deps.deliveries.getMany(unique(tasks.map((t) => t.deliveryId))),
    deps.subscriptions.getMany(unique(tasks.map((t) => t.subscriptionId))),
    deps.messages.getMany(unique(tasks.filter((t) => t.payload === undefined).map((t) => t.messageId))),
  ]);
  const context: BatchContext = {
    deliveries,
    subscriptions,
    messages,
    payloads: new Map(),
    failuresReset: new Set(),
    claimed: new Set(),
    startedAt: deps.clock.now(),
  };

  const failed: string[] = [];
  await forEachLimited(items, deps.concurrency, async ({ recordId, task }) => {
    try {
      await processTask(deps, context, task);
    } catch {
      // Redelivered by SQS: an attempt whose record did not land is made again (at least once).
      failed.push(recordId);
    }
  });
  return failed;
}

/**
 * Runs one task to its stored outcome. Each task writes its own record as soon as its attempt
 * ends (no wait for the rest of the batch), so a retry due moments later rarely finds the record
 * of the attempt before it missing.
 */
async function processTask(deps: DispatchDeps, context: BatchContext, received: DeliveryTask): Promise<void> {
  let current = context.deliveries.get(received.deliveryId) ?? deliveryFromTask(received);
  const task = lostInlineRetry(current, received, deps.clock.now()) ?? received;
  // A retry that overtook the record of the attempt before it (scheduled just before that write):
  // running now would let the two writes overwrite each other's attempts and status.
  if (overtook(current, task)) {
    const caughtUp = await awaitPreviousRecord(deps, task);
    if (caughtUp === undefined) {
      await deps.queue.sendMany([{ task, delaySeconds: 1 }]);
      deps.observe?.({ type: 'skipped', task, reason: 'previous attempt not recorded yet: requeued' });
      return;
    }
    current = caughtUp;
  }
  const claim = `${task.deliveryId}#${task.generation}#${task.attempt}`;
  const staleReason = context.claimed.has(claim) ? 'duplicate in the same batch' : staleness(current, task);
  context.claimed.add(claim);
  if (staleReason !== undefined) {
    deps.observe?.({ type: 'skipped', task, reason: staleReason });
    return;
  }
  // A retry or replay sent before its record was written: this attempt opens that generation, and
  // the record's late write (an older state of it) cannot overwrite what the attempt stores.
  if (task.generation > current.generation) current = { ...current, generation: task.generation, status: 'pending', ...replayJobOf(task) };

  const now = deps.clock.now();
  const subscription = context.subscriptions.get(task.subscriptionId);
  if (subscription === undefined) return settle(deps, current, task, 'dropped', 'subscription was deleted', now);
  if (subscription.status === 'disabled') {
    return settle(deps, current, task, 'paused', subscription.disabledReason ?? 'subscription is disabled', now);
  }

  const early = task.dueAt - now;
  if (early > TOP_UP_THRESHOLD_MS) {
    await deps.queue.sendMany([{ task, delaySeconds: queueDelaySeconds(early) }]);
    deps.observe?.({ type: 'skipped', task, reason: 'early: topped up' });
    return;
  }
  await waitUntil(deps, task.dueAt);

  const payload = await payloadOf(deps, context, task);
  if (payload === MISSING) return settle(deps, current, task, 'dropped', 'message has expired', deps.clock.now());

  const { attempt, retryAfter } = await performAttempt(
    deps,
    subscription,
    { id: task.messageId, type: task.eventType, eventTime: task.eventTime, payload },
    task.attempt,
    task.trigger,
  );
  const next: Delivery = {
    ...current,
    attemptCount: task.attempt,
    lastOutcome: attempt.outcome,
    updatedAt: attempt.endedAt,
    attempts: [...current.attempts, attempt],
  };
  delete next.nextAttemptAt;
  delete next.reason;

  let inlineRetry: DeliveryTask | undefined;
  if (attempt.outcome === 'success') {
    next.status = 'succeeded';
  } else {
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
    } else {
      const delayMs = (decision.delaySeconds * 1000) / deps.timeScale;
      const dueAt = Date.parse(attempt.endedAt) + delayMs;
      const retry: DeliveryTask = { ...task, attempt: task.attempt + 1, dueAt, trigger: 'retry' };
      if (delayMs < INLINE_RETRY_MS && dueAt + subscription.timeoutMs - context.startedAt <= INLINE_BUDGET_MS) inlineRetry = retry;
      else await deps.retryScheduler.schedule(retry, dueAt);
      next.status = 'pending';
      next.nextAttemptAt = new Date(dueAt).toISOString();
      attempt.nextAttemptAt = next.nextAttemptAt;
      deps.observe?.({ type: 'retry-scheduled', task: retry, delayMs });
    }
  }
  // At once, and side by side: the retry scheduled above may be due within milliseconds.
  await Promise.all([
    deps.deliveries.putMany([next]),
    attempt.outcome === 'success' ? resetFailureStreak(deps, context, subscription) : applyFailurePolicy(deps, context, subscription),
  ]);

  deps.attemptLog.write(attemptLogLine(next, attempt));
  deps.observe?.({
    type: 'attempt',
    delivery: next,
    attempt,
    ...(attempt.outcome === 'success' && { latencyMs: Date.parse(attempt.endedAt) - task.messageCreatedAt }),
  });
  if (inlineRetry !== undefined) await retryInline(deps, context, next, inlineRetry);
}

/**
 * Makes a retry due within a second here, waiting out the interval like an early task: a trip
 * through the queue (send, receive, reads) would take about as long as such an interval.
 */
async function retryInline(deps: DispatchDeps, context: BatchContext, delivery: Delivery, retry: DeliveryTask): Promise<void> {
  try {
    // The batch's view of the subscription already carries what the failure policy just did.
    context.deliveries.set(delivery.id, delivery);
    await processTask(deps, context, retry);
  } catch {
    // Through the queue instead; if even that fails, the task that failed is redelivered (it is
    // not acknowledged) and makes the retry (`lostInlineRetry`), as after a crash.
    await deps.retryScheduler.schedule(retry, retry.dueAt);
  }
}

/** The retry `task` was to make in-line, when its invocation ended before recording it. */
function lostInlineRetry(delivery: Delivery, task: DeliveryTask, now: number): DeliveryTask | undefined {
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

async function settle(deps: DispatchDeps, delivery: Delivery, task: DeliveryTask, status: 'paused' | 'dropped', reason: string, now: number): Promise<void> {
  const next: Delivery = { ...delivery, status, reason, updatedAt: new Date(now).toISOString() };
  delete next.nextAttemptAt;
  await deps.deliveries.putMany([next]);
  deps.observe?.({ type: 'skipped', task, reason });
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

/** A delivery whose item was never written (should not happen; kept so no task is ever lost). */
function deliveryFromTask(task: DeliveryTask): Delivery {
  const created = new Date(task.messageCreatedAt).toISOString();
  return {
    id: task.deliveryId,
    messageId: task.messageId,
    subscriptionId: task.subscriptionId,
    ...(task.tenant !== undefined && { tenant: task.tenant }),
    eventType: task.eventType,
    status: 'pending',
    attemptCount: task.attempt - 1,
    generation: task.generation,
    createdAt: created,
    updatedAt: created,
    attempts: [],
    ...replayJobOf(task),
  };
}

const replayJobOf = (task: DeliveryTask): Pick<Delivery, 'replayJobId'> => (task.replayJobId !== undefined ? { replayJobId: task.replayJobId } : {});

const MISSING = Symbol('missing');

async function payloadOf(deps: DispatchDeps, context: BatchContext, task: DeliveryTask): Promise<unknown> {
  if (task.payload !== undefined) return task.payload;
  let pending = context.payloads.get(task.messageId);
  if (pending === undefined) {
    pending = (async () => {
      const message = context.messages.get(task.messageId) ?? (await deps.messages.get(task.messageId));
      if (message === undefined) return MISSING;
      if (message.payloadRef !== undefined) return JSON.parse(await deps.payloads.get(message.payloadRef)) as unknown;
      return message.payload;
    })();
    context.payloads.set(task.messageId, pending);
  }
  return pending;
}

async function resetFailureStreak(deps: DispatchDeps, context: BatchContext, subscription: Subscription): Promise<void> {
  if (subscription.consecutiveFailures === 0 || context.failuresReset.has(subscription.id)) return;
  context.failuresReset.add(subscription.id);
  await deps.subscriptions.resetFailures(subscription.id);
}

async function applyFailurePolicy(deps: DispatchDeps, context: BatchContext, subscription: Subscription): Promise<void> {
  context.failuresReset.delete(subscription.id);
  const failures = await deps.subscriptions.recordFailure(subscription.id);
  const policy = subscription.failurePolicy;
  const decision = failureDecision(policy, failures);
  if (decision === 'none') return;
  deps.observe?.({ type: 'subscription', action: decision, subscriptionId: subscription.id, failures });
  if (decision === 'warn') {
    const remaining = (policy.afterConsecutiveFailures ?? failures) - failures;
    await deps.alerts.publish({
      kind: 'subscription-failing',
      subscriptionId: subscription.id,
      subject: `Hookline: endpoint failing (${subscription.id})`,
      message:
        `Subscription ${subscription.id} (${hostOf(subscription.url)}) has failed ${failures} consecutive attempts. ` +
        `It will be ${policy.action === 'delete' ? 'deleted' : 'disabled'} after ${remaining} more consecutive failures.`,
    });
    return;
  }
  const reason = `${failures} consecutive failed attempts`;
  if (decision === 'delete') {
    const latest = (await deps.subscriptions.get(subscription.id)) ?? subscription;
    await deps.subscriptions.delete(latest);
  } else {
    await disable(deps, subscription.id, reason);
  }
  if (decision === 'delete') context.subscriptions.delete(subscription.id);
  else context.subscriptions.set(subscription.id, { ...subscription, status: 'disabled', disabledReason: reason });
  await deps.alerts.publish({
    kind: decision === 'delete' ? 'subscription-deleted' : 'subscription-disabled',
    subscriptionId: subscription.id,
    subject: `Hookline: endpoint ${decision === 'delete' ? 'deleted' : 'disabled'} (${subscription.id})`,
    message:
      `Subscription ${subscription.id} (${hostOf(subscription.url)}) was ${decision === 'delete' ? 'deleted' : 'disabled'} ` +
      `after ${reason}. Its undelivered events stay visible and can be replayed.`,
  });
}

async function disable(deps: DispatchDeps, id: SubscriptionId, reason: string): Promise<void> {
  for (let tries = 0; tries < 3; tries++) {
    const latest = await deps.subscriptions.get(id);
    if (latest === undefined || latest.status === 'disabled') return;
    const next: Subscription = {
      ...latest,
      status: 'disabled',
      disabledReason: reason,
      updatedAt: new Date(deps.clock.now()).toISOString(),
      version: latest.version + 1,
    };
    try {
      await deps.subscriptions.replace(latest, next, { unique: deps.uniqueTenantEvent });
      return;
    } catch (error) {
      if (!(error instanceof ConcurrentUpdateError)) throw error;
    }
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'invalid url';
  }
}

function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}

/** Timers can fire a millisecond early: a retry never starts before its due time. */
async function waitUntil(deps: DispatchDeps, at: number): Promise<void> {
  for (let tries = 0; tries < 3; tries++) {
    const left = at - deps.clock.now();
    if (left <= 0) return;
    await sleep(Math.ceil(left));
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
