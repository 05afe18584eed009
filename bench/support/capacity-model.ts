/**
 * The capacity model as code: for a load (deliveries/s), a shape (1:1 or 1→100) and an endpoint
 * condition, what each AWS limit is asked for, against `bench/quotas.ts` and the stack's knobs.
 * Pure arithmetic over what the cost benchmark counted (`Counted`): no measurement happens here.
 *
 * Endpoints answer in a log-normal time (median 200 ms, p99 800 ms); a timing-out endpoint holds
 * its attempt for the preset's whole timeout. A batch ends when its slowest request does (the
 * requests of one batch run concurrently), so worker concurrency = batches/s × E[slowest of B].
 */
import { DELIVERY_INDEX_SHARD_CHOICES, SUBSCRIPTION_RECORD_SHARDS } from '../../lambdas/adapters/dynamodb/table-schema.js';
import { STREAK_COUNTED_EXACTLY } from '../../lambdas/core/failure-policy.js';
import { PRESETS } from '../../lambdas/core/presets.js';
import { scheduleOf } from '../../lambdas/core/retry-policy.js';
import { PRICES } from '../prices.js';
import { QUOTAS, type QuotaName } from '../quotas.js';

/** What the cost benchmark counted, per delivery (or per retry), at AWS round trips. */
export interface PerUnit {
  /** Dollars for everything but Lambda duration (which the model derives from concurrency). */
  usdBesidesCompute: number;
  writeUnits: number;
  readUnits: number;
  /** Scheduler invocations and CreateSchedule calls per unit, as the local scheduler counted them. */
  schedulerCreates: number;
  schedulerInvocations: number;
}

export interface Counted {
  /** One event, one subscription, answered 200 (`first-attempt-success`). */
  oneToOne: PerUnit;
  /** Per delivery of a fanned-out event (`fan-out-1-to-10`). */
  fanOut: PerUnit;
  /** What one failed attempt plus its retry through an SQS delay adds (`retry-within-15-min` − 1:1). */
  queuedRetry: PerUnit;
  /** The same for a retry due in more than 15 minutes (`retry-after-15-min` − 1:1). */
  scheduledRetry: PerUnit;
  /** Receiver invocation (one POST) at AWS round trips, ms. */
  receiverMs: number;
  /** Worker invocation bookkeeping (a batch against an instant endpoint) at AWS round trips, ms. */
  workerOverheadMs: number;
  /** Attempt log bytes per attempt, gzipped as CloudWatch Logs hands them to Firehose. */
  attemptLogBytes: number;
  /** Write units of one update of the subscription item (its failure streak), as `retry-within-15-min` counted them. */
  subscriptionUpdateUnits: number;
}

/** The stack properties the model sizes (lib/props.ts names). */
export interface Knobs {
  throttleRateLimit: number;
  receiverReservedConcurrency: number;
  workerBatchSize: number;
  workerBatchingWindowSeconds: number;
  workerInFlight: number;
  /** On-demand event source mapping cap (MaximumConcurrency); unused when `workerPollers` > 0. */
  workerConcurrency: number;
  /** Provisioned-mode pollers (each up to 10 concurrent batches); 0 = on-demand mode. */
  workerPollers: number;
  receiverMemoryMb: number;
  workerMemoryMb: number;
  /** Due-minute buckets are split this many ways (one schedule per bucket); 0 = one schedule per retry. */
  retryShards: number;
  /** Shards per (status set, month) of the delivery index (the `deliveryIndexShards` stack property). */
  deliveryIndexShards: number;
}

/** What the model assumes about the installation besides the knobs. */
export interface Workload {
  /**
   * Share of all deliveries that go to the single largest subscription. Its delivery records
   * share that subscription's few base-table partitions, whatever the installation's size.
   */
  largestSubscriptionShare: number;
}

/**
 * The default: the largest subscription takes 1 % of the deliveries (an installation of a hundred
 * or more comparable large subscriptions; 500 deliveries/s of 50,000). Rows also print the share
 * that would fill its record partitions to `PARTITION_TARGET`, so any other mix can be read off.
 */
export const DEFAULT_WORKLOAD: Workload = { largestSubscriptionShare: 0.01 };

export type Shape = '1:1' | '1→100';
export interface Condition {
  name: string;
  /** Share of deliveries whose endpoint fails every attempt. */
  failing: number;
  /** Those failures take the whole timeout (else they fail as fast as a healthy answer). */
  slow: boolean;
}

export const CONDITIONS: readonly Condition[] = [
  { name: 'healthy', failing: 0, slow: false },
  { name: '10% failing', failing: 0.1, slow: false },
  { name: '10% timing out', failing: 0.1, slow: true },
  // A mass outage: the endpoints' load balancers answer 502/503 or refuse connections.
  { name: '30% down', failing: 0.3, slow: false },
];
export const LOADS = [100, 1_000, 10_000, 50_000] as const;
export const SHAPES: readonly Shape[] = ['1:1', '1→100'];

const ENDPOINT_MEDIAN_S = 0.2;
const ENDPOINT_P99_S = 0.8;
const Z99 = 2.3263;
const SIGMA = Math.log(ENDPOINT_P99_S / ENDPOINT_MEDIAN_S) / Z99;
export const SECONDS_PER_MONTH = 30 * 86_400;
const SQS_DELAY_MAX_S = 900;
/** Retries due within this of the failure go to SQS with a delay; later ones to the scheduler. */
const standard = PRESETS.standard;
const LADDER = scheduleOf(standard.retryPolicy);
export const TIMEOUT_S = standard.timeoutMs / 1000;
/**
 * A delivery record's base-table key is `DLV#{subscriptionId}#{shard of message}` over this many
 * shards (the record layout of issue 19; before it each record was its own key): one
 * subscription's records take at most this many partitions, 1,000 write units/s each, however
 * many shards the month index has.
 */
export { SUBSCRIPTION_RECORD_SHARDS };
/** Share of a partition's write units a sized key may plan for (bursts, uneven hashing). */
export const PARTITION_TARGET = 0.8;
/** Minutes between the earliest and the latest due time a retry can take (longest delay + jitter). */
const RETRY_HORIZON_MINUTES = Math.ceil((Math.max(...LADDER) * (1 + (standard.retryPolicy.type === 'exponential' ? standard.retryPolicy.jitter : 0))) / 60);

/** Standard normal CDF (Abramowitz–Stegun 7.1.26, |error| < 1.5e-7). */
function phi(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-x * x);
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

/** E[slowest of `n` requests], seconds: `timeoutShare` of them take `TIMEOUT_S`, the rest log-normal (capped there too). */
export function expectedSlowestS(n: number, timeoutShare: number): number {
  const steps = 5_000;
  const dx = TIMEOUT_S / steps;
  let sum = 0;
  for (let i = 0; i < steps; i++) {
    const x = (i + 0.5) * dx;
    const cdf = (1 - timeoutShare) * phi(Math.log(x / ENDPOINT_MEDIAN_S) / SIGMA);
    sum += (1 - cdf ** n) * dx;
  }
  return sum;
}

/** Attempts and retries per second for `load` deliveries/s under `condition` (standard preset ladder). */
export function attemptRates(load: number, condition: Condition): { attempts: number; queuedRetries: number; scheduledRetries: number; timeoutShare: number } {
  const failingPerS = load * condition.failing;
  const queued = LADDER.filter((d) => d <= SQS_DELAY_MAX_S).length;
  const scheduled = LADDER.length - queued;
  const attempts = load * (1 - condition.failing) + failingPerS * (1 + LADDER.length);
  return {
    attempts,
    queuedRetries: failingPerS * queued,
    scheduledRetries: failingPerS * scheduled,
    timeoutShare: condition.slow ? (failingPerS * (1 + LADDER.length)) / attempts : 0,
  };
}

export interface Demand {
  name: QuotaName | 'apiStageThrottle' | 'receiverReservedConcurrency' | 'workerEventSource' | 'deliveryIndexKey' | 'subscriptionRecordKeys' | 'subscriptionItem';
  demand: number;
  limit: number;
  /** demand ÷ limit; above 1 the limit is exceeded. */
  utilization: number;
}

export interface Row {
  load: number;
  shape: Shape;
  condition: string;
  attemptsPerS: number;
  receiverConcurrency: number;
  workerConcurrency: number;
  batchSeconds: number;
  binding: Demand;
  /** limit ÷ demand of the binding limit (below 1: exceeded by that factor). */
  headroom: number;
  exceeded: Demand[];
  usdPerMonth: number;
  demands: Demand[];
  /** The smallest `deliveryIndexShards` that keeps this row's hottest index key within `PARTITION_TARGET`. */
  deliveryIndexShardsNeeded: number;
  /**
   * The largest subscription share that stays within `PARTITION_TARGET` of both its record
   * partitions and its own item (the failure streak) in this row.
   */
  largestSubscriptionShareMax: number;
}

function demand(name: Demand['name'], value: number, limit: number): Demand {
  return { name, demand: value, limit, utilization: limit === 0 ? Infinity : value / limit };
}

/**
 * Index writes per second on the hottest delivery index key: each delivery's record enters the
 * KEYS_ONLY index once, when first written (a rewrite that keeps the keys writes no index entry),
 * into one of `shards` keys of its month, by a hash of its id. All of a load's deliveries are
 * counted in one status set: an upper bound for the mixed rows, exact for the healthy ones.
 */
export const hottestIndexKeyWrites = (load: number, shards: number): number => load / shards;

/** The smallest allowed shard count whose hottest key stays within `PARTITION_TARGET` (the largest if none does). */
export function deliveryIndexShardsFor(load: number): number {
  const budget = QUOTAS.dynamoPartitionWrites.limit * PARTITION_TARGET;
  return DELIVERY_INDEX_SHARD_CHOICES.find((n) => hottestIndexKeyWrites(load, n) <= budget) ?? DELIVERY_INDEX_SHARD_CHOICES.at(-1)!;
}

/**
 * Record writes per second of the largest subscription: one per attempt (the worker writes the
 * record after each), counted at one write unit each (a record under 1 KB; a failing record grows
 * with its inline attempts, so failing rows are a floor). When the condition has failing endpoints
 * the largest subscription is assumed to be one of them: every delivery then takes the whole ladder.
 */
export function largestSubscriptionRecordWrites(load: number, condition: Condition, workload: Workload): number {
  const attemptsPerDelivery = condition.failing > 0 ? 1 + LADDER.length : 1;
  return load * workload.largestSubscriptionShare * attemptsPerDelivery;
}

/**
 * Write units/s on the largest subscription's own item (`SUB#{id}`, one key that cannot be
 * sharded) in the worst second of a failure streak: a failed attempt adds to the streak with an
 * `UpdateItem` only within its exactly-counted range (`STREAK_COUNTED_EXACTLY`, then only the
 * failure that may fire the action), so a streak writes at most that many, all in its first second
 * at worst. Zero when its endpoint is healthy (a success resets the streak only when it is not
 * already zero). Not modelled: batches that read the streak before it reached the range's end.
 */
export function largestSubscriptionItemWrites(counted: Counted, load: number, condition: Condition, workload: Workload): number {
  if (condition.failing === 0) return 0;
  const failedAttemptsPerSecond = load * workload.largestSubscriptionShare * (1 + LADDER.length);
  return Math.min(failedAttemptsPerSecond, STREAK_COUNTED_EXACTLY) * counted.subscriptionUpdateUnits;
}

/** The largest share of the deliveries one subscription may take in this row (both of its per-subscription keys within `PARTITION_TARGET`); 1 when any share fits. */
function largestShareWithin(counted: Counted, load: number, condition: Condition): number {
  const whole = { largestSubscriptionShare: 1 };
  const budget = QUOTAS.dynamoPartitionWrites.limit * PARTITION_TARGET;
  const records = (SUBSCRIPTION_RECORD_SHARDS * budget) / largestSubscriptionRecordWrites(load, condition, whole);
  const item = largestSubscriptionItemWrites(counted, load, condition, whole);
  return Math.min(1, records, item === 0 ? Infinity : budget / item);
}

/** The event source's concurrency ceiling for these knobs. */
export function eventSourceCeiling(knobs: Knobs): number {
  return knobs.workerPollers > 0 ? knobs.workerPollers * 10 : Math.min(knobs.workerConcurrency, QUOTAS.sqsEsmConcurrency.limit);
}

/**
 * Schedules the retry path asks for. Per retry: one create and one firing per scheduled retry,
 * each outstanding until due. Bucketed: one per (due minute, shard), whatever the retry count.
 */
export function schedulerDemand(scheduledRetriesPerS: number, knobs: Knobs): { createsPerS: number; outstanding: number } {
  if (scheduledRetriesPerS === 0) return { createsPerS: 0, outstanding: 0 };
  if (knobs.retryShards === 0) {
    const far = LADDER.filter((d) => d > SQS_DELAY_MAX_S);
    const meanDelay = far.reduce((s, d) => s + d, 0) / far.length;
    return { createsPerS: scheduledRetriesPerS, outstanding: scheduledRetriesPerS * meanDelay };
  }
  const steps = LADDER.filter((d) => d > SQS_DELAY_MAX_S).length;
  // Each wall-clock minute opens at most `shards` new buckets per ladder step past 15 minutes.
  return { createsPerS: (knobs.retryShards * steps) / 60, outstanding: knobs.retryShards * RETRY_HORIZON_MINUTES };
}

/** One cell of the table: every modelled limit's demand for this load, shape and condition. */
export function evaluate(counted: Counted, knobs: Knobs, load: number, shape: Shape, condition: Condition, workload: Workload = DEFAULT_WORKLOAD): Row {
  const events = shape === '1:1' ? load : load / 100;
  const first = shape === '1:1' ? counted.oneToOne : counted.fanOut;
  const rates = attemptRates(load, condition);
  const batchSeconds = counted.workerOverheadMs / 1000 + expectedSlowestS(knobs.workerBatchSize, rates.timeoutShare);
  const workerConcurrency = (rates.attempts / knobs.workerBatchSize) * batchSeconds;
  const receiverConcurrency = (events * counted.receiverMs) / 1000;
  const per = (pick: (u: PerUnit) => number) =>
    load * pick(first) + rates.queuedRetries * pick(counted.queuedRetry) + rates.scheduledRetries * pick(counted.scheduledRetry);
  const scheduler = schedulerDemand(rates.scheduledRetries, knobs);
  const demands = [
    demand('apiStageThrottle', events, knobs.throttleRateLimit),
    demand('apiAccountRps', events, QUOTAS.apiAccountRps.limit),
    demand('receiverReservedConcurrency', receiverConcurrency, knobs.receiverReservedConcurrency > 0 ? knobs.receiverReservedConcurrency : QUOTAS.lambdaConcurrency.limit),
    demand('workerEventSource', workerConcurrency, eventSourceCeiling(knobs)),
    demand('lambdaConcurrency', workerConcurrency + Math.max(receiverConcurrency, knobs.receiverReservedConcurrency), QUOTAS.lambdaConcurrency.limit),
    demand('sqsInFlight', rates.attempts * batchSeconds, QUOTAS.sqsInFlight.limit),
    demand('dynamoTableWrites', per((u) => u.writeUnits), QUOTAS.dynamoTableWrites.limit),
    demand('dynamoTableReads', per((u) => u.readUnits), QUOTAS.dynamoTableReads.limit),
    demand('deliveryIndexKey', hottestIndexKeyWrites(load, knobs.deliveryIndexShards), QUOTAS.dynamoPartitionWrites.limit),
    demand('subscriptionRecordKeys', largestSubscriptionRecordWrites(load, condition, workload), SUBSCRIPTION_RECORD_SHARDS * QUOTAS.dynamoPartitionWrites.limit),
    demand('subscriptionItem', largestSubscriptionItemWrites(counted, load, condition, workload), QUOTAS.dynamoPartitionWrites.limit),
    demand('schedulerCreate', scheduler.createsPerS, QUOTAS.schedulerCreate.limit),
    demand('schedulerInvocations', scheduler.createsPerS, QUOTAS.schedulerInvocations.limit),
    demand('schedulerSchedules', scheduler.outstanding, QUOTAS.schedulerSchedules.limit),
    demand('firehoseBytes', rates.attempts * counted.attemptLogBytes, QUOTAS.firehoseBytes.limit),
  ];
  const binding = demands.reduce((a, b) => (b.utilization > a.utilization ? b : a));
  const computeUsdPerS =
    ((workerConcurrency * knobs.workerMemoryMb + receiverConcurrency * knobs.receiverMemoryMb) / 1024) * PRICES.lambdaArmGbSecond.usd;
  return {
    load,
    shape,
    condition: condition.name,
    attemptsPerS: rates.attempts,
    receiverConcurrency,
    workerConcurrency,
    batchSeconds,
    binding,
    headroom: 1 / binding.utilization,
    exceeded: demands.filter((d) => d.utilization > 1),
    usdPerMonth: (per((u) => u.usdBesidesCompute) + computeUsdPerS) * SECONDS_PER_MONTH,
    demands,
    deliveryIndexShardsNeeded: deliveryIndexShardsFor(load),
    largestSubscriptionShareMax: largestShareWithin(counted, load, condition),
  };
}

/** Headroom the sizing leaves over the modelled need (bursts, uneven batches). */
export const SIZING_MARGIN = 1.25;

/**
 * The knobs for `load`: sized for its worst condition in the 1:1 shape (the most events and
 * attempts), never below `defaults`; the delivery index gets the fewest shards that keep its
 * hottest key within `PARTITION_TARGET` (fewer shards, fewer partitions per search page). Batches of 100 from 1,000/s up, so a batch's slowest
 * request is paid once per 100 records instead of once per 10.
 */
export function sizeKnobs(counted: Counted, defaults: Knobs, load: number): Knobs {
  const big = load >= 1_000;
  const workerBatchSize = big ? 100 : defaults.workerBatchSize;
  // Lambda's rule for batches over 10; at these loads a batch of 100 fills in milliseconds.
  const trial = { ...defaults, workerBatchSize, workerBatchingWindowSeconds: big ? 1 : defaults.workerBatchingWindowSeconds, workerInFlight: workerBatchSize };
  const rows = CONDITIONS.map((c) => evaluate(counted, trial, load, '1:1', c));
  const worker = Math.ceil(Math.max(...rows.map((r) => r.workerConcurrency)) * SIZING_MARGIN);
  const receiver = Math.ceil(Math.max(...rows.map((r) => r.receiverConcurrency)) * SIZING_MARGIN);
  const onDemand = worker <= QUOTAS.sqsEsmConcurrency.limit;
  return {
    ...trial,
    throttleRateLimit: Math.max(defaults.throttleRateLimit, Math.ceil(load * SIZING_MARGIN)),
    receiverReservedConcurrency: Math.max(defaults.receiverReservedConcurrency, receiver),
    workerConcurrency: onDemand ? Math.max(defaults.workerConcurrency, worker) : defaults.workerConcurrency,
    workerPollers: onDemand ? 0 : Math.min(QUOTAS.sqsEsmProvisionedPollers.limit, Math.ceil(worker / 10)),
    deliveryIndexShards: Math.max(defaults.deliveryIndexShards, deliveryIndexShardsFor(load)),
  };
}
