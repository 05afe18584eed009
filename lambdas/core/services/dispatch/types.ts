/** The worker's dependencies, the events it reports, and the state one batch shares. */
import type { AttemptLog } from '../../attempt-log.js';
import type { Attempt, Delivery, DeliveryTask, Message, MessageId, Subscription, SubscriptionId } from '../../model.js';
import type {
  AlertPublisher,
  DeliveryStore,
  EndpointHealthStore,
  MessageStore,
  PayloadStore,
  RetryBucketStore,
  RetryScheduler,
  SubscriptionStore,
  SuccessRecords,
  TaskQueue,
} from '../../ports.js';
import type { EndpointLoad } from '../../endpoint-load.js';
import type { AttemptDeps } from '../attempt.js';
import type { IntakeLimits } from '../intake.js';
import type { ReplayDeps } from '../replay.js';

/** How the worker treats an error (classified once, by `classifyError`). */
export type ErrorClass = 'permanent' | 'retryable' | 'unknown';

export type DispatchEvent =
  | { type: 'attempt'; delivery: Delivery; attempt: Attempt }
  | { type: 'retry-scheduled'; task: DeliveryTask; delayMs: number }
  | { type: 'skipped'; task: DeliveryTask; reason: string }
  | { type: 'subscription'; action: 'warn' | 'disable' | 'delete'; subscriptionId: SubscriptionId; failures: number }
  /** Put back without an attempt (circuit breaker, in-flight cap, pacing), due again at `until`. */
  | { type: 'deferred'; task: DeliveryTask; until: number; reason: string }
  | { type: 'breaker'; subscriptionId: SubscriptionId; state: 'open' | 'closed'; failures: number; until?: number }
  | { type: 'invalid-task'; recordId: string; reason: string }
  /** A control task put back on the queue: the invocation had run its share of them, or was near its timeout. */
  | { type: 'control-deferred'; recordId: string; kind: string }
  /** An error the worker redelivers (retryable) or logs and redelivers (unknown). */
  | { type: 'task-error'; recordId?: string; errorClass: Exclude<ErrorClass, 'permanent'>; error: Error; task?: DeliveryTask };

export interface DispatchDeps extends AttemptDeps, ReplayDeps {
  subscriptions: SubscriptionStore;
  messages: MessageStore;
  deliveries: DeliveryStore;
  payloads: PayloadStore;
  queue: TaskQueue;
  retryScheduler: RetryScheduler;
  /** Where retries wait for their due minute (sweep tasks read it). */
  retryBuckets?: RetryBucketStore;
  alerts: AlertPublisher;
  attemptLog: AttemptLog;
  limits: IntakeLimits;
  /** Local mode only: every retry delay is divided by this. @default 1 */
  timeScale: number;
  /** Tasks attempted at once within one batch. @default 10 */
  concurrency: number;
  /** The circuit breaker's and the pacer's shared state. */
  endpointHealth: EndpointHealthStore;
  /** This process's requests in flight per endpoint (one per worker process, shared by its batches). */
  endpointLoad: EndpointLoad;
  /** Whether the uniqueness rule is on (a disable rewrites the subscription's claims). */
  uniqueTenantEvent: boolean;
  /** `log-only`: a first-attempt success writes no delivery record (attempt log only). @default 'all' */
  successRecords?: SuccessRecords;
  observe?: (event: DispatchEvent) => void;
}

export interface QueueRecord {
  id: string;
  body: string;
}

/** What the tasks of one batch share: the state read once for all of them. */
export interface BatchContext {
  deliveries: Map<string, Delivery>;
  subscriptions: Map<SubscriptionId, Subscription>;
  messages: Map<MessageId, Message>;
  payloads: Map<MessageId, Promise<unknown>>;
  failuresReset: Set<SubscriptionId>;
  /** Breakers this batch closed (one write per subscription). */
  breakersClosed: Set<SubscriptionId>;
  /** `deliveryId#generation#attempt` already taken in this batch (a duplicate receive inside one batch). */
  claimed: Set<string>;
  /** When the batch arrived: bounds the time spent on in-line retries. */
  startedAt: number;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
