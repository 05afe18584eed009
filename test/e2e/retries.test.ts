/**
 * Exact retry intervals in local mode (issue 8), black box: every retry starts within 1 % of its
 * scaled interval + 50 ms after its due time (the API's attempt records), and loopback receivers
 * never see two attempts closer than the preset's interval divided by the time scale (their own
 * clock). Plus the worker's top-up of an early task, and cancellation: a disabled or deleted
 * subscription's pending retry sends nothing, a successful manual retry leaves no stray attempt.
 * Runs on its own after the rest of the suite (vitest.config.ts), so the machine is quiet.
 */
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRESETS } from '../../lambdas/core/presets.js';
import { scheduleOf } from '../../lambdas/core/retry-policy.js';
import {
  eventually,
  instanceResources,
  startLocal,
  type InstanceResources,
  type LocalInstance,
  type ReceivedRequest,
  type Receiver,
  type ReceiverHandler,
} from './harness.js';
import { deliveryOf as readDelivery } from './support/api.js';
import { receiverSet } from './support/receivers.js';

/** 48 h run in 20 s; 12 h in 5 s. */
const TIME_SCALE = 8640;
const scaledMs = (seconds: number) => (seconds * 1000) / TIME_SCALE;

/** Issue 8's tolerance for a scaled retry: it starts within 1 % of its interval + 50 ms, never before. */
const tolerance = (intervalMs: number) => 0.01 * intervalMs + 50;
/** Receipts and attempt records are stamped in whole ms on the same host clock as the due times. */
const CLOCK_SLACK_MS = 2;
/** Every retry's start − due (attempt records) and receipt gap − interval (receivers), reported at the end. */
const starts: number[] = [];
const receipts: number[] = [];

let local: LocalInstance;
let resources: InstanceResources;
const receivers = receiverSet();

beforeAll(async () => {
  // DEBUG so the worker's "early: topped up" decision is visible in the captured output.
  local = await startLocal({ timeScale: TIME_SCALE, env: { POWERTOOLS_LOG_LEVEL: 'DEBUG' } });
  resources = instanceResources(local);
  // Warm-up, not measured: the first failure and retry take every code path once (DynamoDB
  // Local's Java code is cold on a fresh engine and its first writes are far slower).
  const r = await receiver(failing);
  await subscribe(`${r.url}/warm-up`, { eventTypes: ['retry.warmup'], retryPolicy: { type: 'fixed', delays: [1, 1, 3600] } });
  const res = await local.api('POST', '/v1/events', { type: 'retry.warmup', payload: {} });
  await settled(res.body.messageId, (d) => d.status === 'failed', 30_000, 'warm-up delivery');
});

afterAll(async () => {
  const pct = (values: number[], q: number) => {
    const sorted = [...values].sort((a, b) => a - b);
    return (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN).toFixed(0);
  };
  console.log(
    `retry start − due over ${starts.length} retries: p50 ${pct(starts, 0.5)} ms, p99 ${pct(starts, 0.99)} ms, max ${pct(starts, 1)} ms;` +
      ` receipt gap − interval on the receivers' clock: p50 ${pct(receipts, 0.5)} ms, max ${pct(receipts, 1)} ms`,
  );
  await receivers.close();
  resources?.close();
  if (local !== undefined) await local.stop();
});

const receiver = (handler?: ReceiverHandler): Promise<Receiver> => receivers.start(handler);

const failing: ReceiverHandler = () => ({ status: 500, body: 'down' });
/** Fails the first request, accepts every later one. */
const failsOnce = (): ReceiverHandler => {
  let calls = 0;
  return () => (calls++ === 0 ? { status: 500, body: 'down' } : { status: 200, body: 'ok' });
};

async function subscribe(url: string, body: Record<string, unknown>): Promise<{ id: string }> {
  const res = await local.api('POST', '/v1/subscriptions', { url, ...body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

async function post(type: string, tenant: string): Promise<{ messageId: string; postedAt: number }> {
  const postedAt = Date.now();
  const res = await local.api('POST', '/v1/events', { type, tenant, payload: { n: 1 } });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  expect(res.body.deliveryCount).toBe(1);
  return { messageId: res.body.messageId, postedAt };
}

/** The message's one delivery; pending with no attempts before its first attempt is recorded. */
const deliveryOf = (messageId: string): Promise<any> => readDelivery(local.api, messageId);

/** Polls the API at a relaxed pace: the timing tests wait on their receivers, not on this. */
const settled = (messageId: string, done: (d: any) => boolean, timeoutMs = 30_000, what = 'delivery state') =>
  eventually(() => deliveryOf(messageId), done, timeoutMs, what, 250);

const attemptOf = (r: ReceivedRequest) => Number(r.headers['x-hookline-attempt']);

/**
 * Each retry against the attempt before it, from the API's records (the worker's clock): the
 * interval is the scheduled one (due − end of the failed attempt), and the retry starts at its
 * due time, never before and at most `tolerance` after.
 */
function expectOnTime(attempts: readonly any[], delaysSeconds: readonly number[], label: string): void {
  for (const [i, delay] of delaysSeconds.entries()) {
    const [failed, retry] = [attempts[i], attempts[i + 1]];
    const due = Date.parse(failed.nextAttemptAt);
    const intervalMs = due - Date.parse(failed.endedAt);
    expect(Math.abs(intervalMs - scaledMs(delay)), `${label} ${i + 1}: interval ${intervalMs} ms, scheduled ${scaledMs(delay)} ms`).toBeLessThanOrEqual(1);
    const late = Date.parse(retry.startedAt) - due;
    starts.push(late);
    expect(late, `${label} ${i + 1}: started ${late} ms after due (tolerance ${tolerance(intervalMs).toFixed(1)} ms)`).toBeGreaterThanOrEqual(0);
    expect(late, `${label} ${i + 1}: started ${late} ms after due (tolerance ${tolerance(intervalMs).toFixed(1)} ms)`).toBeLessThanOrEqual(tolerance(intervalMs));
  }
}

/** On the receiver's clock: consecutive requests never closer than the scheduled interval. */
function expectNeverEarly(at: readonly number[], delaysSeconds: readonly number[], label: string): void {
  for (const [i, delay] of delaysSeconds.entries()) {
    const gapMs = at[i + 1]! - at[i]!;
    receipts.push(gapMs - scaledMs(delay));
    expect(gapMs, `${label} ${i + 1}: ${gapMs} ms apart, interval ${scaledMs(delay)} ms`).toBeGreaterThanOrEqual(scaledMs(delay) - CLOCK_SLACK_MS);
  }
}

// One test at a time: the tolerance is tens of milliseconds, and these tests share one local mode.
describe('retry schedules at time scale 8640', { timeout: 90_000 }, () => {
  it('tiktok-shop: retries after 2 m, 30 m, 3 h and 12 h (scaled), then stops with the delivery failed', async () => {
    const r = await receiver(failing);
    await subscribe(`${r.url}/tiktok`, { eventTypes: ['retry.tiktok'], tenant: 'shop_tt', preset: 'tiktok-shop' });
    const { messageId } = await post('retry.tiktok', 'shop_tt');

    const schedule = scheduleOf(PRESETS['tiktok-shop'].retryPolicy);
    expect(schedule).toEqual([120, 1800, 10800, 43200]);
    await r.waitFor(5, 40_000);
    const final = await settled(messageId, (d) => d.status !== 'pending', 10_000, 'tiktok-shop delivery to fail');
    expect(final.status).toBe('failed');
    expect(final.attemptCount).toBe(5);
    expect(final.nextAttemptAt).toBeUndefined();
    expect(final.reason).toMatch(/retries exhausted/);

    expect(r.requests.map(attemptOf)).toEqual([1, 2, 3, 4, 5]);
    expect(final.attempts.map((a: any) => a.attempt)).toEqual([1, 2, 3, 4, 5]);
    expectOnTime(final.attempts, schedule, 'tiktok-shop retry');
    expectNeverEarly(r.requests.map((q) => q.at), schedule, 'tiktok-shop retry');
  });

  it('shopify: 19 retries spanning exactly 48 h (scaled) from the first attempt, none after', async () => {
    const r = await receiver(failing);
    // The preset's own streak rule would delete the subscription at the 19th failure (next test);
    // without it, the schedule runs to its end.
    await subscribe(`${r.url}/shopify`, {
      eventTypes: ['retry.shopify'],
      tenant: 'shop_sh',
      preset: 'shopify',
      failurePolicy: { afterConsecutiveFailures: null, action: 'none' },
    });
    const { messageId, postedAt } = await post('retry.shopify', 'shop_sh');

    const schedule = scheduleOf(PRESETS.shopify.retryPolicy);
    expect(schedule).toHaveLength(19);
    const horizonMs = scaledMs(48 * 3600);
    expect(schedule.reduce((a, b) => a + b, 0)).toBe(48 * 3600);

    await r.waitFor(20, horizonMs + 30_000);
    const final = await settled(messageId, (d) => d.status !== 'pending', 10_000, 'shopify delivery to fail');
    expect(final.status).toBe('failed');
    expect(final.attemptCount).toBe(20);
    expect(final.nextAttemptAt).toBeUndefined();

    const at = r.requests.map((q) => q.at);
    expect(r.requests.map(attemptOf)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(final.attempts.map((a: any) => a.attempt)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expectOnTime(final.attempts, schedule, 'shopify retry');
    expectNeverEarly(at, schedule, 'shopify retry');
    // The horizon: the last attempt comes 48 h (scaled) after the first, plus what the 19
    // attempts themselves took and at most the 19 tolerances.
    const span = Date.parse(final.attempts[19].startedAt) - Date.parse(final.attempts[0].startedAt);
    const took = final.attempts.slice(0, 19).reduce((sum: number, a: any) => sum + a.durationMs, 0);
    expect(span).toBeGreaterThanOrEqual(horizonMs + took - CLOCK_SLACK_MS);
    expect(span).toBeLessThanOrEqual(horizonMs + took + schedule.reduce((sum, d) => sum + tolerance(scaledMs(d)), 0) + CLOCK_SLACK_MS * 19);
    expect(at[19]! - at[0]!).toBeGreaterThanOrEqual(horizonMs - CLOCK_SLACK_MS);
  });

  // Issue 18 changed this contract: the deletion waits for 19 failures spanning 48 h, so the single
  // event gets its first attempt and all 19 retries (it used to be deleted at the 19th attempt).
  it('shopify preset as is: a single failing event makes exactly 20 attempts over 48 h, then the subscription is deleted (softly: readable, status deleted)', async () => {
    const r = await receiver(failing);
    const sub = await subscribe(`${r.url}/shopify-preset`, { eventTypes: ['retry.shopify.preset'], tenant: 'shop_sp', preset: 'shopify' });
    const { messageId } = await post('retry.shopify.preset', 'shop_sp');

    await r.waitFor(20, scaledMs(48 * 3600) + 30_000);
    const final = await settled(messageId, (d) => d.status !== 'pending', 30_000, 'delivery to end');
    expect(final.status).toBe('failed');
    expect(final.attemptCount).toBe(20);
    expect(r.requests.map(attemptOf)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    const span = Date.parse(final.attempts[19].startedAt) - Date.parse(final.attempts[0].endedAt);
    expect(span).toBeGreaterThanOrEqual(scaledMs(48 * 3600) - CLOCK_SLACK_MS);
    // Deletion by policy is soft (issue 18 item 2): the subscription stays readable, marked deleted.
    const gone = await eventually(() => local.api('GET', `/v1/subscriptions/${sub.id}`), (res) => res.body?.status === 'deleted', 10_000, 'subscription to be deleted', 250);
    expect(gone.status).toBe(200);
    expect(gone.body.disabledReason).toMatch(/^subscription_deleted_by_policy: 20 consecutive failed attempts/);
  });

  it('tops up a task that arrives before its due time, and attempts it no earlier than due', async () => {
    const r = await receiver(failsOnce());
    // 7 days (70 s scaled): the genuine retry stays far away while the hand-made task runs.
    await subscribe(`${r.url}/topup`, { eventTypes: ['retry.topup'], tenant: 'shop_tu', retryPolicy: { type: 'fixed', delays: [604_800] } });
    const { messageId } = await post('retry.topup', 'shop_tu');
    await r.waitFor(1);
    const first = await settled(messageId, (d) => d.attemptCount === 1 && d.status === 'pending');
    const message = (await local.api('GET', `/v1/messages/${messageId}`)).body;

    // Attempt 2 of the same generation, on the queue after 1 s but due 3.5 s from now.
    const dueAt = Date.now() + 3_500;
    const task = {
      v: 1,
      deliveryId: first.id,
      messageId,
      subscriptionId: first.subscriptionId,
      eventType: first.eventType,
      tenant: first.tenant,
      eventTime: message.eventTime,
      messageCreatedAt: Date.parse(message.createdAt),
      attempt: 2,
      generation: first.generation,
      dueAt,
      trigger: 'retry',
    };
    await resources.sqs.send(new SendMessageCommand({ QueueUrl: await resources.queueUrl(), MessageBody: JSON.stringify(task), DelaySeconds: 1 }));

    const [, second] = await r.waitFor(2, 15_000);
    expect(attemptOf(second!)).toBe(2);
    expect(second!.at).toBeGreaterThanOrEqual(dueAt - CLOCK_SLACK_MS);
    const done = await settled(messageId, (d) => d.status === 'succeeded');
    const late = Date.parse(done.attempts[1].startedAt) - dueAt;
    starts.push(late);
    expect(late).toBeGreaterThanOrEqual(-CLOCK_SLACK_MS);
    expect(late).toBeLessThanOrEqual(tolerance(0));
    expect(local.output()).toMatch(new RegExp(`"reason":"early: topped up"[^\\n]*${first.id}|${first.id}[^\\n]*"reason":"early: topped up"`));
    expect(done.attempts.map((a: any) => a.attempt)).toEqual([1, 2]);
  });

  it('a disabled or deleted subscription sends nothing more (paused / dropped); a successful manual retry leaves no stray attempt', async () => {
    // 1 day (10 s scaled): a persisted schedule, cancelled by each of these operations.
    const policy = { retryPolicy: { type: 'fixed', delays: [86_400] } };
    const [disabledR, deletedR, manualR, controlR] = await Promise.all([receiver(failing), receiver(failing), receiver(failsOnce()), receiver(failing)]);
    const disabled = await subscribe(`${disabledR.url}/d`, { eventTypes: ['cancel.disabled'], tenant: 'shop_c', ...policy });
    const deleted = await subscribe(`${deletedR.url}/x`, { eventTypes: ['cancel.deleted'], tenant: 'shop_c', ...policy });
    await subscribe(`${manualR.url}/m`, { eventTypes: ['cancel.manual'], tenant: 'shop_c', ...policy });
    const posted = await Promise.all(['cancel.disabled', 'cancel.deleted', 'cancel.manual'].map((t) => post(t, 'shop_c')));
    const waiting = await Promise.all(posted.map((p) => settled(p.messageId, (d) => d.attemptCount === 1 && d.nextAttemptAt !== undefined)));

    expect((await local.api('POST', `/v1/subscriptions/${disabled.id}/disable`)).status).toBe(200);
    expect((await local.api('DELETE', `/v1/subscriptions/${deleted.id}`)).status).toBe(204);
    const retried = await local.api('POST', `/v1/deliveries/${waiting[2].id}/retry`);
    expect(retried.status).toBe(202);
    const manual = await settled(posted[2]!.messageId, (d) => d.status === 'succeeded');
    expect(manual.attempts.map((a: any) => [a.attempt, a.trigger, a.outcome])).toEqual([
      [1, 'event', '5xx'],
      [2, 'manual', 'success'],
    ]);

    // A control delivery on the same schedule, posted now: its retry is due after all of theirs,
    // so once it has arrived, every cancelled retry's due time has passed.
    const lastDue = Math.max(...waiting.map((d) => Date.parse(d.nextAttemptAt)));
    await subscribe(`${controlR.url}/c`, { eventTypes: ['cancel.control'], tenant: 'shop_c', ...policy });
    const control = await post('cancel.control', 'shop_c');
    await controlR.waitFor(2, 40_000);
    expect(controlR.requests[1]!.at).toBeGreaterThan(lastDue);
    await settled(control.messageId, (d) => d.attemptCount === 2);

    expect(disabledR.requests).toHaveLength(1);
    expect(deletedR.requests).toHaveLength(1);
    expect(manualR.requests.map(attemptOf)).toEqual([1, 2]);
    const [pausedNow, droppedNow, manualNow] = await Promise.all(posted.map((p) => deliveryOf(p.messageId)));
    expect([pausedNow.status, pausedNow.attemptCount, pausedNow.nextAttemptAt]).toEqual(['paused', 1, undefined]);
    expect([droppedNow.status, droppedNow.attemptCount, droppedNow.nextAttemptAt]).toEqual(['dropped', 1, undefined]);
    expect([manualNow.status, manualNow.attemptCount]).toEqual(['succeeded', 2]);
  });
});
