/**
 * `npm run demo`: one webhook, end to end. Starts a loopback receiver that verifies
 * `standardwebhooks` signatures, creates a subscription pointing at it, posts an event, and
 * prints what the receiver got and the delivery's attempt log.
 *
 * Target: `HOOKLINE_URL` if set, else a running `npm start` on http://127.0.0.1:3000; if nothing
 * answers there, the demo starts local mode itself (in memory, any free port) and stops it after.
 * It deletes the subscription it created, and only prints hints that work once it has ended.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { spawnLocal, type LocalProcess } from './local-process.js';

const DEFAULT_URL = 'http://127.0.0.1:3000';

/** A refused connection fails at once; the timeout only bounds a server that accepts but hangs. */
async function reachable(url: string, timeoutMs: number): Promise<boolean> {
  try {
    await fetch(`${url}/v1/subscriptions?limit=1`, { signal: AbortSignal.timeout(timeoutMs) });
    return true;
  } catch {
    return false;
  }
}

async function api<T>(base: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${base}${path}`, {
    method,
    ...(body !== undefined && { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const json = (await res.json()) as T;
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(json)}`);
  return json;
}

async function removeSubscription(base: string, id: string): Promise<void> {
  const res = await fetch(`${base}/v1/subscriptions/${id}`, { method: 'DELETE' }).catch((error: unknown) => error as Error);
  if (res instanceof Error || !res.ok) {
    console.error(`could not delete the demo's subscription ${id} (${res instanceof Error ? res.message : `HTTP ${res.status}`}): delete it with curl -s -X DELETE ${base}/v1/subscriptions/${id}`);
    return;
  }
  console.log(`Deleted the demo's subscription ${id}: nothing is left behind.`);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

interface DemoReceiver {
  port: number;
  /** Resolves on the first request. */
  gotOne: Promise<void>;
  verifyWith(secret: string): void;
  close(): void;
}

/** A loopback receiver that prints each request and checks its `standardwebhooks` signature. */
async function startVerifyingReceiver(): Promise<DemoReceiver> {
  let verifier: Webhook | undefined;
  let received!: () => void;
  const gotOne = new Promise<void>((r) => (received = r));
  const receiver = createServer(async (req, res) => {
    const body = await readBody(req);
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
    let verdict: string;
    try {
      verifier?.verify(body, headers);
      verdict = 'signature VALID (standardwebhooks)';
    } catch (error) {
      verdict = `signature INVALID: ${error instanceof Error ? error.message : String(error)}`;
    }
    console.log(`\nReceiver got ${req.method} ${req.url}`);
    for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature', 'x-hookline-event-type', 'x-hookline-attempt', 'user-agent']) {
      console.log(`  ${name}: ${headers[name] ?? '(absent)'}`);
    }
    console.log(`  body: ${body}`);
    console.log(`  ${verdict}`);
    res.writeHead(200, { 'content-type': 'text/plain' }).end('thanks');
    received();
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  return {
    port: (receiver.address() as AddressInfo).port,
    gotOne,
    verifyWith: (secret) => (verifier = new Webhook(secret)),
    close: () => {
      receiver.close();
      receiver.closeAllConnections();
    },
  };
}

async function main(): Promise<void> {
  let base = process.env.HOOKLINE_URL ?? DEFAULT_URL;
  let local: LocalProcess | undefined;
  // An explicit HOOKLINE_URL is worth waiting for (a busy machine); the default is only probed.
  if (!(await reachable(base, process.env.HOOKLINE_URL !== undefined ? 15_000 : 1500))) {
    if (process.env.HOOKLINE_URL !== undefined) throw new Error(`nothing answers at HOOKLINE_URL=${base}`);
    console.log(`No Hookline at ${base}; starting local mode (in memory) for the demo…`);
    local = await spawnLocal({ args: ['--memory', '--port', '0'], env: { POWERTOOLS_LOG_LEVEL: 'WARN' } });
    base = local.baseUrl;
  }
  console.log(`Hookline: ${base}`);

  const receiver = await startVerifyingReceiver();
  const { port } = receiver;

  let subscriptionId: string | undefined;
  try {
    const sub = await api<{ id: string; secret: string }>(base, 'POST', '/v1/subscriptions', {
      url: `http://127.0.0.1:${port}/hooks`,
      eventTypes: ['demo.hello'],
      tenant: 'demo',
      description: 'npm run demo',
    });
    subscriptionId = sub.id;
    receiver.verifyWith(sub.secret);
    console.log(`\nCreated subscription ${sub.id} → http://127.0.0.1:${port}/hooks`);

    const event = await api<{ messageId: string; routing: string; deliveryCount: number }>(base, 'POST', '/v1/events', {
      type: 'demo.hello',
      tenant: 'demo',
      payload: { greeting: 'hello from Hookline', at: new Date().toISOString() },
    });
    console.log(`Posted event ${event.messageId} (routing ${event.routing}, ${event.deliveryCount} delivery)`);

    await Promise.race([receiver.gotOne, new Promise((_, reject) => setTimeout(() => reject(new Error('no delivery within 20 s')), 20_000))]);

    const message = await api<{ deliveries: { id: string }[] }>(base, 'GET', `/v1/messages/${event.messageId}`);
    const deliveryId = message.deliveries[0]?.id;
    if (deliveryId === undefined) throw new Error('the message has no delivery');
    // The worker records the attempt right after the response; poll briefly for it.
    let delivery: { status: string; attempts: Record<string, unknown>[] } | undefined;
    for (let i = 0; i < 50; i++) {
      delivery = await api(base, 'GET', `/v1/deliveries/${deliveryId}`);
      if (delivery !== undefined && delivery.attempts.length > 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    console.log(`\nAttempt log of ${deliveryId} (status ${delivery?.status}):`);
    for (const a of delivery?.attempts ?? []) console.log(`  ${JSON.stringify(a)}`);
    console.log(
      local === undefined
        ? `\nSee it yourself: curl -s ${base}/v1/deliveries/${deliveryId}`
        : '\nThe demo ran on its own Hookline (in memory), stopped now. To look around afterwards, start one with `npm start` and run `npm run demo` again.',
    );
  } finally {
    // Leave nothing behind: the subscription would point at this receiver's port once it is gone.
    if (subscriptionId !== undefined) await removeSubscription(base, subscriptionId);
    receiver.close();
    await local?.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
