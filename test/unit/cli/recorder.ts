/** A loopback HTTP server that records requests and answers from a route table (CLI unit tests). */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** Path and query exactly as received. */
  url: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Reply {
  status: number;
  body?: unknown;
  /** @default 'application/json' (problem+json for status ≥ 400) */
  contentType?: string;
  headers?: Record<string, string>;
}

export type Responder = (req: RecordedRequest) => Reply;

export interface Recorder {
  baseUrl: string;
  requests: RecordedRequest[];
  /** Answers `METHOD /path` (exact path, query ignored); unknown routes get 404 problem+json. */
  on(method: string, path: string, responder: Responder | Reply): void;
  close(): Promise<void>;
}

export async function startRecorder(): Promise<Recorder> {
  const routes = new Map<string, Responder>();
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const rec: RecordedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(rec);
      const responder = routes.get(`${rec.method} ${rec.path}`);
      const reply = responder
        ? responder(rec)
        : { status: 404, body: { type: 'about:blank', title: 'Not found', status: 404, detail: `no route ${rec.method} ${rec.path}` } };
      const text = reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
      res.writeHead(reply.status, {
        ...(text ? { 'content-type': reply.contentType ?? (reply.status >= 400 ? 'application/problem+json' : 'application/json') } : {}),
        ...reply.headers,
      });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    on(method, path, responder) {
      routes.set(`${method} ${path}`, typeof responder === 'function' ? responder : () => responder);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
