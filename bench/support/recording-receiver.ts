/**
 * A loopback webhook receiver for local-mode benchmarks: records when each request arrived
 * (epoch ms), its headers and JSON body, and answers what `respond` says (default 200, empty).
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { onCleanup } from './output.js';

export interface Receipt {
  at: number;
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

export interface RecordingReceiver {
  url: string;
  receipts: Receipt[];
  close(): Promise<void>;
}

export async function startRecordingReceiver(respond: (receipt: Receipt) => number = () => 200): Promise<RecordingReceiver> {
  const receipts: Receipt[] = [];
  const server = createServer({ keepAlive: true }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = Date.now();
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        body = undefined;
      }
      const receipt: Receipt = { at, path: req.url ?? '', headers: req.headers, body };
      receipts.push(receipt);
      res.writeHead(respond(receipt), { 'content-length': '0' });
      res.end();
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  };
  onCleanup(close);
  return { url: `http://127.0.0.1:${port}`, receipts, close };
}
