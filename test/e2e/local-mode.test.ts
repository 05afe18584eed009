/**
 * Local mode itself (issue 5), black box: the ready line and how-to, the default loopback bind,
 * http:// subscriber URLs on loopback only, `npm run demo`, and a persistent instance that is
 * stopped with Ctrl-C (SIGINT), leaves no process behind, and on restart still has its
 * subscriptions, deliveries and pending retries (one persisted as a schedule, one that was only
 * on the in-memory queue).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive, PROJECT_ROOT, processTree, type StopResult } from '../../local/local-process.js';
import { READY_PREFIX } from '../../local/how-to.js';
import { eventually, startLocal, type LocalInstance, type Receiver, type ReceiverHandler } from './harness.js';
import { outputUntilExit, type ChildOutput } from './support/child-output.js';
import { receiverSet } from './support/receivers.js';

let local: LocalInstance;
const receivers = receiverSet();

beforeAll(async () => {
  local = await startLocal();
});

afterAll(async () => {
  await receivers.close();
  if (local !== undefined) {
    const stopped = await local.stop();
    expect(stopped.code).toBe(0);
  }
});

const receiver = (handler?: ReceiverHandler): Promise<Receiver> => receivers.start(handler);

/** Fails the first request, accepts every later one. */
const failsOnce = (): ReceiverHandler => {
  let calls = 0;
  return () => (calls++ === 0 ? { status: 503, body: 'down' } : { status: 200, body: 'ok' });
};

/** Local addresses of the listening TCP sockets on `port`, from /proc (no connection made). */
function listeners(port: number): string[] {
  const found: string[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (local === undefined || state !== '0A') continue; // 0A = LISTEN
      const [hexAddress, hexPort] = local.split(':');
      if (parseInt(hexPort ?? '', 16) === port) found.push(hexAddress ?? '');
    }
  }
  return found;
}

/** The output once the how-to (a second write, right after the ready line) is in. */
const howToPrinted = (instance: LocalInstance) =>
  eventually(async () => instance.output(), (out) => out.includes('Ctrl-C stops everything.'), 5_000, 'the how-to');

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

describe('npm start (shared engines, in memory)', () => {
  it('prints exactly one ready line with the URL it serves, then a how-to with curl examples', async () => {
    const lines = (await howToPrinted(local)).split('\n');
    const ready = lines.filter((l) => l.startsWith(READY_PREFIX));
    expect(ready).toEqual([`${READY_PREFIX}${local.baseUrl}`]);
    const howTo = lines.slice(lines.indexOf(ready[0]!) + 1).join('\n');
    expect(howTo).toMatch(/^Started in \d+\.\d s · data: in memory/);
    expect(howTo).toContain(`curl -s -X POST ${local.baseUrl}/v1/subscriptions`);
    expect(howTo).toContain(`curl -s -X POST ${local.baseUrl}/v1/events`);
    expect(howTo).toContain('Ctrl-C stops everything.');
    // The URL it printed is the one that answers.
    expect((await local.api('GET', '/v1/subscriptions?limit=1')).status).toBe(200);
  });

  it('binds to 127.0.0.1 by default, and only there', () => {
    const url = new URL(local.baseUrl);
    expect(url.hostname).toBe('127.0.0.1');
    // 0100007F is 127.0.0.1 in /proc's little-endian hex; a wildcard bind would be 00000000 or ::.
    expect(listeners(Number(url.port))).toEqual(['0100007F']);
  });

  it('accepts http:// subscriber URLs on loopback only; any other http URL is a 400 naming `url`', async () => {
    const r = await receiver();
    for (const url of [`http://127.0.0.1:${r.port}/a`, `http://localhost:${r.port}/b`, `http://[::1]:${r.port}/c`, `http://127.0.0.2:${r.port}/d`]) {
      const res = await local.api('POST', '/v1/subscriptions', { url, eventTypes: ['local.never'] });
      expect(res.status, `${url}: ${JSON.stringify(res.body)}`).toBe(201);
    }
    for (const url of ['http://example.com/hooks', 'http://hooks.example.com:8080/x', 'http://10.0.0.1/hooks', 'http://192.168.1.10:3000/x', 'http://169.254.169.254/latest']) {
      const res = await local.api('POST', '/v1/subscriptions', { url, eventTypes: ['local.never'] });
      expect(res.status, url).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(['url']);
    }
  });

  it('delivers a signed request to a loopback http receiver; the attempt is visible through the API', async () => {
    const r = await receiver();
    const sub = await local.api('POST', '/v1/subscriptions', { url: `http://127.0.0.1:${r.port}/hooks`, eventTypes: ['local.hello'], tenant: 'shop_lm' });
    expect(sub.status).toBe(201);
    const posted = await local.api('POST', '/v1/events', { type: 'local.hello', tenant: 'shop_lm', payload: { hello: 'world' } });
    expect(posted.status).toBe(202);

    const [request] = await r.waitFor(1);
    expect(request!.url).toBe('/hooks');
    // Throws unless the signature verifies with the subscription's secret; returns the parsed body.
    expect(new Webhook(sub.body.secret).verify(request!.body, request!.headers)).toEqual({ hello: 'world' });
    expect(request!.headers['webhook-id']).toBe(posted.body.messageId);

    const message = await local.api('GET', `/v1/messages/${posted.body.messageId}`);
    const delivery = await eventually(
      () => local.api('GET', `/v1/deliveries/${message.body.deliveries[0].id}`),
      (res) => res.body.status === 'succeeded',
    );
    expect(delivery.body.attempts).toEqual([
      expect.objectContaining({ attempt: 1, trigger: 'event', outcome: 'success', statusCode: 200, urlHost: `127.0.0.1:${r.port}` }),
    ]);
  });

  it('npm run demo works against it: a verifying receiver gets a valid signature, and the attempt log shows success', async () => {
    const { code, stdout, stderr } = await runDemo({ HOOKLINE_URL: local.baseUrl });
    expect(code, stderr).toBe(0);
    expect(stdout).toContain(`Hookline: ${local.baseUrl}`);
    expect(stdout).toContain('signature VALID (standardwebhooks)');
    expect(stdout).toMatch(/Attempt log of dlv_\S+ \(status succeeded\):\n {2}\{.*"outcome":"success"/);
  });
});

/** Runs `local/demo.ts` as `npm run demo` does (tsx), with `env` added. */
function runDemo(env: Record<string, string>): Promise<ChildOutput> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'local/demo.ts'], { cwd: PROJECT_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  return outputUntilExit(child, 60_000);
}

describe('npm start --data-dir (its own engines)', () => {
  let dataDir: string;
  /** Every instance started here, stopped again in afterAll should an assertion fail first (stop is idempotent). */
  const started: LocalInstance[] = [];
  const start = async (timeScale: number) => {
    const instance = await startLocal({ dataDir, timeScale });
    started.push(instance);
    return instance;
  };
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'hookline-e2e-data-'));
  });
  afterAll(async () => {
    for (const instance of started) await instance.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('Ctrl-C stops the whole tree (Java included); a restart keeps subscriptions, attempts and pending retries', { timeout: 180_000 }, async () => {
    // Time scale 100: the 15-minute SQS limit becomes 9 s. 600 s → 6 s rides on the (in-memory)
    // queue; 1200 s → 12 s is a schedule persisted in DynamoDB.
    const timeScale = 100;
    const first = await start(timeScale);
    expect(await howToPrinted(first)).toContain(`data: ${dataDir}`);
    const tree = processTree(first.pid);
    const java = tree.filter((pid) => /DynamoDBLocal/.test(commandLine(pid)));
    expect(java, `process tree: ${tree.map((p) => `${p} ${commandLine(p)}`).join('\n')}`).toHaveLength(1);

    const queued = await receiver(failsOnce());
    const scheduled = await receiver(failsOnce());
    const subscriptions = [];
    for (const [r, delay, type] of [[queued, 600, 'persist.queued'], [scheduled, 1200, 'persist.scheduled']] as const) {
      const res = await first.api('POST', '/v1/subscriptions', { url: `${r.url}/p`, eventTypes: [type], retryPolicy: { type: 'fixed', delays: [delay] } });
      expect(res.status).toBe(201);
      subscriptions.push(res.body.id as string);
    }
    const messages: string[] = [];
    for (const type of ['persist.queued', 'persist.scheduled']) {
      const res = await first.api('POST', '/v1/events', { type, payload: { type } });
      expect(res.status).toBe(202);
      messages.push(res.body.messageId);
    }
    const deliveryOf = async (instance: LocalInstance, messageId: string) => {
      const m = await instance.api('GET', `/v1/messages/${messageId}`);
      return (await instance.api('GET', `/v1/deliveries/${m.body.deliveries[0].id}`)).body;
    };
    const waiting = await Promise.all(
      messages.map((m) => eventually(() => deliveryOf(first, m), (d) => d.attemptCount === 1 && d.nextAttemptAt !== undefined, 20_000, 'first attempt')),
    );
    const due = waiting.map((d) => Date.parse(d.nextAttemptAt));

    // Ctrl-C: local mode stops every part, engines last, and exits 0.
    process.kill(first.pid, 'SIGINT');
    await eventually(async () => tree.filter(isAlive), (alive) => alive.length === 0, 30_000, 'the process tree to exit');
    expect((await first.stop()).code).toBe(0);
    expect(first.output()).toContain('SIGINT: stopping Hookline local');

    // The queued retry comes due while nothing runs (its task died with the in-memory queue).
    const stillAhead = due[0]! - Date.now();
    if (stillAhead > 0) await sleep(stillAhead + 50);

    const second = await start(timeScale);
    const readyAt = Date.now();
    const secondTree = processTree(second.pid);
    let stopped: StopResult | undefined;
    try {
      expect(secondTree.filter((pid) => /DynamoDBLocal/.test(commandLine(pid)))).toHaveLength(1);
      // The retry that was only on the queue is recovered; the scheduled one fires from DynamoDB.
      await eventually(async () => second.output(), (out) => out.includes('Recovered 1 pending deliveries.'), 5_000, 'the recovery line');
      for (const id of subscriptions) expect((await second.api('GET', `/v1/subscriptions/${id}`)).status).toBe(200);

      const [, queuedRetry] = await queued.waitFor(2, 30_000);
      const [, scheduledRetry] = await scheduled.waitFor(2, 40_000);
      expect(queuedRetry!.at).toBeGreaterThanOrEqual(due[0]!);
      expect(queuedRetry!.at - readyAt, 'a retry that came due while stopped goes out promptly').toBeLessThan(5_000);
      expect(scheduledRetry!.at).toBeGreaterThanOrEqual(due[1]!);
      expect([queuedRetry, scheduledRetry].map((q) => q!.headers['x-hookline-attempt'])).toEqual(['2', '2']);

      for (const messageId of messages) {
        const d = await eventually(() => deliveryOf(second, messageId), (x) => x.status === 'succeeded', 20_000, 'retry recorded');
        expect(d.attempts.map((a: { attempt: number; outcome: string }) => [a.attempt, a.outcome])).toEqual([
          [1, '5xx'],
          [2, 'success'],
        ]);
      }
      expect(queued.requests).toHaveLength(2);
      expect(scheduled.requests).toHaveLength(2);
    } finally {
      // SIGTERM this time; stop() proves every process of the tree is gone (and throws if not).
      stopped = await second.stop();
    }
    expect(stopped?.code).toBe(0);
    expect(secondTree.filter(isAlive)).toEqual([]);
  });
});
