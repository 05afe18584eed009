/**
 * Request signatures (DESIGN §5 "Signing"). Every scheme keys its HMAC-SHA256 with the
 * decoded base64 part of the subscription's `whsec_` secret.
 */
import { createHmac } from 'node:crypto';
import type { SigningConfig } from './model.js';
import { secretKey } from './secrets.js';

/** @default header name of the `hmac-sha256` scheme */
export const DEFAULT_HMAC_HEADER = 'X-Hookline-Hmac-SHA256';

export interface SignatureInput {
  scheme: SigningConfig['scheme'];
  /** Active `whsec_` secrets, current first (see `activeSecrets`). */
  secrets: readonly string[];
  messageId: string;
  /** Unix seconds, the `webhook-timestamp` value. */
  timestamp: number;
  /** The raw body exactly as sent; for GET, the request target (path and query). */
  body: string;
  /** Header of the `hmac-sha256` scheme. @default "X-Hookline-Hmac-SHA256" */
  headerName?: string;
}

export class NoSigningSecretError extends Error {
  constructor() {
    super('the subscription has no active signing secret');
    this.name = 'NoSigningSecretError';
  }
}

/**
 * - `standard-webhooks`: `webhook-signature: v1,<b64> v1,<b64>`, one per active secret
 *   (receivers accept any, which makes rotation seamless), over `id.timestamp.body`.
 * - `hmac-sha256`: base64 HMAC of the raw body with the current secret (Shopify style).
 * - `authorization`: hex HMAC of the raw body in `Authorization` (TikTok style).
 * - `none`: nothing.
 * `webhook-id` and `webhook-timestamp` are added by the request builder for every scheme.
 */
export function signatureHeaders(input: SignatureInput): Record<string, string> {
  if (input.scheme === 'none') return {};
  const [current] = input.secrets;
  if (current === undefined) throw new NoSigningSecretError();
  switch (input.scheme) {
    case 'standard-webhooks': {
      const content = `${input.messageId}.${input.timestamp}.${input.body}`;
      return { 'webhook-signature': input.secrets.map((s) => `v1,${hmac(s, content).toString('base64')}`).join(' ') };
    }
    case 'hmac-sha256':
      return { [input.headerName ?? DEFAULT_HMAC_HEADER]: hmac(current, input.body).toString('base64') };
    case 'authorization':
      return { Authorization: hmac(current, input.body).toString('hex') };
  }
}

function hmac(whsec: string, content: string): Buffer {
  return createHmac('sha256', secretKey(whsec)).update(content, 'utf8').digest();
}
