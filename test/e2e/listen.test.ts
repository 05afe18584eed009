/**
 * Issue 22: `hookline listen` against local mode. For each signing scheme a subscription points
 * at a listener given its secret; local mode delivers; the listener verifies the signature with
 * core's signing code and prints one line; the delivery succeeds. A wrong secret is reported
 * invalid, `--status` is the answer, `--verbose` prints the body. The CLI runs in-process
 * (runCli, a real HTTP server on loopback) and once as the `hookline` process.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../cli/main.js';
import { findFreePort } from '../../local/engines.js';
import { PROJECT_ROOT } from '../../local/local-process.js';
import { captureIo, type CapturedIo } from '../unit/cli/io.js';
import { eventually, startLocal, type LocalInstance } from './harness.js';

let local: LocalInstance;
const stops: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  local = await startLocal();
});

afterAll(async () => {
  for (const stop of stops) await stop();
  if (local !== undefined) await local.stop();
});

interface Listener {
  io: CapturedIo;
  port: number;
  exit: Promise<number>;
}

/** `hookline listen --port P ARGS…` in-process; stopped (Ctrl-C) in afterAll. */
async function listen(args: string[]): Promise<Listener> {
  const port = await findFreePort();
  const controller = new AbortController();
  const io = captureIo({ signal: controller.signal });
  const exit = runCli(['listen', '--port', String(port), ...args], io);
  stops.push(async () => {
    controller.abort();
    return exit;
  });
  await eventually(async () => io.out(), (o) => o.includes('Listening on'), 10_000, 'the listening line');
  return { io, port, exit };
}

async function subscribe(port: number, eventType: string, extra: Record<string, unknown> = {}): Promise<{ id: string; secret: string }> {
  const res = await local.api('POST', '/v1/subscriptions', { url: `http://127.0.0.1:${port}/hooks`, eventTypes: [eventType], ...extra });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

/** Posts one event and waits for its (single) delivery to settle. */
async function deliver(eventType: string): Promise<{ status: string; attempts: Array<{ statusCode?: number }> }> {
  const posted = await local.api('POST', '/v1/events', { type: eventType, payload: { hello: eventType } });
  expect(posted.status).toBe(202);
  const message = await eventually(() => local.api('GET', `/v1/messages/${posted.body.messageId}`), (m) => m.body.deliveries?.[0]?.attemptCount >= 1, 20_000, 'an attempt');
  return (await local.api('GET', `/v1/deliveries/${message.body.deliveries[0].id}`)).body;
}

describe('hookline listen verifies every signing scheme', () => {
  const schemes: Array<[string, Record<string, unknown> | undefined, string]> = [
    ['standard-webhooks', undefined, 'signature valid (standard-webhooks)'],
    ['hmac-sha256', { scheme: 'hmac-sha256', header: 'X-Shop-Hmac-SHA256' }, 'signature valid (hmac-sha256)'],
    ['authorization', { scheme: 'authorization', appKey: 'app_123' }, 'signature valid (authorization)'],
    ['none', { scheme: 'none' }, 'unsigned'],
  ];
  for (const [name, signing, verdict] of schemes) {
    it(`${name}: one line with the verdict, answered 200, the delivery succeeded`, async () => {
      const port = await findFreePort();
      const type = `listen.${name}`;
      const sub = await subscribe(port, type, signing === undefined ? {} : { signing });
      const controller = new AbortController();
      const io = captureIo({ signal: controller.signal });
      const appKey = (signing?.appKey as string | undefined) === undefined ? [] : ['--app-key', String(signing!.appKey)];
      const exit = runCli(['listen', '--port', String(port), '--secret', sub.secret, ...appKey], io);
      stops.push(async () => {
        controller.abort();
        return exit;
      });
      await eventually(async () => io.out(), (o) => o.includes('Listening on'), 10_000, 'the listening line');
      const delivery = await deliver(type);
      expect(delivery.status).toBe('succeeded');
      const lines = io.out().split('\n').filter((l) => l.includes(' POST /hooks '));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^\\d\\d:\\d\\d:\\d\\d POST /hooks ${type.replace('.', '\\.')} #1 msg_\\S+ → 200 · ${verdict.replace(/[()]/g, '\\$&')}$`));
      controller.abort();
      expect(await exit).toBe(0);
    });
  }

  it('a wrong secret is reported INVALID; --status is the answer; --verbose prints the body', async () => {
    const other = await listen(['--secret', `whsec_${Buffer.alloc(32, 7).toString('base64')}`, '--status', '503', '--verbose']);
    await subscribe(other.port, 'listen.wrong');
    const delivery = await deliver('listen.wrong');
    expect(delivery.status).not.toBe('succeeded');
    expect(delivery.attempts[0]?.statusCode).toBe(503);
    expect(other.io.out()).toMatch(/POST \/hooks listen\.wrong #1 msg_\S+ → 503 · signature INVALID \(standard-webhooks, webhook-signature\): not signed with this secret\n {4}\{"hello":"listen\.wrong"\}\n/);
  });

  it('without --secret it says the signature was not checked, and how to check it', async () => {
    const plain = await listen([]);
    expect(plain.io.out()).toContain('signatures not checked: pass --secret whsec_… to verify them');
    await subscribe(plain.port, 'listen.plain');
    expect((await deliver('listen.plain')).status).toBe('succeeded');
    expect(plain.io.out()).toContain('→ 200 · signed (standard-webhooks), not checked: pass --secret whsec_…');
  });

  it('bad options exit 2 before listening', async () => {
    for (const args of [['--port', '70000'], ['--status', '42'], ['--status', 'ok']]) {
      const io = captureIo();
      expect(await runCli(['listen', ...args], io), args.join(' ')).toBe(2);
      expect(io.out()).not.toContain('Listening on');
      expect(io.err()).toMatch(/--(port|status) expects an integer/);
    }
  });

  it('as a process: `hookline listen` serves until SIGINT, then exits 0', async () => {
    const port = await findFreePort();
    const child = spawn(process.execPath, ['cli/bin.js', 'listen', '--port', String(port)], { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    stops.push(async () => child.kill('SIGKILL'));
    await eventually(async () => out, (o) => o.includes(`Listening on http://127.0.0.1:${port}`), 20_000, 'the listening line');
    const res = await fetch(`http://127.0.0.1:${port}/x`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(200);
    await eventually(async () => out, (o) => o.includes('POST /x → 200 · unsigned'), 5_000, 'the request line');
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  });
});
