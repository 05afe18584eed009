/**
 * A receiver for the `hmac-sha256` signing scheme (Shopify style): the base64 HMAC-SHA256 of
 * the RAW body in a header (`X-Hookline-Hmac-SHA256` unless the subscription names another),
 * keyed with the secret string exactly as Hookline shows it (UTF-8; a `whsec_` secret is not
 * decoded), compared in constant time. Shopify's own `@shopify/shopify-api` verifies the same way.
 *
 *   WEBHOOK_SECRET=whsec_… HMAC_HEADER=X-Shop-Hmac-SHA256 npx tsx examples/receivers/hmac-sha256.ts 4000
 *   (during a rotation, WEBHOOK_PREVIOUS_SECRETS=whsec_old,… keeps the old secret accepted)
 */
import { createHmac } from 'node:crypto';
import type { Server } from 'node:http';
import { createVerifyingServer, header, listEnv, reply, requireEnv, runIfMain, safeEqual, type WebhookHandler } from './common.js';

export interface HmacReceiverOptions {
  /** The subscription's secret, as shown on create (generated `whsec_…` or your own). */
  secret: string;
  /** @default 'X-Hookline-Hmac-SHA256' */
  header?: string;
  /** Secrets still accepted during a rotation's grace period. @default [] */
  previousSecrets?: string[];
  onWebhook?: WebhookHandler;
}

/** The HMAC key of `hmac-sha256` and `authorization`: the secret string itself, UTF-8. */
export function stringKey(secret: string): Buffer {
  return Buffer.from(secret, 'utf8');
}

export function createHmacReceiver(options: HmacReceiverOptions): Server {
  const headerName = options.header ?? 'X-Hookline-Hmac-SHA256';
  const keys = [options.secret, ...(options.previousSecrets ?? [])].map(stringKey);
  return createVerifyingServer({
    verify: (req, body) => {
      const sent = header(req, headerName) ?? '';
      return keys.some((key) => safeEqual(createHmac('sha256', key).update(body).digest('base64'), sent));
    },
    refuse: (res) => reply(res, 401, 'invalid signature'),
    onWebhook: options.onWebhook,
  });
}

runIfMain(import.meta.url, () =>
  createHmacReceiver({
    secret: requireEnv('WEBHOOK_SECRET'),
    previousSecrets: listEnv('WEBHOOK_PREVIOUS_SECRETS'),
    ...(process.env.HMAC_HEADER ? { header: process.env.HMAC_HEADER } : {}),
    onWebhook: (w) => console.log(`${w.id} ${w.eventType} ${w.body}`),
  }),
);
