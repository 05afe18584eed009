/**
 * The front door: a loopback node:http server standing in for API Gateway. Each request becomes
 * an HTTP API payload v2.0 event for the very receiver/admin handlers that run in Lambda.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { newRequestId, normaliseResult, toHttpApiEvent, writeProblem, writeResult } from './http-api-event.js';
import { matchRoute, type RouteTarget } from './routes.js';
import { PayloadTooLargeError } from '../lambdas/core/errors.js';
import { LocalModeError } from './errors.js';
import { hostAllowed, listenWarning } from './host-check.js';
import { isConsolePath, serveConsole } from '../console/server/static-route.js';

export type HttpApiHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyResultV2<unknown>>;

/** API Gateway's request payload limit. */
export const API_GATEWAY_MAX_BODY_BYTES = 10 * 1024 * 1024;

export interface FrontDoorOptions {
  handlers: Record<RouteTarget, HttpApiHandler>;
  /** @default '127.0.0.1' */
  host?: string;
  /** 0 picks a free port. @default 3000 */
  port?: number;
  /** @default API_GATEWAY_MAX_BODY_BYTES (10 MB) */
  maxBodyBytes?: number;
  /** Where a warning about a non-loopback `host` goes. @default stderr */
  warn?: (line: string) => void;
  /** Called with handler crashes (the client gets API Gateway's 500). */
  onError?: (error: unknown) => void;
}

export interface FrontDoor {
  readonly host: string;
  readonly port: number;
  /** `http://host:port` (IPv6 hosts bracketed). */
  readonly url: string;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      reject(new PayloadTooLargeError(`request body of ${declared} bytes exceeds ${limit}`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        reject(new PayloadTooLargeError(`request body exceeds ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

async function handle(req: IncomingMessage, res: ServerResponse, options: FrontDoorOptions, limit: number, consoleToken: string): Promise<void> {
  const requestId = newRequestId();
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  if (!hostAllowed(req.headers.host, options.host ?? '127.0.0.1')) {
    req.resume();
    writeProblem(res, 421, 'Misdirected Request', `Host ${req.headers.host} is not a loopback name; local mode answers only localhost, 127.0.0.1 and [::1]`, requestId);
    return;
  }
  // The operator console (DESIGN §10); its API calls come back here as ordinary /v1 requests.
  if (isConsolePath(path)) {
    await serveConsole(req, res, path, consoleToken);
    return;
  }
  const route = matchRoute(req.method ?? 'GET', path);
  if (route === undefined) {
    req.resume();
    writeProblem(res, 404, 'Not Found', `no route for ${req.method} ${path}`, requestId);
    return;
  }
  let body: Buffer;
  try {
    body = await readBody(req, limit);
  } catch (error) {
    // A body above the front door's cap (API Gateway's 10 MB limit).
    if (error instanceof PayloadTooLargeError) {
      // Close after answering: the rest of the oversized body is not worth reading.
      res.setHeader('connection', 'close');
      writeProblem(res, error.status, error.title, error.message, requestId);
      res.on('finish', () => req.destroy());
      return;
    }
    throw error;
  }
  const event = toHttpApiEvent(req, body, route, { requestId });
  let result;
  try {
    result = normaliseResult(await options.handlers[route.target](event));
  } catch (error) {
    options.onError?.(error);
    // What API Gateway answers when the integration fails.
    writeResult(res, { statusCode: 500, body: JSON.stringify({ message: 'Internal Server Error' }) }, requestId);
    return;
  }
  writeResult(res, result, requestId);
}

export async function startFrontDoor(options: FrontDoorOptions): Promise<FrontDoor> {
  const host = options.host ?? '127.0.0.1';
  const limit = options.maxBodyBytes ?? API_GATEWAY_MAX_BODY_BYTES;
  const warning = listenWarning(host);
  if (warning !== undefined) (options.warn ?? ((line: string) => process.stderr.write(`${line}\n`)))(warning);
  const consoleToken = randomBytes(16).toString('hex');
  const server: Server = createServer((req, res) => {
    handle(req, res, options, limit, consoleToken).catch((error: unknown) => {
      options.onError?.(error);
      if (!res.headersSent) writeProblem(res, 500, 'Internal Server Error', 'front door failure', newRequestId());
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (cause) => reject(new LocalModeError(`front door cannot listen on ${host}:${options.port ?? 3000}`, { cause })));
    server.listen(options.port ?? 3000, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    host,
    port,
    url: `http://${urlHost}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        // In-flight requests finish; idle keep-alive sockets would hold close() open, so drop
        // them now, and anything still open after a grace period.
        const force = setTimeout(() => server.closeAllConnections(), 5_000);
        server.close((err) => {
          clearTimeout(force);
          if (err) reject(err);
          else resolve();
        });
        server.closeIdleConnections();
      }),
  };
}
