/**
 * Event intake: validate, route, store the message once (with its idempotency claim), then
 * enqueue. Deliveries are recorded by the worker when their attempts end; fan-outs beyond one
 * batch of tasks continue in the worker in pages through `fanout` tasks.
 */
import { randomUUID } from 'node:crypto';
import { deliveryIdFor, newMessageId } from '../ids.js';
import { routingDecision } from '../routing.js';
import type { DeliveryTask, FanoutTask, Message, MessageId, Routing, SubscriptionId } from '../model.js';
import type { Clock, IdempotencyClaim, MessageStore, PayloadStore, QueuedTask, RouteEntry, SubscriptionStore, TaskQueue } from '../ports.js';
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
  /** Tasks one `fanout` task sends before handing the rest to the next. @default 500 */
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

/** An event validated, routed and ready to store (its payload already in S3 when large). */
export interface PreparedEvent {
  message: Message;
  routes: RouteEntry[];
  claim?: IdempotencyClaim;
}

/** Route lookups by (tenant, type); a batch shares one per pair. */
export type RouteLookup = (tenant: string | undefined, type: string) => Promise<{ routing: Routing; routes: RouteEntry[] }>;

export function routeLookup(deps: Pick<IntakeDeps, 'subscriptions'>): RouteLookup {
  return async (tenant, type) => {
    const [tenantRoutes, fallbackRoutes] = await Promise.all([
      deps.subscriptions.routes(tenant, type),
      tenant === undefined ? Promise.resolve([]) : deps.subscriptions.fallbackRoutes(type),
    ]);
    return routingDecision({ tenant, tenantRoutes, fallbackRoutes });
  };
}

export async function acceptEvent(
  deps: IntakeDeps,
  body: unknown,
  options: { idempotencyKey?: string; rawBytes?: number } = {},
): Promise<IntakeResult> {
  const prepared = await prepareEvent(deps, body, options.idempotencyKey, routeLookup(deps));
  const duplicate = await storeEvent(deps, prepared);
  if (duplicate !== undefined) return duplicate;
  await sendTasks(deps, [prepared]);
  if (prepared.claim !== undefined) await markQueued(deps, prepared.claim.key);
  return acceptedResult(prepared);
}

/**
 * Queues the tasks of stored messages. When that fails the request answers 5xx, and each message
 * stored without an idempotency key is marked as not accepted first: its producer posts it again
 * as a new message, so it must not show as pending forever (or be replayed to a new subscription).
 * A keyed message stays as it is: the producer's retry with the key completes it (`resumeFanOut`).
 */
export async function sendTasks(deps: Pick<IntakeDeps, 'queue' | 'messages' | 'clock' | 'limits'>, stored: readonly PreparedEvent[]): Promise<void> {
  const tasks = stored.flatMap((p) => fanOutTasks(deps, p.message, p.routes));
  if (tasks.length === 0) return;
  try {
    await deps.queue.sendMany(tasks);
  } catch (error) {
    const failure = { at: new Date(deps.clock.now()).toISOString(), reason: `its tasks could not be queued: ${(error as Error).message}` };
    const unkeyed = stored.filter((p) => p.claim === undefined);
    // Best effort: this request fails with the send's error either way.
    await Promise.allSettled(unkeyed.map((p) => deps.messages.markIntakeFailed(p.message.id, failure)));
    throw error;
  }
}

export const acceptedResult = ({ message, routes }: PreparedEvent): IntakeResult => ({
  messageId: message.id,
  routing: message.routing,
  deliveryCount: routes.length,
  duplicate: false,
});

/** Validates, routes and builds the message; a large payload goes to the payload store now. */
export async function prepareEvent(
  deps: Pick<IntakeDeps, 'payloads' | 'clock' | 'limits'>,
  body: unknown,
  idempotencyKey: string | undefined,
  routesFor: RouteLookup,
  keyField = 'Idempotency-Key',
): Promise<PreparedEvent> {
  const request = parseOrThrow(eventRequestSchema, body);
  if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY_PATTERN.test(idempotencyKey)) {
    throw new ValidationError([{ field: keyField, message: 'must be 1-255 visible ASCII characters' }]);
  }
  const payloadJson = JSON.stringify(request.payload);
  const payloadBytes = Buffer.byteLength(payloadJson);
  if (payloadBytes > deps.limits.maxPayloadBytes) {
    throw new PayloadTooLargeError(`payload is ${payloadBytes} bytes; the limit is ${deps.limits.maxPayloadBytes}`);
  }
  const now = deps.clock.now();
  const nowIso = new Date(now).toISOString();
  const decision = await routesFor(request.tenant, request.type);
  const id = newMessageId(now); // the id's time is `createdAt`: a subscription's records are keyed by message id in time order
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
  return { message, routes: decision.routes, ...(idempotencyKey !== undefined && { claim: { key: idempotencyKey, expiresAt: now + IDEMPOTENCY_WINDOW_MS } }) };
}

/**
 * Stores the message (with its claim). Every write comes before any task is sent: a write that
 * fails (throttled) fails the request with nothing sent, so the producer's retry cannot make a
 * webhook go out twice. Returns the original's result for a duplicate.
 */
export async function storeEvent(deps: IntakeDeps, { message, claim }: PreparedEvent): Promise<IntakeResult | undefined> {
  const { duplicateOf, queued } = await deps.messages.put(message, claim);
  if (duplicateOf === undefined) return undefined;
  const original = await deps.messages.get(duplicateOf);
  if (original !== undefined && queued !== true) await resumeFanOut(deps, original);
  return {
    messageId: duplicateOf,
    routing: original?.routing ?? 'unrouted',
    deliveryCount: original?.subscriptionIds.length ?? 0,
    duplicate: true,
  };
}

/**
 * Best effort once the tasks are out: the request has succeeded, and failing it now would invite
 * the very retry that sends twice. A missing mark costs only a deferred check (`resumeFanOut`).
 */
export async function markQueued(deps: Pick<IntakeDeps, 'messages'>, key: string): Promise<void> {
  try {
    await deps.messages.markQueued(key);
  } catch {
    // left unmarked: a duplicate of this request re-checks after the receiver's timeout
  }
}

/** Tasks the receiver sends itself: one `SendMessageBatch`. A larger fan-out goes whole to the worker. */
export const INTAKE_TASKS = 10;

/**
 * The tasks intake sends for `message`: its delivery tasks, or, beyond one batch, a single
 * `fanout` task that the worker pages through, so the 202 never waits on the number of
 * subscribers. No delivery is written here; each is recorded when its first attempt ends
 * (until then the message and its task show it as pending).
 */
export function fanOutTasks(deps: Pick<IntakeDeps, 'clock' | 'limits'>, message: Message, routes: readonly RouteEntry[]): QueuedTask[] {
  if (routes.length > INTAKE_TASKS) return [{ task: { v: 1, kind: 'fanout', messageId: message.id, offset: 0 }, delaySeconds: 0 }];
  return pageTasks(deps, message, routes, 0, INTAKE_TASKS);
}

/**
 * Enqueues the first tasks of `message`'s deliveries from `offset`, one page, and hands the rest
 * to a `fanout` task. Inactive routes get a task too: the worker records them as paused.
 */
export async function fanOut(deps: Pick<IntakeDeps, 'queue' | 'clock' | 'limits'>, message: Message, routes: readonly RouteEntry[], offset: number): Promise<void> {
  await deps.queue.sendMany(pageTasks(deps, message, routes, offset, deps.limits.fanoutPageSize));
}

function pageTasks(deps: Pick<IntakeDeps, 'clock' | 'limits'>, message: Message, routes: readonly RouteEntry[], offset: number, pageSize: number): QueuedTask[] {
  const page = routes.slice(offset, offset + pageSize);
  const now = deps.clock.now();
  const tasks: QueuedTask[] = page.map((route) => ({ task: firstTask(message, route.subscriptionId, now, deps.limits.taskPayloadBytes), delaySeconds: 0 }));
  const next = offset + page.length;
  if (next < routes.length) tasks.push({ task: { v: 1, kind: 'fanout', messageId: message.id, offset: next }, delaySeconds: 0 });
  return tasks;
}

/** The routes a stored message was fanned out to (their status is re-read by the worker). */
export function storedRoutes(message: Message): RouteEntry[] {
  return message.subscriptionIds.map((subscriptionId) => ({ subscriptionId, status: 'active' as const }));
}

/**
 * A duplicate of a request whose tasks were never recorded as sent: its first try may have
 * failed before sending them, or may still be running. Sending now could send twice, so the
 * decision goes to a `fanout` check due once the first try has surely ended, which sends the
 * tasks only if they are still not recorded as queued.
 */
async function resumeFanOut(deps: IntakeDeps, message: Message): Promise<void> {
  if (message.subscriptionIds.length === 0) return; // unrouted: nothing to fan out
  const endedBy = Date.parse(message.createdAt) + RECEIVER_TIMEOUT_SECONDS * 1000;
  const check: FanoutTask = { v: 1, kind: 'fanout', messageId: message.id, offset: 0, check: randomUUID() };
  const delaySeconds = Math.max(0, Math.ceil((endedBy - deps.clock.now()) / 1000) + 1);
  await deps.queue.sendMany([{ task: check, delaySeconds }]);
}

/** The worker's side of a `fanout` task: a page of tasks, or the check a duplicate deferred. */
export async function continueFanOut(
  deps: Pick<IntakeDeps, 'queue' | 'clock' | 'limits' | 'messages'>,
  message: Message,
  task: FanoutTask,
): Promise<void> {
  const check = task.check ?? (task.onlyMissing === true ? `legacy-${message.id}` : undefined);
  if (check === undefined) return fanOut(deps, message, storedRoutes(message), task.offset);
  // Only a duplicate (an Idempotency-Key) defers a check; only one check may send.
  if (message.idempotencyKey === undefined || !(await deps.messages.claimQueued(message.idempotencyKey, check))) return;
  await deps.queue.sendMany(fanOutTasks(deps, message, storedRoutes(message)));
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
