/**
 * Subscription request bodies (DESIGN §4–5): the zod schemas (also the source of the
 * OpenAPI document, via `z.toJSONSchema`), create and PATCH semantics, and precise per-field
 * errors. Policy-dependent checks (URL policy) and cross-field rules run after the schema.
 */
import * as z from 'zod';
import { ValidationError, type FieldError } from './errors.js';
import { friendlyMessage, zodFieldErrors } from './validation.js';
import { EVENT_TYPE_PATTERN } from './event-schema.js';
import { signingHeaderProblem, validateCustomHeaders } from './custom-headers.js';
import { checkSubscriptionUrl, MAX_URL_LENGTH, type SubscriptionPolicy } from './url-policy.js';
import { PRESET_NAMES, presetValues } from './presets.js';
import { DEFAULT_HMAC_HEADER } from './signing.js';
import { activeSecrets, CURRENT_KEYING, secretProblem } from './secrets.js';
import { NO_TENANT_KEY } from './routing.js';
import { FAILURE_CLASSES, type PresetName, type SigningConfig, type Subscription, type SubscriptionId } from './model.js';
import { MASK } from './auth.js';

export type { SubscriptionPolicy } from './url-policy.js';

/** Bounded so a subscription change (routes + claims, old and new) fits one 100-item DynamoDB transaction; `*` means all. */
export const MAX_EVENT_TYPES = 20;
export const MAX_METADATA_ENTRIES = 20;
export const MAX_FIXED_DELAYS = 20;
/** One week: the longest single delay. */
export const MAX_RETRY_DELAY_SECONDS = 604_800;

/** RFC 9110 token (header names); also checked by `signingHeaderProblem`, kept here for the JSON Schema. */
const HEADER_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

// ---- field schemas -------------------------------------------------------------------------

export const eventTypeSchema = z
  .string()
  .refine((t) => t === '*' || EVENT_TYPE_PATTERN.test(t), 'must be "*" or 1-128 characters of letters, digits and _ . : / -')
  .meta({ description: 'An event type such as `order.created`, or `*` for every type.' });

const eventTypesSchema = z
  .array(eventTypeSchema)
  .min(1)
  .max(MAX_EVENT_TYPES)
  .superRefine((types, ctx) => {
    const seen = new Set<string>();
    types.forEach((type, i) => {
      if (seen.has(type)) ctx.addIssue({ code: 'custom', path: [i], message: `repeats "${type}"` });
      seen.add(type);
    });
  });

const tenantSchema = z
  .string()
  .min(1)
  .max(128)
  .refine((t) => !CONTROL.test(t), 'must not contain control characters')
  .refine((t) => t !== NO_TENANT_KEY, `must not be "${NO_TENANT_KEY}" (reserved for "no tenant")`)
  .meta({ description: 'The shop, organisation or app whose events this subscription receives.' });

export const signingSchema = z
  .discriminatedUnion('scheme', [
    z.object({ scheme: z.literal('standard-webhooks') }).strict(),
    z
      .object({
        scheme: z.literal('hmac-sha256'),
        header: z
          .string()
          .min(1)
          .max(128)
          .regex(HEADER_TOKEN, 'must be a valid header name')
          .superRefine((h, ctx) => {
            // Length and syntax are reported by the checks above (and shown in the JSON Schema).
            if (h.length === 0 || h.length > 128 || !HEADER_TOKEN.test(h)) return;
            const problem = signingHeaderProblem(h, DEFAULT_HMAC_HEADER);
            if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
          })
          .default(DEFAULT_HMAC_HEADER),
      })
      .strict(),
    z
      .object({
        scheme: z.literal('authorization'),
        appKey: z
          .string()
          .max(128)
          .regex(/^[\x21-\x7e]*$/, 'must be printable ASCII without spaces')
          .optional()
          .meta({ description: "Signed before the body (TikTok Shop's app key). Default: empty." }),
      })
      .strict(),
    z.object({ scheme: z.literal('none') }).strict(),
  ])
  .meta({
    id: 'SigningConfig',
    description:
      'How requests are signed. standard-webhooks keys with the base64 part of a whsec_ secret; hmac-sha256 and authorization with the secret string as held (UTF-8). Default: the preset\'s.',
  });

/** An imported secret; checked against the signing scheme after the schema (`secretProblem`). */
export const secretSchema = z
  .string()
  .min(1)
  .max(512)
  .meta({
    description:
      'Bring your own signing secret instead of a generated one: whsec_ + base64 of 24-64 bytes (standard-webhooks), else 16-256 printable ASCII characters. Write-only.',
  });

/** An XML element name (`format: xml`). */
const xmlRootSchema = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/, 'must be an XML element name (letters, digits, _ . -, not starting with a digit)')
  .refine((r) => !/^xml/i.test(r), 'must not start with "xml"')
  .meta({ description: 'Root element of XML bodies. Default: the preset\'s rule (shopify: the topic\'s singular resource), else the event type\'s last segment.' });

const apiVersionSchema = z
  .string()
  .regex(/^(\d{4}-\d{2}|unstable)$/, 'must be a Shopify API version such as "2025-07", or "unstable"')
  .meta({ description: 'X-Shopify-API-Version of the shopify preset\'s requests. Default: "2025-07" with the shopify preset.' });

const credential = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .refine((v) => !CONTROL.test(v), 'must not contain control characters (CR, LF, NUL …)');

/** A credential sent verbatim as a header value: HTTP can only carry Latin-1 there. */
const headerCredential = (max: number) =>
  credential(max).refine((v) => !/[^\u0000-\u00ff]/.test(v), 'must contain only Latin-1 characters (it is sent as a header value)');

/** A write-only value: the `****` a read shows is refused, so a GET body PATCHed back cannot store it. */
const unmasked = <T extends z.ZodType<string>>(schema: T) =>
  schema.refine((v) => v !== MASK, `is the masked placeholder "${MASK}" from a read: send the real value, or leave auth out to keep it`);

export const authSchema = z
  .discriminatedUnion('type', [
    z
      .object({
        type: z.literal('basic'),
        username: credential(256).refine((u) => !u.includes(':'), 'must not contain ":" (RFC 7617)'),
        password: unmasked(credential(256)),
      })
      .strict(),
    z.object({ type: z.literal('bearer'), token: unmasked(headerCredential(4096).refine((t) => !/\s/.test(t), 'must not contain whitespace')) }).strict(),
    z.object({ type: z.literal('header'), authorization: unmasked(headerCredential(4096)), username: headerCredential(256).optional() }).strict(),
  ])
  .meta({ id: 'AuthConfig', description: 'Credentials sent with every request; write-only (masked on read).' });

const STATUS_MATCHER_MESSAGE = 'must be a status code (100-599), a class such as "2xx", or a range such as "200-299"';

export const statusMatcherSchema = z
  .union(
    [
      z.number().int(STATUS_MATCHER_MESSAGE).min(100, STATUS_MATCHER_MESSAGE).max(599, STATUS_MATCHER_MESSAGE),
      z.string().regex(/^([1-5]xx|\d{3}|\d{3}-\d{3})$/, STATUS_MATCHER_MESSAGE),
    ],
    { error: STATUS_MATCHER_MESSAGE },
  )
  .superRefine((m, ctx) => {
    if (typeof m !== 'string') return;
    const bounds = m.split('-').map(Number);
    if (bounds.some((b) => b < 100 || b > 599)) ctx.addIssue({ code: 'custom', message: 'status codes must be between 100 and 599' });
    else if (bounds.length === 2 && bounds[0]! > bounds[1]!) ctx.addIssue({ code: 'custom', message: 'range must be written low-high' });
  })
  .meta({ id: 'StatusMatcher', description: 'A status code (`200`), a class (`"2xx"`) or an inclusive range (`"200-299"`).' });

const delaySchema = z.number().int().min(1).max(MAX_RETRY_DELAY_SECONDS);

export const retryPolicySchema = z
  .discriminatedUnion('type', [
    z
      .object({ type: z.literal('fixed'), delays: z.array(delaySchema).min(1).max(MAX_FIXED_DELAYS) })
      .strict()
      .meta({ description: 'Delay i (seconds) is waited after the i-th failed attempt.' }),
    z
      .object({
        type: z.literal('exponential'),
        /** @default 60 */
        initialDelay: delaySchema.default(60),
        /** @default 2 */
        factor: z.number().min(1).max(10).default(2),
        /** @default 86400 */
        maxDelay: delaySchema.default(86_400),
        /** @default 8 */
        retries: z.number().int().min(0).max(50).default(8),
        /** @default 0 */
        jitter: z.number().min(0).max(1).default(0),
      })
      .strict()
      .superRefine((p, ctx) => {
        if (p.maxDelay < p.initialDelay) ctx.addIssue({ code: 'custom', path: ['maxDelay'], message: 'must be at least initialDelay' });
      })
      .meta({ description: 'initialDelay·factor^(n-1) seconds after the n-th failure, capped at maxDelay, ± jitter.' }),
  ])
  .meta({ id: 'RetryPolicy' });

export const failurePolicySchema = z
  .object({
    afterConsecutiveFailures: z.number().int().min(1).max(100_000).nullable(),
    /** @default "disable" */
    action: z.enum(['disable', 'delete', 'none']).default('disable'),
    warnAt: z.number().int().min(1).max(100_000).optional(),
    /** Seconds the streak must also have lasted before `action` fires. @default 0 */
    minStreakSeconds: z.number().int().min(0).max(31_536_000).optional(),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.warnAt !== undefined && p.afterConsecutiveFailures !== null && p.warnAt >= p.afterConsecutiveFailures) {
      ctx.addIssue({ code: 'custom', path: ['warnAt'], message: 'must be lower than afterConsecutiveFailures' });
    }
  })
  .meta({ id: 'FailurePolicy', description: 'What a streak of consecutive failed attempts does to the subscription.' });

const customHeadersSchema = z
  .record(z.string(), z.string())
  .superRefine(
    (headers, ctx) => {
      // Runs even when a value is not a string (zod reports that one), so every name problem shows at once.
      const names = Object.fromEntries(Object.keys(headers).map((name) => [name, typeof headers[name] === 'string' ? headers[name] : '']));
      for (const e of validateCustomHeaders(names, { field: '' })) {
        const key = e.field.slice(1);
        ctx.addIssue({ code: 'custom', path: key === '' ? [] : [key], message: e.message });
      }
    },
    { when: (payload) => typeof payload.value === 'object' && payload.value !== null && !Array.isArray(payload.value) },
  )
  .meta({ description: 'Up to 5 `X-` headers added to every request.' });

const metadataSchema = z
  .record(z.string().min(1).max(64), z.string().max(512))
  .refine((m) => Object.keys(m).length <= MAX_METADATA_ENTRIES, `must have at most ${MAX_METADATA_ENTRIES} entries`)
  .meta({ description: 'Free-form string labels.' });

/** Every request field's schema, once: create and patch below, and the CLI's flags, are built from it. */
export const subscriptionFields = {
  url: z.string().min(1).max(MAX_URL_LENGTH).meta({ description: 'The https endpoint.', examples: ['https://hooks.example.com/orders'] }),
  eventTypes: eventTypesSchema,
  tenant: tenantSchema,
  fallback: z.boolean().meta({ description: 'Also receive events whose tenant matched no subscription.' }),
  method: z.enum(['POST', 'GET']),
  format: z.enum(['json', 'xml']),
  envelope: z.enum(['none', 'standard']).meta({ description: '`standard` wraps the payload as {id, type, eventTime, body}.' }),
  xmlRoot: xmlRootSchema,
  apiVersion: apiVersionSchema,
  preset: z.enum(PRESET_NAMES).meta({ description: 'Fills timeoutMs, acceptStatuses, retryOn, retryPolicy, failurePolicy and signing.' }),
  signing: signingSchema,
  auth: authSchema,
  customHeaders: customHeadersSchema,
  timeoutMs: z.number().int().min(500).max(30_000),
  acceptStatuses: z.array(statusMatcherSchema).min(1).max(20),
  retryOn: z
    .array(z.enum(FAILURE_CLASSES))
    .max(FAILURE_CLASSES.length)
    .refine((classes) => new Set(classes).size === classes.length, 'must not repeat a class'),
  retryPolicy: retryPolicySchema,
  failurePolicy: failurePolicySchema,
  description: z.string().max(1024),
  metadata: metadataSchema,
};

export const createSubscriptionSchema = z
  .object({
    url: subscriptionFields.url,
    eventTypes: subscriptionFields.eventTypes,
    tenant: subscriptionFields.tenant.optional(),
    /** @default false */
    fallback: subscriptionFields.fallback.default(false),
    /** @default "POST" */
    method: subscriptionFields.method.default('POST'),
    /** @default "json" */
    format: subscriptionFields.format.default('json'),
    /** @default "none" */
    envelope: subscriptionFields.envelope.default('none'),
    xmlRoot: subscriptionFields.xmlRoot.optional(),
    apiVersion: subscriptionFields.apiVersion.optional(),
    /** @default "standard" */
    preset: subscriptionFields.preset.default('standard'),
    /** @default the preset's signing */
    signing: subscriptionFields.signing.optional(),
    secret: secretSchema.optional(),
    auth: subscriptionFields.auth.optional(),
    /** @default {} */
    customHeaders: subscriptionFields.customHeaders.default({}),
    timeoutMs: subscriptionFields.timeoutMs.optional(),
    acceptStatuses: subscriptionFields.acceptStatuses.optional(),
    retryOn: subscriptionFields.retryOn.optional(),
    retryPolicy: subscriptionFields.retryPolicy.optional(),
    failurePolicy: subscriptionFields.failurePolicy.optional(),
    description: subscriptionFields.description.optional(),
    /** @default {} */
    metadata: subscriptionFields.metadata.default({}),
  })
  .strict()
  .meta({ id: 'CreateSubscription', description: 'A new subscription. Only url and eventTypes are required.' });

/** PATCH: every field optional; `null` clears `tenant`, `auth`, `description`, `xmlRoot` and `apiVersion`. */
export const patchSubscriptionSchema = z
  .object({
    url: subscriptionFields.url.optional(),
    eventTypes: subscriptionFields.eventTypes.optional(),
    tenant: subscriptionFields.tenant.nullable().optional(),
    fallback: subscriptionFields.fallback.optional(),
    method: subscriptionFields.method.optional(),
    format: subscriptionFields.format.optional(),
    envelope: subscriptionFields.envelope.optional(),
    xmlRoot: subscriptionFields.xmlRoot.nullable().optional(),
    apiVersion: subscriptionFields.apiVersion.nullable().optional(),
    preset: subscriptionFields.preset.optional(),
    signing: subscriptionFields.signing.optional(),
    auth: subscriptionFields.auth.nullable().optional(),
    customHeaders: subscriptionFields.customHeaders.optional(),
    timeoutMs: subscriptionFields.timeoutMs.optional(),
    acceptStatuses: subscriptionFields.acceptStatuses.optional(),
    retryOn: subscriptionFields.retryOn.optional(),
    retryPolicy: subscriptionFields.retryPolicy.optional(),
    failurePolicy: subscriptionFields.failurePolicy.optional(),
    description: subscriptionFields.description.nullable().optional(),
    metadata: subscriptionFields.metadata.optional(),
  })
  .strict()
  .meta({
    id: 'PatchSubscription',
    description: 'Changes to a subscription; a new preset re-applies its defaults to the preset fields not given.',
  });

export type SubscriptionInput = z.output<typeof createSubscriptionSchema>;
export type SubscriptionPatch = z.output<typeof patchSubscriptionSchema>;

/** The fields a preset fills. */
export const PRESET_FIELDS = ['timeoutMs', 'acceptStatuses', 'retryOn', 'retryPolicy', 'failurePolicy', 'signing'] as const;
/** The request fields, i.e. the part of a `Subscription` a client controls. */
export const INPUT_FIELDS = Object.keys(subscriptionFields) as (keyof typeof subscriptionFields)[];

// ---- create and patch --------------------------------------------------------------------------

/** Validates a create body; throws `ValidationError` listing every problem. The URL comes back normalised. */
export function parseCreateSubscription(body: unknown, policy: SubscriptionPolicy): SubscriptionInput {
  return checkCrossField(parseBody(createSubscriptionSchema, body, policy), policy);
}

export interface BuildOptions {
  id: SubscriptionId;
  /** Epoch ms. */
  now: number;
  /** The first signing secret: the imported `secret` of the input, or a generated `whsec_…`. */
  secret: string;
}

/** The stored subscription: preset values first, explicit fields over them. */
export function buildSubscription(input: SubscriptionInput, options: BuildOptions): Subscription {
  const iso = new Date(options.now).toISOString();
  const preset = presetValues(input.preset);
  return {
    id: options.id,
    url: input.url,
    eventTypes: [...input.eventTypes],
    ...(input.tenant !== undefined && { tenant: input.tenant }),
    fallback: input.fallback,
    method: input.method,
    format: input.format,
    envelope: input.envelope,
    ...(input.xmlRoot !== undefined && { xmlRoot: input.xmlRoot }),
    ...(input.apiVersion !== undefined && { apiVersion: input.apiVersion }),
    preset: input.preset,
    signing: input.signing ?? preset.signing,
    ...(input.auth !== undefined && { auth: input.auth }),
    customHeaders: { ...input.customHeaders },
    timeoutMs: input.timeoutMs ?? preset.timeoutMs,
    acceptStatuses: input.acceptStatuses ?? preset.acceptStatuses,
    retryOn: input.retryOn ?? preset.retryOn,
    retryPolicy: input.retryPolicy ?? preset.retryPolicy,
    failurePolicy: input.failurePolicy ?? preset.failurePolicy,
    status: 'active',
    ...(input.description !== undefined && { description: input.description }),
    metadata: { ...input.metadata },
    secrets: [{ secret: options.secret, createdAt: iso }],
    keying: CURRENT_KEYING,
    consecutiveFailures: 0,
    createdAt: iso,
    updatedAt: iso,
    version: 1,
  };
}

/**
 * PATCH semantics: the given fields replace the current ones (`null` clears an optional field);
 * a `preset` in the body re-applies that preset's values to every preset field the body does not
 * set; the merged result is validated as a whole (as a create would be). Identity, status,
 * secrets and counters are kept; `version` is bumped and `updatedAt` set.
 */
export function applySubscriptionPatch(current: Subscription, body: unknown, policy: SubscriptionPolicy, now: number): Subscription {
  const patch = parseBody(patchSubscriptionSchema, body, policy);

  const merged: Record<string, unknown> = inputView(current);
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    if (value === null) delete merged[key];
    else merged[key] = value;
  }
  if (patch.preset !== undefined) {
    const preset = presetValues(patch.preset);
    for (const field of PRESET_FIELDS) if (patch[field] === undefined) merged[field] = preset[field];
  }

  const input = parseCreateSubscription(merged, policy);
  const signing = input.signing ?? current.signing;
  if (signing.scheme !== current.signing.scheme) checkSecretsFit(signing.scheme, activeSecrets(current.secrets, now));
  const { tenant: _t, auth: _a, description: _d, xmlRoot: _x, apiVersion: _v, ...kept } = current;
  return {
    ...kept,
    url: input.url,
    eventTypes: input.eventTypes,
    ...(input.tenant !== undefined && { tenant: input.tenant }),
    fallback: input.fallback,
    method: input.method,
    format: input.format,
    envelope: input.envelope,
    ...(input.xmlRoot !== undefined && { xmlRoot: input.xmlRoot }),
    ...(input.apiVersion !== undefined && { apiVersion: input.apiVersion }),
    preset: input.preset,
    signing,
    ...(input.auth !== undefined && { auth: input.auth }),
    customHeaders: input.customHeaders,
    // Always set in `merged` (they come from the stored subscription or the new preset).
    timeoutMs: input.timeoutMs ?? current.timeoutMs,
    acceptStatuses: input.acceptStatuses ?? current.acceptStatuses,
    retryOn: input.retryOn ?? current.retryOn,
    retryPolicy: input.retryPolicy ?? current.retryPolicy,
    failurePolicy: input.failurePolicy ?? current.failurePolicy,
    ...(input.description !== undefined && { description: input.description }),
    metadata: input.metadata,
    updatedAt: new Date(now).toISOString(),
    version: current.version + 1,
  };
}

/** The client-controlled fields of a stored subscription, as a create body would carry them. */
export function inputView(sub: Subscription): Record<string, unknown> {
  const view: Record<string, unknown> = {};
  for (const field of INPUT_FIELDS) if (sub[field] !== undefined) view[field] = structuredClone(sub[field]);
  return view;
}

/**
 * A scheme change keeps the stored secrets: each one still signing must suit the new scheme
 * (a Shopify-style string secret is no `whsec_` key), else rotate-secret first.
 */
function checkSecretsFit(scheme: SigningConfig['scheme'], secrets: readonly string[]): void {
  if (secrets.some((secret) => secretProblem(scheme, secret) !== undefined)) {
    throw new ValidationError([
      { field: 'signing.scheme', message: `the current signing secret does not suit "${scheme}": rotate-secret with a suitable secret first` },
    ]);
  }
}

/** Rules that involve the deployment policy or more than one field. The preset's signing fills an absent `signing`. */
function checkCrossField(parsed: SubscriptionInput, policy: SubscriptionPolicy): SubscriptionInput {
  const input = { ...parsed, signing: parsed.signing ?? presetValues(parsed.preset).signing };
  const errors: FieldError[] = [];
  const url = checkSubscriptionUrl(input.url, policy);
  if (!url.ok) errors.push({ field: 'url', message: url.reason });
  if (input.secret !== undefined) {
    // Never quotes the value: the problem document must not echo a secret.
    const problem = secretProblem(input.signing.scheme, input.secret);
    if (problem !== undefined) errors.push({ field: 'secret', message: problem });
  }
  if (input.signing.scheme === 'hmac-sha256') {
    const header = input.signing.header.toLowerCase();
    for (const name of Object.keys(input.customHeaders)) {
      if (name.toLowerCase() === header) errors.push({ field: `customHeaders.${name}`, message: 'must not override the signature header' });
    }
  }
  if (input.auth !== undefined && input.signing.scheme === 'authorization') {
    const why = parsed.signing === undefined ? ` (the "${input.preset}" preset's signing; set signing to another scheme to send auth)` : '';
    errors.push({ field: 'auth', message: `cannot be combined with signing scheme "authorization" (both use the Authorization header)${why}` });
  }
  if (errors.length > 0) throw new ValidationError(errors);
  return url.ok ? { ...input, url: url.url.href } : input;
}

/** A create or patch body, or a `ValidationError` listing every problem. */
function parseBody<S extends z.ZodType>(schema: S, body: unknown, policy: SubscriptionPolicy): z.output<S> {
  const parsed = schema.safeParse(body, { error: friendlyMessage });
  if (parsed.success) return parsed.data;
  const errors = zodFieldErrors(parsed.error.issues);
  // A URL the policy refuses is reported together with the schema's problems, not one round later.
  const url = (body as { url?: unknown } | null)?.url;
  if (typeof url === 'string' && !errors.some((e) => e.field === 'url')) {
    const check = checkSubscriptionUrl(url, policy);
    if (!check.ok) errors.unshift({ field: 'url', message: check.reason });
  }
  // So is an imported secret that does not suit the scheme the body (or its preset) would sign with.
  const secret = (body as { secret?: unknown } | null)?.secret;
  if (typeof secret === 'string' && !errors.some((e) => e.field === 'secret')) {
    const problem = secretProblem(schemeOfRawBody(body), secret);
    if (problem !== undefined) errors.push({ field: 'secret', message: problem });
  }
  throw new ValidationError(errors);
}

/** The signing scheme a body that failed the schema asks for: its own, else its preset's, else the default preset's. */
function schemeOfRawBody(body: unknown): SigningConfig['scheme'] {
  const raw = body as { signing?: { scheme?: unknown }; preset?: unknown };
  const scheme = signingSchema.options.map((o) => o.shape.scheme.value).find((s) => s === raw.signing?.scheme);
  if (scheme !== undefined) return scheme;
  const preset = PRESET_NAMES.find((p) => p === raw.preset) ?? 'standard';
  return presetValues(preset).signing.scheme;
}

export type { PresetName };
