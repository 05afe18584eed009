import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { authHeaders } from '../../../lambdas/core/auth.js';
import { generateSecret } from '../../../lambdas/core/secrets.js';
import { signatureHeaders, type SignatureInput } from '../../../lambdas/core/signing.js';
import { createAuthorizationHmacReceiver } from '../../../examples/receivers/authorization-hmac.js';
import { createCredentialsReceiver } from '../../../examples/receivers/basic-bearer.js';
import { portFrom, type ReceivedWebhook } from '../../../examples/receivers/common.js';
import { createHmacReceiver } from '../../../examples/receivers/hmac-sha256.js';
import { createStandardWebhooksReceiver } from '../../../examples/receivers/standard-webhooks.js';
import { startExample } from './example-process.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function listen(server: Server): Promise<string> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
}

async function post(url: string, body: string, headers: Record<string, string>): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
  return { status: res.status, text: await res.text() };
}

const BODY = JSON.stringify({ id: 'order_7', total: '12.50', items: [{ sku: 'A', qty: 1 }] });
const TAMPERED = BODY.replace('12.50', '0.01');

/** Headers Hookline sends for `scheme`, made by the platform's own signer. */
function hooklineHeaders(input: Partial<SignatureInput> & Pick<SignatureInput, 'scheme' | 'secrets'>, body = BODY): Record<string, string> {
  const messageId = input.messageId ?? 'msg_2xYk3example';
  const timestamp = input.timestamp ?? Math.floor(Date.now() / 1000);
  return {
    'webhook-id': messageId,
    'webhook-timestamp': String(timestamp),
    'x-hookline-event-type': 'order.created',
    ...signatureHeaders({ messageId, timestamp, body, ...input }),
  };
}

describe('examples/receivers/standard-webhooks', () => {
  it('accepts a request signed by Hookline and hands over the raw body', async () => {
    const secret = generateSecret();
    const received: ReceivedWebhook[] = [];
    const url = await listen(createStandardWebhooksReceiver({ secret, onWebhook: (w) => void received.push(w) }));

    const res = await post(url, BODY, hooklineHeaders({ scheme: 'standard-webhooks', secrets: [secret] }));

    expect(res.status).toBe(204);
    expect(received.map((w) => [w.id, w.eventType, w.body])).toEqual([['msg_2xYk3example', 'order.created', BODY]]);
  });

  it('accepts an XML body (format: xml) and a GET with no body: verification does not parse JSON', async () => {
    const secret = generateSecret();
    const received: ReceivedWebhook[] = [];
    const url = await listen(createStandardWebhooksReceiver({ secret, onWebhook: (w) => void received.push(w) }));
    const xml = '<?xml version="1.0" encoding="UTF-8"?><order><id>7</id></order>';

    const res = await post(url, xml, { ...hooklineHeaders({ scheme: 'standard-webhooks', secrets: [secret] }, xml), 'content-type': 'application/xml' });
    const get = await fetch(`${url}?id=msg_get&type=order.created`, { headers: hooklineHeaders({ scheme: 'standard-webhooks', secrets: [secret], messageId: 'msg_get' }, '') });

    expect([res.status, get.status]).toEqual([204, 204]);
    expect(received.map((w) => w.body)).toEqual([xml, '']);
  });

  it('rejects a tampered body, a wrong secret, and a replayed old timestamp', async () => {
    const secret = generateSecret();
    const url = await listen(createStandardWebhooksReceiver({ secret }));

    const tampered = await post(url, TAMPERED, hooklineHeaders({ scheme: 'standard-webhooks', secrets: [secret] }));
    const wrongSecret = await post(url, BODY, hooklineHeaders({ scheme: 'standard-webhooks', secrets: [generateSecret()] }));
    const old = await post(url, BODY, hooklineHeaders({ scheme: 'standard-webhooks', secrets: [secret], timestamp: Math.floor(Date.now() / 1000) - 600 }));

    expect(tampered).toEqual({ status: 401, text: 'No matching signature found' });
    expect(wrongSecret).toEqual({ status: 401, text: 'No matching signature found' });
    expect(old).toEqual({ status: 401, text: 'Message timestamp too old' });
  });

  it('during a rotation a receiver still on the previous secret accepts the request', async () => {
    const [previous, current] = [generateSecret(), generateSecret()];
    const url = await listen(createStandardWebhooksReceiver({ secret: previous }));

    const headers = hooklineHeaders({ scheme: 'standard-webhooks', secrets: [current, previous] });

    expect(headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect((await post(url, BODY, headers)).status).toBe(204);
  });

  it('a retry of a message already handled is acknowledged without handling it twice', async () => {
    const secret = generateSecret();
    const received: ReceivedWebhook[] = [];
    const url = await listen(createStandardWebhooksReceiver({ secret, onWebhook: (w) => void received.push(w) }));

    const first = await post(url, BODY, hooklineHeaders({ scheme: 'standard-webhooks', secrets: [secret] }));
    const retry = await post(url, BODY, hooklineHeaders({ scheme: 'standard-webhooks', secrets: [secret] }));

    expect([first.status, retry.status]).toEqual([204, 204]);
    expect(received).toHaveLength(1);
  });
});

describe('examples/receivers/hmac-sha256 (Shopify style)', () => {
  it('accepts the base64 HMAC of the raw body in the configured header, rejects a tampered body', async () => {
    const secret = generateSecret();
    const received: ReceivedWebhook[] = [];
    const url = await listen(createHmacReceiver({ secret, header: 'X-Shop-Hmac-SHA256', onWebhook: (w) => void received.push(w) }));
    const sign = (body: string) => hooklineHeaders({ scheme: 'hmac-sha256', secrets: [secret], headerName: 'X-Shop-Hmac-SHA256' }, body);

    const ok = await post(url, BODY, sign(BODY));
    const tampered = await post(url, TAMPERED, sign(BODY));
    const unsigned = await post(url, BODY, {});

    expect([ok.status, tampered.status, unsigned.status]).toEqual([200, 401, 401]);
    expect(received.map((w) => w.body)).toEqual([BODY]);
  });

  it('uses X-Hookline-Hmac-SHA256 by default and accepts a previous secret during rotation', async () => {
    const [previous, current] = [generateSecret(), generateSecret()];
    const url = await listen(createHmacReceiver({ secret: current, previousSecrets: [previous] }));

    const signedWithPrevious = hooklineHeaders({ scheme: 'hmac-sha256', secrets: [previous] });

    expect(Object.keys(signedWithPrevious)).toContain('X-Hookline-Hmac-SHA256');
    expect((await post(url, BODY, signedWithPrevious)).status).toBe(200);
    expect((await post(url, BODY, hooklineHeaders({ scheme: 'hmac-sha256', secrets: [generateSecret()] }))).status).toBe(401);
  });
});

describe('examples/receivers/authorization-hmac (TikTok Shop style)', () => {
  it('accepts the hex HMAC of the raw body in Authorization, rejects a tampered body', async () => {
    const secret = generateSecret();
    const url = await listen(createAuthorizationHmacReceiver({ secret }));
    const headers = hooklineHeaders({ scheme: 'authorization', secrets: [secret] });

    expect(headers.Authorization).toMatch(/^[0-9a-f]{64}$/);
    expect((await post(url, BODY, headers)).status).toBe(200);
    expect((await post(url, TAMPERED, headers)).status).toBe(401);
  });

  it('verifies appKey + body with the app key, an imported secret as written, and refuses another app key', async () => {
    const secret = 'tts_app_secret_0123456789';
    const url = await listen(createAuthorizationHmacReceiver({ secret, appKey: '6abc1d2e' }));

    const withKey = await post(url, BODY, hooklineHeaders({ scheme: 'authorization', secrets: [secret], appKey: '6abc1d2e' }));
    const otherKey = await post(url, BODY, hooklineHeaders({ scheme: 'authorization', secrets: [secret], appKey: '6abc1d2f' }));

    expect([withKey.status, otherKey.status]).toEqual([200, 401]);
  });
});

describe('examples/receivers/basic-bearer', () => {
  it('accepts the basic credentials Hookline sends, rejects wrong ones', async () => {
    const url = await listen(createCredentialsReceiver({ credentials: { basic: { username: 'hookline', password: 'pä:ss' } } }));

    const ok = await post(url, BODY, authHeaders({ type: 'basic', username: 'hookline', password: 'pä:ss' }));
    const wrong = await fetch(url, { method: 'POST', body: BODY, headers: authHeaders({ type: 'basic', username: 'hookline', password: 'nope' }) });

    expect(ok.status).toBe(200);
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toBe('Basic realm="webhooks"');
  });

  it('accepts the bearer token Hookline sends, rejects another or none', async () => {
    const url = await listen(createCredentialsReceiver({ credentials: { bearer: 's3cr3t-token' } }));

    expect((await post(url, BODY, authHeaders({ type: 'bearer', token: 's3cr3t-token' }))).status).toBe(200);
    expect((await post(url, BODY, authHeaders({ type: 'bearer', token: 's3cr3t-tokex' }))).status).toBe(401);
    expect((await post(url, BODY, {})).status).toBe(401);
  });
});

describe('the examples run standalone, as the subscriber docs say', () => {
  it('portFrom reads --port N, a bare N, then PORT, default 4000; refuses a non-port', () => {
    expect(portFrom(['--port', '4100'], { PORT: '9' })).toBe(4100);
    expect(portFrom(['0'], { PORT: '9' })).toBe(0);
    expect(portFrom([], { PORT: '4200' })).toBe(4200);
    expect(portFrom([], {})).toBe(4000);
    expect(() => portFrom(['--port', 'http'], {})).toThrow('not a port: http');
  });

  it('each example listens on loopback, verifies a signed request, logs it, refuses a forged one, and exits 0 on SIGTERM', async () => {
    const secret = generateSecret();
    const started = await Promise.all([
      startExample('standard-webhooks.ts', { WEBHOOK_SECRET: secret }),
      startExample('hmac-sha256.ts', { WEBHOOK_SECRET: secret, HMAC_HEADER: 'X-Shop-Hmac-SHA256' }),
      startExample('authorization-hmac.ts', { WEBHOOK_SECRET: secret }),
      startExample('basic-bearer.ts', { BEARER_TOKEN: 'tok-1' }),
    ]);
    const [standard, shopify, tiktok, bearer] = started;
    try {
      const signed = {
        standard: hooklineHeaders({ scheme: 'standard-webhooks', secrets: [secret] }),
        shopify: hooklineHeaders({ scheme: 'hmac-sha256', secrets: [secret], headerName: 'X-Shop-Hmac-SHA256' }),
        tiktok: hooklineHeaders({ scheme: 'authorization', secrets: [secret] }),
        bearer: { ...hooklineHeaders({ scheme: 'none', secrets: [] }), ...authHeaders({ type: 'bearer', token: 'tok-1' }) },
      };

      const ok = await Promise.all([
        post(standard!.url, BODY, signed.standard),
        post(shopify!.url, BODY, signed.shopify),
        post(tiktok!.url, BODY, signed.tiktok),
        post(bearer!.url, BODY, signed.bearer),
      ]);
      const forged = await Promise.all([
        post(standard!.url, TAMPERED, signed.standard),
        post(shopify!.url, TAMPERED, signed.shopify),
        post(tiktok!.url, TAMPERED, signed.tiktok),
        post(bearer!.url, BODY, authHeaders({ type: 'bearer', token: 'tok-2' })),
      ]);

      expect(started.map((p) => p.url)).toEqual(started.map(() => expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/$/)));
      expect(ok.map((r) => r.status)).toEqual([204, 200, 200, 200]);
      expect(forged.map((r) => r.status)).toEqual([401, 401, 401, 401]);
      for (const p of started) expect(p.lines()).toEqual([`msg_2xYk3example order.created ${BODY}`]);
    } finally {
      const exits = await Promise.all(started.map((p) => p.stop()));
      expect(exits).toEqual(started.map(() => ({ code: 0, signal: null })));
    }
  });

  it('basic-bearer refuses to start without credentials (exit 2) rather than accept empty ones', async () => {
    await expect(startExample('basic-bearer.ts', {})).rejects.toThrow(/exited \(2\) before listening: set BASIC_USER/);
  });
});

describe('docs/subscribers.md', () => {
  it("the check-signature block prints exactly the signatures Hookline's signer sends", async () => {
    // Prepare: the block as published, and a body with non-ASCII and shell-special characters
    const doc = await readFile(new URL('../../../docs/subscribers.md', import.meta.url), 'utf8');
    const block = /```sh\n(# check-signature\.sh[\s\S]*?)```/.exec(doc)?.[1];
    expect(block).toBeDefined();
    const secret = generateSecret();
    const body = `{"note":"zoë's \\"$HOME\\" & \`x\`","n":1}`;
    const input = { secrets: [secret], messageId: 'msg_doc1', timestamp: 1_700_000_000, body };

    // Act
    const { stdout } = await promisify(execFile)('bash', ['-c', block!], {
      env: { PATH: process.env.PATH ?? '', SECRET: secret, WEBHOOK_ID: 'msg_doc1', WEBHOOK_TIMESTAMP: '1700000000', BODY: body, APP_KEY: 'app_7' },
    });

    // Assess
    expect(stdout).toBe(
      [
        `standard-webhooks: ${signatureHeaders({ scheme: 'standard-webhooks', ...input })['webhook-signature']}`,
        `hmac-sha256:       ${signatureHeaders({ scheme: 'hmac-sha256', ...input })['X-Hookline-Hmac-SHA256']}`,
        `authorization:     ${signatureHeaders({ scheme: 'authorization', appKey: 'app_7', ...input }).Authorization}`,
        '',
      ].join('\n'),
    );
  });
});
