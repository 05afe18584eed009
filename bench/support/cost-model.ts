/**
 * Turns what the cost benchmark counted into AWS requests and dollars, with the prices of
 * `bench/prices.ts` only. Everything per-request here was counted; the few things local mode
 * cannot show (Lambda's log lines, API Gateway's access log line, how CloudWatch Logs batches
 * records for Firehose, X-Ray sampling) are estimates, each named and explained below.
 */
import { SystemLogLevel } from 'aws-cdk-lib/aws-lambda';
import { SYSTEM_LOG_LEVEL } from '../../lib/functions.js';
import { PRICES } from '../prices.js';

/** What one scenario (or the whole mix) did, as counted. */
export interface Measured {
  events: number;
  /** Intake requests (API Gateway requests, receiver invocations): `events`, or fewer through batch intake. */
  intakeRequests: number;
  deliveries: number;
  attempts: number;
  /** Bytes of each intake request body (POST /v1/events or /v1/events/batch). */
  eventRequestBytes: number;
  /** Application requests by `service:Operation`: the adapters' counter minus local stand-ins. */
  appRequests: Record<string, number>;
  /** SQS 64 KB chunks of the application's sends. */
  appSqsChunks: number;
  /** Lambda's SQS event source mapping, from the local worker loop that stands in for it. */
  eventSource: { invocations: number; receiveChunks: number; deletes: number; emptyReceives: number; messages: number };
  /** EventBridge Scheduler, from the local scheduler that stands in for it. */
  scheduler: { creates: number; deletes: number; fired: number };
  /** DynamoDB capacity units of the application's calls (engine-reported, read floors applied). */
  dynamo: { readUnits: number; writeUnits: number; calls: number; callsReportingCapacity: number };
  /** The same units by `service:Operation`, so the expensive writes can be named. */
  dynamoUnitsByOperation: Record<string, number>;
  /** Receiver invocation durations (ms): the POST round trip through the local front door. */
  receiverMs: number[];
  /** Worker invocation durations (ms): batch received → its messages deleted. */
  workerMs: number[];
  /** The same invocations with local engine waits replaced by AWS round trips (`awsLatencyModelMs`). */
  receiverModelMs: number[];
  workerModelMs: number[];
  /** What the handlers wrote to stdout (→ CloudWatch Logs), attempt lines apart. */
  logs: { bytes: number; attemptBytes: number; attemptLines: number; attemptGzipBytes: number };
}

export interface Memory {
  receiverMb: number;
  workerMb: number;
}

/**
 * Estimates, not counts. With `loggingFormat: JSON` Lambda writes `platform.start` (~150 B) and
 * `platform.report` (~450 B with the X-Ray trace id) per invocation, both at INFO: the stack's
 * system log level (`SYSTEM_LOG_LEVEL` in lib/functions.ts) WARN keeps neither.
 */
export const PLATFORM_LOG_BYTES_PER_INVOCATION = SYSTEM_LOG_LEVEL === SystemLogLevel.WARN ? 0 : 600;
/** X-Ray's default sampling: the first request each second, then 5 %; at volume, ~5 % of invocations. */
export const XRAY_SAMPLED_FRACTION = 0.05;
/** Firehose buffers 5 MB (before compression) per S3 object at volume (lib/archive.ts). */
export const FIREHOSE_BUFFER_BYTES = 5 * 1024 * 1024;
const FIREHOSE_RECORD_INCREMENT = 5 * 1024;
const GB = 1024 ** 3;
const API_GATEWAY_REQUEST_UNIT = 512 * 1024;

/** One access log line in the stack's format (lib/api.ts) with typical values. */
export const ACCESS_LOG_SAMPLE = JSON.stringify({
  requestId: 'b1XxFjXyoAMEVxw=',
  sourceIp: '203.0.113.17',
  userArn: 'arn:aws:sts::123456789012:assumed-role/orders-service/producer-session',
  routeKey: 'POST /v1/events',
  status: '202',
  responseLatency: '23',
  integrationError: '-',
  error: '-',
});

/**
 * Estimates: a typical in-region round trip per service from Lambda (ms). Local engines answer
 * far slower (DynamoDB Local is a JVM; see `localEngineCallMsP50` in the output).
 */
export const AWS_ROUND_TRIP_MS: Record<string, number> = { dynamodb: 8, sqs: 15, s3: 30, sns: 30, scheduler: 40 };

export interface TimedCall {
  service: string;
  startedAt: number;
  endedAt: number;
}

/**
 * An invocation's duration had its AWS calls taken as long as in AWS: the time not spent waiting
 * on any call (CPU, the webhook itself) plus, per round of overlapping calls, the slowest
 * service's typical round trip.
 */
export function awsLatencyModelMs(durationMs: number, calls: readonly TimedCall[]): number {
  const sorted = [...calls].sort((a, b) => a.startedAt - b.startedAt);
  let waited = 0;
  let modelled = 0;
  let round: { start: number; end: number; cost: number } | undefined;
  const close = (): void => {
    if (round === undefined) return;
    waited += round.end - round.start;
    modelled += round.cost;
  };
  for (const c of sorted) {
    const cost = AWS_ROUND_TRIP_MS[c.service] ?? 20;
    if (round !== undefined && c.startedAt <= round.end) {
      round.end = Math.max(round.end, c.endedAt);
      round.cost = Math.max(round.cost, cost);
    } else {
      close();
      round = { start: c.startedAt, end: c.endedAt, cost };
    }
  }
  close();
  return Math.max(1, durationMs - waited) + modelled;
}

const sum = (values: readonly number[]): number => values.reduce((s, v) => s + v, 0);
const ceilMs = (values: readonly number[]): number => sum(values.map((v) => Math.max(1, Math.ceil(v))));

/** AWS requests of each service for what was measured (application + the AWS machinery around it). */
export function awsRequests(m: Measured): Record<string, number> {
  const app = (service: string): number =>
    sum(Object.entries(m.appRequests).filter(([k]) => k.startsWith(`${service}:`)).map(([, v]) => v));
  return {
    apiGateway: m.intakeRequests,
    lambda: m.intakeRequests + m.eventSource.invocations,
    dynamodb: app('dynamodb'),
    // The application's sends, the event source mapping's receives and deletes, and one send per fired schedule.
    sqs: app('sqs') + m.eventSource.invocations + m.eventSource.deletes + m.scheduler.fired,
    scheduler: m.scheduler.creates + m.scheduler.deletes,
    schedulerInvocations: m.scheduler.fired,
    s3: app('s3'),
    sns: app('sns'),
  };
}

/** Lambda duration charges for these invocation durations at the configured memory. */
export function lambdaComputeUsd(receiverMs: readonly number[], workerMs: readonly number[], memory: Memory): number {
  const receiverGbS = (ceilMs(receiverMs) / 1000) * (memory.receiverMb / 1024);
  const workerGbS = (ceilMs(workerMs) / 1000) * (memory.workerMb / 1024);
  return (receiverGbS + workerGbS) * PRICES.lambdaArmGbSecond.usd;
}

/** Dollars for what was measured, by line item (Lambda at the measured local durations). */
export function dollars(m: Measured, memory: Memory): Record<string, number> {
  const invocations = m.intakeRequests + m.eventSource.invocations;
  const logBytes = m.logs.bytes + invocations * PLATFORM_LOG_BYTES_PER_INVOCATION + m.intakeRequests * Buffer.byteLength(ACCESS_LOG_SAMPLE);
  // One subscription-filter record per worker invocation that logged attempts, billed in 5 KB steps.
  const firehoseRecords = Math.min(m.eventSource.invocations, m.attempts);
  const perRecord = firehoseRecords === 0 ? 0 : m.logs.attemptGzipBytes / firehoseRecords;
  const firehoseBytes = firehoseRecords * Math.max(1, Math.ceil(perRecord / FIREHOSE_RECORD_INCREMENT)) * FIREHOSE_RECORD_INCREMENT;
  const s3Puts = (m.appRequests['s3:PutObject'] ?? 0) + m.logs.attemptBytes / FIREHOSE_BUFFER_BYTES;
  const s3Gets = m.appRequests['s3:GetObject'] ?? 0;
  const sqsRequests = m.appSqsChunks + m.eventSource.receiveChunks + m.eventSource.deletes + m.scheduler.fired;
  return {
    apiGateway: m.intakeRequests * Math.max(1, Math.ceil(m.eventRequestBytes / API_GATEWAY_REQUEST_UNIT)) * PRICES.apiGatewayHttpRequest.usd,
    lambdaRequests: invocations * PRICES.lambdaRequest.usd,
    lambdaCompute: lambdaComputeUsd(m.receiverMs, m.workerMs, memory),
    sqs: sqsRequests * PRICES.sqsRequest.usd,
    dynamodb: m.dynamo.readUnits * PRICES.dynamoReadUnit.usd + m.dynamo.writeUnits * PRICES.dynamoWriteUnit.usd,
    scheduler: m.scheduler.fired * PRICES.schedulerInvocation.usd,
    cloudWatchLogs: (logBytes / GB) * PRICES.logsIngestGb.usd,
    firehose: (firehoseBytes / GB) * PRICES.firehoseIngestGb.usd,
    s3: s3Puts * PRICES.s3PutRequest.usd + s3Gets * PRICES.s3GetRequest.usd,
    sns: (m.appRequests['sns:Publish'] ?? 0) * PRICES.snsPublish.usd,
    xray: invocations * XRAY_SAMPLED_FRACTION * PRICES.xrayTraceRecorded.usd,
  };
}

/** `values` scaled to one million deliveries, rounded to 4 decimals, plus `total`. */
export function perMillion(values: Record<string, number>, deliveries: number): Record<string, number> {
  const out: Record<string, number> = {};
  let total = 0;
  for (const [k, v] of Object.entries(values)) {
    const scaled = (v * 1e6) / deliveries;
    total += scaled;
    out[k] = Math.round(scaled * 10_000) / 10_000;
  }
  out.total = Math.round(total * 10_000) / 10_000;
  return out;
}

/** The biggest line items, largest first, with their share of the total. */
export function dominant(perMillionUsd: Record<string, number>, top = 3): { item: string; usd: number; share: number }[] {
  const total = perMillionUsd.total ?? 0;
  return Object.entries(perMillionUsd)
    .filter(([k]) => k !== 'total')
    .sort(([, a], [, b]) => b - a)
    .slice(0, top)
    .map(([item, usd]) => ({ item, usd, share: total === 0 ? 0 : Math.round((usd / total) * 1000) / 1000 }));
}

/** Sums measurements (the mix is the scenarios together). */
export function combine(parts: readonly Measured[]): Measured {
  const addRecords = (records: Record<string, number>[]): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const r of records) for (const [k, v] of Object.entries(r)) out[k] = (out[k] ?? 0) + v;
    return out;
  };
  const addFields = <T extends Record<string, number>>(items: T[]): T => addRecords(items) as T;
  return {
    events: sum(parts.map((p) => p.events)),
    intakeRequests: sum(parts.map((p) => p.intakeRequests)),
    deliveries: sum(parts.map((p) => p.deliveries)),
    attempts: sum(parts.map((p) => p.attempts)),
    eventRequestBytes: Math.max(...parts.map((p) => p.eventRequestBytes)),
    appRequests: addRecords(parts.map((p) => p.appRequests)),
    appSqsChunks: sum(parts.map((p) => p.appSqsChunks)),
    eventSource: addFields(parts.map((p) => p.eventSource)),
    scheduler: addFields(parts.map((p) => p.scheduler)),
    dynamo: addFields(parts.map((p) => p.dynamo)),
    dynamoUnitsByOperation: addRecords(parts.map((p) => p.dynamoUnitsByOperation)),
    receiverMs: parts.flatMap((p) => p.receiverMs),
    workerMs: parts.flatMap((p) => p.workerMs),
    receiverModelMs: parts.flatMap((p) => p.receiverModelMs),
    workerModelMs: parts.flatMap((p) => p.workerModelMs),
    logs: addFields(parts.map((p) => p.logs)),
  };
}
