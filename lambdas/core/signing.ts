/**
 * Request signatures (DESIGN §5 "Signing"). `standard-webhooks` keys its HMAC-SHA256 with the
 * decoded base64 part of a `whsec_` secret (the spec); `hmac-sha256` and `authorization` key it
 * with the secret string exactly as the subscriber holds it (UTF-8), as Shopify's and TikTok
 * Shop's own verifiers do.
 */
import { createHmac } from 'node:crypto';
import type { SigningConfig } from './model.js';
import { signingKey } from './secrets.js';
import { DEFAULT_HMAC_HEADER } from './subscription-schema.js';

export { DEFAULT_HMAC_HEADER };

export interface SignatureInput {
  scheme: SigningConfig['scheme'];
  /** Active secrets, current first (see `activeSecrets`). */
  secrets: readonly string[];
  messageId: string;
  /** Unix seconds, the `webhook-timestamp` value. */
  timestamp: number;
  /** The raw body exactly as sent; for GET, the request target (path and query). */
  body: string;
  /** Header of the `hmac-sha256` scheme. @default "X-Hookline-Hmac-SHA256" */
  headerName?: string;
  /** Prefix of the content signed by `authorization` (TikTok's app key). @default "" */
  appKey?: string;
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
 * - `hmac-sha256`: base64 HMAC of the raw body with the current secret (Shopify).
 * - `authorization`: lowercase hex HMAC of `appKey + body` with the current secret in
 *   `Authorization` (TikTok Shop).
 * - `none`: nothing.
 * Single-signature schemes sign with the current (newest) secret only, also during a rotation grace.
 * `webhook-id` and `webhook-timestamp` are added by the request builder for every scheme.
 */
export function signatureHeaders(input: SignatureInput): Record<string, string> {
  if (input.scheme === 'none') return {};
  const [current] = input.secrets;
  if (current === undefined) throw new NoSigningSecretError();
  const sign = (secret: string, content: string) => createHmac('sha256', signingKey(input.scheme, secret)).update(content, 'utf8').digest();
  switch (input.scheme) {
    case 'standard-webhooks': {
      const content = `${input.messageId}.${input.timestamp}.${input.body}`;
      return { 'webhook-signature': input.secrets.map((s) => `v1,${sign(s, content).toString('base64')}`).join(' ') };
    }
    case 'hmac-sha256':
      return { [input.headerName ?? DEFAULT_HMAC_HEADER]: sign(current, input.body).toString('base64') };
    case 'authorization':
      return { Authorization: sign(current, (input.appKey ?? '') + input.body).toString('hex') };
  }
}
