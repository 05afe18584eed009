/**
 * The deployment options of the Hookline stack: typed, documented, validated once.
 * `resolveSettings` fills defaults and throws `InvalidStackPropError` naming the property;
 * `settingsFromContext` reads the same names from `cdk -c key=value` (strings) or cdk.json.
 */
import { DELIVERY_INDEX_SHARD_CHOICES, DELIVERY_INDEX_SHARDS, isDeliveryIndexShards } from '../lambdas/adapters/dynamodb/table-schema.js';
import { InvalidStackPropError } from './errors.js';

/** Every option is optional; `resolveSettings` documents and applies the defaults. */
export interface HooklineSettingsInput {
  /** Email address subscribed to the alert topic (alarms, endpoint-disabled warnings). @default - no subscription */
  readonly alertEmail?: string;
  /** Retention of the functions' and the API access log groups, in days (a CloudWatch Logs value). @default 30 */
  readonly logRetentionDays?: number;
  /** Retention of delivery/attempt records (DynamoDB TTL), of the attempt log group and of stored payloads, in days. @default 30 */
  readonly attemptRetentionDays?: number;
  /** Days after which archived objects move to S3 Standard-IA (S3 minimum: 30). @default 30 */
  readonly archiveTransitionDays?: number;
  /** Days after which archived objects expire; must exceed `archiveTransitionDays`. @default 365 */
  readonly archiveExpiryDays?: number;
  /** At most one subscription per (tenant, event type); a second one is a 409. @default false */
  readonly uniqueTenantEvent?: boolean;
  /**
   * `log-only` keeps deliveries that succeed on their first attempt only in the attempt log and its
   * S3 archive (no DynamoDB record: cheaper, but the API cannot list or get them); failed and
   * retrying deliveries keep their records. @default "all"
   */
  readonly successRecords?: 'all' | 'log-only';
  /**
   * Shards of the delivery search index (16, 32, 64, 128 or 256): each holds 1,000 record writes/s,
   * and every unfiltered search page queries 2 × this many partitions. Raising it is safe (records
   * written under the smaller count stay found); lowering it hides records, so it is refused only
   * in local mode; on a stack, never lower it (docs/scaling.md). @default 16
   */
  readonly deliveryIndexShards?: number;
  /** `X-Shopify-Shop-Domain` of `shopify`-preset deliveries whose event has no tenant. @default "hookline.myshopify.com" */
  readonly shopDomain?: string;
  /** Explicit subscriber URL ports allowed besides the implicit 443. @default [] (no explicit port) */
  readonly allowedPorts?: readonly number[];
  /** Worker event source `MaximumConcurrency` (2..1000), on-demand mode; ignored when `workerPollers` > 0. @default 10 */
  readonly workerConcurrency?: number;
  /**
   * Provisioned-mode pollers of the worker's event source (2..2000, each up to 10 concurrent
   * batches): the way past the on-demand ceiling of 1,000 batches. 0 = on-demand mode. @default 0
   */
  readonly workerPollers?: number;
  /** Records per worker batch (1..10000); above 10 needs `workerBatchingWindowSeconds` ≥ 1. @default 10 */
  readonly workerBatchSize?: number;
  /** Seconds the event source may wait to fill a batch (0..300). @default 0 */
  readonly workerBatchingWindowSeconds?: number;
  /** Requests one worker invocation runs at once (1..1000): ≥ the batch size, so no record waits for a lane. @default workerBatchSize */
  readonly workerInFlight?: number;
  /** Reserved concurrency of the receiver, so a busy worker cannot starve intake (0 = none). @default 20 */
  readonly receiverReservedConcurrency?: number;
  /** Largest accepted event payload in bytes (1 KiB..1 MiB); payloads too big to store inline go to S3. @default 262144 */
  readonly maxPayloadBytes?: number;
  /** Worker function timeout in seconds (1..900); the queue's visibility timeout is 6× this. @default 60 */
  readonly workerTimeoutSeconds?: number;
  /** Receiver memory in MB. @default 512 */
  readonly receiverMemoryMb?: number;
  /** Admin memory in MB. @default 512 */
  readonly adminMemoryMb?: number;
  /** Worker memory in MB. @default 1024 */
  readonly workerMemoryMb?: number;
  /** API stage steady-state request rate (requests per second; above 10,000 needs an account quota increase). @default 100 */
  readonly throttleRateLimit?: number;
  /** API stage burst capacity (requests). @default 200 */
  readonly throttleBurstLimit?: number;
}

export type HooklineSettings = Required<Omit<HooklineSettingsInput, 'alertEmail'>> & {
  readonly alertEmail: string | undefined;
};

export const SETTINGS_DEFAULTS = {
  logRetentionDays: 30,
  attemptRetentionDays: 30,
  archiveTransitionDays: 30,
  archiveExpiryDays: 365,
  uniqueTenantEvent: false,
  successRecords: 'all',
  deliveryIndexShards: DELIVERY_INDEX_SHARDS,
  shopDomain: 'hookline.myshopify.com',
  allowedPorts: [],
  workerConcurrency: 10,
  workerPollers: 0,
  workerBatchSize: 10,
  workerBatchingWindowSeconds: 0,
  workerInFlight: 10,
  receiverReservedConcurrency: 20,
  maxPayloadBytes: 262_144,
  workerTimeoutSeconds: 60,
  receiverMemoryMb: 512,
  adminMemoryMb: 512,
  workerMemoryMb: 1024,
  throttleRateLimit: 100,
  throttleBurstLimit: 200,
} as const satisfies Omit<HooklineSettings, 'alertEmail'>;

/** The retention values CloudWatch Logs accepts (never-expire is deliberately not offered). */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const MIB = 1_048_576;

function integer(property: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InvalidStackPropError(property, `must be an integer from ${min} to ${max}, got ${String(value)}`);
  }
  return value;
}

function retention(property: string, value: number): number {
  if (!(LOG_RETENTION_DAYS as readonly number[]).includes(value)) {
    throw new InvalidStackPropError(
      property,
      `must be a CloudWatch Logs retention (${LOG_RETENTION_DAYS.join(', ')}), got ${String(value)}`,
    );
  }
  return value;
}

/** Also the handlers' RETENTION_DAYS, which they accept up to 3650. */
function attemptRetention(value: number): number {
  retention('attemptRetentionDays', value);
  if (value > 3650) throw new InvalidStackPropError('attemptRetentionDays', `must be at most 3650, got ${value}`);
  return value;
}

/** The worker's event source and batch options, checked against each other. */
function workerEventSource(input: HooklineSettingsInput): Pick<HooklineSettings, 'workerPollers' | 'workerBatchSize' | 'workerBatchingWindowSeconds' | 'workerInFlight'> {
  const d = SETTINGS_DEFAULTS;
  const pollers = input.workerPollers ?? d.workerPollers;
  if (pollers !== 0) integer('workerPollers', pollers, 2, 2000);
  const batchSize = integer('workerBatchSize', input.workerBatchSize ?? d.workerBatchSize, 1, 10_000);
  const window = integer('workerBatchingWindowSeconds', input.workerBatchingWindowSeconds ?? d.workerBatchingWindowSeconds, 0, 300);
  if (batchSize > 10 && window < 1) {
    throw new InvalidStackPropError('workerBatchingWindowSeconds', `must be at least 1 when workerBatchSize is above 10 (Lambda's rule), got ${window}`);
  }
  const inFlight = integer('workerInFlight', input.workerInFlight ?? Math.min(batchSize, 1000), 1, 1000);
  return { workerPollers: pollers, workerBatchSize: batchSize, workerBatchingWindowSeconds: window, workerInFlight: inFlight };
}

/** Applies defaults and validates every option; throws `InvalidStackPropError` on the first bad one. */
export function resolveSettings(input: HooklineSettingsInput = {}): HooklineSettings {
  const d = SETTINGS_DEFAULTS;
  const alertEmail = input.alertEmail?.trim() || undefined;
  if (alertEmail !== undefined && !EMAIL.test(alertEmail)) {
    throw new InvalidStackPropError('alertEmail', `must be an email address, got "${alertEmail}"`);
  }
  const archiveTransitionDays = integer('archiveTransitionDays', input.archiveTransitionDays ?? d.archiveTransitionDays, 30, 36_500);
  const archiveExpiryDays = integer('archiveExpiryDays', input.archiveExpiryDays ?? d.archiveExpiryDays, 1, 36_500);
  if (archiveExpiryDays <= archiveTransitionDays) {
    throw new InvalidStackPropError(
      'archiveExpiryDays',
      `must be greater than archiveTransitionDays (${archiveTransitionDays}), got ${archiveExpiryDays}`,
    );
  }
  const allowedPorts = [...(input.allowedPorts ?? d.allowedPorts)];
  for (const port of allowedPorts) integer('allowedPorts', port, 1, 65_535);
  if (new Set(allowedPorts).size !== allowedPorts.length) {
    throw new InvalidStackPropError('allowedPorts', `must not repeat a port, got ${allowedPorts.join(',')}`);
  }
  if (typeof (input.uniqueTenantEvent ?? d.uniqueTenantEvent) !== 'boolean') {
    throw new InvalidStackPropError('uniqueTenantEvent', `must be true or false, got ${String(input.uniqueTenantEvent)}`);
  }
  const successRecords = input.successRecords ?? d.successRecords;
  if (successRecords !== 'all' && successRecords !== 'log-only') {
    throw new InvalidStackPropError('successRecords', `must be "all" or "log-only", got ${JSON.stringify(successRecords)}`);
  }
  const deliveryIndexShards = input.deliveryIndexShards ?? d.deliveryIndexShards;
  if (!isDeliveryIndexShards(deliveryIndexShards)) {
    throw new InvalidStackPropError('deliveryIndexShards', `must be one of ${DELIVERY_INDEX_SHARD_CHOICES.join(', ')} (a power of two), got ${String(deliveryIndexShards)}`);
  }
  const shopDomain = input.shopDomain ?? d.shopDomain;
  if (!/^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/.test(shopDomain)) {
    throw new InvalidStackPropError('shopDomain', `must be a domain name such as "shop.myshopify.com", got "${shopDomain}"`);
  }
  return {
    alertEmail,
    shopDomain,
    logRetentionDays: retention('logRetentionDays', input.logRetentionDays ?? d.logRetentionDays),
    attemptRetentionDays: attemptRetention(input.attemptRetentionDays ?? d.attemptRetentionDays),
    archiveTransitionDays,
    archiveExpiryDays,
    uniqueTenantEvent: input.uniqueTenantEvent ?? d.uniqueTenantEvent,
    successRecords,
    deliveryIndexShards,
    allowedPorts,
    workerConcurrency: integer('workerConcurrency', input.workerConcurrency ?? d.workerConcurrency, 2, 1000),
    ...workerEventSource(input),
    receiverReservedConcurrency: integer('receiverReservedConcurrency', input.receiverReservedConcurrency ?? d.receiverReservedConcurrency, 0, 10_000),
    maxPayloadBytes: integer('maxPayloadBytes', input.maxPayloadBytes ?? d.maxPayloadBytes, 1024, MIB),
    // 900 s is Lambda's ceiling; 6 × 900 s stays under SQS's 12 h visibility limit.
    workerTimeoutSeconds: integer('workerTimeoutSeconds', input.workerTimeoutSeconds ?? d.workerTimeoutSeconds, 1, 900),
    receiverMemoryMb: integer('receiverMemoryMb', input.receiverMemoryMb ?? d.receiverMemoryMb, 128, 10_240),
    adminMemoryMb: integer('adminMemoryMb', input.adminMemoryMb ?? d.adminMemoryMb, 128, 10_240),
    workerMemoryMb: integer('workerMemoryMb', input.workerMemoryMb ?? d.workerMemoryMb, 128, 10_240),
    throttleRateLimit: integer('throttleRateLimit', input.throttleRateLimit ?? d.throttleRateLimit, 1, 1_000_000),
    throttleBurstLimit: integer('throttleBurstLimit', input.throttleBurstLimit ?? d.throttleBurstLimit, 1, 500_000),
  };
}

/** Option names readable from context, with how a CLI string turns into the typed value. */
const CONTEXT_KINDS = {
  alertEmail: 'string',
  logRetentionDays: 'number',
  attemptRetentionDays: 'number',
  archiveTransitionDays: 'number',
  archiveExpiryDays: 'number',
  uniqueTenantEvent: 'boolean',
  successRecords: 'string',
  deliveryIndexShards: 'number',
  shopDomain: 'string',
  allowedPorts: 'ports',
  workerConcurrency: 'number',
  workerPollers: 'number',
  workerBatchSize: 'number',
  workerBatchingWindowSeconds: 'number',
  workerInFlight: 'number',
  receiverReservedConcurrency: 'number',
  maxPayloadBytes: 'number',
  workerTimeoutSeconds: 'number',
  receiverMemoryMb: 'number',
  adminMemoryMb: 'number',
  workerMemoryMb: 'number',
  throttleRateLimit: 'number',
  throttleBurstLimit: 'number',
} as const satisfies Record<keyof HooklineSettingsInput, string>;

export const CONTEXT_KEYS = Object.keys(CONTEXT_KINDS) as (keyof HooklineSettingsInput)[];

function parseNumber(key: string, raw: unknown): number {
  if (typeof raw === 'number') return raw;
  if (typeof raw === 'string' && /^-?\d+$/.test(raw.trim())) return Number(raw.trim());
  throw new InvalidStackPropError(key, `must be an integer, got ${JSON.stringify(raw)}`);
}

function parseBoolean(key: string, raw: unknown): boolean {
  if (raw === true || raw === 'true') return true;
  if (raw === false || raw === 'false') return false;
  throw new InvalidStackPropError(key, `must be true or false, got ${JSON.stringify(raw)}`);
}

function parsePorts(key: string, raw: unknown): number[] {
  if (Array.isArray(raw)) return raw.map((p) => parseNumber(key, p));
  if (typeof raw === 'number') return [raw];
  if (typeof raw === 'string') {
    const text = raw.trim();
    if (text === '' || text === '[]') return [];
    if (text.startsWith('[')) {
      try {
        return parsePorts(key, JSON.parse(text) as unknown);
      } catch (error) {
        if (error instanceof InvalidStackPropError) throw error;
        throw new InvalidStackPropError(key, `must be a comma list or JSON array of ports, got ${text}`, { cause: error });
      }
    }
    return text.split(',').map((p) => parseNumber(key, p));
  }
  throw new InvalidStackPropError(key, `must be a comma list of ports, got ${JSON.stringify(raw)}`);
}

/**
 * Reads the options from CDK context (`-c workerConcurrency=20 -c allowedPorts=443,8443`);
 * absent keys stay undefined so `resolveSettings` applies the defaults.
 */
export function settingsFromContext(get: (key: string) => unknown): HooklineSettingsInput {
  const out: Record<string, unknown> = {};
  for (const key of CONTEXT_KEYS) {
    const raw = get(key);
    if (raw === undefined || raw === null) continue;
    const kind = CONTEXT_KINDS[key];
    if (kind === 'string') {
      if (typeof raw !== 'string') throw new InvalidStackPropError(key, `must be a string, got ${JSON.stringify(raw)}`);
      out[key] = raw;
    } else if (kind === 'number') out[key] = parseNumber(key, raw);
    else if (kind === 'boolean') out[key] = parseBoolean(key, raw);
    else out[key] = parsePorts(key, raw);
  }
  return out as HooklineSettingsInput;
}
