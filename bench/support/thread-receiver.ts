/**
 * A loopback webhook receiver on its own thread (own event loop, so it never competes with the
 * sender's loop for turns): node:http, keep-alive, answers once the request body has been read,
 * and counts requests. The path picks the answer:
 *   `/fail-until/N/...`  500 while the `X-Hookline-Attempt` header is below N, then 200
 *   `/status/CODE/...`   always CODE
 *   `/delay/MS/...`      200 after MS milliseconds (an endpoint at or past its timeout)
 *   anything else        200
 * With `record`, it also keeps one receipt per request (arrival time in epoch ms, path, the
 * `webhook-id` and attempt headers, and `seq`/`sentAt` from a JSON body that has them).
 */
import { Worker } from 'node:worker_threads';

export interface Receipt {
  /** Epoch ms when the request body had been read. */
  at: number;
  path: string;
  webhookId: string;
  attempt: number;
  status: number;
  seq?: number;
  sentAt?: number;
}

export interface ThreadReceiver {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** Requests answered so far. */
  count(): Promise<number>;
  /** Receipts so far (empty unless started with `record`). */
  receipts(): Promise<Receipt[]>;
  close(): Promise<void>;
}

export interface ThreadReceiverOptions {
  /** @default false */
  record?: boolean;
}

// Plain JS evaluated in the worker: no TypeScript loader needed there.
const SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const http = require('node:http');
let count = 0;
const receipts = [];
function statusFor(path, attempt) {
  const until = /^\\/fail-until\\/(\\d+)/.exec(path);
  if (until) return attempt < Number(until[1]) ? 500 : 200;
  const fixed = /^\\/status\\/(\\d{3})/.exec(path);
  if (fixed) return Number(fixed[1]);
  return 200;
}
const server = http.createServer({ keepAlive: true, keepAliveTimeout: 60000, requestTimeout: 0 }, (req, res) => {
  const chunks = workerData.record ? [] : undefined;
  req.on('data', (c) => { if (chunks) chunks.push(c); });
  req.on('end', () => {
    const at = Date.now();
    count += 1;
    const attempt = Number(req.headers['x-hookline-attempt'] || 0);
    const status = statusFor(req.url || '/', attempt);
    if (chunks) {
      const receipt = { at, path: req.url || '', webhookId: String(req.headers['webhook-id'] || ''), attempt, status };
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        if (typeof body.seq === 'number') receipt.seq = body.seq;
        if (typeof body.sentAt === 'number') receipt.sentAt = body.sentAt;
      } catch {}
      receipts.push(receipt);
    }
    const delay = /^\\/delay\\/(\\d+)/.exec(req.url || '/');
    const answer = () => {
      if (res.destroyed) return; // the sender gave up (its timeout)
      res.writeHead(status, { 'content-length': '0' });
      res.end();
    };
    if (delay) setTimeout(answer, Number(delay[1]));
    else answer();
  });
});
server.keepAliveTimeout = 60000;
server.headersTimeout = 65000;
server.maxRequestsPerSocket = 0;
server.listen(0, '127.0.0.1', () => parentPort.postMessage({ type: 'ready', port: server.address().port }));
parentPort.on('message', (m) => {
  if (m === 'count') parentPort.postMessage({ type: 'count', count });
  if (m === 'receipts') parentPort.postMessage({ type: 'receipts', receipts });
  if (m === 'close') { server.closeAllConnections(); server.close(() => parentPort.postMessage({ type: 'closed' })); }
});
`;

export async function startThreadReceiver(options: ThreadReceiverOptions = {}): Promise<ThreadReceiver> {
  const worker = new Worker(SOURCE, { eval: true, workerData: { record: options.record ?? false } });
  const next = <T>(type: string): Promise<T> =>
    new Promise((resolve, reject) => {
      const onMessage = (m: { type: string } & T): void => {
        if (m.type !== type) return;
        worker.off('message', onMessage);
        worker.off('error', reject);
        resolve(m);
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
    });
  const { port } = await next<{ port: number }>('ready');
  let closed = false;
  const ask = async <T>(type: string): Promise<T> => {
    const reply = next<T>(type);
    worker.postMessage(type);
    return reply;
  };
  return {
    url: `http://127.0.0.1:${port}`,
    async count() {
      return (await ask<{ count: number }>('count')).count;
    },
    async receipts() {
      return (await ask<{ receipts: Receipt[] }>('receipts')).receipts;
    },
    async close() {
      if (closed) return;
      closed = true;
      const done = next('closed');
      worker.postMessage('close');
      await Promise.race([done, new Promise((r) => setTimeout(r, 2000))]);
      await worker.terminate();
    },
  };
}
