/**
 * Event intake: validate, store the message, route, create one delivery per route and enqueue
 * its task. Large fan-outs continue asynchronously in pages through `fanout` tasks.
 */
import { deliveryIdFor, newMessageId } from '../ids.js';
import { routingDecision } from '../routing.js';
import type { Delivery, DeliveryTask, FanoutTask, Message, MessageId, Routing, SubscriptionId } from '../model.js';
import type { Clock, DeliveryStore, MessageStore, PayloadStore, RouteEntry, SubscriptionStore, TaskQueue } from '../ports.js';
import { PayloadTooLargeError, ValidationError } from '../errors.js';
import { eventRequestSchema, IDEMPOTENCY_KEY_PATTERN } from '../event-schema.js';
import { parseOrThrow } from '../validation.js';

export interface IntakeLimits {
  /** Largest accepted payload (serialised JSON bytes). @default 262144 */
  maxPayloadBytes: number;
  /** Payloads above this are stored in S3 instead of the message item. @default 65536 */
  inlinePayloadBytes: number;
  /** Payloads up to this size travel inside each task, sparing the worker a read. @default 8192 */
  taskPayloadBytes: number;
  /** Deliveries created synchronously; the rest continue in `fanout` tasks. @default 500 */
  fanoutPageSize: number;
  /** Message and delivery retention. @default 30 */
  retentionDays: number;
}

/**
 * The receiver function's timeout (the stack sets it from here): an intake request older than
 * this has either finished or been stopped, so what it left undone can be completed safely.
 */
export const RECEIVER_TIMEOUT_SECONDS = 10;

export interface IntakeDeps {
  subscriptions: SubscriptionStore;
  messages: MessageStore;
  deliveries: DeliveryStore;
  queue: TaskQueue;
  payloads: PayloadStore;
  clock: Clock;
  limits: IntakeLimits;
}

export interface IntakeResult {
  messageId: MessageId;
  routing: Routing;
  deliveryCount: number;
  duplicate: boolean;
}

const IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60 * 1000;

export async function acceptEvent(
  deps: IntakeDeps,
  body: unknown,
  options: { idempotencyKey?: string; rawBytes?: number } = {},
): Promise<IntakeResult> {
  const request = parseOrThrow(eventRequestSchema, body);
  const { idempotencyKey } = options;
  if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY_PATTERN.test(idempotencyKey)) {
    throw new ValidationError([{ field: 'Idempotency-Key', message: 'must be 1-255 visible ASCII characters' }]);
  }
  const payloadJson = JSON.stringify(request.payload);
  const payloadBytes = Buffer.byteLength(payloadJson);
  if (payloadBytes > deps.limits.maxPayloadBytes) {
    throw new PayloadTooLargeError(`payload is ${payloadBytes} bytes; the limit is ${deps.limits.maxPayloadBytes}`);
  }

  const now = deps.clock.now();
  const nowIso = new Date(now).toISOString();
  const [tenantRoutes, fallbackRoutes] = await Promise.all([
    deps.subscriptions.routes(request.tenant, request.type),
    request.tenant === undefined ? Promise.resolve([]) : deps.subscriptions.fallbackRoutes(request.type),
  ]);
  const decision = routingDecision({ tenant: request.tenant, tenantRoutes, fallbackRoutes });

  const id = newMessageId();
  const message: Message = {
    id,
    type: request.type,
    ...(request.tenant !== undefined && { tenant: request.tenant }),
    eventTime: request.eventTime !== undefined ? new Date(request.eventTime).toISOString() : nowIso,
    createdAt: nowIso,
    routing: decision.routing,
    subscriptionIds: decision.routes.map((r) => r.subscriptionId),
    payloadBytes,
    ...(idempotencyKey !== undefined && { idempotencyKey }),
  };
  if (payloadBytes > deps.limits.inlinePayloadBytes) {
    message.payloadRef = `payloads/${id}.json`;
    await deps.payloads.put(message.payloadRef, payloadJson);
  } else {
    message.payload = request.payload;
  }

  const claim = idempotencyKey === undefined ? undefined : { key: idempotencyKey, expiresAt: now + IDEMPOTENCY_WINDOW_MS };
  const { duplicateOf } = await deps.messages.put(message, claim);
  if (duplicateOf !== undefined) {
    const original = await deps.messages.get(duplicateOf);
    if (original !== undefined) await resumeFanOut(deps, original);
    return {
      messageId: duplicateOf,
      routing: original?.routing ?? 'unrouted',
      deliveryCount: original?.subscriptionIds.length ?? 0,
      duplicate: true,
    };
  }

  await fanOut(deps, message, decision.routes, 0);
  return { messageId: id, routing: message.routing, deliveryCount: decision.routes.length, duplicate: false };
}

/**
 * Creates and enqueues the deliveries of `message` starting at `offset`, one page at a time;
 * when more remain, hands the rest to a `fanout` task so intake never runs long. With
 * `onlyMissing`, a page whose deliveries all exist is complete (its continuation went out with
 * its tasks); otherwise only the missing deliveries are created and enqueued.
 */
export async function fanOut(
  deps: Pick<IntakeDeps, 'deliveries' | 'queue' | 'clock' | 'limits'>,
  message: Message,
  routes: readonly RouteEntry[],
  offset: number,
  options: { onlyMissing?: boolean } = {},
): Promise<void> {
  const fullPage = routes.slice(offset, offset + deps.limits.fanoutPageSize);
  let page = fullPage;
  if (options.onlyMissing === true) {
    const existing = await deps.deliveries.getMany(fullPage.map((r) => deliveryIdFor(message.id, r.subscriptionId)));
    if (existing.size === fullPage.length) return;
    page = fullPage.filter((r) => !existing.has(deliveryIdFor(message.id, r.subscriptionId)));
  }
  const now = deps.clock.now();
  const deliveries = page.map((route) => newDelivery(message, route, now));
  const tasks = deliveries
    .filter((d) => d.status === 'pending')
    .map((d) => ({ task: firstTask(message, d.subscriptionId, now, deps.limits.taskPayloadBytes), delaySeconds: 0 }));
  const next = offset + fullPage.length;
  const continuation: FanoutTask[] = next < routes.length ? [{ v: 1, kind: 'fanout', messageId: message.id, offset: next }] : [];
  // Tasks first: a delivery written whose task was never sent would wait forever (a retried
  // request only re-creates what is missing), while a task whose delivery is not written yet is
  // delivered all the same (the worker rebuilds the delivery from the task and writes it).
  await deps.queue.sendMany([...tasks, ...continuation.map((task) => ({ task, delaySeconds: 0 }))]);
  await deps.deliveries.createMany(deliveries);
}

/** The routes a stored message was fanned out to (their status is re-read by the worker). */
export function storedRoutes(message: Message): RouteEntry[] {
  return message.subscriptionIds.map((subscriptionId) => ({ subscriptionId, status: 'active' as const }));
}

/**
 * A retried request whose first try stored the message but died before fanning out must not
 * leave the message without deliveries: create (and enqueue) only the ones that are missing.
 * While that first try may still be running, its deliveries are missing only because it is
 * between sending their tasks and writing them: completing it now would send them twice. So the
 * check is handed to a `fanout` task due once the first try has surely ended.
 */
async function resumeFanOut(deps: IntakeDeps, message: Message): Promise<void> {
  if (message.subscriptionIds.length === 0) return; // unrouted: nothing to fan out
  const endedBy = Date.parse(message.createdAt) + RECEIVER_TIMEOUT_SECONDS * 1000;
  const now = deps.clock.now();
  if (now > endedBy) {
    await fanOut(deps, message, storedRoutes(message), 0, { onlyMissing: true });
    return;
  }
  const check: FanoutTask = { v: 1, kind: 'fanout', messageId: message.id, offset: 0, onlyMissing: true };
  await deps.queue.sendMany([{ task: check, delaySeconds: Math.ceil((endedBy - now) / 1000) + 1 }]);
}

function newDelivery(message: Message, route: RouteEntry, now: number): Delivery {
  const iso = new Date(now).toISOString();
  const active = route.status === 'active';
  return {
    id: deliveryIdFor(message.id, route.subscriptionId),
    messageId: message.id,
    subscriptionId: route.subscriptionId,
    ...(message.tenant !== undefined && { tenant: message.tenant }),
    eventType: message.type,
    status: active ? 'pending' : 'paused',
    ...(!active && { reason: 'subscription is disabled' }),
    attemptCount: 0,
    generation: 0,
    ...(active && { nextAttemptAt: iso }),
    createdAt: message.createdAt,
    updatedAt: iso,
    attempts: [],
  };
}

export function firstTask(message: Message, subscriptionId: SubscriptionId, now: number, taskPayloadBytes: number): DeliveryTask {
  return {
    v: 1,
    deliveryId: deliveryIdFor(message.id, subscriptionId),
    messageId: message.id,
    subscriptionId,
    eventType: message.type,
    ...(message.tenant !== undefined && { tenant: message.tenant }),
    eventTime: message.eventTime,
    messageCreatedAt: Date.parse(message.createdAt),
    attempt: 1,
    generation: 0,
    dueAt: now,
    trigger: 'event',
    ...(message.payload !== undefined && message.payloadBytes <= taskPayloadBytes && { payload: message.payload }),
  };
}
