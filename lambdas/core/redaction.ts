/**
 * Removes a subscription's own credentials from what its receiver answered, before the excerpt is
 * stored (delivery item, attempt log, S3 archive kept for a year) or shown. A receiver that echoes
 * the request (a debugging endpoint, a framework's error page) would otherwise hand back its
 * Authorization header, an API key sent as a custom header, a token in the URL's query or the
 * signing secret, where anyone with log access reads them.
 */
import { authHeaders } from './auth.js';
import { SECRET_PREFIX } from './secrets.js';
import type { Subscription } from './model.js';

export const REDACTED = '[redacted]';
/** Shorter values (`X-Team: ops`, `?v=2`) are too likely to be ordinary text and too short to be a credential. */
export const MIN_REDACTED_LENGTH = 8;

type Credentials = Pick<Subscription, 'url' | 'secrets' | 'auth' | 'customHeaders'>;

/** Every credential of the subscription, in the forms a receiver may echo it, longest first. */
export function credentialValues(sub: Credentials): string[] {
  const raw = [
    ...sub.secrets.flatMap(({ secret }) => [secret, secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret]),
    ...authValues(sub.auth),
    ...Object.values(sub.customHeaders ?? {}),
    ...queryValues(sub.url),
  ];
  const forms = raw.flatMap((value) => [value, value.replaceAll('/', '\\/'), JSON.stringify(value).slice(1, -1), encodeURIComponent(value)]);
  return [...new Set(forms)].filter((v) => v.length >= MIN_REDACTED_LENGTH).sort((a, b) => b.length - a.length);
}

/** `text` with every value replaced; an excerpt cut off inside a value loses that beginning too. */
export function redactCredentials(text: string, values: readonly string[]): string {
  let out = text;
  for (const value of values) out = out.split(value).join(REDACTED);
  for (const value of values) {
    for (let n = Math.min(value.length - 1, out.length); n >= MIN_REDACTED_LENGTH; n--) {
      if (out.endsWith(value.slice(0, n))) {
        out = out.slice(0, -n) + REDACTED;
        break;
      }
    }
  }
  return out;
}

function authValues(auth: Subscription['auth']): string[] {
  if (auth === undefined) return [];
  const secret = auth.type === 'basic' ? auth.password : auth.type === 'bearer' ? auth.token : auth.authorization;
  // The header as sent: Basic's base64 of "user:password" reveals the password without containing it.
  const sent = authHeaders(auth).Authorization ?? '';
  return [secret, sent, sent.replace(/^(Basic|Bearer) /, '')];
}

function queryValues(url: string): string[] {
  const parsed = URL.parse(url);
  return parsed === null ? [] : [...parsed.searchParams.values()];
}
