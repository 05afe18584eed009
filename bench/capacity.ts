/**
 * capacity: the capacity model as code. Runs the cost benchmark's counting (local mode, every AWS
 * call counted) and feeds what it counted per delivery and per retry into the model
 * (`support/capacity-model.ts`) against the quotas of `quotas.ts`: for 100 / 1,000 / 10,000 /
 * 50,000 deliveries/s, 1:1 and 1→100, healthy / 10 % failing / 10 % timing out / 30 % down,
 * the binding limit, its headroom and the monthly cost, twice: with the stack's defaults and
 * with the knobs the model sizes for that load (`sizeKnobs`, listed per load). Limits still
 * exceeded with sized knobs are AWS quotas: `quotaIncreases` names each with the value needed.
 * Each row names the `deliveryIndexShards` its load needs and the largest single subscription's
 * share its record partitions allow; `BENCH_LARGEST_SUBSCRIPTION_SHARE` (default 0.01) is the
 * share the `subscriptionRecordKeys` check assumes.
 */
import { RETRY_SHARDS } from '../lambdas/core/retry-buckets.js';
import { SETTINGS_DEFAULTS } from '../lib/props.js';
import { measureCost } from './cost.js';
import {
  CONDITIONS,
  DEFAULT_WORKLOAD,
  evaluate,
  LOADS,
  SHAPES,
  sizeKnobs,
  type Counted,
  type Knobs,
  type PerUnit,
  type Row,
  type Workload,
} from './support/capacity-model.js';
import { envFraction } from './support/env.js';
import { dollars, type Measured } from './support/cost-model.js';
import { progress, runBenchmark } from './support/output.js';

import { round } from './support/stats.js';
import { QUOTAS, type QuotaName } from './quotas.js';

const memory = { receiverMb: SETTINGS_DEFAULTS.receiverMemoryMb, workerMb: SETTINGS_DEFAULTS.workerMemoryMb };
const mean = (v: readonly number[]) => (v.length === 0 ? 0 : v.reduce((s, x) => s + x, 0) / v.length);

function perUnit(m: Measured): PerUnit {
  const { lambdaCompute: _compute, ...rest } = dollars(m, memory);
  const n = m.deliveries;
  return {
    usdBesidesCompute: Object.values(rest).reduce((s, v) => s + v, 0) / n,
    writeUnits: m.dynamo.writeUnits / n,
    readUnits: m.dynamo.readUnits / n,
    schedulerCreates: m.scheduler.creates / n,
    schedulerInvocations: m.scheduler.fired / n,
  };
}

/** `a` − `b`, field by field: what a retry adds to a first-attempt delivery. */
function minus(a: PerUnit, b: PerUnit): PerUnit {
  return Object.fromEntries(Object.entries(a).map(([k, v]) => [k, Math.max(0, v - b[k as keyof PerUnit])])) as unknown as PerUnit;
}

export function countedFrom(measured: Record<string, Measured>): Counted {
  const get = (name: string): Measured => {
    const m = measured[name];
    if (m === undefined) throw new Error(`the cost benchmark measured no ${name} scenario`);
    return m;
  };
  const one = get('first-attempt-success');
  const oneToOne = perUnit(one);
  const retry = get('retry-within-15-min');
  // That scenario's only updates are of the subscription item: its streak's growth and reset.
  const updates = retry.appRequests['dynamodb:UpdateItem'] ?? 0;
  return {
    oneToOne,
    fanOut: perUnit(get('fan-out-1-to-10')),
    queuedRetry: minus(perUnit(retry), oneToOne),
    scheduledRetry: minus(perUnit(get('retry-after-15-min')), oneToOne),
    receiverMs: mean(one.receiverModelMs),
    workerOverheadMs: mean(one.workerModelMs),
    attemptLogBytes: one.logs.attemptGzipBytes / Math.max(1, one.logs.attemptLines),
    subscriptionUpdateUnits: updates === 0 ? 0 : (retry.dynamoUnitsByOperation['W dynamodb:UpdateItem'] ?? 0) / updates,
  };
}

function cell(row: Row): Record<string, unknown> {
  return {
    load: row.load,
    shape: row.shape,
    condition: row.condition,
    binding: row.binding.name,
    headroom: round(row.headroom, 2),
    exceeded: row.exceeded.map((d) => `${d.name} ${round(d.utilization, 1)}×`),
    usdPerMonth: Math.round(row.usdPerMonth),
    workerConcurrency: Math.round(row.workerConcurrency),
    receiverConcurrency: Math.round(row.receiverConcurrency),
    deliveryIndexShards: row.deliveryIndexShardsNeeded,
    largestSubscriptionShareMax: round(row.largestSubscriptionShareMax, 4),
  };
}

/** The quota each exceeded AWS limit needs (the largest demand over the table, with the sizing margin). */
function quotaIncreases(rows: readonly Row[]): Record<string, { default: number; needed: number; adjustable: boolean }> {
  const out: Record<string, { default: number; needed: number; adjustable: boolean }> = {};
  for (const d of rows.flatMap((r) => r.exceeded)) {
    if (!(d.name in QUOTAS)) continue;
    const quota = QUOTAS[d.name as QuotaName];
    const needed = Math.ceil((d.demand * 1.25) / 100) * 100;
    if ((out[d.name]?.needed ?? 0) < needed) out[d.name] = { default: quota.limit, needed, adjustable: quota.adjustable };
  }
  return out;
}

function table(counted: Counted, knobsFor: (load: number) => Knobs, workload: Workload): Row[] {
  return LOADS.flatMap((load) => SHAPES.flatMap((shape) => CONDITIONS.map((c) => evaluate(counted, knobsFor(load), load, shape, c, workload))));
}

async function measure(): Promise<Record<string, unknown>> {
  progress('capacity: counting requests with the cost benchmark');
  const { measured } = await measureCost();
  const counted = countedFrom(measured);
  const workload: Workload = { largestSubscriptionShare: envFraction('BENCH_LARGEST_SUBSCRIPTION_SHARE', DEFAULT_WORKLOAD.largestSubscriptionShare) };
  const d = SETTINGS_DEFAULTS;
  const defaults: Knobs = {
    throttleRateLimit: d.throttleRateLimit,
    receiverReservedConcurrency: d.receiverReservedConcurrency,
    workerBatchSize: d.workerBatchSize,
    workerBatchingWindowSeconds: d.workerBatchingWindowSeconds,
    workerInFlight: d.workerInFlight,
    workerConcurrency: d.workerConcurrency,
    workerPollers: d.workerPollers,
    receiverMemoryMb: d.receiverMemoryMb,
    workerMemoryMb: d.workerMemoryMb,
    retryShards: RETRY_SHARDS,
    deliveryIndexShards: d.deliveryIndexShards,
  };
  const sized = Object.fromEntries(LOADS.map((load) => [load, sizeKnobs(counted, defaults, load)]));
  const withDefaults = table(counted, () => defaults, workload);
  const withSized = table(counted, (load) => sized[load] as Knobs, workload);
  const beyondKnobs = withSized.filter((r) => r.exceeded.some((d) => d.name in QUOTAS));
  return {
    counted: {
      ...counted,
      receiverMs: round(counted.receiverMs, 1),
      workerOverheadMs: round(counted.workerOverheadMs, 1),
      attemptLogBytes: Math.round(counted.attemptLogBytes),
      subscriptionUpdateUnits: round(counted.subscriptionUpdateUnits, 2),
    },
    defaults: withDefaults.map(cell),
    workload,
    knobsByLoad: sized,
    sized: withSized.map(cell),
    quotaIncreases: quotaIncreases(beyondKnobs),
    quotaSources: Object.fromEntries(Object.entries(QUOTAS).map(([k, q]) => [k, q.source])),
  };
}

await runBenchmark('capacity', measure);
