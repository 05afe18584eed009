/**
 * e2e-local: deliveries per second through local mode, end to end, for 10,000 events:
 * POST /v1/events (intake) → SQS (fauxqs) → worker → loopback receiver → attempt stored in
 * DynamoDB Local. Local mode is a child process, as `npm start` runs it (in memory, its own
 * engines); the receiver is a thread of this process and notes when each request arrived.
 *
 * Figures: intake rate (202s per second), delivery rate (events / first POST → last receipt),
 * intake-to-receipt latency p50/p99 (the payload carries the POST's start time), and how long
 * after the last receipt every delivery was confirmed `succeeded` through the API (the
 * confirmation pages through 100 deliveries per request, so that time is an upper bound).
 * A warm-up of 500 events runs first and is not counted.
 *
 * Environment: BENCH_EVENTS (default 10000; 1000 with --quick), BENCH_CONCURRENCY (POSTs in flight, default 32).
 */
import { envInt, isQuick } from './support/env.js';
import { allDeliveries, forEachConcurrent, startLocalMode, until, type LocalApi } from './support/local-api.js';
import { onCleanup, progress, runBenchmark } from './support/output.js';
import { orderPayload } from './support/payload.js';
import { distribution, round } from './support/stats.js';
import { startThreadReceiver, type Receipt, type ThreadReceiver } from './support/thread-receiver.js';

/** Issue 19: ≥ 250 deliveries per second locally (was 1,000, out of reach for local mode's engines; docs/benchmarks.md). */
const TARGET_PER_SECOND = 250;

async function postEvents(api: LocalApi, type: string, first: number, count: number, concurrency: number): Promise<number[]> {
  const intakeMs: number[] = [];
  await forEachConcurrent(count, concurrency, async (i) => {
    const sentAt = Date.now();
    const t = performance.now();
    await api.call('POST', '/v1/events', { type, payload: orderPayload(first + i, 512, { sentAt }) }, [202]);
    intakeMs.push(performance.now() - t);
  });
  return intakeMs;
}

async function waitForReceipts(receiver: ThreadReceiver, from: number, count: number, timeoutMs: number): Promise<Receipt[]> {
  let mine: Receipt[] = [];
  await until(
    async () => {
      mine = (await receiver.receipts()).filter((r) => r.seq !== undefined && r.seq >= from && r.seq < from + count);
      return new Set(mine.map((r) => r.seq)).size >= count;
    },
    timeoutMs,
    `${count} deliveries at the receiver`,
    250,
  );
  return mine;
}

async function measure(): Promise<Record<string, unknown>> {
  const events = envInt('BENCH_EVENTS', isQuick() ? 1000 : 10_000);
  const concurrency = envInt('BENCH_CONCURRENCY', 32);
  const warmup = isQuick() ? 100 : 500;

  const receiver = await startThreadReceiver({ record: true });
  onCleanup(() => receiver.close());
  const api = await startLocalMode();
  const subscription = await api.call<{ id: string }>('POST', '/v1/subscriptions', { url: `${receiver.url}/hooks/e2e`, eventTypes: ['bench.e2e'] });

  progress(`e2e-local: warm-up ${warmup} events`);
  await postEvents(api, 'bench.e2e', -warmup, warmup, concurrency);
  await waitForReceipts(receiver, -warmup, warmup, 120_000);

  progress(`e2e-local: ${events} events, ${concurrency} POSTs in flight`);
  const started = Date.now();
  const intakeMs = await postEvents(api, 'bench.e2e', 0, events, concurrency);
  const intakeDone = Date.now();
  progress(`e2e-local: intake done in ${intakeDone - started} ms; waiting for deliveries`);
  const receipts = await waitForReceipts(receiver, 0, events, 20 * 60_000);
  const lastReceipt = Math.max(...receipts.map((r) => r.at));

  const succeeded = await allDeliveries(api, subscription.id, 'succeeded');
  const confirmedAt = Date.now();
  if (succeeded.length !== events + warmup) throw new Error(`${succeeded.length} deliveries succeeded, expected ${events + warmup}`);
  const retried = succeeded.filter((d) => d.attemptCount !== 1).length;

  const seconds = (lastReceipt - started) / 1000;
  const rate = events / seconds;
  return {
    events,
    concurrency,
    payloadBytes: JSON.stringify(orderPayload(0, 512, { sentAt: Date.now() })).length,
    localModeLogLevel: 'WARN',
    intakePerSecond: round(events / ((intakeDone - started) / 1000), 0),
    intakeLatencyMs: distribution(intakeMs, 1),
    deliveriesPerSecond: round(rate, 0),
    targetPerSecond: TARGET_PER_SECOND,
    withinTarget: rate >= TARGET_PER_SECOND,
    secondsToLastReceipt: round(seconds, 1),
    intakeToReceiptMs: distribution(
      receipts.filter((r) => r.sentAt !== undefined).map((r) => r.at - (r.sentAt as number)),
      0,
    ),
    duplicateRequests: receipts.length - events,
    allStoredConfirmedMsAfterLastReceipt: confirmedAt - lastReceipt,
    deliveriesThatNeededRetries: retried,
  };
}

await runBenchmark('e2e-local', measure);
