/**
 * Subscription schemas (DESIGN §4–5): the request bodies, the stored settings and the read view.
 * The domain types in `model.ts` are derived from them, and so is the OpenAPI document.
 * Create and PATCH semantics live in `subscription-build.ts`.
 */
import * as z from 'zod';
import { EVENT_TYPE_PATTERN, NO_TENANT_KEY } from './event-schema.js';
import { signingHeaderProblem, validateCustomHeaders } from './custom-headers.js';
import { MAX_URL_LENGTH } from './url-policy.js';
import { FAILURE_CLASSES, PRESET_NAMES } from './vocabulary.js';

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

/** The signature header of `hmac-sha256` when the subscription names none. */
export const DEFAULT_HMAC_HEADER = 'X-Hookline-Hmac-SHA256';
/** What a read shows in place of a credential. */
export const MASK = '****';

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

/**
 * A write-only value: the `****` a read shows is refused, so a GET body PATCHed back cannot store it.
 * `keep` names the field a PATCH leaves out to keep the stored values.
 */
const unmasked = <T extends z.ZodType<string>>(schema: T, keep = 'auth') =>
  schema.refine((v) => v !== MASK, `is the masked placeholder "${MASK}" from a read: send the real value, or leave ${keep} out to keep it`);

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
        jitter: z.number().min(0).max(1).default(0).meta({ description: 'Each delay is multiplied by a uniform factor in [1 - jitter, 1 + jitter].' }),
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
    afterConsecutiveFailures: z
      .number()
      .int()
      .min(1)
      .max(100_000)
      .nullable()
      .meta({ description: 'Consecutive failed attempts (across deliveries) that trigger action; null: never.' }),
    /** @default "disable" */
    action: z.enum(['disable', 'delete', 'none']).default('disable'),
    warnAt: z.number().int().min(1).max(100_000).optional().meta({ description: 'Consecutive failures at which the warning is sent (before the action).' }),
    /** @default 0 */
    minStreakSeconds: z
      .number()
      .int()
      .min(0)
      .max(31_536_000)
      .optional()
      .meta({ description: 'Seconds the streak must also have lasted before action fires, so a burst during a short outage never acts.' }),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.warnAt !== undefined && p.afterConsecutiveFailures !== null && p.warnAt >= p.afterConsecutiveFailures) {
      ctx.addIssue({ code: 'custom', path: ['warnAt'], message: 'must be lower than afterConsecutiveFailures' });
    }
  })
  .meta({ id: 'FailurePolicy', description: 'What a streak of consecutive failed attempts does to the subscription.' });

const customHeadersSchema = z
  .record(z.string(), unmasked(z.string(), 'customHeaders'))
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
  .meta({ description: 'Up to 5 `X-` headers added to every request. Values are write-only (masked on read): they often carry credentials.' });

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
  circuitBreaker: z
    .object({ enabled: z.boolean() })
    .strict()
    .meta({
      description:
        'The per-endpoint circuit breaker: after a burst of timeouts or transport failures, tasks wait on the queue (no attempt, no retry spent) until a probe succeeds. Absent: on for exponential retry policies, off for fixed schedules (a fixed schedule is a contract of exact attempt times).',
    }),
  rateLimit: z
    .object({ perSecond: z.number().min(0.01).max(10_000) })
    .strict()
    .meta({ description: 'At most this many requests per second toward the endpoint; more wait on the queue, never fail.' }),
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
    circuitBreaker: subscriptionFields.circuitBreaker.optional(),
    rateLimit: subscriptionFields.rateLimit.optional(),
    description: subscriptionFields.description.optional(),
    /** @default {} */
    metadata: subscriptionFields.metadata.default({}),
  })
  .strict()
  .meta({ id: 'CreateSubscription', description: 'A new subscription. Only url and eventTypes are required.' });

/** PATCH: every field optional; `null` clears the ones re-declared nullable below. */
export const patchSubscriptionSchema = z
  .object(subscriptionFields)
  .partial()
  .extend({
    tenant: subscriptionFields.tenant.nullable().optional(),
    xmlRoot: subscriptionFields.xmlRoot.nullable().optional(),
    apiVersion: subscriptionFields.apiVersion.nullable().optional(),
    auth: subscriptionFields.auth.nullable().optional(),
    circuitBreaker: subscriptionFields.circuitBreaker.nullable().optional(),
    rateLimit: subscriptionFields.rateLimit.nullable().optional(),
    description: subscriptionFields.description.nullable().optional(),
  })
  .strict()
  .meta({
    id: 'PatchSubscription',
    description: 'Changes to a subscription; a new preset re-applies its defaults to the preset fields not given.',
  });

/**
 * A stored subscription's client-controlled fields, as create and patch leave them: set by the
 * body, a default or the preset, except the few a PATCH `null` clears.
 */
export const subscriptionSettingsSchema = z.object({
  ...subscriptionFields,
  tenant: subscriptionFields.tenant.optional(),
  xmlRoot: subscriptionFields.xmlRoot.optional(),
  apiVersion: subscriptionFields.apiVersion.optional(),
  auth: subscriptionFields.auth.optional(),
  circuitBreaker: subscriptionFields.circuitBreaker.optional(),
  rateLimit: subscriptionFields.rateLimit.optional(),
  description: subscriptionFields.description.optional(),
});

/** `auth` as a read shows it: the secret part replaced by `MASK`. */
export const maskedAuthSchema = z.union([
  z.object({ type: z.literal('basic'), username: z.string(), password: z.literal(MASK) }),
  z.object({ type: z.literal('bearer'), token: z.literal(MASK) }),
  z.object({ type: z.literal('header'), authorization: z.literal(MASK), username: z.string().optional() }),
]);

export type SubscriptionInput = z.output<typeof createSubscriptionSchema>;
export type SubscriptionPatch = z.output<typeof patchSubscriptionSchema>;
export type SubscriptionSettings = z.output<typeof subscriptionSettingsSchema>;
export type SigningConfig = z.output<typeof signingSchema>;
export type AuthConfig = z.output<typeof authSchema>;
export type MaskedAuth = z.output<typeof maskedAuthSchema>;
/** `200`, or a range written `"2xx"` / `"200-299"`. */
export type StatusMatcher = z.output<typeof statusMatcherSchema>;
export type RetryPolicy = z.output<typeof retryPolicySchema>;
export type FailurePolicy = z.output<typeof failurePolicySchema>;

/** The fields a preset fills. */
export const PRESET_FIELDS = ['timeoutMs', 'acceptStatuses', 'retryOn', 'retryPolicy', 'failurePolicy', 'signing'] as const;
export type PresetField = (typeof PRESET_FIELDS)[number];
/** The request fields, i.e. the part of a `Subscription` a client controls. */
export const INPUT_FIELDS = Object.keys(subscriptionFields) as (keyof typeof subscriptionFields)[];

