/**
 * The domain model every layer shares. Plain data, no behaviour, no AWS SDK. A subscription's
 * settings are derived from its zod schemas (`subscription-schema.ts`).
 * Field names follow DESIGN.md §4 (they are a public contract).
 */
import type { SubscriptionSettings } from './subscription-schema.js';
import type { Outcome, SubscriptionStatus } from './vocabulary.js';

type Brand<T, B extends string> = T & { readonly __brand: B };

/** `sub_…` */
export type SubscriptionId = Brand<string, 'SubscriptionId'>;
/** `msg_…` (also the `webhook-id` of every request for the message) */
export type MessageId = Brand<string, 'MessageId'>;
/** `dlv_…`, derived from (message id, subscription id): one delivery per pair, ever. */
export type DeliveryId = Brand<string, 'DeliveryId'>;
/** `rpl_` + 24 hex characters (96 CSPRNG bits). */
export type ReplayJobId = Brand<string, 'ReplayJobId'>;

export {
  FAILURE_CLASSES,
  OUTCOMES,
  SUBSCRIPTION_STATUSES,
  type FailureClass,
  type Outcome,
  type PresetName,
  type SubscriptionStatus,
} from './vocabulary.js';
export type { AuthConfig, FailurePolicy, MaskedAuth, RetryPolicy, SigningConfig, StatusMatcher } from './subscription-schema.js';

/** The current run of failed attempts across a subscription's deliveries, as stored. */
export interface FailureStreak {
  count: number;
  /** The end of the first failed attempt after the last success (ISO-8601). */
  startedAt: string;
}

/** A signing secret; the first of `Subscription.secrets` is current, others sign until `expiresAt`. */
export interface SigningSecret {
  secret: string; // generated `whsec_…`, or the subscriber's own (imported)
  createdAt: string; // ISO-8601
  expiresAt?: string; // ISO-8601, set on rotation for the previous secret
}

/** Why a delivery of a subscription its failure policy deleted ended without an attempt (prefix of its `reason`). */
export const DELETED_BY_POLICY = 'subscription_deleted_by_policy';

/** A stored subscription: its settings (the schema's, after defaults and preset) and what the service keeps. */
export interface Subscription extends SubscriptionSettings {
  id: SubscriptionId;
  status: SubscriptionStatus;
  /** Why it is disabled or (by its failure policy) deleted. */
  disabledReason?: string;
  /** When its failure policy deleted it (status `deleted`). */
  deletedAt?: string;
  /** A deleted subscription is kept until then (ISO-8601: the deliveries' retention), then removed. */
  retainedUntil?: string;
  description?: string;
  metadata: Record<string, string>;
  secrets: SigningSecret[];
  /**
   * How `hmac-sha256` and `authorization` derive their key: `2` = the secret string (UTF-8).
   * Absent on subscriptions stored before that change (they keyed with the decoded `whsec_`
   * bytes): those are refused, never silently re-keyed, until a rotate-secret (README, upgrading).
   */
  keying?: 2;
  consecutiveFailures: number;
  /** When the current failure streak began; absent while there is none. */
  failureStreakStartedAt?: string;
  /** The breaker's state (core/breaker.ts `BreakerState`), epoch ms; written only by the worker. */
  breakerFailures?: number;
  breakerOpenUntil?: number;
  breakerOpens?: number;
  breakerProbeUntil?: number;
  breakerClosedAt?: number;
  /** The pacer's next free slot (epoch ms), under `rateLimit` or while draining after the breaker closed. */
  paceNextAt?: number;
  createdAt: string;
  updatedAt: string;
  /** Optimistic-concurrency counter, incremented on every write. */
  version: number;
}

export type Routing = 'tenant' | 'fallback' | 'unrouted';

export interface Message {
  id: MessageId;
  type: string;
  tenant?: string;
  /** ISO-8601; the producer's `eventTime`, else the intake time. */
  eventTime: string;
  createdAt: string;
  routing: Routing;
  /** Subscriptions the message was routed to at intake. */
  subscriptionIds: SubscriptionId[];
  /** Inline payload, absent when stored in S3 (`payloadRef`). */
  payload?: unknown;
  payloadRef?: string;
  payloadBytes: number;
  idempotencyKey?: string;
  /**
   * Set when intake stored the message but could not queue its tasks and answered 5xx: the
   * message was not accepted (a producer without an idempotency key posts it again as a new one).
   */
  intakeFailed?: IntakeFailure;
}

export interface IntakeFailure {
  at: string;
  reason: string;
}

export type DeliveryStatus = 'pending' | 'succeeded' | 'failed' | 'paused' | 'dropped';

export interface Attempt {
  attempt: number;
  startedAt: string;
  endedAt: string;
  durationMs: number;
  statusCode?: number;
  outcome: Outcome;
  /**
   * Set (true) when the subscription's `acceptStatuses` acknowledged a status outside 200-299
   * (TikTok Shop's 401): counted as success, but often a receiver rejecting every signature.
   */
  acknowledgedNon2xx?: true;
  reason?: string;
  responseExcerpt?: string;
  /** When the next attempt is due, if one was scheduled. */
  nextAttemptAt?: string;
  /** Host the request went to (never the full URL: it may carry secrets in its query). */
  urlHost?: string;
  trigger: TaskTrigger;
  /** Times the attempt was put back before it was made (circuit breaker, in-flight cap, pacing). */
  deferrals?: number;
  /** The half-open circuit breaker's probe: its answer closes the breaker or re-opens it. */
  breakerProbe?: true;
}

/**
 * Attempts a delivery's item keeps inline. An attempt is at most ~4.5 KB (a 4 KB response excerpt
 * and its reason), so 20 stay under 100 KB, far from DynamoDB's 400 KB item limit, however many
 * retries and replays a delivery sees. Every attempt stays in the attempt log (CloudWatch, S3).
 */
export const STORED_ATTEMPTS_MAX = 20;

export interface Delivery {
  id: DeliveryId;
  messageId: MessageId;
  subscriptionId: SubscriptionId;
  tenant?: string;
  eventType: string;
  status: DeliveryStatus;
  /** Attempts made so far, in every generation (the true count: `attempts` keeps only the newest). */
  attemptCount: number;
  /** Bumped by manual retry and replay; tasks of an older generation are stale. */
  generation: number;
  nextAttemptAt?: string;
  lastOutcome?: Outcome;
  reason?: string;
  createdAt: string;
  updatedAt: string;
  /** The newest attempts, oldest first: at most `STORED_ATTEMPTS_MAX` (the attempt log keeps all). */
  attempts: Attempt[];
  /** The replay job that last re-enqueued this delivery (a re-run page skips it). */
  replayJobId?: ReplayJobId;
}

export type TaskTrigger = 'event' | 'retry' | 'manual' | 'replay' | 'test';

/** The SQS message body: one unit of work for the worker. Versioned: readers accept `v: 1`. */
export interface DeliveryTask {
  v: 1;
  kind?: 'delivery';
  deliveryId: DeliveryId;
  messageId: MessageId;
  subscriptionId: SubscriptionId;
  eventType: string;
  tenant?: string;
  eventTime: string;
  /** Epoch ms the message was accepted (end-to-end latency metric). */
  messageCreatedAt: number;
  /** 1-based number of the attempt this task performs. */
  attempt: number;
  generation: number;
  /** Epoch ms the attempt is due; the worker tops up the delay when a task arrives early. */
  dueAt: number;
  trigger: TaskTrigger;
  /**
   * The replay job that sent this task: a worker that opens the generation before the job's own
   * record of it lands stores the id, so a re-run of the job's page does not replay it again.
   */
  replayJobId?: ReplayJobId;
  /** The payload, when small enough to travel with the task; otherwise read from the message. */
  payload?: unknown;
  /** Times this attempt was put back without being made (circuit breaker, in-flight cap, pacing). */
  deferrals?: number;
  /** The task holds its paced slot at `dueAt` (rate limit or drain): it takes no second one. */
  paced?: true;
}

/** Fans a message out in pages in the worker (the receiver sends at most one batch of tasks itself). */
export interface FanoutTask {
  v: 1;
  kind: 'fanout';
  messageId: MessageId;
  /** Index into `Message.subscriptionIds` where this page starts. */
  offset: number;
  /**
   * A check, not a fan-out (its id): send the message's tasks only if its intake never recorded
   * them as queued and no other check did (see `resumeFanOut`).
   */
  check?: string;
  /** The previous version's check; read as a check of its own. */
  onlyMissing?: true;
}

/** Processes one page of a replay job, then enqueues the next. */
export interface ReplayTask {
  v: 1;
  kind: 'replay';
  jobId: ReplayJobId;
}

/** Sends the retries waiting in one due-minute bucket to the queue (see core/retry-buckets.ts). */
export interface SweepTask {
  v: 1;
  kind: 'sweep';
  /** The bucket's id: `{first due time ISO}#{shard}`. */
  bucket: string;
  /** Epoch ms the sweep is due: earlier arrivals go back on the queue without reading anything. */
  sweepAt: number;
}

/** Everything the deliveries queue carries. A `DeliveryTask` has no `kind` (or `kind: 'delivery'`). */
export type QueueTask = DeliveryTask | FanoutTask | ReplayTask | SweepTask;

export interface ReplayJob {
  id: ReplayJobId;
  subscriptionId: SubscriptionId;
  since: string;
  until: string;
  onlyFailed: boolean;
  status: 'running' | 'done';
  matched: number;
  enqueued: number;
  /** Where the next page starts: a delivery-list cursor, then the unrouted-message cursor. */
  phase: 'deliveries' | 'unrouted';
  cursor?: string;
  createdAt: string;
  updatedAt: string;
}
