/**
 * Recovery: manual retry of one delivery, and replay of a subscription's window in pages.
 * A replay job processes one page per queue task and enqueues the next, so windows of tens of
 * thousands never hit a Lambda or API Gateway timeout; re-running a page is harmless because
 * every delivery it touched remembers the job.
 */
import * as z from 'zod';
import { forEachLimited } from '../concurrency.js';
import { deliveryIdFor, newReplayJobId } from '../ids.js';
import { matchesEvent } from '../routing.js';
import type { Delivery, DeliveryId, DeliveryTask, Message, ReplayJob, ReplayJobId, Subscription, SubscriptionId } from '../model.js';
import type { Clock, DeliveryStore, JobStore, MessageStore, RetryScheduler, SubscriptionStore, TaskQueue } from '../ports.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import { parseOrThrow } from '../validation.js';
import { nextTaskFor } from '../tasks.js';
import { deletedConflict } from './subscriptions.js';

export interface ReplayDeps {
  jobs: JobStore;
  subscriptions: SubscriptionStore;
  messages: MessageStore;
  deliveries: DeliveryStore;
  queue: TaskQueue;
  retryScheduler: RetryScheduler;
  clock: Clock;
}

const REPLAY_PAGE_SIZE = 100;
const REPLAYABLE_FAILED = new Set(['failed', 'paused', 'dropped']);

export const replayRequestSchema = z
  .object({
    since: z.iso.datetime({ offset: true }),
    until: z.iso.datetime({ offset: true }).optional(),
    onlyFailed: z.boolean().default(false),
  })
  .strict()
  .meta({ id: 'ReplayRequest' });

export async function startReplay(deps: ReplayDeps, subscriptionId: SubscriptionId, body: unknown): Promise<ReplayJob> {
  const request = parseOrThrow(replayRequestSchema, body);
  const now = deps.clock.now();
  const since = new Date(request.since).toISOString();
  const until = new Date(request.until ?? now).toISOString();
  if (since >= until) throw new ValidationError([{ field: 'since', message: 'must be before until' }]);
  const subscription = await deps.subscriptions.get(subscriptionId);
  if (subscription === undefined) throw new NotFoundError(`subscription ${subscriptionId} does not exist`);
  if (subscription.status === 'deleted') throw deletedConflict(subscription);
  const iso = new Date(now).toISOString();
  const job: ReplayJob = {
    id: newReplayJobId(),
    subscriptionId,
    since,
    until,
    onlyFailed: request.onlyFailed,
    status: 'running',
    matched: 0,
    enqueued: 0,
    phase: 'deliveries',
    createdAt: iso,
    updatedAt: iso,
  };
  await deps.jobs.put(job);
  await deps.queue.sendMany([{ task: { v: 1, kind: 'replay', jobId: job.id }, delaySeconds: 0 }]);
  return job;
}

export async function getReplay(deps: Pick<ReplayDeps, 'jobs'>, id: ReplayJobId): Promise<ReplayJob> {
  const job = await deps.jobs.get(id);
  if (job === undefined) throw new NotFoundError(`replay job ${id} does not exist`);
  return job;
}

/** Processes the next page of a replay job and, unless it was the last, enqueues the one after. */
export async function runReplayPage(deps: ReplayDeps, jobId: ReplayJobId): Promise<void> {
  const job = await deps.jobs.get(jobId);
  if (job === undefined || job.status === 'done') return;
  const subscription = await deps.subscriptions.get(job.subscriptionId);
  const now = deps.clock.now();
  let next: ReplayJob;
  // Deleted meanwhile (for good, or by its failure policy): nothing more is sent.
  if (subscription === undefined || subscription.status === 'deleted') next = { ...job, status: 'done' };
  else if (job.phase === 'deliveries') next = await replayDeliveriesPage(deps, job, now);
  else next = await replayUnroutedPage(deps, job, subscription, now);
  next.updatedAt = new Date(now).toISOString();
  await deps.jobs.put(next);
  if (next.status === 'running') {
    await deps.queue.sendMany([{ task: { v: 1, kind: 'replay', jobId }, delaySeconds: 0 }]);
  }
}

async function replayDeliveriesPage(deps: ReplayDeps, job: ReplayJob, now: number): Promise<ReplayJob> {
  const page = await deps.deliveries.list({
    subscriptionId: job.subscriptionId,
    since: job.since,
    until: job.until,
    limit: REPLAY_PAGE_SIZE,
    ascending: true,
    ...(job.cursor !== undefined && { cursor: job.cursor }),
  });
  // Pending deliveries are still in flight; a replay never doubles them.
  const matching = page.items.filter((d) => (job.onlyFailed ? REPLAYABLE_FAILED.has(d.status) : d.status !== 'pending'));
  const fresh = matching.filter((d) => d.replayJobId !== job.id);
  const messages = await deps.messages.getMany([...new Set(fresh.map((d) => d.messageId))]);
  const requeued = fresh.flatMap((d) => {
    const message = messages.get(d.messageId);
    return message === undefined ? [] : [requeue(d, message, now, 'replay', job.id)];
  });
  await sendThenRecord(deps, requeued, (records) => deps.deliveries.openGenerations(records));
  const advanced: ReplayJob = { ...job, matched: job.matched + matching.length, enqueued: job.enqueued + requeued.length };
  if (page.nextCursor !== undefined) return { ...advanced, cursor: page.nextCursor };
  const { cursor: _done, ...rest } = advanced;
  return { ...rest, phase: 'unrouted' };
}

/** Messages that reached nobody at intake but match the subscription now get a first delivery. */
async function replayUnroutedPage(deps: ReplayDeps, job: ReplayJob, subscription: Subscription, now: number): Promise<ReplayJob> {
  const page = await deps.messages.listUnrouted(job.since, job.until, job.cursor);
  const matching = page.items.filter((m) => m.intakeFailed === undefined && matches(subscription, m));
  const existing = await deps.deliveries.getMany(matching.map((m) => deliveryIdFor(m.id, subscription.id)));
  const requeued = matching
    .filter((m) => !existing.has(deliveryIdFor(m.id, subscription.id)))
    .map((m) => requeue(newDelivery(m, subscription.id, now), m, now, 'replay', job.id));
  // The message lists the route first, so its page shows the delivery as soon as it exists.
  await forEachLimited(requeued, 10, (r) => deps.messages.addRoute(r.delivery.messageId, subscription.id));
  await sendThenRecord(deps, requeued, (records) => deps.deliveries.createMany(records));
  const advanced: ReplayJob = { ...job, matched: job.matched + matching.length, enqueued: job.enqueued + requeued.length };
  if (page.nextCursor !== undefined) return { ...advanced, cursor: page.nextCursor };
  const { cursor: _done, ...rest } = advanced;
  return { ...rest, status: 'done' };
}

/** `POST /v1/deliveries/{id}/retry`: a new generation, attempted now; a pending scheduled retry is cancelled. */
export async function retryDelivery(deps: ReplayDeps, id: DeliveryId): Promise<Delivery> {
  const delivery = await deps.deliveries.get(id);
  if (delivery === undefined) throw new NotFoundError(`delivery ${id} does not exist`);
  const subscription = await deps.subscriptions.get(delivery.subscriptionId);
  if (subscription === undefined) {
    throw new ConflictError(`subscription ${delivery.subscriptionId} was deleted; the delivery cannot be retried`);
  }
  if (subscription.status === 'deleted') throw deletedConflict(subscription);
  const message = await deps.messages.get(delivery.messageId);
  if (message === undefined) throw new ConflictError(`message ${delivery.messageId} has expired`);
  const now = deps.clock.now();
  if (delivery.status === 'pending' && delivery.nextAttemptAt !== undefined) {
    await deps.retryScheduler.cancel(nextTaskFor(delivery, message, Date.parse(delivery.nextAttemptAt), 'retry'));
  }
  const requeued = requeue(delivery, message, now, 'manual');
  await sendThenRecord(deps, [requeued], (records) => deps.deliveries.openGenerations(records));
  return requeued.delivery;
}

/**
 * Tasks before records, so a request or page stopped between the two strands nothing (no
 * delivery left pending without a task). A worker that takes a task before its record lands
 * opens the generation itself (storing a replay's job id from the task), and the late record,
 * written only where its generation is not open yet, leaves that alone. A re-run of a replay
 * page skips every delivery carrying its job id and sends again (same delivery, generation and
 * attempt: to the worker, a duplicate receive) only those neither the worker nor the record reached.
 */
async function sendThenRecord(
  deps: Pick<ReplayDeps, 'queue'>,
  requeued: readonly { delivery: Delivery; task: DeliveryTask }[],
  record: (deliveries: Delivery[]) => Promise<void>,
): Promise<void> {
  await deps.queue.sendMany(requeued.map((r) => ({ task: r.task, delaySeconds: 0 })));
  await record(requeued.map((r) => r.delivery));
}

function requeue(
  delivery: Delivery,
  message: Message,
  now: number,
  trigger: 'manual' | 'replay',
  replayJobId?: ReplayJobId,
): { delivery: Delivery; task: DeliveryTask } {
  const iso = new Date(now).toISOString();
  const next: Delivery = {
    ...delivery,
    status: 'pending',
    generation: delivery.generation + 1,
    nextAttemptAt: iso,
    updatedAt: iso,
    ...(replayJobId !== undefined && { replayJobId }),
  };
  delete next.reason;
  return { delivery: next, task: nextTaskFor(next, message, now, trigger) };
}

function newDelivery(message: Message, subscriptionId: SubscriptionId, now: number): Delivery {
  return {
    id: deliveryIdFor(message.id, subscriptionId),
    messageId: message.id,
    subscriptionId,
    ...(message.tenant !== undefined && { tenant: message.tenant }),
    eventType: message.type,
    status: 'pending',
    attemptCount: 0,
    generation: -1, // requeue bumps it to 0
    createdAt: message.createdAt,
    updatedAt: new Date(now).toISOString(),
    attempts: [],
  };
}

function matches(subscription: Subscription, message: Message): boolean {
  // A fallback subscription receives tenant events nobody else took (that is what made them unrouted).
  if (subscription.fallback) return message.tenant !== undefined && matchesEvent({ eventTypes: subscription.eventTypes }, undefined, message.type);
  return matchesEvent(subscription, message.tenant, message.type);
}
