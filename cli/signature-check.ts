/**
 * What `hookline listen` says about a received delivery's signature. The scheme is read off the
 * headers; the expected value is computed by the very code that signs deliveries
 * (`lambdas/core/signing.ts`), so a receiver check and the sender never drift apart.
 */
import { timingSafeEqual } from 'node:crypto';
import { signatureHeaders, type SignatureInput } from '../lambdas/core/signing.js';

/** @default 300 s: the timestamp skew `standard-webhooks` receivers accept either way */
export const TIMESTAMP_TOLERANCE_S = 300;

export type SchemeSeen = SignatureInput['scheme'];

export interface SignatureVerdict {
  scheme: SchemeSeen;
  /** true: verified; false: a signature that does not match; undefined: nothing to check, or no secret. */
  valid: boolean | undefined;
  /** One readable phrase, e.g. `signature valid (standard-webhooks)`. */
  text: string;
}

type Headers = Readonly<Record<string, string | undefined>>;

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The scheme a request was signed with, and the header that carries it. */
function schemeOf(headers: Headers): { scheme: SchemeSeen; header?: string } {
  if (headers['webhook-signature'] !== undefined) return { scheme: 'standard-webhooks', header: 'webhook-signature' };
  const hmacHeader = Object.keys(headers).find((name) => /hmac-sha256$/i.test(name));
  if (hmacHeader !== undefined) return { scheme: 'hmac-sha256', header: hmacHeader };
  if (/^[0-9a-f]{64}$/.test(headers.authorization ?? '')) return { scheme: 'authorization', header: 'authorization' };
  return { scheme: 'none' };
}

export interface CheckOptions {
  /** Prefix of the content the `authorization` scheme signs (TikTok Shop's app key). */
  appKey?: string;
  /** @default now, in Unix seconds */
  nowS?: number;
}

function expected(scheme: SchemeSeen, header: string, headers: Headers, body: string, secret: string, appKey: string | undefined): string | undefined {
  const signed = signatureHeaders({
    scheme,
    secrets: [secret],
    messageId: headers['webhook-id'] ?? '',
    timestamp: Number(headers['webhook-timestamp'] ?? 0),
    body,
    headerName: header,
    ...(appKey !== undefined && { appKey }),
  });
  return Object.entries(signed).find(([name]) => name.toLowerCase() === header)?.[1];
}

/**
 * Checks `body` and `headers` (lower-case names, as node:http gives them) against `secret`. For a
 * GET, `body` is the request target (path and query), which is what Hookline signs then.
 */
export function checkSignature(headers: Headers, body: string, secret: string | undefined, options: CheckOptions = {}): SignatureVerdict {
  const nowS = options.nowS ?? Date.now() / 1000;
  const { scheme, header } = schemeOf(headers);
  if (scheme === 'none' || header === undefined) {
    const auth = headers.authorization?.split(' ')[0];
    return { scheme, valid: undefined, text: `unsigned${auth !== undefined ? ` (Authorization: ${auth} …)` : ''}` };
  }
  if (secret === undefined) return { scheme, valid: undefined, text: `signed (${scheme}), not checked: pass --secret whsec_…` };
  const want = expected(scheme, header, headers, body, secret, options.appKey);
  const sent = headers[header] ?? '';
  // standard-webhooks sends one signature per active secret (rotation): any may match.
  const candidates = scheme === 'standard-webhooks' ? sent.split(' ') : [sent];
  if (want === undefined || !candidates.some((c) => sameText(c, want))) {
    return { scheme, valid: false, text: `signature INVALID (${scheme}, ${header}): not signed with this secret` };
  }
  if (scheme === 'standard-webhooks' && Math.abs(nowS - Number(headers['webhook-timestamp'])) > TIMESTAMP_TOLERANCE_S) {
    return { scheme, valid: false, text: `signature INVALID (${scheme}): webhook-timestamp more than ${TIMESTAMP_TOLERANCE_S} s off` };
  }
  return { scheme, valid: true, text: `signature valid (${scheme})` };
}
