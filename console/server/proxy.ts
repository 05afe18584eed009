/**
 * `hookline console`: the console's assets on a loopback port, and `/v1/*` passed on to the
 * stack's API, SigV4-signed here with the operator's AWS credentials (the browser never holds
 * them). Requests must name this server in `Host` (no DNS rebinding); API calls must carry the
 * token this start put in the page and, when the browser says where they come from, come from
 * this origin (no cross-site requests).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildUrl, type FetchLike } from '../../cli/client.js';
import { signRequest } from '../../cli/sigv4.js';
import type { Target } from '../../cli/target.js';
import { HooklineError, PayloadTooLargeError } from '../../lambdas/core/errors.js';
import { CrossSiteRequestError, ForeignHostError, UpstreamError } from './errors.js';
import { isConsolePath, serveConsole } from './static-route.js';

/** Admin request bodies are at most 64 KB; the console sends nothing bigger. */
const MAX_BODY_BYTES = 256 * 1024;
const TOKEN_HEADER = 'x-hookline-console-token';
/** Only these request headers reach the API (no cookies, no browser identity). */
const FORWARDED_REQUEST_HEADERS = ['content-type', 'accept'] as const;
const FORWARDED_RESPONSE_HEADERS = ['content-type', 'location', 'retry-after', 'allow'] as const;

export interface ConsoleServerOptions {
  target: Target;
  /** 0 picks a free port. @default 0 */
  port?: number;
  /** @default '127.0.0.1' */
  host?: '127.0.0.1' | '::1';
  /** @default globalThis.fetch */
  fetch?: FetchLike;
  /** @default 30000 */
  timeoutMs?: number;
}

export interface ConsoleServer {
  /** `http://127.0.0.1:PORT/console` */
  url: string;
  port: number;
  close(): Promise<void>;
}

interface Context {
  options: ConsoleServerOptions;
  token: Buffer;
  /** `Host` values this server answers to. */
  hosts: Set<string>;
  origins: Set<string>;
}

function writeProblem(res: ServerResponse, error: HooklineError): void {
  const body = JSON.stringify({ type: 'about:blank', title: error.title, status: error.status, detail: error.message });
  res.writeHead(error.status, { 'content-type': 'application/problem+json', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
  res.end(body);
}

function checkSameSite(req: IncomingMessage, ctx: Context): void {
  const token = Buffer.from(String(req.headers[TOKEN_HEADER] ?? ''));
  if (token.length !== ctx.token.length || !timingSafeEqual(token, ctx.token)) {
    throw new CrossSiteRequestError(`API calls through the console need the ${TOKEN_HEADER} header of the page this server served`);
  }
  const origin = req.headers.origin;
  if (origin !== undefined && !ctx.origins.has(origin)) throw new CrossSiteRequestError(`requests from origin ${origin} are refused`);
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin') throw new CrossSiteRequestError(`${site} requests are refused`);
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new PayloadTooLargeError(`request body exceeds ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  return size === 0 ? undefined : Buffer.concat(chunks).toString('utf8');
}

/** Passes one API call on, signed when the target asks for it, and relays the answer. */
async function forward(req: IncomingMessage, res: ServerResponse, url: URL, ctx: Context): Promise<void> {
  const body = await readBody(req);
  const method = req.method ?? 'GET';
  // Re-encoded RFC 3986 (`buildUrl`), so the URL signed and the URL sent are the same.
  const upstream = buildUrl(ctx.options.target.baseUrl, url.pathname, Object.fromEntries(url.searchParams));
  let headers: Record<string, string> = {};
  for (const name of FORWARDED_REQUEST_HEADERS) {
    const value = req.headers[name];
    if (typeof value === 'string') headers[name] = value;
  }
  const signing = ctx.options.target.signing;
  if (signing !== undefined) {
    const credentials = await signing.credentials().catch((cause: unknown) => {
      throw new UpstreamError(`no AWS credentials to sign with: ${(cause as Error).message}`, { cause });
    });
    headers = await signRequest({ method, url: upstream, headers, ...(body !== undefined && { body }) }, { credentials, region: signing.region });
    delete headers.host;
  }
  const fetchFn = ctx.options.fetch ?? ((u, init) => globalThis.fetch(u, init));
  let answer: Response;
  let text: string;
  try {
    answer = await fetchFn(upstream, { method, headers, ...(body !== undefined && { body }), signal: AbortSignal.timeout(ctx.options.timeoutMs ?? 30_000) });
    text = await answer.text();
  } catch (cause) {
    throw new UpstreamError(`cannot reach ${new URL(upstream).origin}: ${(cause as Error).message}`, { cause });
  }
  const out: Record<string, string> = { 'cache-control': 'no-store' };
  for (const name of FORWARDED_RESPONSE_HEADERS) {
    const value = answer.headers.get(name);
    if (value !== null) out[name] = value;
  }
  res.writeHead(answer.status, out);
  res.end(text);
}

async function handle(req: IncomingMessage, res: ServerResponse, ctx: Context): Promise<void> {
  if (!ctx.hosts.has(String(req.headers.host ?? '').toLowerCase())) {
    throw new ForeignHostError(`this console answers only to ${[...ctx.hosts].join(', ')}`);
  }
  const url = new URL(req.url ?? '/', 'http://console.invalid');
  if (isConsolePath(url.pathname)) {
    await serveConsole(req, res, url.pathname, ctx.token.toString());
    return;
  }
  if (url.pathname === '/') {
    res.writeHead(302, { location: '/console' }).end();
    return;
  }
  if (!url.pathname.startsWith('/v1/')) {
    req.resume();
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    return;
  }
  checkSameSite(req, ctx);
  await forward(req, res, url, ctx);
}

export async function startConsoleServer(options: ConsoleServerOptions): Promise<ConsoleServer> {
  const host = options.host ?? '127.0.0.1';
  const ctx: Context = { options, token: Buffer.from(randomBytes(24).toString('hex')), hosts: new Set(), origins: new Set() };
  const server: Server = createServer((req, res) => {
    handle(req, res, ctx).catch((error: unknown) => {
      req.resume();
      if (res.headersSent) res.destroy();
      else writeProblem(res, error instanceof HooklineError ? error : new UpstreamError('console server failure', { cause: error }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const names = host === '::1' ? ['[::1]', 'localhost'] : ['127.0.0.1', 'localhost'];
  for (const name of names) {
    ctx.hosts.add(`${name}:${port}`);
    ctx.origins.add(`http://${name}:${port}`);
  }
  return {
    url: `http://${names[0]}:${port}/console`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
