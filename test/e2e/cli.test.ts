/**
 * The operator path with the `hookline` CLI against local mode, black box: the CLI talks to the
 * local front door over loopback, local mode delivers to the example receivers of
 * docs/subscribers.md, which verify every request (signature or credentials).
 */
import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../cli/main.js';
import type { ReceivedWebhook } from '../../examples/receivers/common.js';
import { createStandardWebhooksReceiver } from '../../examples/receivers/standard-webhooks.js';
import { startExample } from '../unit/cli/example-process.js';
import { useTempDir } from '../support/temp-dir.js';
import { captureIo } from '../unit/cli/io.js';
import { eventually, startLocal, type LocalInstance } from './harness.js';

let local: LocalInstance;
let receiver: Server;
let receiverUrl: string;
/** Every request that reached the receiver, verified or not, with the status it got. */
const arrivals: Array<{ id: string | undefined; status: number }> = [];
/** Verified webhooks handed to the application (retries of a handled message are not). */
const handled: ReceivedWebhook[] = [];
/** The verifying receiver, created once the subscription's secret is known. */
let verifier: Server | undefined;

beforeAll(async () => {
  local = await startLocal();
  // The outer server owns the port (the subscription needs the URL before the secret exists)
  // and hands each request to the verifying example receiver.
  receiver = createServer((req, res) => {
    res.on('finish', () => arrivals.push({ id: req.headers['webhook-id'] as string | undefined, status: res.statusCode }));
    if (!verifier) {
      res.writeHead(503).end();
      return;
    }
    verifier.emit('request', req, res);
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
});

afterAll(async () => {
  await new Promise<void>((r) => {
    receiver?.close(() => r());
    receiver?.closeAllConnections();
  });
  if (local) {
    const stopped = await local.stop();
    expect(stopped).toBeDefined();
  }
});

async function hookline(args: string[], options: { stdin?: string; signal?: AbortSignal } = {}) {
  const io = captureIo({ env: { HOOKLINE_ENDPOINT: local.baseUrl }, ...options });
  const code = await runCli(args, io);
  return { code, out: io.out(), err: io.err() };
}

async function hooklineJson<T = any>(args: string[]): Promise<T> {
  const res = await hookline(['--json', ...args]);
  expect(res.err).toBe('');
  expect(res.code).toBe(0);
  return JSON.parse(res.out) as T;
}

describe('hookline CLI against local mode', () => {
  let subId: string;
  let secret: string;
  let messageId: string;
  let deliveryId: string;

  it('creates a subscription and shows its secret once; reads it back masked', async () => {
    const created = await hooklineJson([
      'subscriptions', 'create', '--url', receiverUrl, '--event-types', 'order.created,order.updated',
      '--tenant', 'shop_cli', '--description', 'cli e2e', '--metadata', 'owner=ops', '--header', 'X-Team=payments',
    ]);
    subId = created.id;
    secret = created.secret;
    expect(subId).toMatch(/^sub_/);
    expect(secret).toMatch(/^whsec_/);
    expect(created).toMatchObject({ status: 'active', tenant: 'shop_cli', eventTypes: ['order.created', 'order.updated'], customHeaders: { 'X-Team': '****' } });
    verifier = createStandardWebhooksReceiver({ secret, onWebhook: (w) => void handled.push(w) });

    const shown = await hookline(['subscriptions', 'get', subId]);
    expect(shown.code).toBe(0);
    expect(shown.out).toContain(`ID:               ${subId}\n`);
    expect(shown.out).not.toContain(secret);
    expect(shown.out).toMatch(/Custom headers:.*X-Team.*\*\*\*\*/);
    expect(shown.out).not.toContain('payments');
    expect((await hooklineJson(['subscriptions', 'secret', subId])).secret).toBe(secret);

    const listed = await hookline(['subscriptions', 'list', '--tenant', 'shop_cli']);
    expect(listed.out.split('\n')[0]).toMatch(/^ID\s+STATUS\s+TENANT\s+EVENT TYPES\s+URL\s+PRESET\s+CREATED$/);
    expect(listed.out).toContain(subId);
  });

  it('refuses an invalid subscription with the problem detail and field errors (exit 1)', async () => {
    const res = await hookline(['subscriptions', 'create', '--url', 'ftp://hooks.example.com/', '--event-types', 'x']);
    expect(res.code).toBe(1);
    expect(res.out).toBe('');
    expect(res.err).toMatch(/^.+\n {2}url: .+\n/);
  });

  it('sends an event from stdin; the example receiver verifies and handles it', async () => {
    const sent = await hookline(
      ['--json', 'events', 'send', '--type', 'order.created', '--tenant', 'shop_cli', '--payload', '-', '--idempotency-key', 'cli-e2e-1'],
      { stdin: '{"order":1,"total":"9.99"}' },
    );
    expect(sent.code).toBe(0);
    const accepted = JSON.parse(sent.out);
    expect(accepted).toMatchObject({ routing: 'tenant', deliveryCount: 1 });
    messageId = accepted.messageId;

    const shown = await hookline(['events', 'get', messageId]);
    expect(shown.code).toBe(0);
    expect(shown.out).toMatch(new RegExp(`^Message:\\s+${messageId}\nType:\\s+order\\.created\nTenant:\\s+shop_cli\n`));
    expect(shown.out).toMatch(new RegExp(`^dlv_\\S+\\s+${subId}\\s+(pending|succeeded)\\s`, 'm'));

    // The same idempotency key returns the original message, and the CLI says it is a duplicate.
    const again = await hookline(['--json', 'events', 'send', '--type', 'order.created', '--tenant', 'shop_cli', '--payload', '{"order":1}', '--idempotency-key', 'cli-e2e-1']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.out).messageId).toBe(messageId);
    expect(again.err).toBe('duplicate: this Idempotency-Key was used before; the API answered with the original message and sent nothing new\n');
    const human = await hookline(['events', 'send', '--type', 'order.created', '--tenant', 'shop_cli', '--payload', '{"order":1}', '--idempotency-key', 'cli-e2e-1']);
    expect(human.out).toMatch(new RegExp(`^Message:\\s+${messageId}\n[\\s\\S]*^Duplicate:\\s+yes: `, 'm'));

    await eventually(async () => handled.length, (n) => n >= 1, 20_000, 'the receiver to handle the event');
    expect(handled[0]).toMatchObject({ id: messageId, eventType: 'order.created' });
    expect(JSON.parse(handled[0]!.body)).toEqual({ order: 1, total: '9.99' });
  });

  it('lists the delivery and shows its attempt', async () => {
    const page = await eventually(
      () => hooklineJson(['deliveries', 'list', '--subscription', subId]),
      (p) => p.items?.[0]?.status === 'succeeded',
      20_000,
      'the delivery to succeed',
    );
    expect(page.items).toHaveLength(1);
    deliveryId = page.items[0].id;
    expect(page.items[0]).toMatchObject({ messageId, subscriptionId: subId, eventType: 'order.created', attemptCount: 1 });

    const table = await hookline(['deliveries', 'list', '--subscription', subId, '--status', 'succeeded', '--since', '1h']);
    expect(table.code).toBe(0);
    expect(table.out).toMatch(new RegExp(`^${deliveryId}\\s+succeeded\\s+order\\.created\\s+shop_cli\\s+${subId}\\s+1\\s`, 'm'));

    const detail = await hookline(['deliveries', 'get', deliveryId]);
    expect(detail.code).toBe(0);
    expect(detail.out).toContain('Status:        succeeded\n');
    expect(detail.out).toMatch(/^1\s+\S+Z\s+\S+\s+204\s+success\b/m);
  });

  it('retries the delivery by hand: a second attempt, acknowledged by the receiver without handling it twice', async () => {
    const res = await hookline(['deliveries', 'retry', deliveryId]);
    expect(res.code).toBe(0);
    const delivery = await eventually(
      () => hooklineJson(['deliveries', 'get', deliveryId]),
      (d) => d.attempts?.length === 2 && d.status === 'succeeded',
      20_000,
      'the manual retry',
    );
    expect(delivery.attempts[1]).toMatchObject({ attempt: 2, outcome: 'success', statusCode: 204 });
    expect(handled).toHaveLength(1);
    expect(arrivals.filter((a) => a.id === messageId).map((a) => a.status)).toEqual([204, 204]);
  });

  it('replays the window and waits for the job', async () => {
    const job = await hooklineJson(['replay', subId, '--since', '1h', '--wait']);
    expect(job).toMatchObject({ subscriptionId: subId, status: 'done', onlyFailed: false });
    expect(job.enqueued).toBeGreaterThanOrEqual(1);
    await eventually(
      () => hooklineJson(['deliveries', 'get', deliveryId]),
      (d) => d.attempts?.length === 3,
      20_000,
      'the replayed attempt',
    );
    // Only failed deliveries: there are none.
    const onlyFailed = await hooklineJson(['replay', subId, '--since', '1h', '--only-failed', '--wait']);
    expect(onlyFailed).toMatchObject({ status: 'done', enqueued: 0 });
  });

  it('tail prints an attempt made while it runs', async () => {
    const controller = new AbortController();
    const io = captureIo({ env: { HOOKLINE_ENDPOINT: local.baseUrl }, signal: controller.signal });
    const tail = runCli(['tail', '--subscription', subId, '--interval', '0.2'], io);
    // Let the first poll take its baseline, so the new attempt is the only line.
    await eventually(async () => io.err(), (e) => e.includes('Following new attempts'), 5_000, 'tail to start');
    await new Promise((r) => setTimeout(r, 500));

    const sent = await hooklineJson(['events', 'send', '--type', 'order.updated', '--tenant', 'shop_cli', '--payload', '{"order":2}']);
    const out = await eventually(async () => io.out(), (o) => o.includes('order.updated'), 20_000, 'tail to print the attempt');
    controller.abort();
    expect(await tail).toBe(0);

    expect(out).toMatch(new RegExp(`Z  dlv_\\S+  ${subId}  order\\.updated  #1  204  success  \\S+\\n`));
    expect(out).not.toContain('order.created');
    expect(handled.map((w) => w.id)).toContain(sent.messageId);
  });

  it('tests, rotates, disables, enables and deletes the subscription', async () => {
    const tested = await hookline(['subscriptions', 'test', subId]);
    expect(tested.code).toBe(0);
    expect(tested.out).toMatch(/^Outcome:\s+success$/m);

    const rotated = await hooklineJson(['subscriptions', 'rotate-secret', subId, '--grace-seconds', '60']);
    expect(rotated.secret).not.toBe(secret);
    expect(Date.parse(rotated.previousSecretExpiresAt)).toBeGreaterThan(Date.now());

    expect((await hooklineJson(['subscriptions', 'disable', subId])).status).toBe('disabled');
    expect((await hooklineJson(['subscriptions', 'enable', subId])).status).toBe('active');
    expect(await hookline(['subscriptions', 'delete', subId])).toEqual({ code: 0, out: `Deleted ${subId}\n`, err: '' });
    const gone = await hookline(['subscriptions', 'get', subId]);
    expect(gone.code).toBe(1);
    expect(gone.err).toMatch(/^Not found: /);
  });
});

/**
 * docs/subscribers.md, run for real: each example receiver runs as its own process (as a
 * subscriber would start it), local mode delivers to it, and it must verify what arrives.
 * The subscription is created first (its secret is needed to start the receiver), then
 * pointed at the receiver with `subscriptions update --url`.
 */
describe('the example receivers verify what local mode delivers', () => {
  const dir = useTempDir('hookline-cli-e2e-');

  interface Case {
    name: string;
    example: string;
    flags: string[];
    env: (secret: string) => Record<string, string>;
    /** Flags that make the next request fail verification at the receiver. */
    breakIt: string[][];
  }
  /** A signing scheme: the receiver holds the secret; rotating it without grace breaks verification. */
  const signed = (name: string, example: string, flags: string[], env: Record<string, string> = {}): Case => ({
    name,
    example,
    flags,
    env: (secret) => ({ WEBHOOK_SECRET: secret, ...env }),
    breakIt: [['rotate-secret', '--grace-seconds', '0']],
  });
  const cases: Case[] = [
    signed('standard-webhooks (standardwebhooks package)', 'standard-webhooks.ts', ['--signing-scheme', 'standard-webhooks']),
    signed(
      'hmac-sha256, Shopify style, with the shopify preset',
      'hmac-sha256.ts',
      ['--signing-scheme', 'hmac-sha256', '--signing-header', 'X-Shop-Hmac-SHA256', '--preset', 'shopify'],
      { HMAC_HEADER: 'X-Shop-Hmac-SHA256' },
    ),
    signed('authorization (hex HMAC in Authorization, TikTok style)', 'authorization-hmac.ts', ['--signing-scheme', 'authorization']),
    {
      name: 'basic auth',
      example: 'basic-bearer.ts',
      flags: ['--signing-scheme', 'none', '--auth-type', 'basic', '--username', 'hookline', '--password', 'pä:ss w0rd'],
      env: () => ({ BASIC_USER: 'hookline', BASIC_PASSWORD: 'pä:ss w0rd' }),
      breakIt: [['update', '--auth-type', 'basic', '--username', 'hookline', '--password', 'wrong']],
    },
    {
      name: 'bearer token',
      example: 'basic-bearer.ts',
      flags: ['--signing-scheme', 'none', '--token', 't0k-e2e'],
      env: () => ({ BEARER_TOKEN: 't0k-e2e' }),
      breakIt: [['update', '--token', 't0k-wrong']],
    },
  ];

  it.each(cases.map((c, i) => ({ ...c, i })))('$name', async ({ example, flags, env, breakIt, i }) => {
    const tenant = `shop_rx${i}`;
    const created = await hooklineJson(['subscriptions', 'create', '--url', 'http://127.0.0.1:9/not-yet', '--event-types', 'order.paid', '--tenant', tenant, ...flags]);
    const receiverProcess = await startExample(example, env(created.secret));
    try {
      const pointed = await hookline(['subscriptions', 'update', created.id, '--url', `${receiverProcess.url}hooks`]);
      expect(pointed.code).toBe(0);
      expect(pointed.out).toContain(`URL:              ${receiverProcess.url}hooks\n`);

      const payloadFile = join(dir(), `payload-${i}.json`);
      await writeFile(payloadFile, JSON.stringify({ order: 100 + i, note: 'zoë & co' }));
      const sent = await hooklineJson(['events', 'send', '--type', 'order.paid', '--tenant', tenant, '--payload', `@${payloadFile}`]);
      expect(sent).toMatchObject({ routing: 'tenant', deliveryCount: 1 });

      // The receiver logs `<webhook-id> <type> <body>` only after verifying the request.
      const lines = await eventually(async () => receiverProcess.lines(), (l) => l.length >= 1, 20_000, `${example} to verify the delivery`);
      expect(lines).toEqual([`${sent.messageId} order.paid {"order":${100 + i},"note":"zoë & co"}`]);
      const page = await eventually(
        () => hooklineJson(['deliveries', 'list', '--subscription', created.id]),
        (p) => p.items?.[0]?.status === 'succeeded',
        20_000,
        'the delivery to be recorded as succeeded',
      );
      expect(page.items[0]).toMatchObject({ messageId: sent.messageId, attemptCount: 1, lastOutcome: 'success' });

      // The same receiver refuses once the credentials or secret no longer match: test exits 4.
      for (const args of breakIt) expect((await hookline(['subscriptions', args[0]!, created.id, ...args.slice(1)])).code).toBe(0);
      const refused = await hookline(['subscriptions', 'test', created.id]);
      expect(refused.code).toBe(4);
      expect(refused.out).toMatch(/^Outcome:\s+4xx\nStatus code:\s+401\n/);
      expect(refused.err).toMatch(/^error: the test delivery failed: 4xx \(HTTP 401\)/);
      expect(receiverProcess.lines()).toHaveLength(1);
    } finally {
      expect(await receiverProcess.stop()).toEqual({ code: 0, signal: null });
      expect((await hookline(['subscriptions', 'delete', created.id])).code).toBe(0);
    }
  });
});
