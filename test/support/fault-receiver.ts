/**
 * A misbehaving loopback webhook receiver that keeps a ledger of every request: which message
 * (`webhook-id`), which subscription (the URL path), which attempt, what it did to the request,
 * and whether it acknowledged it (a 2xx written in full on a connection that was still open).
 */
import { randomInt } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * What the receiver does with a request: answer 200 (after `delayMs`), hold it unanswered, answer a
 * 5xx, never answer (until the sender gives up), reset the connection, or send a 200 whose body
 * trickles out.
 */
export type Behaviour =
  | { kind: 'ok'; delayMs?: number }
  /** Never answered: held until the connection closes (the sender gave up or died). */
  | { kind: 'hold' }
  | { kind: '5xx' }
  | { kind: 'timeout' }
  | { kind: 'reset' }
  | { kind: 'slow-body'; chunks: number; gapMs: number };

export interface Arrival {
  messageId: string;
  /** The path the subscription's URL points at. */
  path: string;
  attempt: number;
  at: number;
  behaviour: Behaviour['kind'];
  /** A 2xx went out in full while the connection was open. */
  acked: boolean;
  ackedAt?: number;
}

export interface ArrivalInfo {
  messageId: string;
  path: string;
  attempt: number;
  /** Requests already seen for this (message, path), this one excluded. */
  seenBefore: number;
}

export interface FaultReceiver {
  url: string;
  arrivals: Arrival[];
  /** Requests being held unanswered right now. */
  held(): number;
  /** Acknowledged arrivals so far. */
  acked(): number;
  /** Resolves when `count` requests have been acknowledged. */
  waitForAcks(count: number, timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

export interface FaultReceiverOptions {
  decide: (request: ArrivalInfo) => Behaviour;
  /** How long a `timeout` holds the request before dropping it (beyond the sender's timeout). @default 3000 */
  holdMs?: number;
}

export async function startFaultReceiver(options: FaultReceiverOptions): Promise<FaultReceiver> {
  const arrivals: Arrival[] = [];
  const seen = new Map<string, number>();
  const holdMs = options.holdMs ?? 3000;
  const counters = { acks: 0, holding: 0 };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    for await (const _chunk of req) {
      // drain the body; only headers matter here
    }
    const messageId = String(req.headers['webhook-id'] ?? '');
    const path = (req.url ?? '').split('?')[0] ?? '';
    const key = `${messageId}|${path}`;
    const seenBefore = seen.get(key) ?? 0;
    seen.set(key, seenBefore + 1);
    const behaviour = options.decide({ messageId, path, attempt: Number(req.headers['x-hookline-attempt'] ?? 0), seenBefore });
    const arrival: Arrival = { messageId, path, attempt: Number(req.headers['x-hookline-attempt'] ?? 0), at: Date.now(), behaviour: behaviour.kind, acked: false };
    arrivals.push(arrival);
    let closedEarly = false;
    res.on('close', () => {
      if (!res.writableFinished) closedEarly = true;
    });
    const ackOnFinish = () =>
      res.on('finish', () => {
        if (!closedEarly && !req.socket.destroyed) {
          arrival.acked = true;
          arrival.ackedAt = Date.now();
          counters.acks += 1;
        }
      });
    await act(behaviour, req, res, { holdMs, counters, closedEarly: () => closedEarly, ackOnFinish });
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => req.socket.destroy());
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    arrivals,
    acked: () => counters.acks,
    held: () => counters.holding,
    async waitForAcks(count, timeoutMs) {
      const end = Date.now() + timeoutMs;
      while (counters.acks < count) {
        if (Date.now() > end) throw new Error(`receiver acknowledged ${counters.acks} of ${count} requests in ${timeoutMs} ms`);
        await sleep(50);
      }
    },
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

interface ActContext {
  holdMs: number;
  counters: { acks: number; holding: number };
  closedEarly: () => boolean;
  ackOnFinish: () => void;
}

/** Answers (or fails to answer) one request the way its behaviour says. */
async function act(behaviour: Behaviour, req: IncomingMessage, res: ServerResponse, ctx: ActContext): Promise<void> {
  switch (behaviour.kind) {
    case 'ok':
      if (behaviour.delayMs) await sleep(behaviour.delayMs);
      if (ctx.closedEarly() || req.socket.destroyed) return;
      ctx.ackOnFinish();
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      return;
    case 'hold':
      ctx.counters.holding += 1;
      if (!ctx.closedEarly()) await new Promise((resolve) => res.once('close', resolve));
      ctx.counters.holding -= 1;
      return;
    case '5xx':
      res.writeHead([500, 502, 503, 504][randomInt(4)]!, { 'content-type': 'text/plain' }).end('receiver failure');
      return;
    case 'timeout':
      await sleep(ctx.holdMs);
      req.socket.destroy();
      return;
    case 'reset':
      req.socket.resetAndDestroy();
      return;
    case 'slow-body': {
      ctx.ackOnFinish();
      res.writeHead(200, { 'content-type': 'text/plain' });
      for (let i = 0; i < behaviour.chunks && !ctx.closedEarly(); i++) {
        res.write(`chunk ${i}\n`);
        await sleep(behaviour.gapMs);
      }
      res.end('done');
      return;
    }
  }
}

/** A seeded PRNG (mulberry32), so a scenario's faults repeat run after run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
