/**
 * The environment, parsed once at cold start. Names match the stack's function environment
 * (lib/) and local mode (local/main.ts); a missing or invalid value fails fast, naming the variable.
 */
import * as z from 'zod';
import { problemError } from '../core/errors.js';
import { SUCCESS_RECORDS, type SuccessRecords } from '../core/ports.js';
import { DELIVERY_INDEX_SHARD_CHOICES, DELIVERY_INDEX_SHARDS, isDeliveryIndexShards } from '../adapters/dynamodb/table-schema.js';

const flag = z.enum(['true', 'false']).transform((v) => v === 'true');
const ports = z
  .string()
  .regex(/^(\d{1,5}(,\d{1,5})*)?$/, 'must be a comma-separated list of ports')
  .transform((v) => (v === '' ? [] : v.split(',').map(Number)));

const envSchema = z.object({
  AWS_REGION: z.string().min(1).default('us-east-1'),
  TABLE_NAME: z.string().min(1),
  QUEUE_URL: z.string().url(),
  QUEUE_ARN: z.string().min(1).optional(),
  PAYLOAD_BUCKET: z.string().min(1),
  ALERT_TOPIC_ARN: z.string().min(1).optional(),
  SCHEDULE_GROUP: z.string().min(1).optional(),
  SCHEDULER_ROLE_ARN: z.string().min(1).optional(),
  SCHEDULER_DLQ_ARN: z.string().min(1).optional(),
  /** The customer-managed KMS key that seals subscription secrets and credentials (admin and worker). */
  SECRETS_KEY_ARN: z.string().min(1).optional(),
  /** @default 262144 (256 KiB) */
  MAX_PAYLOAD_BYTES: z.coerce.number().int().min(1024).max(1024 * 1024).default(262_144),
  /** @default 30 */
  RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  /** @default false */
  UNIQUE_TENANT_EVENT: flag.default(false),
  /** `log-only`: first-attempt successes are kept in the attempt log only (no delivery record). @default "all" */
  SUCCESS_RECORDS: z.enum(SUCCESS_RECORDS).default('all'),
  /** Delivery index shards, a power of two from 16 to 256 (table-schema.ts); only ever raised. @default 16 */
  DELIVERY_INDEX_SHARDS: z
    .string()
    .transform(Number)
    .refine(isDeliveryIndexShards, `must be one of ${DELIVERY_INDEX_SHARD_CHOICES.join(', ')}`)
    .default(DELIVERY_INDEX_SHARDS),
  /** `X-Shopify-Shop-Domain` of `shopify` deliveries without a tenant. @default the core's DEFAULT_SHOP_DOMAIN */
  SHOP_DOMAIN: z.string().min(1).max(253).optional(),
  /** @default "" (no explicit ports allowed in subscriber URLs) */
  ALLOWED_PORTS: ports.default([]),
  /** Local mode: http:// and loopback subscriber URLs allowed, S3 path-style. @default false */
  HOOKLINE_LOCAL: flag.default(false),
  /** Local mode: retry delays run this many times faster. @default 1 */
  HOOKLINE_TIME_SCALE: z.coerce.number().min(1).max(1_000_000).default(1),
  /** Tasks attempted at once inside one worker invocation (the stack sets `workerInFlight`). @default 10 */
  HOOKLINE_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(10),
  /** Endpoint overrides (local engines); absent in AWS. */
  AWS_ENDPOINT_URL: z.string().url().optional(),
  AWS_ENDPOINT_URL_DYNAMODB: z.string().url().optional(),
  AWS_ENDPOINT_URL_SQS: z.string().url().optional(),
  AWS_ENDPOINT_URL_S3: z.string().url().optional(),
  AWS_ENDPOINT_URL_SNS: z.string().url().optional(),
  AWS_ENDPOINT_URL_KMS: z.string().url().optional(),
  /** Extra trusted CA (PEM) for outbound TLS — tests only. */
  HOOKLINE_EXTRA_CA_FILE: z.string().min(1).optional(),
});

export interface Config {
  region: string;
  tableName: string;
  queueUrl: string;
  queueArn?: string;
  payloadBucket: string;
  alertTopicArn?: string;
  scheduleGroup?: string;
  schedulerRoleArn?: string;
  schedulerDlqArn?: string;
  secretsKeyArn?: string;
  maxPayloadBytes: number;
  retentionDays: number;
  uniqueTenantEvent: boolean;
  successRecords: SuccessRecords;
  deliveryIndexShards: number;
  shopDomain?: string;
  allowedPorts: number[];
  local: boolean;
  timeScale: number;
  workerConcurrency: number;
  extraCaFile?: string;
  endpoints: Partial<Record<'dynamodb' | 'sqs' | 's3' | 'sns' | 'kms', string>>;
  version: string;
}

export const HOOKLINE_VERSION = '0.1.0';

/**
 * The deployment is misconfigured (environment, a missing key). Neither the request's fault nor
 * permanent for a queued record: the API answers 500, the worker redelivers (`unknown`), so the
 * records wait in the queue or the DLQ until the configuration is fixed.
 */
export class ConfigError extends problemError(500, 'Configuration error') {}

/** The fields that have a value: an unset optional variable leaves its key out rather than `undefined`. */
function definedOnly<T extends Record<string, unknown>>(fields: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
}

export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      `invalid environment: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  const e = parsed.data;
  return {
    region: e.AWS_REGION,
    tableName: e.TABLE_NAME,
    queueUrl: e.QUEUE_URL,
    payloadBucket: e.PAYLOAD_BUCKET,
    maxPayloadBytes: e.MAX_PAYLOAD_BYTES,
    retentionDays: e.RETENTION_DAYS,
    uniqueTenantEvent: e.UNIQUE_TENANT_EVENT,
    successRecords: e.SUCCESS_RECORDS,
    deliveryIndexShards: e.DELIVERY_INDEX_SHARDS,
    allowedPorts: e.ALLOWED_PORTS,
    local: e.HOOKLINE_LOCAL,
    timeScale: e.HOOKLINE_TIME_SCALE,
    workerConcurrency: e.HOOKLINE_WORKER_CONCURRENCY,
    endpoints: endpointsOf(e),
    version: HOOKLINE_VERSION,
    ...definedOnly({
      queueArn: e.QUEUE_ARN,
      alertTopicArn: e.ALERT_TOPIC_ARN,
      scheduleGroup: e.SCHEDULE_GROUP,
      schedulerRoleArn: e.SCHEDULER_ROLE_ARN,
      schedulerDlqArn: e.SCHEDULER_DLQ_ARN,
      secretsKeyArn: e.SECRETS_KEY_ARN,
      shopDomain: e.SHOP_DOMAIN,
      extraCaFile: e.HOOKLINE_EXTRA_CA_FILE,
    }),
  };
}

function endpointsOf(e: z.infer<typeof envSchema>): Config['endpoints'] {
  const pick = (specific: string | undefined) => specific ?? e.AWS_ENDPOINT_URL;
  return definedOnly({
    dynamodb: pick(e.AWS_ENDPOINT_URL_DYNAMODB),
    sqs: pick(e.AWS_ENDPOINT_URL_SQS),
    s3: pick(e.AWS_ENDPOINT_URL_S3),
    sns: pick(e.AWS_ENDPOINT_URL_SNS),
    kms: pick(e.AWS_ENDPOINT_URL_KMS),
  });
}
