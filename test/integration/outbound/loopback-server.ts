/**
 * Loopback-only test servers that count what reaches them: TCP connections accepted and HTTP
 * requests received. Every server binds to a loopback address; nothing here listens elsewhere.
 */
import { once } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { text } from 'node:stream/consumers';
import type { TLSSocket } from 'node:tls';
import type { KeyAndCert } from '../../support/tls.js';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** SNI the client sent (HTTPS only). */
  servername: string | false | null | undefined;
  remotePort: number | undefined;
}

export interface LoopbackServer {
  host: string;
  port: number;
  /** TCP connections accepted so far. */
  readonly connections: number;
  readonly requests: RecordedRequest[];
  /**
   * Sends a TCP RST on the connection carrying `req` (for HTTPS, on the TCP socket under TLS:
   * a TLS socket itself cannot be reset).
   */
  resetConnection(req: http.IncomingMessage): void;
  close(): Promise<void>;
}

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse, recorded: RecordedRequest) => void;

export interface ServerOptions {
  /** A loopback address. @default '127.0.0.1' */
  host?: string;
  /** @default 0 (any free port) */
  port?: number;
  handler?: Handler;
}

export interface HttpsServerOptions extends ServerOptions {
  pair: KeyAndCert;
  minVersion?: https.ServerOptions['minVersion'];
  maxVersion?: https.ServerOptions['maxVersion'];
  ciphers?: string;
}

const ok: Handler = (_req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end('ok');
};

export function startHttpsServer(options: HttpsServerOptions): Promise<LoopbackServer> {
  const server = https.createServer({
    key: options.pair.key,
    cert: options.pair.cert,
    ...(options.minVersion ? { minVersion: options.minVersion } : {}),
    ...(options.maxVersion ? { maxVersion: options.maxVersion } : {}),
    ...(options.ciphers ? { ciphers: options.ciphers } : {}),
  });
  return track(server, options);
}

export function startHttpServer(options: ServerOptions = {}): Promise<LoopbackServer> {
  return track(http.createServer(), options);
}

/** A raw TCP server: `onSocket` decides what (if anything) is ever sent. */
export async function startTcpServer(onSocket: (socket: net.Socket) => void, options: ServerOptions = {}): Promise<LoopbackServer> {
  const server = net.createServer();
  const sockets = trackSockets(server, (socket) => {
    socket.on('error', () => undefined);
    onSocket(socket);
  });
  return {
    ...(await listen(server, options)),
    get connections() {
      return sockets.opened;
    },
    requests: [],
    resetConnection: () => {
      throw new Error('resetConnection is for HTTP(S) servers; a TCP server resets its socket directly');
    },
    close: () => closeServer(server, sockets),
  };
}

async function track(server: http.Server | https.Server, options: ServerOptions): Promise<LoopbackServer> {
  const sockets = trackSockets(server);
  const requests: RecordedRequest[] = [];
  const handler = options.handler ?? ok;
  server.on('tlsClientError', () => undefined);
  server.on('clientError', (_err, socket) => socket.destroy());
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    text(req).then(
      (body) => {
        const recorded: RecordedRequest = {
          method: req.method ?? '',
          url: req.url ?? '',
          headers: req.headers,
          body,
          servername: (req.socket as TLSSocket).servername,
          remotePort: req.socket.remotePort,
        };
        requests.push(recorded);
        handler(req, res, recorded);
      },
      () => res.destroy(),
    );
  });
  return {
    ...(await listen(server, options)),
    get connections() {
      return sockets.opened;
    },
    requests,
    resetConnection: (req) => {
      // The 'connection' event hands out the TCP socket; match it by the client's port.
      const raw = [...sockets].find((s) => s.remotePort === req.socket.remotePort);
      if (!raw) throw new Error(`no open connection from port ${req.socket.remotePort}`);
      raw.resetAndDestroy();
    },
    close: () => closeServer(server, sockets),
  };
}

/** The server's open sockets (so close() can destroy them), and how many were ever opened. */
function trackSockets(server: net.Server, onSocket?: (socket: net.Socket) => void): Set<net.Socket> & { opened: number } {
  const sockets = Object.assign(new Set<net.Socket>(), { opened: 0 });
  server.on('connection', (socket: net.Socket) => {
    sockets.opened++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    onSocket?.(socket);
  });
  return sockets;
}

async function listen(server: net.Server, options: ServerOptions): Promise<{ host: string; port: number }> {
  const host = options.host ?? '127.0.0.1';
  server.listen(options.port ?? 0, host);
  await once(server, 'listening');
  return { host, port: (server.address() as net.AddressInfo).port };
}

async function closeServer(server: net.Server, sockets: Set<net.Socket>): Promise<void> {
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
