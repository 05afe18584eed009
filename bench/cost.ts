/**
 * cost: AWS requests per delivery and dollars per million deliveries, from counting.
 *
 * Local mode runs in this process (`startLocalRuntime`), time-scaled, so every AWS SDK call the
 * handlers make is counted by an SDK middleware (`getRequestCounts`) and traced (who made it, sizes,
 * DynamoDB consumed capacity). Four scenarios run one after the other, each counted alone:
 *   first-attempt-success   one subscription, answered 200
 *   retry-within-15-min     fails once, retried after 300 s: the retry goes to SQS with a delay
 *   fan-out-1-to-10         one event to ten subscriptions
 *   retry-after-15-min      fails once, retried after 1200 s: an EventBridge Scheduler schedule
 *   first-attempt-batch-of-10  as the first, events sent 10 per POST /v1/events/batch (not in the mix)
 *   first-attempt-log-only[-batch-of-10]  the first two with `--success-records log-only` (not in the mix)
 * Each scenario also counts the data-key calls (KMS GenerateDataKey / Decrypt in AWS; local mode's
 * key file stands in and is counted the same way): with data keys cached per process, zero per delivery.
 * and the mix is the first four together. Events go one at a time, each waited for until its deliveries
 * are done (so invocations do not overlap and each AWS call belongs to one invocation): the
 * figures are for light traffic, where each worker invocation carries few deliveries.
 *
 * Lambda duration: each invocation's measured local duration (receiver: the POST round trip;
 * worker: batch received → deleted), and beside it the same invocation with its waits on local
 * engines replaced by typical AWS round trips (`awsLatencyModelMs`), since DynamoDB Local and a
 * shared machine answer several times slower than AWS does.
 *
 * Local stand-ins are not AWS requests and are replaced by what AWS does, counted from them:
 *   worker loop (= Lambda's SQS event source mapping): each non-empty ReceiveMessage is one
 *     receive and one worker invocation, each DeleteMessageBatch one delete; empty polls are a
 *     fixed monthly cost, not per delivery, and are reported apart.
 *   local scheduler (= EventBridge Scheduler): keeps schedules as DynamoDB items. Each schedule
 *     item it writes is one CreateSchedule in AWS (API calls are not billed), each schedule it
 *     fires is one Scheduler invocation plus the SQS SendMessage Scheduler makes. Its own
 *     DynamoDB polling is not counted. Near retries (≤ 15 min) are the same SQS send in both.
 *   attempt archiver (= CloudWatch Logs → Firehose → S3): priced from the attempt lines instead.
 *
 * Environment: BENCH_PAYLOAD_BYTES (default 1024).
 */
import { gzipSync } from 'node:zlib';
import { resetRequestCounts } from './support/request-counter.js';
import { SETTINGS_DEFAULTS } from '../lib/props.js';
import { EVENTBRIDGE_API_DESTINATIONS_PER_MILLION, EVENTBRIDGE_API_DESTINATIONS_SOURCE, PRICES } from './prices.js';
import { epochMs, type TracedCall } from './support/aws-trace.js';
import {
  appRequestsFromCounter,
  countBy,
  isAppLike,
  isIdlePoll,
  isWork,
  modelled,
  readFloor,
  trackBatches,
  type BatchTracker,
  type Window,
} from './support/call-attribution.js';
import {
  ACCESS_LOG_SAMPLE,
  AWS_ROUND_TRIP_MS,
  awsRequests,
  combine,
  dollars,
  dominant,
  lambdaComputeUsd,
  perMillion,
  PLATFORM_LOG_BYTES_PER_INVOCATION,
  XRAY_SAMPLED_FRACTION,
  type Measured,
} from './support/cost-model.js';
import { countDataKeyCalls } from './support/data-key-counter.js';
import { envInt, isQuick } from './support/env.js';
import { startInProcessLocal, type InProcessLocal } from './support/in-process-local.js';
import { until } from './support/local-api.js';
import { isEntryPoint, onCleanup, progress, runBenchmark } from './support/output.js';
import { orderPayload } from './support/payload.js';
import { distribution, round } from './support/stats.js';
import { startThreadReceiver } from './support/thread-receiver.js';

/**
 * Retries due ~3 s after the failure, so they take the queue or scheduler path that production
 * delays take: under a second, the worker retries in-line and sends a durable copy as well,
 * which production delays never cause. Events go one at a time, so each retry scenario takes
 * ~3 s per event.
 */
const RETRY_DUE_AFTER_S = 3;
const SQS_CHUNK = 64 * 1024;

interface Scenario {
  name: string;
  events: number;
  subscriptions: number;
  /** Receiver path: `/fail-until/2` fails the first attempt. */
  path: string;
  retryDelaySeconds?: number;
  /** Local mode's time scale (one local runtime per scale). */
  timeScale: number;
  /** Events per `POST /v1/events/batch` request; absent: one `POST /v1/events` per event. */
  batch?: number;
  /** Whether the scenario is part of the mix (the batch scenario is reported on its own). @default true */
  inMix?: boolean;
  /** Extra local-mode flags (one local runtime per time scale and flags). */
  flags?: string[];
}

const LOG_ONLY = ['--success-records', 'log-only'];
const dataKeys = countDataKeyCalls();

function scenarios(quick: boolean): Scenario[] {
  const q = (full: number, small: number) => (quick ? small : full);
  return [
    { name: 'first-attempt-success', events: q(200, 10), subscriptions: 1, path: '/ok', timeScale: 100 },
    { name: 'retry-within-15-min', events: q(30, 4), subscriptions: 1, path: '/fail-until/2', retryDelaySeconds: 300, timeScale: 300 / RETRY_DUE_AFTER_S },
    { name: 'fan-out-1-to-10', events: q(20, 3), subscriptions: 10, path: '/ok', timeScale: 100 },
    { name: 'retry-after-15-min', events: q(30, 4), subscriptions: 1, path: '/fail-until/2', retryDelaySeconds: 1200, timeScale: 1200 / RETRY_DUE_AFTER_S },
    { name: 'first-attempt-batch-of-10', events: q(200, 20), subscriptions: 1, path: '/ok', timeScale: 100, batch: 10, inMix: false },
    { name: 'first-attempt-log-only', events: q(200, 10), subscriptions: 1, path: '/ok', timeScale: 100, inMix: false, flags: LOG_ONLY },
    { name: 'first-attempt-log-only-batch-of-10', events: q(200, 20), subscriptions: 1, path: '/ok', timeScale: 100, batch: 10, inMix: false, flags: LOG_ONLY },
  ];
}

type ScenarioResult = {
  measured: Measured;
  mismatches: string[];
  unknownCalls: number;
  standIns: Record<string, number>;
  callMs: Map<string, number[]>;
  dataKeyCalls: number;
};

async function runScenario(
  local: InProcessLocal,
  tracker: BatchTracker,
  scenario: Scenario,
  subscriptionIds: Set<string>,
  payloadBytes: number,
): Promise<ScenarioResult> {
  local.trace.reset();
  local.stdout.reset();
  tracker.reset();
  resetRequestCounts();
  dataKeys.reset();

  const sent = await sendAndSettle(local, tracker, scenario, payloadBytes);
  const deliveries = scenario.events * scenario.subscriptions;
  const succeeded = local.stdout.attempts().filter((a) => a.status === 'succeeded' && subscriptionIds.has(String(a.subscriptionId))).length;
  if (succeeded !== deliveries) throw new Error(`${scenario.name}: ${succeeded} successes, expected ${deliveries}`);

  const calls = [...local.trace.calls];
  const { app, mismatches } = appRequestsFromCounter(calls);
  const by = (origin: TracedCall['origin'], key?: string) => calls.filter((c) => c.origin === origin && (key === undefined || c.key === key));
  const measured = measure(local, tracker, calls, app, { ...sent, events: scenario.events, deliveries });
  const standIns = countBy(calls.filter((c) => !isAppLike(c) && !isIdlePoll(c)).map((c) => ({ ...c, key: `${c.origin} ${c.key}` })));
  const callMs = new Map<string, number[]>();
  for (const c of calls.filter((x) => isAppLike(x) && x.endedAt !== undefined)) {
    callMs.set(c.key, [...(callMs.get(c.key) ?? []), (c.endedAt as number) - c.startedAt]);
  }
  if (by('unknown').length > 0) progress(`${scenario.name}: unattributed calls ${JSON.stringify(countBy(by('unknown')))}`);
  return { measured, mismatches, unknownCalls: by('unknown').length, standIns, callMs, dataKeyCalls: dataKeys.count() };
}

/** Sends the scenario's events (one request or one batch at a time), each time until everything settled. */
async function sendAndSettle(
  local: InProcessLocal,
  tracker: BatchTracker,
  scenario: Scenario,
  payloadBytes: number,
): Promise<{ receiverWindows: Window[]; eventRequestBytes: number }> {
  const type = `cost.${scenario.name}`;
  const tenant = `tenant-${scenario.name}`;
  const receiverWindows: Window[] = [];
  let eventRequestBytes = 0;
  const group = scenario.batch ?? 1;
  for (let i = 0; i < scenario.events; i += group) {
    const events = Array.from({ length: Math.min(group, scenario.events - i) }, (_, j) => ({ type, tenant, payload: orderPayload(i + j, payloadBytes) }));
    const body = scenario.batch === undefined ? events[0] : { events };
    eventRequestBytes = Math.max(eventRequestBytes, Buffer.byteLength(JSON.stringify(body)));
    const start = epochMs();
    const accepted =
      scenario.batch === undefined
        ? [await local.call<{ messageId: string; deliveryCount: number }>('POST', '/v1/events', body, [202])]
        : (await local.call<{ results: { messageId: string; deliveryCount: number }[] }>('POST', '/v1/events/batch', body, [202])).results;
    receiverWindows.push({ start, end: epochMs() });
    if (accepted.some((a) => a.deliveryCount !== scenario.subscriptions)) throw new Error(`${scenario.name}: deliveries other than ${scenario.subscriptions}`);
    const ids = new Set(accepted.map((a) => a.messageId));
    // Done: every delivery succeeded, every batch settled (deleted), no AWS call in flight.
    await until(
      () =>
        local.stdout.attempts().filter((a) => ids.has(String(a.messageId)) && a.status === 'succeeded').length >= scenario.subscriptions * ids.size &&
        tracker.pending() === 0 &&
        !local.trace.calls.some((c) => c.endedAt === undefined && isWork(c)),
      60_000,
      `${scenario.name}: events from ${i} delivered`,
      5,
    );
  }
  return { receiverWindows, eventRequestBytes };
}

/** The scenario's counts, from the traced calls, the worker's batches and the captured logs. */
function measure(
  local: InProcessLocal,
  tracker: BatchTracker,
  calls: TracedCall[],
  appRequests: Measured['appRequests'],
  run: { receiverWindows: Window[]; eventRequestBytes: number; events: number; deliveries: number },
): Measured {
  const by = (origin: TracedCall['origin'], key?: string) => calls.filter((c) => c.origin === origin && (key === undefined || c.key === key));
  const batches = tracker.batches;
  const workerWindows = batches.filter((b) => b.deletedAt !== undefined).map((b) => ({ start: b.receivedAt, end: b.deletedAt as number }));
  const dynamoCalls = calls.filter((c) => isAppLike(c) && c.service === 'dynamodb');
  const unitsOf = (c: TracedCall): number =>
    // An unreported write (a failed conditional put) still bills at least one unit.
    c.unitKind === 'R' ? Math.max(c.capacityUnits ?? 0, readFloor(c)) : (c.capacityUnits ?? 1);
  const unitsByOperation: Record<string, number> = {};
  for (const c of dynamoCalls) unitsByOperation[`${c.unitKind ?? '?'} ${c.key}`] = (unitsByOperation[`${c.unitKind ?? '?'} ${c.key}`] ?? 0) + unitsOf(c);
  const attempts = local.stdout.attempts();
  const totals = local.stdout.totals();
  const chunks = (bytes: number) => Math.max(1, Math.ceil(bytes / SQS_CHUNK));
  const { receiverWindows } = run;
  return {
    events: run.events,
    intakeRequests: receiverWindows.length,
    deliveries: run.deliveries,
    attempts: attempts.length,
    eventRequestBytes: run.eventRequestBytes,
    appRequests,
    appSqsChunks: calls.filter((c) => isAppLike(c) && c.service === 'sqs').reduce((s, c) => s + chunks(c.payloadBytes ?? 0), 0),
    eventSource: {
      invocations: batches.length,
      receiveChunks: batches.reduce((s, b) => s + chunks(b.bytes), 0),
      deletes: by('event-source', 'sqs:DeleteMessageBatch').length,
      emptyReceives: by('event-source', 'sqs:ReceiveMessage').filter((c) => c.endedAt !== undefined && (c.messages ?? 0) === 0).length,
      messages: batches.reduce((s, b) => s + b.size, 0),
    },
    scheduler: {
      creates: by('scheduler-create', 'dynamodb:PutItem').length,
      deletes: by('scheduler-create', 'dynamodb:DeleteItem').length,
      fired: by('scheduler-fire', 'sqs:SendMessageBatch').reduce((s, c) => s + (c.messages ?? 0), 0),
    },
    dynamo: {
      readUnits: dynamoCalls.filter((c) => c.unitKind === 'R').reduce((s, c) => s + unitsOf(c), 0),
      writeUnits: dynamoCalls.filter((c) => c.unitKind === 'W').reduce((s, c) => s + unitsOf(c), 0),
      calls: dynamoCalls.length,
      callsReportingCapacity: dynamoCalls.filter((c) => c.capacityUnits !== undefined).length,
    },
    dynamoUnitsByOperation: unitsByOperation,
    receiverMs: receiverWindows.map((w) => w.end - w.start),
    workerMs: workerWindows.map((w) => w.end - w.start),
    receiverModelMs: modelled(receiverWindows, calls.filter((c) => c.origin === 'app' && c.handler === 'receiver')),
    workerModelMs: modelled(workerWindows, calls.filter((c) => (c.origin === 'app' && c.handler === 'worker') || c.origin === 'scheduler-create')),
    logs: {
      bytes: totals.bytes,
      attemptBytes: totals.attemptBytes,
      attemptLines: totals.attemptLines,
      attemptGzipBytes: gzipSync(attempts.map((a) => JSON.stringify(a)).join('\n')).length,
    },
  };
}

function perDelivery(values: Record<string, number>, deliveries: number, digits = 3): Record<string, number> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, round(v / deliveries, digits)]));
}

function report(m: Measured): Record<string, unknown> {
  const memory = { receiverMb: SETTINGS_DEFAULTS.receiverMemoryMb, workerMb: SETTINGS_DEFAULTS.workerMemoryMb };
  const measuredUsd = dollars(m, memory);
  const usd = perMillion(measuredUsd, m.deliveries);
  const modelUsd = perMillion({ ...measuredUsd, lambdaCompute: lambdaComputeUsd(m.receiverModelMs, m.workerModelMs, memory) }, m.deliveries);
  const mean = (v: number[]) => (v.length === 0 ? 0 : v.reduce((s, x) => s + x, 0) / v.length);
  const ms = (v: number[]) => ({ mean: round(mean(v), 1), ...distribution(v, 1) });
  return {
    events: m.events,
    deliveries: m.deliveries,
    attempts: m.attempts,
    requestsPerDelivery: perDelivery(awsRequests(m), m.deliveries),
    appRequestsPerDelivery: perDelivery(m.appRequests, m.deliveries),
    dynamoUnitsPerDelivery: {
      read: round(m.dynamo.readUnits / m.deliveries, 3),
      write: round(m.dynamo.writeUnits / m.deliveries, 3),
      byOperation: perDelivery(m.dynamoUnitsByOperation, m.deliveries),
      engineReported: `${m.dynamo.callsReportingCapacity}/${m.dynamo.calls} calls`,
    },
    lambda: {
      receiverMs: ms(m.receiverMs),
      workerInvocationMs: ms(m.workerMs),
      receiverMsAtAwsLatency: ms(m.receiverModelMs),
      workerInvocationMsAtAwsLatency: ms(m.workerModelMs),
      deliveriesPerWorkerInvocation: round(m.deliveries / Math.max(1, m.eventSource.invocations), 2),
    },
    // One access log line and one receiver invocation per intake request (a batch of 10 events is one).
    logBytesPerDelivery: round((m.logs.bytes + (m.intakeRequests + m.eventSource.invocations) * PLATFORM_LOG_BYTES_PER_INVOCATION + m.intakeRequests * Buffer.byteLength(ACCESS_LOG_SAMPLE)) / m.deliveries, 0),
    emptyEventSourcePolls: m.eventSource.emptyReceives,
    usdPerMillionDeliveries: usd,
    dominant: dominant(usd),
    // The same, with Lambda durations at AWS round trips instead of local engines'.
    usdPerMillionAtAwsLatency: { lambdaCompute: modelUsd.lambdaCompute, total: modelUsd.total },
    dominantAtAwsLatency: dominant(modelUsd),
  };
}

async function subscribe(local: InProcessLocal, receiverUrl: string, s: Scenario): Promise<Set<string>> {
  const ids = new Set<string>();
  for (let i = 0; i < s.subscriptions; i++) {
    const created = await local.call<{ id: string }>('POST', '/v1/subscriptions', {
      url: `${receiverUrl}${s.path}/${s.name}/${i}`,
      eventTypes: [`cost.${s.name}`],
      tenant: `tenant-${s.name}`,
      failurePolicy: { afterConsecutiveFailures: null, action: 'none' },
      ...(s.retryDelaySeconds !== undefined && { retryPolicy: { type: 'fixed', delays: [s.retryDelaySeconds] } }),
    });
    ids.add(created.id);
  }
  return ids;
}

/** The cost benchmark's counting: its figures, and what each scenario measured (the capacity model's input). */
export async function measureCost(): Promise<{ figures: Record<string, unknown>; measured: Record<string, Measured> }> {
  const quick = isQuick();
  const payloadBytes = envInt('BENCH_PAYLOAD_BYTES', 1024);
  const receiver = await startThreadReceiver();
  onCleanup(() => receiver.close());

  const list = scenarios(quick);
  const results: Record<string, unknown> = {};
  const measuredByName: Record<string, Measured> = {};
  const parts: Measured[] = [];
  const checks: { mismatches: string[]; unknownCalls: number; runtimeErrors: number } = { mismatches: [], unknownCalls: 0, runtimeErrors: 0 };
  const standIns: Record<string, Record<string, number>> = {};
  const callMs = new Map<string, number[]>();
  let tracker: BatchTracker | undefined;
  const runtimeOf = (s: Scenario) => ['--time-scale', String(s.timeScale), ...(s.flags ?? [])].join(' ');
  for (const flags of [...new Set(list.map(runtimeOf))]) {
    const group = list.filter((x) => runtimeOf(x) === flags);
    const timeScale = (group[0] as Scenario).timeScale;
    const local = await startInProcessLocal(flags.split(' '));
    tracker ??= trackBatches(local.trace);
    const warmup: Scenario = { name: `warm-up-${flags.replaceAll(' ', '')}`, events: quick ? 10 : 50, subscriptions: 1, path: '/ok', timeScale };
    progress(`cost: ${flags}, warm-up`);
    await runScenario(local, tracker, warmup, await subscribe(local, receiver.url, warmup), payloadBytes);
    for (const s of group) {
      const ids = await subscribe(local, receiver.url, s);
      progress(`cost: ${s.name} (${s.events} events × ${s.subscriptions}, time scale ${timeScale})`);
      const r = await runScenario(local, tracker, s, ids, payloadBytes);
      checks.mismatches.push(...r.mismatches.map((m) => `${s.name}: ${m}`));
      checks.unknownCalls += r.unknownCalls;
      if (s.inMix !== false) parts.push(r.measured);
      measuredByName[s.name] = r.measured;
      // Data keys are cached per process: a delivery opens its subscription's secrets without KMS.
      results[s.name] = { timeScale, flags: s.flags ?? [], ...report(r.measured), kmsCallsPerDelivery: round(r.dataKeyCalls / r.measured.deliveries, 4) };
      standIns[s.name] = r.standIns;
      for (const [k, v] of r.callMs) callMs.set(k, [...(callMs.get(k) ?? []), ...v]);
    }
    checks.runtimeErrors += local.errors.length;
    if (local.errors.length > 0) progress(`runtime reported ${local.errors.length} errors, first: ${JSON.stringify(local.errors[0])}`);
    await local.stop();
  }
  if (checks.unknownCalls > 0) throw new Error(`${checks.unknownCalls} AWS calls could not be attributed to the app or a local stand-in`);
  if (checks.mismatches.length > 0) throw new Error(`request counter and trace disagree: ${checks.mismatches.join('; ')}`);

  const mix = combine(parts);
  const mixReport = report(mix);
  const mixUsd = mixReport.usdPerMillionDeliveries as Record<string, number>;
  const workerInvocationsPerDelivery = mix.eventSource.invocations / mix.deliveries;
  const figures = {
    payloadBytes,
    memoryMb: { receiver: SETTINGS_DEFAULTS.receiverMemoryMb, worker: SETTINGS_DEFAULTS.workerMemoryMb },
    scenarios: results,
    mix: mixReport,
    eventBridgeApiDestinationsUsdPerMillion: EVENTBRIDGE_API_DESTINATIONS_PER_MILLION,
    eventBridgeSource: EVENTBRIDGE_API_DESTINATIONS_SOURCE,
    mixVsEventBridge: round((mixUsd.total ?? 0) / EVENTBRIDGE_API_DESTINATIONS_PER_MILLION, 3),
    mixAtAwsLatencyVsEventBridge: round(((mixReport.usdPerMillionAtAwsLatency as { total: number }).total ?? 0) / EVENTBRIDGE_API_DESTINATIONS_PER_MILLION, 3),
    withinTarget: (mixUsd.total ?? Infinity) <= EVENTBRIDGE_API_DESTINATIONS_PER_MILLION,
    // Endpoints are slower than a loopback receiver; the worker waits for them, batch-wide.
    workerUsdPerMillionPer100msEndpointLatency: round(0.1 * (SETTINGS_DEFAULTS.workerMemoryMb / 1024) * PRICES.lambdaArmGbSecond.usd * workerInvocationsPerDelivery * 1e6, 4),
    checks: { counterMatchesTrace: true, unattributedCalls: 0, runtimeErrors: checks.runtimeErrors },
    localStandInCalls: standIns,
    // Why the measured durations are what they are: local engines answer slower than AWS does.
    localEngineCallMsP50: Object.fromEntries([...callMs].map(([k, v]) => [k, distribution(v, 1).p50])),
    estimates: {
      awsRoundTripMs: AWS_ROUND_TRIP_MS,
      platformLogBytesPerInvocation: PLATFORM_LOG_BYTES_PER_INVOCATION,
      accessLogBytesPerRequest: Buffer.byteLength(ACCESS_LOG_SAMPLE),
      xraySampledFraction: XRAY_SAMPLED_FRACTION,
      firehose: 'one subscription-filter record per worker invocation, billed in 5 KB steps',
    },
  };
  return { figures, measured: measuredByName };
}

if (isEntryPoint(import.meta.url)) await runBenchmark('cost', async () => (await measureCost()).figures);
