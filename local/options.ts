/** `npm start` options: flags with `HOOKLINE_*` environment equivalents (a flag wins over its variable). */
import { Command, InvalidArgumentError, Option } from 'commander';
import { LOG_FORMATS, type LogFormat } from './attempt-lines.js';
import { SUCCESS_RECORDS, type SuccessRecords } from '../lambdas/core/ports.js';
import { DELIVERY_INDEX_SHARD_CHOICES, DELIVERY_INDEX_SHARDS, isDeliveryIndexShards } from '../lambdas/adapters/dynamodb/table-schema.js';

export interface LocalOptions {
  /** @default 3000 */
  port: number;
  /** @default '127.0.0.1' */
  host: string;
  /** No persistence: DynamoDB in memory. @default false */
  memory: boolean;
  /** @default '.hookline' */
  dataDir: string;
  /** Retry delays and schedules run this many times faster. @default 1 */
  timeScale: number;
  /** At most one subscription per (tenant, event type). @default false */
  uniqueTenantEvent: boolean;
  /** `log-only`: first-attempt successes only in the attempt log (no delivery record). @default 'all' */
  successRecords: SuccessRecords;
  /** Delivery index shards (16..256, a power of two); never lower than the store last ran with. @default 16 */
  deliveryIndexShards: number;
  /** `X-Shopify-Shop-Domain` of `shopify` deliveries without a tenant. @default "hookline.myshopify.com" */
  shopDomain?: string;
  /** Explicit ports allowed in subscriber URLs, e.g. `8443,9000`. @default none */
  allowedPorts?: string;
  /** @default the handlers' default (256 KiB) */
  maxPayloadBytes?: number;
  /** The local key that seals subscription secrets. @default `<dataDir>/secrets.key`, in memory with `memory` */
  keyFile?: string;
  /** Reuse already running engines instead of starting them (tests). */
  dynamoEndpoint?: string;
  sqsEndpoint?: string;
  /** Resource-name prefix in reused engines, so each instance gets fresh resources. */
  resourcePrefix?: string;
  /** How often the attempt archiver writes to S3, in ms. @default 5000 */
  archiveIntervalMs: number;
  /** Start although stored subscriptions still have the old keying (their deliveries stay refused). @default false */
  allowLegacyKeying: boolean;
  /** One readable line per attempt, or the raw JSON log lines (attempt and intake lines, logs, EMF for rare events). @default 'human' */
  logFormat: LogFormat;
}

function integer(min: number, max: number) {
  return (raw: string): number => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`expected an integer in [${min}, ${max}]`);
    return n;
  };
}

function atLeastOne(raw: string): number {
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 1) throw new InvalidArgumentError('expected a number ≥ 1');
  return n;
}

function shardCount(raw: string): number {
  const n = Number(raw);
  if (!isDeliveryIndexShards(n)) throw new InvalidArgumentError(`expected one of ${DELIVERY_INDEX_SHARD_CHOICES.join(', ')}`);
  return n;
}

function portList(raw: string): string {
  if (!/^(\d{1,5}(,\d{1,5})*)?$/.test(raw)) throw new InvalidArgumentError('expected a comma-separated list of ports');
  return raw;
}

export function localProgram(): Command {
  return new Command('hookline-local')
    .description('Run Hookline locally on real engines (DynamoDB Local, fauxqs): no AWS account, no Docker.')
    .addOption(new Option('--port <port>', 'front door port (0 = any free port)').env('HOOKLINE_PORT').default(3000).argParser(integer(0, 65535)))
    .addOption(new Option('--host <host>', 'front door address').env('HOOKLINE_HOST').default('127.0.0.1'))
    .addOption(new Option('--memory', 'keep nothing: DynamoDB in memory').env('HOOKLINE_MEMORY').default(false))
    .addOption(new Option('--data-dir <dir>', 'where data persists').env('HOOKLINE_DATA_DIR').default('.hookline'))
    .addOption(new Option('--time-scale <n>', 'run retry delays and schedules N× faster').env('HOOKLINE_TIME_SCALE').default(1).argParser(atLeastOne))
    .addOption(new Option('--unique-tenant-event', 'at most one subscription per (tenant, event type)').env('HOOKLINE_UNIQUE_TENANT_EVENT').default(false))
    .addOption(
      new Option('--success-records <mode>', 'log-only: deliveries that succeed on their first attempt get no record, only attempt-log lines')
        .env('HOOKLINE_SUCCESS_RECORDS')
        .default('all')
        .choices(SUCCESS_RECORDS),
    )
    .addOption(
      new Option('--delivery-index-shards <n>', 'shards of the delivery search index (16, 32, 64, 128, 256); raise only, never lower')
        .env('HOOKLINE_DELIVERY_INDEX_SHARDS')
        .default(DELIVERY_INDEX_SHARDS)
        .argParser(shardCount),
    )
    .addOption(new Option('--shop-domain <domain>', 'X-Shopify-Shop-Domain of shopify deliveries without a tenant').env('HOOKLINE_SHOP_DOMAIN'))
    .addOption(new Option('--allowed-ports <ports>', 'explicit ports allowed in subscriber URLs, e.g. 8443,9000').env('HOOKLINE_ALLOWED_PORTS').argParser(portList))
    .addOption(new Option('--max-payload-bytes <n>', 'largest accepted event payload').env('HOOKLINE_MAX_PAYLOAD_BYTES').argParser(integer(1024, 1024 * 1024)))
    .addOption(new Option('--key-file <path>', 'key that seals subscription secrets (default: <data-dir>/secrets.key; in memory with --memory)').env('HOOKLINE_KEY_FILE'))
    .addOption(new Option('--dynamo-endpoint <url>', 'reuse a running DynamoDB Local (tests)').env('HOOKLINE_DYNAMO_ENDPOINT'))
    .addOption(new Option('--sqs-endpoint <url>', 'reuse a running fauxqs (tests)').env('HOOKLINE_SQS_ENDPOINT'))
    .addOption(new Option('--resource-prefix <prefix>', 'fresh resource names in reused engines').env('HOOKLINE_RESOURCE_PREFIX'))
    .addOption(
      new Option('--allow-legacy-keying', 'start although subscriptions stored before the keying change exist (their deliveries stay refused until rotate-secret)')
        .env('HOOKLINE_ALLOW_LEGACY_KEYING')
        .default(false),
    )
    .addOption(new Option('--log-format <format>', 'human: one line per attempt; json: the raw log lines').env('HOOKLINE_LOG_FORMAT').default('human').choices(LOG_FORMATS))
    .addOption(new Option('--archive-interval-ms <ms>', 'attempt archive flush interval').env('HOOKLINE_ARCHIVE_INTERVAL_MS').default(5000).argParser(integer(10, 3_600_000)))
    .exitOverride();
}

/** Parses `argv` (without node and script) with `env` as the fallback for every flag. */
export function parseLocalOptions(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): LocalOptions {
  const program = localProgram();
  // Commander reads process.env and sets a boolean flag from any value; give it exactly `env`,
  // minus "false"-like values, for the parse.
  const saved = process.env;
  const clean = Object.fromEntries(Object.entries(env).filter(([k, v]) => !(k.startsWith('HOOKLINE_') && (v === 'false' || v === '0' || v === ''))));
  process.env = clean;
  try {
    program.parse([...argv], { from: 'user' });
  } finally {
    process.env = saved;
  }
  const o = program.opts<LocalOptions>();
  if ((o.dynamoEndpoint === undefined) !== (o.sqsEndpoint === undefined)) {
    throw new InvalidArgumentError('--dynamo-endpoint and --sqs-endpoint go together');
  }
  return o;
}
