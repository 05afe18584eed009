/**
 * In-memory implementations of Hookline's own ports, for unit tests of the services' decisions.
 * (The adapters themselves are tested against the real engines in test/integration.)
 */
import type {
  AlertPublisher,
  DeliveryQuery,
  DeliveryStore,
  EndpointHealthStore,
  IdempotencyClaim,
  JobStore,
  MessageStore,
  OutboundRequest,
  Page,
  PayloadStore,
  QueuedTask,
  RetryBucketStore,
  RetryScheduler,
  RouteEntry,
  SendResult,
  SubscriptionQuery,
  SubscriptionStore,
  TaskQueue,
  WebhookSender,
} from '../../lambdas/core/ports.js';
import type { Delivery, DeliveryId, DeliveryTask, FailureStreak, IntakeFailure, Message, MessageId, ReplayJob, Subscription, SubscriptionId } from '../../lambdas/core/model.js';
import { ConflictError } from '../../lambdas/core/errors.js';
import type { RetryBucket } from '../../lambdas/core/retry-buckets.js';
import { breakerOf, type BreakerState } from '../../lambdas/core/breaker.js';
import { ownsRoutes } from '../../lambdas/core/routing.js';

const clone = <T>(v: T): T => structuredClone(v);

export class MemorySubscriptions implements SubscriptionStore {
  readonly items = new Map<SubscriptionId, Subscription>();
  /** Direct (tenant, type) claims only: the DynamoDB store's full rule is tested on DynamoDB Local. */
  readonly claimed = new Map<string, SubscriptionId>();
  private claim(sub: Subscription, on: boolean): void {
    for (const [key, id] of this.claimed) if (id === sub.id) this.claimed.delete(key);
    if (!on) return;
    for (const type of sub.eventTypes) {
      const holder = this.claimed.get(`${sub.tenant ?? '~'}#${type}`);
      if (holder !== undefined && holder !== sub.id) throw new ConflictError(`subscription ${holder} already receives ${type}`, holder);
    }
    for (const type of sub.eventTypes) this.claimed.set(`${sub.tenant ?? '~'}#${type}`, sub.id);
  }
  async create(sub: Subscription, options: { unique: boolean }): Promise<void> {
    this.claim(sub, options.unique);
    this.items.set(sub.id, clone(sub));
  }
  async replace(prev: Subscription, next: Subscription, options: { unique: boolean }): Promise<void> {
    this.claim(next, options.unique || [...this.claimed.values()].includes(prev.id));
    this.items.set(next.id, clone(next));
  }
  async delete(sub: Subscription): Promise<void> {
    this.claim(sub, false);
    this.items.delete(sub.id);
  }
  async claimHolder(tenant: string | undefined, type: string): Promise<SubscriptionId | undefined> {
    return this.claimed.get(`${tenant ?? '~'}#${type}`);
  }
  async get(id: SubscriptionId) {
    const s = this.items.get(id);
    return s && clone(s);
  }
  async getMany(ids: readonly SubscriptionId[]) {
    return new Map(ids.flatMap((id) => (this.items.has(id) ? [[id, clone(this.items.get(id)!)] as const] : [])));
  }
  async list(q: SubscriptionQuery): Promise<Page<Subscription>> {
    const listed = (s: Subscription) => (q.status === undefined ? s.status !== 'deleted' : s.status === q.status);
    return { items: [...this.items.values()].filter(listed).map(clone) };
  }
  private match(s: Subscription, tenant: string | undefined, type: string, fallback: boolean): boolean {
    if (!ownsRoutes(s)) return false; // deleted by its failure policy
    const typeOk = s.eventTypes.includes('*') || s.eventTypes.includes(type);
    return typeOk && (fallback ? s.fallback : !s.fallback && s.tenant === tenant);
  }
  async routes(tenant: string | undefined, type: string): Promise<RouteEntry[]> {
    return [...this.items.values()].filter((s) => this.match(s, tenant, type, false)).map((s) => ({ subscriptionId: s.id, status: s.status }));
  }
  async fallbackRoutes(type: string): Promise<RouteEntry[]> {
    return [...this.items.values()].filter((s) => this.match(s, undefined, type, true)).map((s) => ({ subscriptionId: s.id, status: s.status }));
  }
  async recordFailure(id: SubscriptionId, failedAt: string): Promise<FailureStreak | undefined> {
    const s = this.items.get(id);
    if (s === undefined) return undefined;
    s.consecutiveFailures += 1;
    s.failureStreakStartedAt ??= failedAt;
    return { count: s.consecutiveFailures, startedAt: s.failureStreakStartedAt };
  }
  async resetFailures(id: SubscriptionId): Promise<void> {
    const s = this.items.get(id);
    if (s === undefined) return;
    s.consecutiveFailures = 0;
    delete s.failureStreakStartedAt;
  }
}

/** The breaker's and pacer's fields on the in-memory subscriptions, with the adapter's conditions. */
export class MemoryEndpointHealth implements EndpointHealthStore {
  constructor(private readonly subscriptions: MemorySubscriptions) {}
  async recordTransportFailure(id: SubscriptionId): Promise<BreakerState | undefined> {
    const s = this.subscriptions.items.get(id);
    if (s === undefined) return undefined;
    s.breakerFailures = (s.breakerFailures ?? 0) + 1;
    return breakerOf(s);
  }
  async open(id: SubscriptionId, seen: BreakerState, openUntil: number, opens: number): Promise<boolean> {
    const s = this.subscriptions.items.get(id);
    if (s === undefined || s.breakerOpenUntil !== seen.openUntil) return false;
    Object.assign(s, { breakerOpenUntil: openUntil, breakerOpens: opens });
    delete s.breakerProbeUntil;
    delete s.breakerClosedAt;
    return true;
  }
  async claimProbe(id: SubscriptionId, seen: BreakerState, now: number, leaseUntil: number): Promise<boolean> {
    const s = this.subscriptions.items.get(id);
    if (s === undefined || s.breakerOpenUntil !== seen.openUntil || (s.breakerProbeUntil !== undefined && s.breakerProbeUntil > now)) return false;
    s.breakerProbeUntil = leaseUntil;
    return true;
  }
  async close(id: SubscriptionId, drainFrom?: number): Promise<void> {
    const s = this.subscriptions.items.get(id);
    if (s === undefined) return;
    for (const key of ['breakerFailures', 'breakerOpenUntil', 'breakerOpens', 'breakerProbeUntil'] as const) delete s[key];
    if (drainFrom !== undefined) s.breakerClosedAt = drainFrom;
  }
  async reserveSlot(id: SubscriptionId, now: number, intervalMs: number): Promise<number> {
    const s = this.subscriptions.items.get(id);
    if (s === undefined) return now;
    const slot = Math.max(now, s.paceNextAt ?? now);
    s.paceNextAt = slot + intervalMs;
    return slot;
  }
}

export class MemoryMessages implements MessageStore {
  readonly items = new Map<MessageId, Message>();
  readonly claims = new Map<string, { messageId: MessageId; expiresAt: number; queued?: string }>();
  /** `now` decides whether a claim is still live: pass the test's clock. */
  constructor(private readonly now: () => number = Date.now) {}
  async put(message: Message, claim?: IdempotencyClaim) {
    if (claim) {
      const held = this.claims.get(claim.key);
      if (held && held.expiresAt > this.now()) return { duplicateOf: held.messageId, queued: held.queued !== undefined };
      this.claims.set(claim.key, { messageId: message.id, expiresAt: claim.expiresAt });
    }
    this.items.set(message.id, clone(message));
    return {};
  }
  async markQueued(key: string) {
    const held = this.claims.get(key);
    if (held) held.queued = 'intake';
  }
  async markIntakeFailed(id: MessageId, failure: IntakeFailure) {
    const m = this.items.get(id);
    if (m) m.intakeFailed = { ...failure };
  }
  async claimQueued(key: string, checkId: string) {
    const held = this.claims.get(key);
    if (held === undefined || (held.queued !== undefined && held.queued !== checkId)) return false;
    held.queued = checkId;
    return true;
  }
  async get(id: MessageId) {
    const m = this.items.get(id);
    return m && clone(m);
  }
  async getMany(ids: readonly MessageId[]) {
    return new Map(ids.flatMap((id) => (this.items.has(id) ? [[id, clone(this.items.get(id)!)] as const] : [])));
  }
  async listUnrouted(since: string, until: string): Promise<Page<Message>> {
    return { items: [...this.items.values()].filter((m) => m.routing === 'unrouted' && m.createdAt >= since && m.createdAt < until) };
  }
  async addRoute(id: MessageId, subscriptionId: SubscriptionId) {
    const m = this.items.get(id);
    if (m && !m.subscriptionIds.includes(subscriptionId)) m.subscriptionIds = [...m.subscriptionIds, subscriptionId];
  }
}

export class MemoryDeliveries implements DeliveryStore {
  readonly items = new Map<DeliveryId, Delivery>();
  async createMany(deliveries: readonly Delivery[]) {
    for (const d of deliveries) if (!this.items.has(d.id)) this.items.set(d.id, clone(d));
  }
  async get(id: DeliveryId) {
    const d = this.items.get(id);
    return d && clone(d);
  }
  async getMany(ids: readonly DeliveryId[]) {
    return new Map(ids.flatMap((id) => (this.items.has(id) ? [[id, clone(this.items.get(id)!)] as const] : [])));
  }
  /** Conditional like the DynamoDB adapter's: a newer stored state (generation, attempt) stays. */
  async putMany(deliveries: readonly Delivery[]) {
    for (const d of deliveries) {
      const stored = this.items.get(d.id);
      const older = stored === undefined || stored.generation < d.generation || (stored.generation === d.generation && stored.attemptCount <= d.attemptCount);
      if (older) this.items.set(d.id, clone(d));
    }
  }
  async openGenerations(deliveries: readonly Delivery[]) {
    for (const d of deliveries) {
      const stored = this.items.get(d.id);
      if (stored === undefined || stored.generation < d.generation) this.items.set(d.id, clone(d));
    }
  }
  async list(q: DeliveryQuery): Promise<Page<Delivery>> {
    const items = [...this.items.values()]
      .filter((d) => (q.subscriptionId ? d.subscriptionId === q.subscriptionId : true))
      .filter((d) => (q.status ? d.status === q.status : true))
      .filter((d) => (q.since ? d.createdAt >= q.since : true) && (q.until ? d.createdAt < q.until : true))
      .sort((a, b) => (q.ascending ? a.createdAt.localeCompare(b.createdAt) : b.createdAt.localeCompare(a.createdAt)));
    return { items: items.slice(0, q.limit).map(clone) };
  }
}

export class MemoryQueue implements TaskQueue {
  readonly sent: QueuedTask[] = [];
  private refusal: Error | undefined;
  async sendMany(tasks: readonly QueuedTask[]) {
    if (this.refusal) throw this.refusal;
    this.sent.push(...tasks.map(clone));
  }
  /** A queue outage: every send fails with `error` until the returned function is called. */
  refuseSends(error: Error): () => void {
    this.refusal = error;
    return () => {
      this.refusal = undefined;
    };
  }
}

export class MemoryScheduler implements RetryScheduler {
  readonly scheduled: { task: DeliveryTask; dueAt: number }[] = [];
  readonly cancelled: DeliveryTask[] = [];
  async schedule(task: DeliveryTask, dueAt: number) {
    this.scheduled.push({ task: clone(task), dueAt });
  }
  async cancel(task: DeliveryTask) {
    this.cancelled.push(clone(task));
  }
}

export class MemoryRetryBuckets implements RetryBucketStore {
  readonly tasks = new Map<string, Map<string, DeliveryTask>>();
  readonly arranged = new Map<string, 'pending' | 'schedule' | 'queue'>();
  private readonly claimedAt = new Map<string, number>();
  async add(bucket: RetryBucket, task: DeliveryTask) {
    const tasks = this.tasks.get(bucket.id) ?? new Map<string, DeliveryTask>();
    tasks.set(`${task.deliveryId}#${task.attempt}#${task.generation}`, clone(task));
    this.tasks.set(bucket.id, tasks);
  }
  async claim(bucket: RetryBucket, now: number, staleAfterMs: number) {
    const state = this.arranged.get(bucket.id);
    if (state !== undefined && !(state === 'pending' && (this.claimedAt.get(bucket.id) ?? 0) < now - staleAfterMs)) return false;
    this.arranged.set(bucket.id, 'pending');
    this.claimedAt.set(bucket.id, now);
    return true;
  }
  async markArranged(bucket: RetryBucket, via: 'schedule' | 'queue') {
    this.arranged.set(bucket.id, via);
  }
  async *pages(bucketId: string) {
    const tasks = [...(this.tasks.get(bucketId)?.values() ?? [])];
    if (tasks.length > 0) yield tasks.map(clone);
  }
  readonly swept = new Set<string>();
  async isSwept(bucketId: string) {
    return this.swept.has(bucketId);
  }
  async markSwept(bucketId: string) {
    this.swept.add(bucketId);
  }
  async remove(bucket: RetryBucket, task: DeliveryTask) {
    this.tasks.get(bucket.id)?.delete(`${task.deliveryId}#${task.attempt}#${task.generation}`);
  }
}

export class MemoryPayloads implements PayloadStore {
  readonly items = new Map<string, string>();
  async put(key: string, body: string) {
    this.items.set(key, body);
  }
  async get(key: string) {
    const v = this.items.get(key);
    if (v === undefined) throw new Error(`no object ${key}`);
    return v;
  }
}

export class MemoryAlerts implements AlertPublisher {
  readonly published: Parameters<AlertPublisher['publish']>[0][] = [];
  async publish(alert: Parameters<AlertPublisher['publish']>[0]) {
    this.published.push(alert);
  }
}

export class MemoryJobs implements JobStore {
  readonly items = new Map<string, ReplayJob>();
  async put(job: ReplayJob) {
    this.items.set(job.id, clone(job));
  }
  async get(id: string) {
    const j = this.items.get(id);
    return j && clone(j);
  }
}

/** A sender that answers from a script (one result per call) and records every request. */
export class ScriptedSender implements WebhookSender {
  readonly requests: OutboundRequest[] = [];
  constructor(private readonly script: (request: OutboundRequest, index: number) => SendResult) {}
  async send(request: OutboundRequest): Promise<SendResult> {
    this.requests.push(clone(request));
    return this.script(request, this.requests.length - 1);
  }
}

export const respond = (statusCode: number, headers: Record<string, string> = {}): SendResult => ({
  kind: 'response',
  statusCode,
  headers,
  bodyExcerpt: '',
  durationMs: 5,
});

export class ManualClock {
  constructor(public t: number) {}
  now = () => this.t;
}

/** One of each in-memory store, queue and publisher: the ports every in-memory world wires the same way. */
export function memoryPorts(now: () => number = Date.now) {
  const subscriptions = new MemorySubscriptions();
  return {
    subscriptions,
    endpointHealth: new MemoryEndpointHealth(subscriptions),
    messages: new MemoryMessages(now),
    deliveries: new MemoryDeliveries(),
    payloads: new MemoryPayloads(),
    queue: new MemoryQueue(),
    retryScheduler: new MemoryScheduler(),
    alerts: new MemoryAlerts(),
    jobs: new MemoryJobs(),
  };
}
