/**
 * engine-vs-raw: the worker's delivery path against raw undici, same bodies, same receiver, same
 * concurrency, same run.
 *
 * (a) engine: `processBatch` (parse task, load state, build request, sign, send with the real
 *     `createHttpSender`, classify, record the attempt and the delivery in memory) on batches of
 *     10 records, as the worker Lambda gets them from SQS, `ENGINE_LOOPS` batches in flight.
 * (b) raw: undici `request` POSTing the same JSON bodies, with as many requests in flight.
 * (c) sender: the worker's HTTP client alone (`createHttpSender`: URL policy, pinned keep-alive
 *     pool, deadline, capped body read) with as many requests in flight and no batches, so the
 *     gap between (a) and (b) splits into "the HTTP client" and "batches and bookkeeping".
 * (d) bookkeeping: (a) with a sender that answers 200 at once, no HTTP at all: what the engine's
 *     own work (parse, state, request building and signing, classify, record) costs per delivery.
 * The receiver runs on its own thread. Rounds rotate which side goes first, after a warm-up.
 *
 * Environment: BENCH_N (bodies per side, default 20000; 2000 with --quick), BENCH_CONCURRENCY (default 50).
 */
import { performance } from 'node:perf_hooks';
import { Agent, request } from 'undici';
import type { AttemptLogLine } from '../lambdas/core/attempt-log.js';
import { EndpointLoad } from '../lambdas/core/endpoint-load.js';
import { newMessageId, newSubscriptionId } from '../lambdas/core/ids.js';
import type { Message, Subscription } from '../lambdas/core/model.js';
import type { OutboundRequest, SendResult, WebhookSender } from '../lambdas/core/ports.js';
import { buildSubscription, parseCreateSubscription } from '../lambdas/core/subscription-build.js';
import { generateSecret } from '../lambdas/core/secrets.js';
import { processBatch, type DispatchDeps, type QueueRecord } from '../lambdas/core/services/dispatch.js';
import { fanOut, type IntakeLimits } from '../lambdas/core/services/intake.js';
import { createHttpSender } from '../lambdas/outbound/http-sender.js';
import { deliveryWorld, type DeliveryWorld } from './support/delivery-world.js';
import { onCleanup, progress, runBenchmark } from './support/output.js';
import { distribution, round } from './support/stats.js';
import { startThreadReceiver } from './support/thread-receiver.js';
import { envInt, isQuick } from './support/env.js';

/** SQS hands the worker at most 10 records per invocation (the stack's batch size). */
const BATCH_SIZE = 10;
const ROUNDS = 4;

const LIMITS: IntakeLimits = {
  maxPayloadBytes: 262_144,
  inlinePayloadBytes: 65_536,
  taskPayloadBytes: 8192,
  fanoutPageSize: 500,
  retentionDays: 30,
};

interface Side {
  /** Sends `count` bodies starting at `offset`; pushes one latency (ms) per request. */
  run(offset: number, count: number, latencies: number[]): Promise<void>;
}

function body(i: number): Record<string, unknown> {
  return {
    orderId: `ord_${i.toString().padStart(8, '0')}`,
    shopId: 'shop_123',
    status: 'paid',
    amount: { value: 4200 + (i % 100), currency: 'EUR' },
    items: [{ sku: 'SKU-1', qty: 1 }, { sku: 'SKU-2', qty: 2 }],
  };
}

/** The subscription as the API would store it: the standard preset, loopback http allowed as in local mode. */
function subscriptionFor(url: string): Subscription {
  const input = parseCreateSubscription({ url, eventTypes: ['order.paid'] }, { allowHttpLoopback: true, allowedPorts: [] });
  return buildSubscription(input, { id: newSubscriptionId(), now: Date.now(), secret: generateSecret() });
}

/** Answers every request 200 at once: the engine's own work without HTTP. */
const instantSender: WebhookSender = {
  send: async () => ({ kind: 'response', statusCode: 200, headers: {}, bodyExcerpt: '', durationMs: 0, remoteAddress: '127.0.0.1' }),
};

/** The engine side: deliveries created by the real fan-out, tasks as SQS would carry them. */
async function engineSide(url: string, total: number, loops: number, overHttp = true): Promise<{ side: Side; world: DeliveryWorld; log: AttemptLogLine[]; close(): Promise<void> }> {
  const subscription = subscriptionFor(`${url}/hooks/orders`);
  const world = deliveryWorld(subscription);
  const clock = { now: () => Date.now() };
  const created = Date.now();
  for (let i = 0; i < total; i++) {
    const message: Message = {
      id: newMessageId(created),
      type: 'order.paid',
      eventTime: new Date(created).toISOString(),
      createdAt: new Date(created).toISOString(),
      routing: 'tenant',
      subscriptionIds: [subscription.id],
      payload: body(i),
      payloadBytes: JSON.stringify(body(i)).length,
    };
    await fanOut({ queue: world.queue, clock, limits: LIMITS }, message, [{ subscriptionId: subscription.id, status: 'active' }], 0);
  }
  const records: QueueRecord[] = world.sent.map((q, i) => ({ id: `rec-${i}`, body: JSON.stringify(q.task) }));

  const http = overHttp ? createHttpSender({ allowHttpLoopback: true, userAgent: 'Hookline/bench' }) : undefined;
  const inner: WebhookSender = http ?? instantSender;
  const latencies: { into: number[] } = { into: [] };
  const timed: WebhookSender = {
    async send(req: OutboundRequest): Promise<SendResult> {
      const t = performance.now();
      const result = await inner.send(req);
      latencies.into.push(performance.now() - t);
      return result;
    },
  };
  const log: AttemptLogLine[] = [];
  const deps: DispatchDeps = {
    ...world,
    endpointLoad: new EndpointLoad(),
    attemptLog: { write: (line) => log.push(line) },
    sender: timed,
    clock,
    version: 'bench',
    limits: LIMITS,
    timeScale: 1,
    concurrency: BATCH_SIZE,
    uniqueTenantEvent: false,
  };

  const side: Side = {
    async run(offset, count, into) {
      latencies.into = into;
      let next = offset;
      const end = offset + count;
      const failures: string[] = [];
      await Promise.all(
        Array.from({ length: loops }, async () => {
          while (next < end) {
            const batch = records.slice(next, Math.min(end, next + BATCH_SIZE));
            next += batch.length;
            failures.push(...(await processBatch(deps, batch)));
          }
        }),
      );
      if (failures.length > 0) throw new Error(`${failures.length} records failed in the engine`);
    },
  };
  return { side, world, log, close: async () => http?.close() };
}

/**
 * Sends bodies `offset` … `offset + count − 1` with `concurrency` in flight, pushing each
 * request's latency; returns how many `sendOne` reported as failed.
 */
async function inFlight(offset: number, count: number, concurrency: number, into: number[], sendOne: (i: number) => Promise<boolean>): Promise<number> {
  let next = offset;
  const end = offset + count;
  let failed = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < end) {
        const i = next++;
        const t = performance.now();
        const ok = await sendOne(i);
        into.push(performance.now() - t);
        if (!ok) failed += 1;
      }
    }),
  );
  return failed;
}

function senderSide(url: string, concurrency: number): { side: Side; close(): Promise<void> } {
  const http = createHttpSender({ allowHttpLoopback: true, userAgent: 'Hookline/bench' });
  const target = `${url}/hooks/orders`;
  const side: Side = {
    async run(offset, count, into) {
      const failed = await inFlight(offset, count, concurrency, into, async (i) => {
        const result = await http.send({ method: 'POST', url: target, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body(i)), timeoutMs: 5000 });
        return result.kind === 'response' && result.statusCode === 200;
      });
      if (failed > 0) throw new Error(`${failed} sender requests failed`);
    },
  };
  return { side, close: () => http.close() };
}

function rawSide(url: string, concurrency: number): { side: Side; close(): Promise<void> } {
  const agent = new Agent({ keepAliveTimeout: 4000 });
  const target = `${url}/hooks/orders`;
  const bodies = new Map<number, string>();
  const side: Side = {
    async run(offset, count, into) {
      for (let i = offset; i < offset + count; i++) bodies.set(i, JSON.stringify(body(i)));
      const failed = await inFlight(offset, count, concurrency, into, async (i) => {
        const res = await request(target, {
          method: 'POST',
          body: bodies.get(i) as string,
          headers: { 'content-type': 'application/json' },
          dispatcher: agent,
        });
        await res.body.dump();
        return res.statusCode === 200;
      });
      for (let i = offset; i < offset + count; i++) bodies.delete(i);
      if (failed > 0) throw new Error(`${failed} raw requests failed`);
    },
  };
  return { side, close: () => agent.close() };
}

async function measure(): Promise<Record<string, unknown>> {
  const n = envInt('BENCH_N', isQuick() ? 2000 : 20_000);
  const warmup = isQuick() ? 500 : 2000;
  const concurrency = envInt('BENCH_CONCURRENCY', 50);
  const loops = Math.max(1, Math.round(concurrency / BATCH_SIZE));
  const perRound = Math.floor(n / ROUNDS);

  const receiver = await startThreadReceiver();
  onCleanup(() => receiver.close());
  progress(`engine-vs-raw: receiver ${receiver.url}; preparing ${n + warmup} deliveries`);
  const engine = await engineSide(receiver.url, n + warmup, loops);
  onCleanup(() => engine.close());
  const raw = rawSide(receiver.url, loops * BATCH_SIZE);
  onCleanup(() => raw.close());
  const sender = senderSide(receiver.url, loops * BATCH_SIZE);
  onCleanup(() => sender.close());
  const bookkeeping = await engineSide(receiver.url, n + warmup, loops, false);
  const sides = { engine: engine.side, raw: raw.side, sender: sender.side, bookkeeping: bookkeeping.side };
  const names = ['engine', 'raw', 'sender', 'bookkeeping'] as const;

  // Warm-up: JIT, connection pools, the receiver's sockets.
  for (const name of names) await sides[name].run(0, warmup, []);

  const totals = Object.fromEntries(names.map((n) => [n, { ms: 0, latencies: [] as number[] }])) as Record<(typeof names)[number], { ms: number; latencies: number[] }>;
  for (let r = 0; r < ROUNDS; r++) {
    const order = names.map((_, i) => names[(i + r) % names.length] as (typeof names)[number]);
    for (const which of order) {
      const offset = warmup + r * perRound;
      const t = performance.now();
      await sides[which].run(offset, perRound, totals[which].latencies);
      totals[which].ms += performance.now() - t;
    }
    progress(`round ${r + 1}/${ROUNDS} done`);
  }

  const sent = perRound * ROUNDS;
  const received = await receiver.count();
  for (const [name, side] of [['engine', engine], ['bookkeeping', bookkeeping]] as const) {
    const succeeded = [...side.world.stored.values()].filter((d) => d.status === 'succeeded').length;
    if (succeeded !== sent + warmup) throw new Error(`${name} recorded ${succeeded} successes, expected ${sent + warmup}`);
  }
  if (received !== 3 * (sent + warmup)) throw new Error(`receiver saw ${received} requests, expected ${3 * (sent + warmup)}`);
  const engineRate = sent / (totals.engine.ms / 1000);
  const rawRate = sent / (totals.raw.ms / 1000);
  const senderRate = sent / (totals.sender.ms / 1000);
  const bookkeepingRate = sent / (totals.bookkeeping.ms / 1000);
  return {
    bodiesPerSide: sent,
    concurrency: loops * BATCH_SIZE,
    engineBatch: `${loops} batches of ${BATCH_SIZE} in flight`,
    bodyBytes: JSON.stringify(body(0)).length,
    engineRate: round(engineRate, 0),
    rawRate: round(rawRate, 0),
    ratio: round(engineRate / rawRate, 3),
    target: 0.9,
    withinTarget: engineRate / rawRate >= 0.9,
    senderRate: round(senderRate, 0),
    senderVsRaw: round(senderRate / rawRate, 3),
    engineVsSender: round(engineRate / senderRate, 3),
    bookkeepingRate: round(bookkeepingRate, 0),
    bookkeepingUsPerDelivery: round(1e6 / bookkeepingRate, 1),
    engineLatencyMs: distribution(totals.engine.latencies, 3),
    rawLatencyMs: distribution(totals.raw.latencies, 3),
    senderLatencyMs: distribution(totals.sender.latencies, 3),
    attemptsRecorded: engine.log.length,
  };
}

await runBenchmark('engine-vs-raw', measure);
