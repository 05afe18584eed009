/**
 * A receiver for the `authorization` signing scheme (TikTok Shop style): the hex HMAC-SHA256
 * of the RAW body in the `Authorization` header, keyed with the base64-decoded part of the
 * `whsec_` secret, compared in constant time.
 *
 *   WEBHOOK_SECRET=whsec_… npx tsx examples/receivers/authorization-hmac.ts 4000
 */
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { BodyTooLargeError, header, listEnv, readRawBody, reply, requireEnv, runIfMain, safeEqual, webhookOf, type WebhookHandler } from './common.js';
import { whsecKey } from './hmac-sha256.js';

export interface AuthorizationHmacReceiverOptions {
  secret: string;
  /** @default [] */
  previousSecrets?: string[];
  onWebhook?: WebhookHandler;
}

export function createAuthorizationHmacReceiver(options: AuthorizationHmacReceiverOptions): Server {
  const keys = [options.secret, ...(options.previousSecrets ?? [])].map(whsecKey);
  return createServer(async (req, res) => {
    try {
      const body = await readRawBody(req);
      const sent = (header(req, 'authorization') ?? '').toLowerCase();
      const valid = keys.some((key) => safeEqual(createHmac('sha256', key).update(body).digest('hex'), sent));
      // TikTok Shop's own contract: 200 accepted, 401 authentication failure.
      if (!valid) return reply(res, 401, 'invalid signature');
      await options.onWebhook?.(webhookOf(req, body));
      reply(res, 200);
    } catch (err) {
      reply(res, err instanceof BodyTooLargeError ? 413 : 500);
    }
  });
}

runIfMain(import.meta.url, () =>
  createAuthorizationHmacReceiver({
    secret: requireEnv('WEBHOOK_SECRET'),
    previousSecrets: listEnv('WEBHOOK_PREVIOUS_SECRETS'),
    onWebhook: (w) => console.log(`${w.id} ${w.eventType} ${w.body}`),
  }),
);
