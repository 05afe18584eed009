import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { acceptEvent, type IntakeLimits } from '../../../lambdas/core/services/intake.js';
import { processBatch, type DispatchDeps, type DispatchEvent } from '../../../lambdas/core/services/dispatch.js';
import {
  createSubscription,
  rotateSubscriptionSecret,
  testSavedSubscription,
  testUnsavedSubscription,
  TEST_ATTEMPT_TIMEOUT_MS,
  type SubscriptionDeps,
} from '../../../lambdas/core/services/subscriptions.js';
import { retryDelivery } from '../../../lambdas/core/services/replay.js';
import type { AttemptLogLine } from '../../../lambdas/core/attempt-log.js';
import { STORED_ATTEMPTS_MAX, type DeliveryId, type DeliveryTask, type SubscriptionId } from '../../../lambdas/core/model.js';
import { deliveryIdFor } from '../../../lambdas/core/ids.js';
import { TransientDependencyError } from '../../../lambdas/core/errors.js';
import { STREAK_COUNTED_EXACTLY } from '../../../lambdas/core/failure-policy.js';
import type { OutboundRequest, SendResult } from '../../../lambdas/core/ports.js';
import { respond } from '../../support/memory-ports.js';
import { memoryServiceDeps, T0 } from '../../support/service-world.js';

const limits: IntakeLimits = { maxPayloadBytes: 262_144, inlinePayloadBytes: 65_536, taskPayloadBytes: 8192, fanoutPageSize: 500, retentionDays: 30 };

function world(script: (request: OutboundRequest, index: number) => SendResult) {
  const logLines: AttemptLogLine[] = [];
  const events: DispatchEvent[] = [];
  const { deps, clock, subscriptionDeps } = memoryServiceDeps({
    script,
    limits,
    version: '0.0.0-test',
    attemptLog: { write: (line: AttemptLogLine) => logLines.push(line) },
    observe: (event: DispatchEvent) => events.push(event),
  });
  let record = 0;
  /** Delivers every queued task (and only those) to the worker as one batch. */
  const drainQueue = async () => {
    const tasks = deps.queue.sent.splice(0);
    return processBatch(deps, tasks.map((t) => ({ id: `r${record++}`, body: JSON.stringify(t.task) })));
  };
  const runTask = (task: DeliveryTask) => processBatch(deps, [{ id: `r${record++}`, body: JSON.stringify(task) }]);
  return { deps, clock, logLines, events, subscriptionDeps, drainQueue, runTask };
}

async function subscribe(w: ReturnType<typeof world>, body: Record<string, unknown>): Promise<SubscriptionId> {
  const created = await createSubscription(w.subscriptionDeps, { url: 'https://hooks.example.com/in', eventTypes: ['order.created'], ...body });
  return created.id as SubscriptionId;
}

async function post(w: ReturnType<typeof world>, tenant?: string) {
  return acceptEvent({ ...w.deps }, { type: 'order.created', ...(tenant && { tenant }), payload: { orderId: 42 } });
}

/** Runs the next scheduled retry once the clock reaches its due time; returns what the run re-queued. */
async function runDueRetry(w: ReturnType<typeof world>) {
  const retry = w.deps.retryScheduler.scheduled.shift()!;
  w.clock.t = retry.dueAt;
  return w.runTask(retry.task);
}

/** One event to a `preset` subscription whose receiver answers 503, then `retryStatus` to the scheduled retry. */
async function failOnceThenRetry(preset: string, retryStatus: number) {
  const w = world((_, i) => respond(i === 0 ? 503 : retryStatus));
  await subscribe(w, { preset });
  await post(w);
  await w.drainQueue();
  await runDueRetry(w);
  return { w, delivery: [...w.deps.deliveries.items.values()][0]! };
}

describe('processBatch', () => {
  it('runs a task written with the previous delivery-id format under the id derived from its (message, subscription)', async () => {
    const w = world(() => respond(200));
    const subscriptionId = await subscribe(w, {});
    const { messageId } = await post(w);
    const queued = w.deps.queue.sent.splice(0).map((s) => s.task as DeliveryTask);
    expect(queued).toHaveLength(1);
    const derived = deliveryIdFor(messageId, subscriptionId);
    await w.runTask({ ...queued[0]!, deliveryId: 'dlv_laCgSDdGGsOTelMnXO8GhGqahU' as DeliveryId });
    expect([...w.deps.deliveries.items.keys()]).toEqual([derived]);
    expect(w.deps.deliveries.items.get(derived)).toMatchObject({ status: 'succeeded', attemptCount: 1, messageId, subscriptionId });
    expect(w.logLines.map((l) => l.deliveryId)).toEqual([derived]);
  });

  it('stores and logs a response excerpt without the credentials a receiver echoed back', async () => {
    // Prepare: a receiver that answers 500 with the request it got (headers and target).
    const echo = (request: OutboundRequest): SendResult => ({
      kind: 'response',
      statusCode: 500,
      headers: {},
      bodyExcerpt: JSON.stringify({ url: request.url, headers: request.headers }),
      durationMs: 5,
    });
    const w = world(echo);
    await subscribe(w, {
      url: 'https://hooks.example.com/in?token=qs-tok-7c1e9a55',
      auth: { type: 'basic', username: 'hook', password: 'pw-Zx81!correct-horse' },
      customHeaders: { 'X-Api-Key': 'key_live_4f1c9a2b7e6d5c3a' },
    });
    await post(w);

    // Act
    await w.drainQueue();

    // Assess
    const [delivery] = [...w.deps.deliveries.items.values()];
    const excerpt = delivery!.attempts[0]!.responseExcerpt!;
    const sent = w.deps.sender.requests[0]!;
    expect(JSON.parse(excerpt)).toMatchObject({ url: 'https://hooks.example.com/in?token=[redacted]', headers: { Authorization: '[redacted]', 'X-Api-Key': '[redacted]' } });
    expect(JSON.parse(excerpt).headers['webhook-id']).toBe(sent.headers['webhook-id']);
    const stored = JSON.stringify([delivery, w.logLines]);
    const basic = Buffer.from('hook:pw-Zx81!correct-horse').toString('base64');
    for (const credential of ['qs-tok-7c1e9a55', basic, 'pw-Zx81', 'key_live_4f1c9a2b7e6d5c3a']) expect(stored).not.toContain(credential);
    expect(w.logLines[0]).toMatchObject({ responseExcerpt: excerpt });
  });

  it('records a first-attempt success with one attempt and a log line without secrets', async () => {
    // Prepare
    const w = world(() => respond(200));
    const subscriptionId = await subscribe(w, { auth: { type: 'bearer', token: 'tok-secret-123' } });
    const { messageId } = await post(w);

    // Act
    const failed = await w.drainQueue();

    // Assess
    expect(failed).toEqual([]);
    const [delivery] = [...w.deps.deliveries.items.values()];
    expect(delivery).toMatchObject({ messageId, subscriptionId, status: 'succeeded', attemptCount: 1 });
    expect(delivery?.attempts).toHaveLength(1);
    expect(delivery?.attempts[0]).toMatchObject({ attempt: 1, outcome: 'success', statusCode: 200, urlHost: 'hooks.example.com' });
    expect(w.deps.sender.requests[0]?.headers['webhook-id']).toBe(messageId);
    expect(w.logLines).toHaveLength(1);
    const secret = [...w.deps.subscriptions.items.values()][0]!.secrets[0]!.secret;
    const serialized = JSON.stringify(w.logLines);
    expect(serialized).not.toContain('tok-secret-123');
    expect(serialized).not.toContain(secret.slice(6));
    expect(serialized).not.toContain('v1,');
  });

  it('retries tiktok-shop failures exactly 2 m, 30 m, 3 h, 12 h after each failure, then stops', async () => {
    const w = world(() => respond(500));
    await subscribe(w, { preset: 'tiktok-shop' });
    await post(w);
    await w.drainQueue();

    const expectedDelays = [120, 1800, 10_800, 43_200];
    for (const delay of expectedDelays) {
      const scheduled = w.deps.retryScheduler.scheduled.shift();
      const delivery = [...w.deps.deliveries.items.values()][0]!;
      const lastEnd = Date.parse(delivery.attempts.at(-1)!.endedAt);
      expect(scheduled!.dueAt - lastEnd).toBe(delay * 1000);
      expect(delivery.status).toBe('pending');
      w.clock.t = scheduled!.dueAt;
      expect(await w.runTask(scheduled!.task)).toEqual([]);
    }
    const delivery = [...w.deps.deliveries.items.values()][0]!;
    expect(delivery.status).toBe('failed');
    expect(delivery.attemptCount).toBe(5);
    expect(w.deps.retryScheduler.scheduled).toHaveLength(0);
    expect(w.deps.sender.requests.map((r) => r.headers['X-Hookline-Attempt'] ?? r.headers['x-hookline-attempt'])).toEqual(['1', '2', '3', '4', '5']);
  });

  it('refuses to sign a subscription stored before the keying change (issue 17) until rotate-secret re-keys it', async () => {
    // Prepare: an hmac-sha256 subscription as an older version stored it (no `keying`).
    const w = world(() => respond(200));
    const id = await subscribe(w, { preset: 'shopify' });
    const stored = w.deps.subscriptions.items.get(id)!;
    const { keying: _k, ...legacy } = stored;
    w.deps.subscriptions.items.set(id, legacy);
    await post(w);

    // Act
    await w.drainQueue();

    // Assess: nothing sent, the refusal is recorded with what to do.
    expect(w.deps.sender.requests).toHaveLength(0);
    const delivery = [...w.deps.deliveries.items.values()][0]!;
    expect(delivery.status).toBe('failed');
    expect(delivery.attempts[0]).toMatchObject({ outcome: 'refused', reason: expect.stringContaining('rotate-secret') });

    // A wrong imported secret is refused naming the field; a good one re-keys.
    await expect(rotateSubscriptionSecret(w.subscriptionDeps, id, { secret: 'too short' })).rejects.toMatchObject({ errors: [{ field: 'secret' }] });
    const { secret } = await rotateSubscriptionSecret(w.subscriptionDeps, id, { secret: 'shpss_0123456789abcdef', graceSeconds: 0 });
    await post(w);
    await w.drainQueue();
    const request = w.deps.sender.requests[0]!;
    expect(request.headers['X-Shopify-Hmac-Sha256']).toBe(createHmac('sha256', secret).update(request.body!).digest('base64'));
  });

  it('counts a 401 as acknowledged for tiktok-shop, and marks the attempt as a non-2xx acknowledgement', async () => {
    const w = world(() => respond(401));
    await subscribe(w, { preset: 'tiktok-shop' });
    await post(w);
    await w.drainQueue();
    const delivery = [...w.deps.deliveries.items.values()][0]!;
    expect(delivery.status).toBe('succeeded');
    expect(delivery.attempts).toHaveLength(1);
    expect(delivery.attempts[0]).toMatchObject({ statusCode: 401, outcome: 'success', acknowledgedNon2xx: true });
    expect(w.deps.retryScheduler.scheduled).toHaveLength(0);
  });

  it('leaves a 2xx success and a non-2xx failure unmarked', async () => {
    const { delivery } = await failOnceThenRetry('tiktok-shop', 200);
    const attempts = delivery.attempts;
    expect(attempts.map((a) => [a.statusCode, a.outcome])).toEqual([
      [503, '5xx'],
      [200, 'success'],
    ]);
    for (const attempt of attempts) expect(attempt).not.toHaveProperty('acknowledgedNon2xx');
  });

  it('ends a partoo delivery at the first 4xx and retries its 5xx', async () => {
    const { w, delivery } = await failOnceThenRetry('partoo', 404);
    expect(delivery.status).toBe('failed');
    expect(delivery.attempts.map((a) => a.outcome)).toEqual(['5xx', '4xx']);
    expect(w.deps.retryScheduler.scheduled).toHaveLength(0);
  });

  it('sends nothing for a duplicate receive of a task already attempted', async () => {
    const w = world(() => respond(200));
    await subscribe(w, {});
    await post(w);
    const task = w.deps.queue.sent[0]!.task as DeliveryTask;
    await w.drainQueue();
    await w.runTask(task);
    await processBatch(w.deps, [
      { id: 'a', body: JSON.stringify(task) },
      { id: 'b', body: JSON.stringify(task) },
    ]);
    expect(w.deps.sender.requests).toHaveLength(1);
  });

  it('tops up a task that arrives early instead of attempting it', async () => {
    const w = world(() => respond(200));
    await subscribe(w, {});
    await post(w);
    const task = { ...(w.deps.queue.sent.splice(0)[0]!.task as DeliveryTask), dueAt: T0 + 3_600_000 };
    await w.runTask(task);
    expect(w.deps.sender.requests).toHaveLength(0);
    expect(w.deps.queue.sent).toEqual([{ task, delaySeconds: 900 }]);
  });

  it('tops up an early task before any read of the store', async () => {
    const w = world(() => respond(200));
    await subscribe(w, {});
    await post(w);
    const task = { ...(w.deps.queue.sent.splice(0)[0]!.task as DeliveryTask), dueAt: T0 + 5_000 };
    const reads: string[] = [];
    w.deps.deliveries.getMany = async () => (reads.push('deliveries'), new Map());
    w.deps.subscriptions.getMany = async () => (reads.push('subscriptions'), new Map());
    w.deps.messages.getMany = async () => (reads.push('messages'), new Map());
    await w.runTask(task);
    expect(reads).toEqual([]);
    expect(w.deps.queue.sent).toEqual([{ task, delaySeconds: 5 }]);
  });

  it('classifies errors once: unknown and transient ones are reported and redelivered', async () => {
    const w = world(() => respond(200));
    await subscribe(w, {});
    await post(w);
    await post(w);
    const [first, second] = w.deps.queue.sent.splice(0).map((t) => t.task as DeliveryTask);
    let calls = 0;
    w.deps.deliveries.putMany = async () => {
      calls += 1;
      throw calls === 1 ? new TransientDependencyError('throttled') : new TypeError('bug');
    };
    const failed = await processBatch(w.deps, [
      { id: 'one', body: JSON.stringify(first) },
      { id: 'two', body: JSON.stringify(second) },
    ]);
    expect(failed.sort()).toEqual(['one', 'two']);
    const errors = w.events.filter((e) => e.type === 'task-error');
    expect(errors.map((e) => e.errorClass).sort()).toEqual(['retryable', 'unknown']);
    expect(errors.every((e) => e.task !== undefined && e.recordId !== undefined)).toBe(true);
  });

  describe('a retry due within a second', () => {
    /** The 1 s retry of a fixed policy, at time scale 100: due 10 ms after the failure. */
    async function soonRetry(script: (request: OutboundRequest, index: number) => SendResult) {
      const w = world(script);
      w.deps.timeScale = 100;
      await subscribe(w, { retryPolicy: { type: 'fixed', delays: [1] } });
      await post(w);
      const task = w.deps.queue.sent[0]!.task as DeliveryTask;
      return { w, task };
    }

    it('is made in the same invocation, not through the queue', async () => {
      const { w } = await soonRetry((_, i) => respond(i === 0 ? 500 : 200));
      expect(await w.drainQueue()).toEqual([]);

      expect(w.deps.sender.requests).toHaveLength(2);
      const [delivery] = [...w.deps.deliveries.items.values()];
      expect(delivery?.status).toBe('succeeded');
      expect(delivery?.attempts.map((a) => [a.attempt, a.trigger, a.outcome])).toEqual([
        [1, 'event', '5xx'],
        [2, 'retry', 'success'],
      ]);
      expect(w.deps.retryScheduler.scheduled).toEqual([]);
      expect(w.deps.queue.sent).toEqual([]);
    });

    it('when its invocation died before recording it, is made by the redelivered task once long overdue, and not before', async () => {
      const { w, task } = await soonRetry(() => respond(200));
      // What the crashed invocation left: attempt 1 recorded, its in-line retry never made.
      const attempt1 = { attempt: 1, trigger: 'event' as const, startedAt: new Date(T0).toISOString(), endedAt: new Date(T0).toISOString(), durationMs: 3, urlHost: 'hooks.example.com', statusCode: 500, outcome: '5xx' as const };
      const created = new Date(T0).toISOString();
      w.deps.deliveries.items.set(task.deliveryId, {
        ...{ id: task.deliveryId, messageId: task.messageId, subscriptionId: task.subscriptionId, eventType: task.eventType, status: 'pending' as const },
        ...{ generation: 0, createdAt: created, updatedAt: created, attemptCount: 1, attempts: [attempt1], lastOutcome: '5xx' as const },
        nextAttemptAt: new Date(T0 + 10).toISOString(),
      });

      // A duplicate receive while the retry may still be on its way: nothing.
      w.clock.t = T0 + 10_000;
      expect(await w.runTask(task)).toEqual([]);
      expect(w.deps.sender.requests).toHaveLength(0);

      // The redelivery after the invocation's visibility timeout: the retry, once.
      w.clock.t = T0 + 60_000;
      expect(await w.runTask(task)).toEqual([]);
      expect(await w.runTask(task)).toEqual([]);
      expect(w.deps.sender.requests.map((r) => r.headers['X-Hookline-Attempt'] ?? r.headers['x-hookline-attempt'])).toEqual(['2']);
      expect(w.deps.deliveries.items.get(task.deliveryId)).toMatchObject({ status: 'succeeded', attemptCount: 2 });
    });

    it('goes through the queue when the in-line attempt cannot be recorded', async () => {
      const { w, task } = await soonRetry(() => respond(500));
      const put = w.deps.deliveries.putMany.bind(w.deps.deliveries);
      w.deps.deliveries.putMany = async (deliveries) => {
        if (deliveries.some((d) => d.attemptCount === 2)) throw new Error('DynamoDB unavailable');
        return put(deliveries);
      };
      expect(await w.drainQueue()).toEqual([]);

      expect(w.deps.deliveries.items.get(task.deliveryId)?.attemptCount).toBe(1);
      const due = Date.parse(w.deps.deliveries.items.get(task.deliveryId)!.nextAttemptAt!);
      expect(w.deps.retryScheduler.scheduled).toEqual([{ task: expect.objectContaining({ attempt: 2, trigger: 'retry' }), dueAt: expect.closeTo(due, 0) }]);
    });
  });

  describe('a retry that overtook the record of the attempt before it', () => {
    /** Attempt 1 failed (its retry is in hand) but its record has not landed yet. */
    async function overtakenRetry() {
      const w = world((_, i) => respond(i === 0 ? 500 : 200));
      await subscribe(w, { retryPolicy: { type: 'fixed', delays: [1] } });
      await post(w);
      const { deliveryId } = w.deps.queue.sent[0]!.task as DeliveryTask;
      await w.drainQueue();
      const attempted = w.deps.deliveries.items.get(deliveryId)!;
      w.deps.deliveries.items.delete(deliveryId); // as if attempt 1's write (its first record) were still in flight
      const retry = w.deps.retryScheduler.scheduled.shift()!;
      w.clock.t = retry.dueAt;
      return { w, attempted, retry: retry.task };
    }

    it('waits for that record, then attempts once and appends to it (no re-queue)', async () => {
      const { w, attempted, retry } = await overtakenRetry();
      const running = w.runTask(retry);
      setTimeout(() => w.deps.deliveries.items.set(attempted.id, attempted), 30);
      expect(await running).toEqual([]);

      expect(w.deps.sender.requests).toHaveLength(2);
      expect(w.deps.queue.sent).toEqual([]);
      const final = w.deps.deliveries.items.get(attempted.id)!;
      expect(final.status).toBe('succeeded');
      expect(final.attempts.map((a) => [a.attempt, a.outcome])).toEqual([
        [1, '5xx'],
        [2, 'success'],
      ]);
    });

    it('puts it back on the queue a second later when that record never comes', async () => {
      const { w, attempted, retry } = await overtakenRetry();
      expect(await w.runTask(retry)).toEqual([]);
      expect(w.deps.sender.requests).toHaveLength(1);
      expect(w.deps.queue.sent).toEqual([{ task: retry, delaySeconds: 1 }]);
      expect(w.deps.deliveries.items.has(attempted.id)).toBe(false);
      expect(w.events).toContainEqual(expect.objectContaining({ type: 'skipped', reason: 'previous attempt not recorded yet: requeued' }));
    });
  });

  it('records paused for a disabled subscription and dropped for a deleted one', async () => {
    const w = world(() => respond(200));
    const a = await subscribe(w, { tenant: 'shop_a' });
    const b = await subscribe(w, { tenant: 'shop_b' });
    await post(w, 'shop_a');
    await post(w, 'shop_b');
    w.deps.subscriptions.items.get(a)!.status = 'disabled';
    w.deps.subscriptions.items.delete(b);
    await w.drainQueue();
    const bySub = new Map([...w.deps.deliveries.items.values()].map((d) => [d.subscriptionId, d]));
    expect(bySub.get(a)).toMatchObject({ status: 'paused' });
    expect(bySub.get(b)).toMatchObject({ status: 'dropped', reason: 'subscription was deleted' });
    expect(w.deps.sender.requests).toHaveLength(0);
  });

  it('a burst of shopify failures within seconds warns but never deletes (the streak has not lasted 48 h)', async () => {
    const w = world(() => respond(500));
    const id = await subscribe(w, { preset: 'shopify' });
    for (let i = 0; i < 30; i++) {
      await post(w);
      await w.drainQueue();
      w.clock.t += 100;
    }
    const firstFailureEnd = [...w.deps.deliveries.items.values()].map((d) => d.attempts[0]!.endedAt).sort()[0];
    expect(w.deps.subscriptions.items.get(id)).toMatchObject({ status: 'active', consecutiveFailures: 30, failureStreakStartedAt: firstFailureEnd });
    expect(w.deps.alerts.published.map((a) => a.kind)).toEqual(['subscription-failing']);
    expect([...w.deps.deliveries.items.values()].every((d) => d.status === 'pending')).toBe(true);
  });

  it('past the exact range, adds to a streak only the failure that may fire the action (no item write per failed attempt)', async () => {
    const w = world(() => respond(500));
    const id = await subscribe(w, { preset: 'shopify' });
    const startedAt = new Date(T0).toISOString();
    Object.assign(w.deps.subscriptions.items.get(id)!, { consecutiveFailures: STREAK_COUNTED_EXACTLY, failureStreakStartedAt: startedAt });
    let writes = 0;
    const recordFailure = w.deps.subscriptions.recordFailure.bind(w.deps.subscriptions);
    w.deps.subscriptions.recordFailure = (...args) => (writes++, recordFailure(...args));
    for (let i = 0; i < 5; i++) {
      await post(w);
      await w.drainQueue();
      w.clock.t += 100;
    }
    expect(w.deps.sender.requests).toHaveLength(5);
    expect(writes).toBe(0);
    expect(w.deps.subscriptions.items.get(id)).toMatchObject({ status: 'active', consecutiveFailures: STREAK_COUNTED_EXACTLY, failureStreakStartedAt: startedAt });
    // 48 h into the streak the next failure may delete: it is written, and the policy acts.
    w.clock.t = T0 + 48 * 3_600_000;
    await post(w);
    await w.drainQueue();
    expect(writes).toBe(1);
    expect(w.deps.subscriptions.items.get(id)).toMatchObject({
      status: 'deleted',
      disabledReason: `subscription_deleted_by_policy: ${STREAK_COUNTED_EXACTLY + 1} consecutive failed attempts since ${startedAt}`,
    });
  });

  it('a single failing shopify event gets its first attempt and all 19 retries over 48 h, then the deletion (warned first)', async () => {
    const w = world(() => respond(500));
    const id = await subscribe(w, { preset: 'shopify' });
    await post(w);
    await w.drainQueue();
    for (let retry = 1; retry <= 19; retry++) {
      expect(w.deps.subscriptions.items.get(id)?.status).toBe('active');
      expect(await runDueRetry(w)).toEqual([]);
    }
    expect(w.deps.sender.requests).toHaveLength(20);
    expect(w.clock.t - T0).toBeGreaterThanOrEqual(48 * 3_600_000);
    expect(w.clock.t - T0).toBeLessThan(48 * 3_600_000 + 1000);
    // Deleted softly: kept for the retention period (30 days here) with the reason, owning no route.
    expect(w.deps.subscriptions.items.get(id)).toMatchObject({
      status: 'deleted',
      disabledReason: expect.stringMatching(/^subscription_deleted_by_policy: 20 consecutive failed attempts since /),
      deletedAt: new Date(w.clock.t).toISOString(),
      retainedUntil: new Date(w.clock.t + 30 * 86_400_000).toISOString(),
    });
    expect(await w.deps.subscriptions.routes(undefined, 'order.created')).toEqual([]);
    expect(w.deps.alerts.published.map((a) => a.kind)).toEqual(['subscription-failing', 'subscription-deleted']);
    expect(w.deps.alerts.published[1]!.message).toContain(`POST /v1/subscriptions/${id}/enable`);
    const delivery = [...w.deps.deliveries.items.values()][0]!;
    expect(delivery).toMatchObject({ status: 'failed', attemptCount: 20 });
  });

  describe('a delivery with more attempts than its item keeps', () => {
    const attemptNumbers = (id: string, w: ReturnType<typeof world>) => w.deps.deliveries.items.get(id as DeliveryTask['deliveryId'])!.attempts.map((a) => a.attempt);
    const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

    it('keeps only the newest attempts, the true count, every log line, and still retries and retries manually', async () => {
      // Prepare: 25 failures, then success (exponential, 25 retries).
      const total = 26;
      const w = world((_, i) => respond(i < total - 1 ? 500 : 200));
      await subscribe(w, { retryPolicy: { type: 'exponential', initialDelay: 1, factor: 1, maxDelay: 1, retries: total - 1 } });
      await post(w);
      const { deliveryId } = w.deps.queue.sent[0]!.task as DeliveryTask;

      // Act: the first attempt, then every retry as it comes due (in-line or scheduled).
      await w.drainQueue();
      for (let guard = 0; w.deps.retryScheduler.scheduled.length > 0 && guard < total; guard++) {
        expect(await runDueRetry(w)).toEqual([]);
      }

      // Assess: the retries past the cap ran; the item keeps the newest 20, the log all 26.
      expect(w.deps.sender.requests).toHaveLength(total);
      const delivery = w.deps.deliveries.items.get(deliveryId)!;
      expect(delivery).toMatchObject({ status: 'succeeded', attemptCount: total, lastOutcome: 'success' });
      expect(attemptNumbers(deliveryId, w)).toEqual(range(total - STORED_ATTEMPTS_MAX + 1, total));
      expect(w.logLines.map((l) => l.attempt)).toEqual(range(1, total));

      // A manual retry still opens a new generation on top of the trimmed list.
      w.deps.sender.requests.length = 0;
      await retryDelivery(w.deps, deliveryId);
      expect(await w.drainQueue()).toEqual([]);
      expect(w.deps.sender.requests).toHaveLength(1);
      expect(w.deps.deliveries.items.get(deliveryId)).toMatchObject({ attemptCount: total + 1, generation: 1 });
      expect(attemptNumbers(deliveryId, w)).toEqual(range(total - STORED_ATTEMPTS_MAX + 2, total + 1));
    });

    it('whose lost in-line retry is made once by the redelivered task (the gate compares attempt numbers, not the list length)', async () => {
      // Prepare: attempt 25 failed with an in-line retry due 10 ms later, never made; the item holds attempts 6..25.
      const w = world(() => respond(200));
      w.deps.timeScale = 100;
      await subscribe(w, { retryPolicy: { type: 'fixed', delays: [1] } });
      await post(w);
      const task = { ...(w.deps.queue.sent[0]!.task as DeliveryTask), attempt: 25, trigger: 'retry' as const };
      const at = new Date(T0).toISOString();
      const attempts = range(6, 25).map((n) => ({ attempt: n, trigger: 'retry' as const, startedAt: at, endedAt: at, durationMs: 3, statusCode: 500, outcome: '5xx' as const }));
      w.deps.deliveries.items.set(task.deliveryId, {
        ...{ id: task.deliveryId, messageId: task.messageId, subscriptionId: task.subscriptionId, eventType: task.eventType, status: 'pending' as const },
        ...{ generation: 0, createdAt: at, updatedAt: at, attemptCount: 25, attempts, lastOutcome: '5xx' as const },
        nextAttemptAt: new Date(T0 + 10).toISOString(),
      });

      // Act: the redelivery after the invocation's visibility timeout, twice.
      w.clock.t = T0 + 60_000;
      expect(await w.runTask(task)).toEqual([]);
      expect(await w.runTask(task)).toEqual([]);

      // Assess
      expect(w.deps.sender.requests.map((r) => r.headers['X-Hookline-Attempt'] ?? r.headers['x-hookline-attempt'])).toEqual(['26']);
      expect(w.deps.deliveries.items.get(task.deliveryId)).toMatchObject({ status: 'succeeded', attemptCount: 26 });
      expect(attemptNumbers(task.deliveryId, w)).toEqual(range(7, 26));
    });
  });

  describe('the admin test routes', () => {
    it('wait at most TEST_ATTEMPT_TIMEOUT_MS, below the admin Lambda\'s 29 s, whatever the subscription\'s timeout', async () => {
      expect(TEST_ATTEMPT_TIMEOUT_MS).toBeLessThan(29_000);
      const w = world(() => respond(200));
      const slow = await subscribe(w, { timeoutMs: 30_000 });
      const quick = await subscribe(w, { timeoutMs: 2000 });

      await testSavedSubscription(w.subscriptionDeps, slow);
      await testUnsavedSubscription(w.subscriptionDeps, { url: 'https://hooks.example.com/in', eventTypes: ['order.created'], timeoutMs: 30_000 });
      await testSavedSubscription(w.subscriptionDeps, quick);

      expect(w.deps.sender.requests.map((r) => r.timeoutMs)).toEqual([TEST_ATTEMPT_TIMEOUT_MS, TEST_ATTEMPT_TIMEOUT_MS, 2000]);
      expect(w.deps.subscriptions.items.get(slow)?.timeoutMs).toBe(30_000); // the stored subscription is unchanged
    });
  });

  it('acknowledges a body that is not a task rather than poisoning the queue', async () => {
    const w = world(() => respond(200));
    const failed = await processBatch(w.deps, [{ id: 'x', body: '{"v":2}' }, { id: 'y', body: 'not json' }]);
    expect(failed).toEqual([]);
    expect(w.events.filter((e) => e.type === 'invalid-task')).toHaveLength(2);
  });
});
