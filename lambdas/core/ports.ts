/**
 * Ports: the narrow interfaces the application services depend on. Adapters in
 * `lambdas/adapters` implement them over AWS (and local mode over the emulators);
 * tests may implement them in memory. Errors crossing a port are the domain errors
 * of `./errors.ts`, never SDK exceptions.
 */
import type {
  Delivery,
  DeliveryId,
  DeliveryStatus,
  DeliveryTask,
  FailureStreak,
  IntakeFailure,
  QueueTask,
  ReplayJob,
  ReplayJobId,
  Message,
  MessageId,
  Subscription,
  SubscriptionId,
  SubscriptionStatus,
} from './model.js';
import type { RetryBucket } from './retry-buckets.js';
import type { BreakerState } from './breaker.js';

export interface Page<T> {
  items: T[];
  /** Opaque; absent on the last page. */
  nextCursor?: string;
}

/** A route entry: which subscription receives (tenant, eventType), and in which state. */
export interface RouteEntry {
  subscriptionId: SubscriptionId;
  status: SubscriptionStatus;
}

export interface SubscriptionQuery {
  tenant?: string;
  eventType?: string;
  status?: SubscriptionStatus;
  limit: number;
  cursor?: string;
}

export interface SubscriptionStore {
  /**
   * Writes the subscription, its route items and (when `unique`) its uniqueness claims in
   * one transaction. Throws `ConflictError` (with the holder's id) when a claim is taken: the same
   * type in the same scope (tenant, or the fallback routes), or `*` against any type of its scope.
   */
  create(sub: Subscription, options: { unique: boolean }): Promise<void>;
  /** Replaces `prev` with `next` (routes and claims re-written in the same transaction; `next`
   *  claims when `unique` or when `prev` held claims); throws `ConcurrentUpdateError` if
   *  `prev.version` is no longer current. */
  replace(prev: Subscription, next: Subscription, options: { unique: boolean }): Promise<void>;
  /** Deletes the subscription, its routes and claims in one transaction. */
  delete(sub: Subscription): Promise<void>;
  /** The subscription holding the uniqueness claim on (tenant, event type), if any (a consistent read). */
  claimHolder(tenant: string | undefined, eventType: string): Promise<SubscriptionId | undefined>;
  get(id: SubscriptionId): Promise<Subscription | undefined>;
  getMany(ids: readonly SubscriptionId[]): Promise<Map<SubscriptionId, Subscription>>;
  list(query: SubscriptionQuery): Promise<Page<Subscription>>;
  /** Route entries for `tenant` (undefined = events without tenant) and `eventType`, including `*` subscriptions. */
  routes(tenant: string | undefined, eventType: string): Promise<RouteEntry[]>;
  /** Fallback route entries for `eventType`, including `*` subscriptions. */
  fallbackRoutes(eventType: string): Promise<RouteEntry[]>;
  /**
   * Atomically adds one to the failure streak, starting it at `failedAt` (ISO-8601) when there is
   * none; returns the streak after the update (undefined when the subscription is gone).
   */
  recordFailure(id: SubscriptionId, failedAt: string): Promise<FailureStreak | undefined>;
  /** Ends the streak: counter to zero, start removed (no-op write avoided by the caller when there is none). */
  resetFailures(id: SubscriptionId): Promise<void>;
}

/**
 * Where envelope encryption gets its data keys: KMS in AWS, a local key file in local mode.
 * `encrypted` is what is stored next to the ciphertext; only the provider can turn it back.
 */
export interface DataKeyProvider {
  generateDataKey(): Promise<{ plaintext: Buffer; encrypted: Buffer }>;
  decryptDataKey(encrypted: Buffer): Promise<Buffer>;
}

export interface IdempotencyClaim {
  key: string;
  /** Epoch ms after which the key may be reused. */
  expiresAt: number;
}

export interface MessageStore {
  /**
   * Stores the message; with a claim, atomically with the idempotency record.
   * Returns `{ duplicateOf, queued }` (and stores nothing) when the key is already held by a live
   * claim; `queued` says whether the holder's intake recorded its tasks as sent.
   */
  put(message: Message, claim?: IdempotencyClaim): Promise<{ duplicateOf?: MessageId; queued?: boolean }>;
  /** Records on the claim of `key` that its message's tasks were sent (a retry must not send them again). */
  markQueued(key: string): Promise<void>;
  /** Records that the message's tasks could not be queued (see `Message.intakeFailed`); no-op when it is gone. */
  markIntakeFailed(id: MessageId, failure: IntakeFailure): Promise<void>;
  /**
   * Takes the right to send the tasks of the claim of `key` for the deferred check `checkId`:
   * true unless the tasks are recorded as sent, or another check took it. The same check (a
   * redelivered task) gets it again.
   */
  claimQueued(key: string, checkId: string): Promise<boolean>;
  get(id: MessageId): Promise<Message | undefined>;
  getMany(ids: readonly MessageId[]): Promise<Map<MessageId, Message>>;
  /** Unrouted messages created in [since, until), oldest first. */
  listUnrouted(since: string, until: string, cursor?: string): Promise<Page<Message>>;
  /** Adds a subscription to the message's routes (a replay reached it later); idempotent. */
  addRoute(id: MessageId, subscriptionId: SubscriptionId): Promise<void>;
}

/**
 * What the delivery store keeps of successes: `all` records every delivery; `log-only` records a
 * delivery that succeeds on its first attempt only in the attempt log and its S3 archive (failed
 * and retrying deliveries keep their records, and a record once written is kept up to date).
 */
export const SUCCESS_RECORDS = ['all', 'log-only'] as const;
export type SuccessRecords = (typeof SUCCESS_RECORDS)[number];

/** What a delivery search cannot list when successes are kept in the attempt log only. */
export const LOG_ONLY_NOT_LISTED =
  'deliveries that succeeded on their first attempt (successRecords=log-only keeps them only in the attempt log and its S3 archive)';

export interface DeliveryQuery {
  subscriptionId?: SubscriptionId;
  tenant?: string;
  eventType?: string;
  status?: DeliveryStatus;
  messageId?: MessageId;
  /** ISO-8601 bounds on `createdAt`, inclusive since, exclusive until. */
  since?: string;
  until?: string;
  limit: number;
  cursor?: string;
  /** Newest first unless `ascending`. */
  ascending?: boolean;
}

export interface DeliveryStore {
  /** Creates deliveries that do not exist yet (existing ones are left untouched). */
  createMany(deliveries: readonly Delivery[]): Promise<void>;
  get(id: DeliveryId): Promise<Delivery | undefined>;
  getMany(ids: readonly DeliveryId[]): Promise<Map<DeliveryId, Delivery>>;
  /**
   * Writes the full state of each delivery (the worker's one write per attempt), unless the
   * store holds a later generation or a later attempt of this one.
   */
  putMany(deliveries: readonly Delivery[]): Promise<void>;
  /**
   * Writes each delivery unless the store already holds its generation (or a later one): the
   * record of a retry or replay, which a worker that took its task first must keep.
   */
  openGenerations(deliveries: readonly Delivery[]): Promise<void>;
  list(query: DeliveryQuery): Promise<Page<Delivery>>;
}

export interface QueuedTask {
  task: QueueTask;
  /** 0..900 */
  delaySeconds: number;
}

export interface TaskQueue {
  /** Sends tasks in batches of up to 10; throws if any entry could not be sent after retries. */
  sendMany(tasks: readonly QueuedTask[]): Promise<void>;
}

export interface RetryScheduler {
  /** Makes `task` reach the queue at `dueAt` (epoch ms). Idempotent per (delivery, attempt, generation). */
  schedule(task: DeliveryTask, dueAt: number): Promise<void>;
  /** Best-effort removal of pending schedules for a delivery; a task that fires anyway sees the state and stops. */
  cancel(task: DeliveryTask): Promise<void>;
}

/** The retries waiting in due-minute buckets (core/retry-buckets.ts). */
export interface RetryBucketStore {
  /** Keeps `task` in `bucket` (idempotent per delivery, attempt, generation). */
  add(bucket: RetryBucket, task: DeliveryTask): Promise<void>;
  /**
   * Claims the arranging of the bucket's sweep: true for exactly one caller, until the claim is
   * `staleAfterMs` old without `markArranged` (its holder died before arranging anything).
   */
  claim(bucket: RetryBucket, now: number, staleAfterMs: number): Promise<boolean>;
  /** Records how the sweep is arranged: a schedule, or a sweep task on the queue. */
  markArranged(bucket: RetryBucket, via: 'schedule' | 'queue'): Promise<void>;
  /** The bucket's tasks, a page at a time. */
  pages(bucketId: string): AsyncIterable<DeliveryTask[]>;
  /** Whether a sweep of the bucket has sent all its tasks (a redelivered sweep then sends none again). */
  isSwept(bucketId: string): Promise<boolean>;
  markSwept(bucketId: string): Promise<void>;
  remove(bucket: RetryBucket, task: DeliveryTask): Promise<void>;
}

/** A one-shot timer that puts `task` on the queue at `fireAt` (EventBridge Scheduler, or local mode's stand-in). */
export interface OneShotSchedules {
  /** Creates the schedule named `name`; one that already exists counts as created. */
  create(name: string, fireAt: number, task: QueueTask): Promise<void>;
}

export interface PayloadStore {
  put(key: string, body: string): Promise<void>;
  get(key: string): Promise<string>;
}

export interface AlertPublisher {
  publish(alert: { subject: string; message: string; subscriptionId: SubscriptionId; kind: string }): Promise<void>;
}

export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export interface JobStore {
  put(job: ReplayJob): Promise<void>;
  get(id: ReplayJobId): Promise<ReplayJob | undefined>;
}

/** What the outbound HTTP client (lambdas/outbound) returns; it never throws for anything the remote side does. */
export type SendResult =
  | {
      kind: 'response';
      statusCode: number;
      headers: Record<string, string>;
      bodyExcerpt: string;
      durationMs: number;
      /** The checked address the request was sent to. */
      remoteAddress?: string;
    }
  | { kind: 'failure'; outcome: 'timeout' | 'network' | 'refused'; reason: string; durationMs: number };

export interface OutboundRequest {
  method: 'POST' | 'GET';
  url: string;
  headers: Record<string, string>;
  /** Ignored for GET. */
  body?: string;
  /** Total budget for DNS + connect + TLS + headers + body excerpt. */
  timeoutMs: number;
}

export interface WebhookSender {
  send(request: OutboundRequest): Promise<SendResult>;
}

/**
 * The circuit breaker's and the pacer's shared state, on the subscription's own item (which every
 * batch reads anyway, so a healthy delivery adds no read). Every change is one conditional update.
 */
export interface EndpointHealthStore {
  /** Adds one transport failure; the state after it (undefined when the subscription is gone). */
  recordTransportFailure(id: SubscriptionId): Promise<BreakerState | undefined>;
  /** Opens (or re-opens) the breaker if it is still as `seen`; false when another worker changed it first. */
  open(id: SubscriptionId, seen: BreakerState, openUntil: number, opens: number): Promise<boolean>;
  /** Takes the half-open breaker's one probe, leased until `leaseUntil`; false when another worker holds it. */
  claimProbe(id: SubscriptionId, seen: BreakerState, now: number, leaseUntil: number): Promise<boolean>;
  /** Closes the breaker and clears its failures; `drainFrom` (it was open) starts the paced drain. */
  close(id: SubscriptionId, drainFrom?: number): Promise<void>;
  /** Reserves the next send slot at least `intervalMs` after the previous one (and not before `now`). */
  reserveSlot(id: SubscriptionId, now: number, intervalMs: number): Promise<number>;
}
