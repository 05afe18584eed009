/**
 * retry-timing: how exactly retries start at their due time, through local mode (child process,
 * time-scaled) and a receiver that fails every attempt but the last.
 *
 * Each delivery's subscription retries after 60 s, 300 s, 1200 s and 3600 s (fixed policy); at
 * time scale 60 that is 1 s, 5 s, 20 s and 60 s. The first two take the SQS path (delay ≤ 15 min:
 * DelaySeconds, rounded down, then the worker waits out the rest); the last two the scheduler
 * path (a schedule fires early into the queue, the worker tops up and waits). Lateness of retry n
 * = attempt n's `startedAt` − attempt n−1's `nextAttemptAt` (its due time), both from the API.
 * Events are posted at a steady pace, so retries are spread in time as under steady traffic.
 * Goal (DESIGN §6): every retry starts within 1 s of its due time.
 *
 * Environment: BENCH_EVENTS (default 200; 30 with --quick), BENCH_TIME_SCALE (default 60; 600 with --quick).
 */
import { envInt, isQuick } from './support/env.js';
import { allDeliveries, forEachConcurrent, startLocalMode, until } from './support/local-api.js';
import { onCleanup, progress, runBenchmark } from './support/output.js';
import { orderPayload } from './support/payload.js';
import { distribution, round } from './support/stats.js';
import { startThreadReceiver } from './support/thread-receiver.js';

const DELAYS_S = [60, 300, 1200, 3600];
/** Retries due further out than this go through the scheduler (EventBridge Scheduler in AWS). */
const SQS_MAX_DELAY_S = 900;
const POST_SECONDS = 10;

interface DeliveryDetail {
  id: string;
  status: string;
  attempts: { attempt: number; startedAt: string; nextAttemptAt?: string; outcome: string }[];
}

async function measure(): Promise<Record<string, unknown>> {
  const quick = isQuick();
  const events = envInt('BENCH_EVENTS', quick ? 30 : 200);
  const timeScale = envInt('BENCH_TIME_SCALE', quick ? 600 : 60);
  const attemptsPerDelivery = DELAYS_S.length + 1;

  const receiver = await startThreadReceiver({ record: true });
  onCleanup(() => receiver.close());
  const api = await startLocalMode({ timeScale });
  const subscription = await api.call<{ id: string }>('POST', '/v1/subscriptions', {
    url: `${receiver.url}/fail-until/${attemptsPerDelivery}/retry-timing`,
    eventTypes: ['bench.retry'],
    retryPolicy: { type: 'fixed', delays: DELAYS_S },
    failurePolicy: { afterConsecutiveFailures: null, action: 'none' },
  });

  progress(`retry-timing: ${events} events over ${POST_SECONDS} s, delays ${DELAYS_S.map((d) => d / timeScale).join(', ')} s (scale ${timeScale})`);
  const pace = (POST_SECONDS * 1000) / events;
  const started = Date.now();
  await forEachConcurrent(events, 1, async (i) => {
    const wait = started + i * pace - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    await api.call('POST', '/v1/events', { type: 'bench.retry', payload: orderPayload(i, 512) }, [202]);
  });

  const scheduleMs = (DELAYS_S.reduce((s, d) => s + d, 0) * 1000) / timeScale;
  await until(
    async () => (await receiver.receipts()).filter((r) => r.status === 200).length >= events,
    scheduleMs + 180_000,
    `${events} final attempts`,
    500,
  );

  const listed = await allDeliveries(api, subscription.id);
  const details: DeliveryDetail[] = [];
  await forEachConcurrent(listed.length, 8, async (i) => {
    details.push(await api.call<DeliveryDetail>('GET', `/v1/deliveries/${(listed[i] as { id: string }).id}`));
  });

  const all: number[] = [];
  const byPath: Record<'sqsDelay' | 'scheduler', number[]> = { sqsDelay: [], scheduler: [] };
  const byDelay = new Map<number, number[]>(DELAYS_S.map((d) => [d, []]));
  for (const d of details) {
    if (d.status !== 'succeeded' || d.attempts.length !== attemptsPerDelivery) {
      throw new Error(`delivery ${d.id}: ${d.status} after ${d.attempts.length} attempts, expected succeeded after ${attemptsPerDelivery}`);
    }
    const attempts = [...d.attempts].sort((a, b) => a.attempt - b.attempt);
    for (let n = 1; n < attempts.length; n++) {
      const due = Date.parse(attempts[n - 1]?.nextAttemptAt ?? '');
      const lateness = Date.parse(attempts[n]?.startedAt ?? '') - due;
      if (!Number.isFinite(lateness)) throw new Error(`delivery ${d.id}: attempt ${n} has no due time`);
      const delay = DELAYS_S[n - 1] as number;
      all.push(lateness);
      (delay > SQS_MAX_DELAY_S ? byPath.scheduler : byPath.sqsDelay).push(lateness);
      byDelay.get(delay)?.push(lateness);
    }
  }
  return {
    events,
    timeScale,
    delaysSeconds: DELAYS_S,
    scaledDelaysMs: DELAYS_S.map((d) => (d * 1000) / timeScale),
    retries: all.length,
    startMinusDueMs: distribution(all, 0),
    byPath: { sqsDelay: distribution(byPath.sqsDelay, 0), scheduler: distribution(byPath.scheduler, 0) },
    byDelaySeconds: Object.fromEntries([...byDelay].map(([d, v]) => [d, distribution(v, 0)])),
    goalMs: 1000,
    withinGoalShare: round(all.filter((v) => Math.abs(v) <= 1000).length / Math.max(1, all.length), 3),
    requestsAtReceiver: await receiver.count(),
  };
}

await runBenchmark('retry-timing', measure);
