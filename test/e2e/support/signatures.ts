/** Receiver-side signature checks, recomputed with node:crypto exactly as a subscriber would. */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The Standard Webhooks HMAC key of a `whsec_…` secret: its base64 part, decoded (DESIGN §4 "Signing"). */
export function keyOf(whsec: string): Buffer {
  return Buffer.from(whsec.replace(/^whsec_/, ''), 'base64');
}

export function hmacOf(whsec: string, content: string): Buffer {
  return createHmac('sha256', keyOf(whsec)).update(content, 'utf8').digest();
}

/** Constant-time comparison of an expected digest with the header value as received. */
export function digestMatches(expected: string, received: string | undefined): boolean {
  if (received === undefined) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(received);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** HMAC-SHA256 keyed with the secret string itself (UTF-8): `hmac-sha256` and `authorization`. */
export function stringHmacOf(secret: string, content: string): Buffer {
  return createHmac('sha256', Buffer.from(secret, 'utf8')).update(content, 'utf8').digest();
}

/** Shopify: base64 HMAC-SHA256 of the raw body, keyed with the secret string. */
export function verifyBase64Hmac(secret: string, rawBody: string, header: string | undefined): boolean {
  return digestMatches(stringHmacOf(secret, rawBody).toString('base64'), header);
}

/** TikTok style: lowercase hex HMAC-SHA256 of `appKey + raw body` in `Authorization`, keyed with the secret string. */
export function verifyHexHmac(secret: string, rawBody: string, header: string | undefined, appKey = ''): boolean {
  return digestMatches(stringHmacOf(secret, appKey + rawBody).toString('hex'), header);
}
