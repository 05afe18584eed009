/**
 * A receiver for the `standard-webhooks` signing scheme (the default), verified with the
 * `standardwebhooks` package: `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`,
 * keyed with the base64 part of the `whsec_` secret. The package also refuses timestamps more
 * than 5 minutes off, and accepts any of several space-separated signatures (secret rotation).
 *
 *   WEBHOOK_SECRET=whsec_… npx tsx examples/receivers/standard-webhooks.ts 4000   (or PORT=4000; 0 = any free port)
 */
import { createServer, type Server } from 'node:http';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { BodyTooLargeError, readRawBody, reply, requireEnv, runIfMain, webhookOf, type WebhookHandler } from './common.js';

export interface StandardWebhooksReceiverOptions {
  /** The subscription's `whsec_…` secret (`hookline subscriptions secret ID`). */
  secret: string;
  onWebhook?: WebhookHandler;
  /** Ids seen recently: a retry of a message already handled is acknowledged, not handled twice. @default 10000 */
  rememberIds?: number;
}

export function createStandardWebhooksReceiver(options: StandardWebhooksReceiverOptions): Server {
  const webhook = new Webhook(options.secret);
  const seen = new Set<string>();
  const remember = options.rememberIds ?? 10_000;
  return createServer(async (req, res) => {
    try {
      const body = await readRawBody(req);
      // Throws unless a signature matches and the timestamp is within 5 minutes. `jsonParse: false`:
      // the body may be XML (`format: xml`); parse it yourself once verified.
      webhook.verify(body, req.headers as Record<string, string>, { jsonParse: false });
      const received = webhookOf(req, body);
      if (received.id !== undefined && seen.has(received.id)) return reply(res, 204);
      await options.onWebhook?.(received);
      if (received.id !== undefined) {
        seen.add(received.id);
        if (seen.size > remember) seen.delete(seen.values().next().value as string);
      }
      reply(res, 204);
    } catch (err) {
      if (err instanceof WebhookVerificationError) return reply(res, 401, err.message);
      if (err instanceof BodyTooLargeError) return reply(res, 413, err.message);
      reply(res, 500, 'handler failed'); // Hookline will retry
    }
  });
}

runIfMain(import.meta.url, () =>
  createStandardWebhooksReceiver({
    secret: requireEnv('WEBHOOK_SECRET'),
    onWebhook: (w) => console.log(`${w.id} ${w.eventType} ${w.body}`),
  }),
);
