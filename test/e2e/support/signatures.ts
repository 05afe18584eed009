/** Receiver-side signature checks, recomputed with node:crypto exactly as a subscriber would. */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The HMAC key of a `whsec_…` secret: its base64 part, decoded (DESIGN §4 "Signing"). */
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

/** Shopify: base64 HMAC-SHA256 of the raw body. */
export function verifyBase64Hmac(whsec: string, rawBody: string, header: string | undefined): boolean {
  return digestMatches(hmacOf(whsec, rawBody).toString('base64'), header);
}

/** TikTok style: hex HMAC-SHA256 of the raw body in `Authorization`. */
export function verifyHexHmac(whsec: string, rawBody: string, header: string | undefined): boolean {
  return digestMatches(hmacOf(whsec, rawBody).toString('hex'), header);
}
