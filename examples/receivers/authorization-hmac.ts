/**
 * A receiver for the `authorization` signing scheme (TikTok Shop style): the lowercase hex
 * HMAC-SHA256 of `appKey + RAW body` in the `Authorization` header, keyed with the secret string
 * exactly as Hookline shows it (UTF-8), compared in constant time. `appKey` is the
 * subscription's `signing.appKey` (empty when it has none), TikTok Shop's app key.
 *
 *   WEBHOOK_SECRET=… APP_KEY=6abc1d2e npx tsx examples/receivers/authorization-hmac.ts 4000
 */
import { createHmac } from 'node:crypto';
import type { Server } from 'node:http';
import { createVerifyingServer, header, listEnv, reply, requireEnv, runIfMain, safeEqual, type WebhookHandler } from './common.js';
import { stringKey } from './hmac-sha256.js';

export interface AuthorizationHmacReceiverOptions {
  secret: string;
  /** The subscription's `signing.appKey`. @default '' */
  appKey?: string;
  /** @default [] */
  previousSecrets?: string[];
  onWebhook?: WebhookHandler;
}

export function createAuthorizationHmacReceiver(options: AuthorizationHmacReceiverOptions): Server {
  const keys = [options.secret, ...(options.previousSecrets ?? [])].map(stringKey);
  return createVerifyingServer({
    verify: (req, body) => {
      const sent = (header(req, 'authorization') ?? '').toLowerCase();
      const signed = Buffer.concat([Buffer.from(options.appKey ?? '', 'utf8'), body]);
      return keys.some((key) => safeEqual(createHmac('sha256', key).update(signed).digest('hex'), sent));
    },
    // TikTok Shop's own contract: 200 accepted, 401 authentication failure.
    refuse: (res) => reply(res, 401, 'invalid signature'),
    onWebhook: options.onWebhook,
  });
}

runIfMain(import.meta.url, () =>
  createAuthorizationHmacReceiver({
    secret: requireEnv('WEBHOOK_SECRET'),
    previousSecrets: listEnv('WEBHOOK_PREVIOUS_SECRETS'),
    appKey: process.env.APP_KEY ?? '',
    onWebhook: (w) => console.log(`${w.id} ${w.eventType} ${w.body}`),
  }),
);
