/**
 * isolation: does one endpoint at its timeout delay the others? Local mode (a child process, as
 * `npm start` runs it) delivers to loopback receivers on a thread of this process:
 *   phase A: two healthy endpoints, RATE events/s each for SECONDS;
 *   phase B: the same, but the second endpoint (`standard` preset, timeout 5 s) answers after 8 s;
 *   phase A again (the slow endpoint's backlog still waiting on its breaker), so the baseline is
 *   taken on both sides of B and the machine's drift (a shared, loaded machine) cancels out.
 * Both phases post the same events at the same rate, so the machine's work for intake is the same
 * and the difference is the slow endpoint.
 * Figure: the healthy endpoint's p95 intake→receipt in B ÷ in A, same run (target ≤ 1.5×; issue 18
 * measured 385× before isolation). Also: requests the slow endpoint got (the circuit breaker and the
 * in-flight cap defer the rest without attempts) and its breaker as `GET /v1/subscriptions/{id}` shows it.
 *
 * Environment: BENCH_RATE (events/s per endpoint, default 20), BENCH_SECONDS (per phase, default 40;
 * 20 with --quick).
 */
import { envInt, isQuick } from './support/env.js';
import { startLocalMode, until, type LocalApi } from './support/local-api.js';
import { onCleanup, progress, runBenchmark } from './support/output.js';
import { orderPayload } from './support/payload.js';
import { distribution, percentile, round } from './support/stats.js';
import { startThreadReceiver, type Receipt, type ThreadReceiver } from './support/thread-receiver.js';

const TARGET_RATIO = 1.5;
const SLOW_ANSWER_MS = 8000;
/** Sequence ranges, so each phase's and endpoint's receipts are told apart. */
const SEQ = { warmup: -1_000_000, baseline: 0, baselineAfter: 500_000, healthy: 1_000_000, slow: 2_000_000, other: 3_000_000 } as const;

interface Stream {
  type: string;
  firstSeq: number;
}

/** Posts `rate` events/s to each stream for `seconds`, on a fixed timetable (no catch-up bursts). */
async function postAtRate(api: LocalApi, streams: readonly Stream[], rate: number, seconds: number): Promise<number> {
  const count = rate * seconds;
  const start = Date.now();
  const posts: Promise<unknown>[] = [];
  for (let i = 0; i < count; i++) {
    const wait = start + (i * 1000) / rate - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    for (const s of streams) {
      posts.push(api.call('POST', '/v1/events', { type: s.type, payload: orderPayload(s.firstSeq + i, 256, { sentAt: Date.now() }) }, [202]));
    }
  }
  await Promise.all(posts);
  return count;
}

async function receiptsIn(receiver: ThreadReceiver, first: number, count: number, timeoutMs: number): Promise<Receipt[]> {
  let mine: Receipt[] = [];
  await until(
    async () => {
      mine = (await receiver.receipts()).filter((r) => r.seq !== undefined && r.seq >= first && r.seq < first + count && r.status === 200);
      return new Set(mine.map((r) => r.seq)).size >= count;
    },
    timeoutMs,
    `${count} receipts from ${first}`,
    250,
  );
  return mine;
}

const latencies = (receipts: readonly Receipt[]) => receipts.filter((r) => r.sentAt !== undefined).map((r) => r.at - (r.sentAt as number));

function figures(values: readonly number[]) {
  return { ...distribution(values, 0), p95: round(percentile(values, 95), 0) };
}

async function measure(): Promise<Record<string, unknown>> {
  const rate = envInt('BENCH_RATE', 20);
  const seconds = envInt('BENCH_SECONDS', isQuick() ? 20 : 40);
  const receiver = await startThreadReceiver({ record: true });
  onCleanup(() => receiver.close());
  const api = await startLocalMode();
  await api.call('POST', '/v1/subscriptions', { url: `${receiver.url}/hooks/healthy`, eventTypes: ['bench.healthy'] });
  await api.call('POST', '/v1/subscriptions', { url: `${receiver.url}/hooks/other`, eventTypes: ['bench.other'] });
  const slow = await api.call<{ id: string }>('POST', '/v1/subscriptions', {
    url: `${receiver.url}/delay/${SLOW_ANSWER_MS}/hooks/slow`,
    eventTypes: ['bench.slow'],
    preset: 'standard',
  });
  const healthy = (firstSeq: number): Stream => ({ type: 'bench.healthy', firstSeq });

  progress('isolation: warm-up, 10 s');
  await postAtRate(api, [healthy(SEQ.warmup)], rate, 10);
  await receiptsIn(receiver, SEQ.warmup, rate * 10, 120_000);

  const phaseA = async (firstSeq: number): Promise<Receipt[]> => {
    progress(`isolation: phase A, two healthy endpoints, ${rate}/s each for ${seconds} s`);
    const count = await postAtRate(api, [healthy(firstSeq), { type: 'bench.other', firstSeq: SEQ.other + firstSeq }], rate, seconds);
    return receiptsIn(receiver, firstSeq, count, 300_000);
  };
  const n = rate * seconds;
  const before = await phaseA(SEQ.baseline);

  progress(`isolation: phase B, next to an endpoint answering after ${SLOW_ANSWER_MS} ms (timeout 5 s), ${rate}/s each`);
  const phaseStart = Date.now();
  await postAtRate(api, [healthy(SEQ.healthy), { type: 'bench.slow', firstSeq: SEQ.slow }], rate, seconds);
  const withSlow = await receiptsIn(receiver, SEQ.healthy, n, 300_000);
  const slowRequests = (await receiver.receipts()).filter((r) => r.path.startsWith('/delay/') && r.at >= phaseStart).length;
  const slowView = await api.call<{ health: unknown }>('GET', `/v1/subscriptions/${slow.id}`);
  const after = await phaseA(SEQ.baselineAfter);

  const a = figures([...latencies(before), ...latencies(after)]);
  const b = figures(latencies(withSlow));
  const ratio = round(b.p95 / a.p95, 2);
  return {
    ratePerEndpoint: rate,
    secondsPerPhase: seconds,
    slowEndpoint: { answersAfterMs: SLOW_ANSWER_MS, timeoutMs: 5000, events: n, requests: slowRequests, health: slowView.health },
    healthyNextToHealthyMs: a,
    healthyNextToHealthyBeforeAfterP95Ms: [figures(latencies(before)).p95, figures(latencies(after)).p95],
    healthyNextToSlowMs: b,
    p95Ratio: ratio,
    target: TARGET_RATIO,
    withinTarget: ratio <= TARGET_RATIO,
  };
}

await runBenchmark('isolation', measure);
