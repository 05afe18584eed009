/**
 * Subscription flags (kebab case, mirroring the API fields) → the JSON body of
 * `POST /v1/subscriptions`, `PATCH /v1/subscriptions/{id}` and `POST /v1/subscriptions/test`.
 * Only given flags appear, so a PATCH changes exactly what was asked; flags override
 * the fields of `--from-file`.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type * as z from 'zod';
import { FAILURE_CLASSES } from '../lambdas/core/model.js';
import { subscriptionFields as fields, type patchSubscriptionSchema } from '../lambdas/core/subscription-schema.js';
import { UsageError } from './errors.js';
import { parseInteger, parseJsonObject, parseList, parsePairs, parsePositiveNumber, parseStatuses } from './parse.js';

export interface SubscriptionFlags {
  fromFile?: string;
  url?: string;
  eventTypes?: string;
  /** `false` from `--no-tenant` (update only): clears it. */
  tenant?: string | false;
  fallback?: boolean;
  method?: string;
  format?: string;
  envelope?: string;
  preset?: string;
  signingScheme?: string;
  signingHeader?: string;
  appKey?: string;
  xmlRoot?: string;
  apiVersion?: string;
  /** Create only: bring your own signing secret. */
  secret?: string;
  authType?: string;
  username?: string;
  password?: string;
  token?: string;
  authorization?: string;
  header: string[];
  timeoutMs?: string;
  acceptStatuses?: string;
  retryOn?: string;
  retryPolicy?: string;
  failurePolicy?: string;
  circuitBreaker?: string;
  /** `false` from `--no-rate-limit` (update only): clears it. */
  rateLimit?: string | false;
  /** `false` from `--no-description` (update only): clears it. */
  description?: string | false;
  metadata: string[];
}

/** The body the flags build: the API's own subscription fields (PATCH shape: all optional, `null` clears). */
export type SubscriptionBody = { [K in keyof z.input<typeof patchSubscriptionSchema>]?: unknown };

const collect = (value: string, previous: string[]): string[] => [...previous, value];
/** `a, b or c` from the values the API accepts. */
const oneOf = (values: readonly string[]): string => `${values.slice(0, -1).join(', ')} or ${values.at(-1)}`;
const SIGNING_SCHEMES = fields.signing.options.map((o) => o.shape.scheme.value);
const AUTH_TYPES = fields.auth.options.map((o) => o.shape.type.value);

/** Declares the subscription field flags on `cmd`; `update` adds the flags that clear a field. */
export function addSubscriptionFlags(cmd: Command, options: { update?: boolean } = {}): Command {
  cmd
    .option('--from-file <file>', 'JSON file with the full subscription body (flags override its fields)')
    .option('--url <url>', 'endpoint URL (https; local mode also takes http on loopback)')
    .option('--event-types <list>', 'comma-separated event types, * for all')
    .option('--tenant <tenant>', 'tenant (shop, org, app) the subscription listens to')
    .option('--fallback', 'receive events whose tenant matched no subscription')
    .option('--no-fallback', 'do not act as a fallback')
    .option('--method <method>', oneOf(fields.method.options))
    .option('--format <format>', oneOf(fields.format.options))
    .option('--envelope <envelope>', oneOf(fields.envelope.options))
    .option('--preset <preset>', oneOf(fields.preset.options))
    .option('--signing-scheme <scheme>', oneOf(SIGNING_SCHEMES))
    .option('--signing-header <name>', 'header carrying the hmac-sha256 signature')
    .option('--app-key <key>', 'app key signed before the body (--signing-scheme authorization, TikTok Shop)')
    .option('--xml-root <name>', 'root element of XML bodies')
    .option('--api-version <version>', 'X-Shopify-API-Version of the shopify preset, e.g. 2025-07')
    .option('--auth-type <type>', `${oneOf([...AUTH_TYPES, 'none'])} (none removes auth)`)
    .option('--username <name>', 'basic auth user, or the UserName header of --auth-type header')
    .option('--password <password>', 'basic auth password')
    .option('--token <token>', 'bearer token')
    .option('--authorization <value>', 'verbatim Authorization value for --auth-type header')
    .option('--header <X-Key=value>', 'custom header (repeatable)', collect, [])
    .option('--timeout-ms <ms>', 'attempt timeout in milliseconds')
    .option('--accept-statuses <list>', 'statuses counted as success, e.g. 200,401 or 2xx')
    .option('--retry-on <list>', `failure classes that retry: ${FAILURE_CLASSES.join(',')}`)
    .option('--retry-policy <json>', 'retry policy as JSON, e.g. {"type":"fixed","delays":[60,600]}')
    .option('--failure-policy <json>', 'failure policy as JSON')
    .option('--circuit-breaker <on|off>', 'per-endpoint circuit breaker (default: on for exponential retry policies, off for fixed schedules)')
    .option('--rate-limit <perSecond>', 'at most this many requests per second to the endpoint (more wait, never fail)')
    .option('--description <text>', 'free text')
    .option('--metadata <key=value>', 'metadata entry (repeatable)', collect, []);
  // Declared after `--tenant`/`--description`, so their default stays undefined (commander).
  if (!options.update) cmd.option('--secret <secret>', 'your own signing secret instead of a generated one');
  if (options.update) {
    cmd.option('--no-tenant', 'remove the tenant (it then receives only events without a tenant)');
    cmd.option('--no-description', 'remove the description');
    cmd.option('--no-rate-limit', 'remove the rate limit');
  }
  return cmd;
}

function parseOnOff(flag: string, value: string): boolean {
  if (value === 'on' || value === 'off') return value === 'on';
  throw new UsageError(`${flag} must be on or off, got "${value}"`);
}

function buildAuth(f: SubscriptionFlags): Record<string, unknown> | null | undefined {
  const type = f.authType ?? (f.token ? 'bearer' : f.authorization ? 'header' : f.password ? 'basic' : undefined);
  switch (type) {
    case undefined:
      if (f.username) throw new UsageError('--username needs --auth-type basic (with --password) or header (with --authorization)');
      return undefined;
    case 'none':
      return null;
    case 'basic':
      if (!f.username || f.password === undefined) throw new UsageError('--auth-type basic needs --username and --password');
      return { type, username: f.username, password: f.password };
    case 'bearer':
      if (!f.token) throw new UsageError('--auth-type bearer needs --token');
      return { type, token: f.token };
    case 'header':
      if (!f.authorization) throw new UsageError('--auth-type header needs --authorization');
      return { type, authorization: f.authorization, ...(f.username ? { username: f.username } : {}) };
    default:
      throw new UsageError(`--auth-type must be ${oneOf([...AUTH_TYPES, 'none'])}, got "${type}"`);
  }
}

function buildSigning(f: SubscriptionFlags, base: unknown): Record<string, unknown> | undefined {
  if (f.signingScheme === undefined && f.signingHeader === undefined && f.appKey === undefined) return undefined;
  const prev = base && typeof base === 'object' ? (base as Record<string, unknown>) : {};
  const implied = f.appKey !== undefined ? 'authorization' : 'hmac-sha256';
  const scheme = f.signingScheme ?? (typeof prev.scheme === 'string' ? prev.scheme : implied);
  if (f.signingHeader !== undefined && scheme !== 'hmac-sha256') throw new UsageError('--signing-header applies to --signing-scheme hmac-sha256 only');
  if (f.appKey !== undefined && scheme !== 'authorization') throw new UsageError('--app-key applies to --signing-scheme authorization only');
  const header = f.signingHeader ?? (scheme === 'hmac-sha256' ? prev.header : undefined);
  const appKey = f.appKey ?? (scheme === 'authorization' ? prev.appKey : undefined);
  return { scheme, ...(header !== undefined ? { header } : {}), ...(appKey !== undefined ? { appKey } : {}) };
}

/** The request body for the given flags, on top of `--from-file` when given. */
export async function buildSubscriptionBody(f: SubscriptionFlags): Promise<SubscriptionBody> {
  let body: SubscriptionBody = {};
  if (f.fromFile) {
    let text: string;
    try {
      text = await readFile(f.fromFile, 'utf8');
    } catch (err) {
      throw new UsageError(`--from-file: cannot read ${f.fromFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    body = parseJsonObject('--from-file', text) as SubscriptionBody;
  }
  const set = (key: keyof SubscriptionBody, value: unknown): void => {
    if (value !== undefined) body[key] = value;
  };
  set('url', f.url);
  set('eventTypes', f.eventTypes === undefined ? undefined : parseList(f.eventTypes));
  set('tenant', f.tenant === false ? null : f.tenant);
  set('fallback', f.fallback);
  set('method', f.method?.toUpperCase());
  set('format', f.format);
  set('envelope', f.envelope);
  set('preset', f.preset);
  set('signing', buildSigning(f, body.signing));
  set('xmlRoot', f.xmlRoot);
  set('apiVersion', f.apiVersion);
  if (f.secret !== undefined) (body as Record<string, unknown>).secret = f.secret; // create only: not a stored field
  set('auth', buildAuth(f));
  if (f.header.length) body.customHeaders = { ...(body.customHeaders as object | undefined), ...parsePairs('--header', f.header) };
  set('timeoutMs', f.timeoutMs === undefined ? undefined : parseInteger('--timeout-ms', f.timeoutMs, 1));
  set('acceptStatuses', f.acceptStatuses === undefined ? undefined : parseStatuses(f.acceptStatuses));
  set('retryOn', f.retryOn === undefined ? undefined : parseList(f.retryOn));
  set('retryPolicy', f.retryPolicy === undefined ? undefined : parseJsonObject('--retry-policy', f.retryPolicy));
  set('failurePolicy', f.failurePolicy === undefined ? undefined : parseJsonObject('--failure-policy', f.failurePolicy));
  set('circuitBreaker', f.circuitBreaker === undefined ? undefined : { enabled: parseOnOff('--circuit-breaker', f.circuitBreaker) });
  set('rateLimit', f.rateLimit === false ? null : f.rateLimit === undefined ? undefined : { perSecond: parsePositiveNumber('--rate-limit', f.rateLimit) });
  set('description', f.description === false ? null : f.description);
  if (f.metadata.length) body.metadata = { ...(body.metadata as object | undefined), ...parsePairs('--metadata', f.metadata) };
  return body;
}
