/**
 * The domain model every layer shares. Plain data, no behaviour, no AWS SDK.
 * Field names follow DESIGN.md §4 (they are a public contract).
 */

type Brand<T, B extends string> = T & { readonly __brand: B };

/** `sub_…` */
export type SubscriptionId = Brand<string, 'SubscriptionId'>;
/** `msg_…` (also the `webhook-id` of every request for the message) */
export type MessageId = Brand<string, 'MessageId'>;
/** `dlv_…`, derived from (message id, subscription id): one delivery per pair, ever. */
export type DeliveryId = Brand<string, 'DeliveryId'>;
/** `rpl_` + 24 hex characters (96 CSPRNG bits). */
export type ReplayJobId = Brand<string, 'ReplayJobId'>;

export type PresetName = 'standard' | 'tiktok-shop' | 'shopify' | 'partoo';

/** Failure classes of an attempt; `refused` is the SSRF/URL-policy refusal and never retries. */
export const FAILURE_CLASSES = ['timeout', 'network', '3xx', '4xx', '429', '5xx'] as const;
export type FailureClass = (typeof FAILURE_CLASSES)[number];
export const OUTCOMES = ['success', ...FAILURE_CLASSES, 'refused'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export type SigningConfig =
  | { scheme: 'standard-webhooks' }
  | { scheme: 'hmac-sha256'; header: string }
  /** `appKey` prefixes the signed content (TikTok Shop's app key); empty when absent. */
  | { scheme: 'authorization'; appKey?: string }
  | { scheme: 'none' };

export type AuthConfig =
  | { type: 'basic'; username: string; password: string }
  | { type: 'bearer'; token: string }
  | { type: 'header'; authorization: string; username?: string };

/** `200`, or a range written `"2xx"` / `"200-299"`. */
export type StatusMatcher = number | string;

export type RetryPolicy =
  | { type: 'fixed'; delays: number[] }
  | {
      type: 'exponential';
      initialDelay: number;
      factor: number;
      maxDelay: number;
      retries: number;
      /** 0..1: each delay is multiplied by a uniform factor in [1 - jitter, 1 + jitter]. */
      jitter: number;
    };

export interface FailurePolicy {
  /** Consecutive failed attempts (across deliveries) that trigger `action`; null = never. */
  afterConsecutiveFailures: number | null;
  action: 'disable' | 'delete' | 'none';
  /** Consecutive failures at which the SNS warning is sent (before the action). */
  warnAt?: number;
  /**
   * How long the streak must also have lasted (first failed attempt after a success to now, no
   * success in between) before `action` fires, so a burst during a short outage never acts. @default 0
   */
  minStreakSeconds?: number;
}

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

export type SubscriptionStatus = 'active' | 'disabled';

/** A stored subscription, after defaults and preset have been applied. */
export interface Subscription {
  id: SubscriptionId;
  url: string;
  eventTypes: string[];
  tenant?: string;
  fallback: boolean;
  method: 'POST' | 'GET';
  format: 'json' | 'xml';
  envelope: 'none' | 'standard';
  /** XML root element (`format: xml`); absent = the preset's rule (`shopify`: the topic's resource). */
  xmlRoot?: string;
  /** `X-Shopify-API-Version` of the `shopify` preset's requests. */
  apiVersion?: string;
  preset: PresetName;
  signing: SigningConfig;
  auth?: AuthConfig;
  customHeaders: Record<string, string>;
  timeoutMs: number;
  acceptStatuses: StatusMatcher[];
  retryOn: FailureClass[];
  retryPolicy: RetryPolicy;
  failurePolicy: FailurePolicy;
  status: SubscriptionStatus;
  disabledReason?: string;
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
