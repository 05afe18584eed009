/**
 * A loopback webhook receiver on its own thread (own event loop, so it never competes with the
 * sender's loop for turns): node:http, keep-alive, answers every request `200` with an empty body
 * once the request body has been read, and counts requests.
 */
import { Worker } from 'node:worker_threads';

export interface ThreadReceiver {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** Requests answered so far. */
  count(): Promise<number>;
  close(): Promise<void>;
}

// Plain JS evaluated in the worker: no TypeScript loader needed there.
const SOURCE = `
const { parentPort } = require('node:worker_threads');
const http = require('node:http');
let count = 0;
const server = http.createServer({ keepAlive: true, keepAliveTimeout: 60000, requestTimeout: 0 }, (req, res) => {
  req.on('data', () => {});
  req.on('end', () => {
    count += 1;
    res.writeHead(200, { 'content-length': '0' });
    res.end();
  });
});
server.keepAliveTimeout = 60000;
server.headersTimeout = 65000;
server.maxRequestsPerSocket = 0;
server.listen(0, '127.0.0.1', () => parentPort.postMessage({ type: 'ready', port: server.address().port }));
parentPort.on('message', (m) => {
  if (m === 'count') parentPort.postMessage({ type: 'count', count });
  if (m === 'close') { server.closeAllConnections(); server.close(() => parentPort.postMessage({ type: 'closed' })); }
});
`;

export async function startThreadReceiver(): Promise<ThreadReceiver> {
  const worker = new Worker(SOURCE, { eval: true });
  const next = (type: string): Promise<Record<string, number>> =>
    new Promise((resolve, reject) => {
      const onMessage = (m: { type: string } & Record<string, number>): void => {
        if (m.type !== type) return;
        worker.off('message', onMessage);
        worker.off('error', reject);
        resolve(m);
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
    });
  const { port } = await next('ready');
  let closed = false;
  return {
    url: `http://127.0.0.1:${port}`,
    async count() {
      const reply = next('count');
      worker.postMessage('count');
      return (await reply).count as number;
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
