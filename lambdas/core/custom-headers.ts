/**
 * Custom headers a subscription adds to every request (DESIGN §5, the Partoo contract).
 * They may never change how Hookline's own request is signed, authenticated or routed.
 */
import type { FieldError } from './errors.js';

/** @default 5 */
export const MAX_CUSTOM_HEADERS = 5;
export const MAX_HEADER_NAME_LENGTH = 128;
export const MAX_HEADER_VALUE_LENGTH = 512;
export const RESERVED_PREFIX = 'x-hookline';

/** The characters the contract names, reported one by one. */
const FORBIDDEN_NAME_CHARS = [' ', '(', ')', '<', '>', '@', ',', ';', ':', '\\', '"', '/', '[', ']', '?', '=', '{', '}'];
/** RFC 9110 token: anything else could not be sent at all. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Proxy/forwarding and method-override headers a receiver (or its proxy) may trust. */
export const FORWARDING_HEADER_NAMES: readonly string[] = [
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-forwarded-port',
  'x-forwarded-prefix',
  'x-real-ip',
  'x-client-ip',
  'x-original-url',
  'x-rewrite-url',
  'x-http-method',
  'x-http-method-override',
  'x-method-override',
];

/** Signature headers of well-known providers: a receiver verifying one must only ever see a real signature. */
export const PROVIDER_SIGNATURE_HEADER_NAMES: readonly string[] = [
  'x-shopify-hmac-sha256',
  'x-hub-signature',
  'x-hub-signature-256',
  'x-signature',
  'x-webhook-signature',
];

/** `X-` names that are still not the subscriber's to set as custom headers. */
export const REFUSED_HEADER_NAMES: readonly string[] = [...FORWARDING_HEADER_NAMES, ...PROVIDER_SIGNATURE_HEADER_NAMES];

/** RFC 9110 §7.6.1 hop-by-hop and message-framing headers: never the subscriber's to set or sign into. */
export const HOP_BY_HOP_HEADER_NAMES: readonly string[] = [
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'content-length',
  'expect',
  'host',
];

/** Headers Hookline sets on every request (signature, auth, framing, identification). */
export const HOOKLINE_HEADER_NAMES: readonly string[] = [
  'authorization',
  'content-type',
  'user-agent',
  'username',
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
  'x-hookline-event-type',
  'x-hookline-attempt',
];

/** Whole families refused by prefix (AWS request signing). */
const REFUSED_PREFIXES = ['x-amz-'];

export interface CustomHeaderOptions {
  /** The configured `hmac-sha256` signature header, which a custom header must not shadow. */
  signingHeader?: string;
  /** Path prefix of the returned field names. @default "customHeaders" */
  field?: string;
}

/** Every problem with `headers`, one `FieldError` per problem (empty when valid). */
export function validateCustomHeaders(headers: Record<string, unknown>, options: CustomHeaderOptions = {}): FieldError[] {
  const base = options.field ?? 'customHeaders';
  const errors: FieldError[] = [];
  const names = Object.keys(headers);
  if (names.length > MAX_CUSTOM_HEADERS) errors.push({ field: base, message: `must have at most ${MAX_CUSTOM_HEADERS} headers` });
  const seen = new Map<string, string>();
  for (const name of names) {
    const field = `${base}.${name}`;
    const problem = nameProblem(name, options.signingHeader);
    if (problem !== undefined) errors.push({ field, message: problem });
    const lower = name.toLowerCase();
    const earlier = seen.get(lower);
    if (earlier !== undefined) errors.push({ field, message: `duplicates ${earlier} (header names are case-insensitive)` });
    else seen.set(lower, name);
    const valueProblem = valueProblemOf(headers[name]);
    if (valueProblem !== undefined) errors.push({ field, message: valueProblem });
  }
  return errors;
}

function nameProblem(name: string, signingHeader: string | undefined): string | undefined {
  if (name.length === 0) return 'name must not be empty';
  if (name.length > MAX_HEADER_NAME_LENGTH) return `name must be at most ${MAX_HEADER_NAME_LENGTH} characters`;
  const forbidden = FORBIDDEN_NAME_CHARS.find((c) => name.includes(c));
  if (forbidden !== undefined) return `name must not contain ${forbidden === ' ' ? 'a space' : `"${forbidden}"`}`;
  if (!TOKEN.test(name)) return 'name must contain only visible ASCII letters, digits and !#$%&\'*+-.^_`|~';
  const lower = name.toLowerCase();
  if (lower.startsWith(RESERVED_PREFIX)) return 'must not use the reserved X-Hookline prefix';
  // Not X- names either, but saying what they would break is the more useful message.
  if (HOP_BY_HOP_HEADER_NAMES.includes(lower)) return 'must not override a hop-by-hop header';
  if (HOOKLINE_HEADER_NAMES.includes(lower)) return 'must not override a header Hookline sets (signature, auth, identification)';
  if (!/^x-/i.test(name)) return 'must start with X-';
  if (signingHeader !== undefined && lower === signingHeader.toLowerCase()) return 'must not override the signature header';
  if (REFUSED_HEADER_NAMES.includes(lower) || REFUSED_PREFIXES.some((p) => lower.startsWith(p))) {
    return 'is reserved (forwarding, method-override and signature headers cannot be set)';
  }
  return undefined;
}

function valueProblemOf(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'value must be a string';
  if (value.length > MAX_HEADER_VALUE_LENGTH) return `value must be at most ${MAX_HEADER_VALUE_LENGTH} characters`;
  if (/[\r\n\0]/.test(value)) return 'value must not contain CR, LF or NUL';
  // eslint-disable-next-line no-control-regex
  if (/[\u0001-\u0008\u000a-\u001f\u007f]/.test(value)) return 'value must not contain control characters';
  if (/[^\u0000-\u00ff]/.test(value)) return 'value must contain only Latin-1 characters';
  return undefined;
}

/**
 * Why `name` cannot carry the `hmac-sha256` signature (undefined when it can): it must be a valid
 * header name that is not one Hookline or the transport sets, not a forwarding header, and in the
 * reserved `X-Hookline` family only the default `X-Hookline-Hmac-SHA256`. Provider names such as
 * `X-Shopify-Hmac-SHA256` are allowed: reproducing them is the point of the scheme.
 */
export function signingHeaderProblem(name: string, defaultHeader: string): string | undefined {
  if (name.length === 0) return 'must not be empty';
  if (name.length > MAX_HEADER_NAME_LENGTH) return `must be at most ${MAX_HEADER_NAME_LENGTH} characters`;
  if (!TOKEN.test(name)) return 'must be a valid header name';
  const lower = name.toLowerCase();
  if (HOP_BY_HOP_HEADER_NAMES.includes(lower)) return 'must not be a hop-by-hop header';
  if (HOOKLINE_HEADER_NAMES.includes(lower)) return 'must not be a header Hookline sets itself';
  if (FORWARDING_HEADER_NAMES.includes(lower) || REFUSED_PREFIXES.some((p) => lower.startsWith(p))) return 'must not be a forwarding or AWS header';
  if (lower.startsWith(RESERVED_PREFIX) && lower !== defaultHeader.toLowerCase()) return 'must not use the reserved X-Hookline prefix';
  return undefined;
}
