/**
 * A receiver that authenticates Hookline by credentials instead of a signature (Tradecloud
 * style): `--auth-type basic` (`Authorization: Basic base64(user:password)`) or
 * `--auth-type bearer` (`Authorization: Bearer <token>`). Compared in constant time.
 * Credentials prove who sent the request, not that the body is intact: prefer a signature
 * as well (any signing scheme but `authorization`, which shares the header).
 *
 *   BASIC_USER=u BASIC_PASSWORD=p npx tsx examples/receivers/basic-bearer.ts 4000
 *   BEARER_TOKEN=t npx tsx examples/receivers/basic-bearer.ts --port 4000
 */
import type { Server } from 'node:http';
import { createVerifyingServer, header, reply, requireEnv, runIfMain, safeEqual, type WebhookHandler } from './common.js';

export type CredentialsCheck = { basic: { username: string; password: string } } | { bearer: string };

export interface CredentialsReceiverOptions {
  credentials: CredentialsCheck;
  onWebhook?: WebhookHandler;
}

function expectedAuthorization(check: CredentialsCheck): string {
  if ('bearer' in check) return `Bearer ${check.bearer}`;
  return `Basic ${Buffer.from(`${check.basic.username}:${check.basic.password}`, 'utf8').toString('base64')}`;
}

export function createCredentialsReceiver(options: CredentialsReceiverOptions): Server {
  const expected = expectedAuthorization(options.credentials);
  const scheme = expected.split(' ')[0]!;
  return createVerifyingServer({
    verify: (req) => safeEqual(header(req, 'authorization') ?? '', expected),
    refuse: (res) => {
      res.setHeader('www-authenticate', `${scheme} realm="webhooks"`);
      reply(res, 401, 'unauthorized');
    },
    onWebhook: options.onWebhook,
  });
}

runIfMain(import.meta.url, () => {
  // Never fall back to empty credentials: that would accept `Basic Og==` from anyone.
  const credentials: CredentialsCheck = process.env.BEARER_TOKEN
    ? { bearer: process.env.BEARER_TOKEN }
    : { basic: { username: requireEnv('BASIC_USER'), password: requireEnv('BASIC_PASSWORD') } };
  return createCredentialsReceiver({ credentials, onWebhook: (w) => console.log(`${w.id} ${w.eventType} ${w.body}`) });
});
