/**
 * The outbound client against real HTTPS servers on 127.0.0.1, with certificates from a test CA
 * generated for this run. The sender is built with `allowHttpLoopback` (local mode's loopback
 * allowance, the only way to reach 127.0.0.1) and `extraCa` (trust the test CA on top of the
 * system roots); a stub resolver maps `localhost` to 127.0.0.1 so no real DNS is involved.
 */
import { once } from 'node:events';
import tls from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHttpSender, type HttpResult, type HttpSender, type HttpSenderOptions } from '../../../lambdas/http/http-sender.js';
import { testPki, type TestPki } from '../../support/tls.js';
import { startHttpServer, startHttpsServer, startTcpServer, type LoopbackServer } from './loopback-server.js';

const loopbackResolver = async () => [{ address: '127.0.0.1', family: 4 as const }];

let pki: TestPki;
const servers: LoopbackServer[] = [];
const senders: HttpSender[] = [];

beforeAll(async () => {
  pki = await testPki();
});

afterEach(async () => {
  await Promise.all(senders.splice(0).map((s) => s.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

function sender(overrides: HttpSenderOptions = {}): HttpSender {
  const s = createHttpSender({ allowHttpLoopback: true, extraCa: pki.ca.cert, resolver: loopbackResolver, ...overrides });
  senders.push(s);
  return s;
}

async function serve<T extends LoopbackServer>(started: Promise<T>): Promise<T> {
  const server = await started;
  servers.push(server);
  return server;
}

const post = (url: string, timeoutMs = 5_000) => ({
  method: 'POST' as const,
  url,
  headers: { 'content-type': 'application/json', 'webhook-id': 'msg_1' },
  body: '{"hello":"world"}',
  timeoutMs,
});

function expectFailure(result: HttpResult, outcome: 'timeout' | 'network' | 'refused', reason: RegExp): void {
  expect(result).toMatchObject({ kind: 'failure', outcome });
  if (result.kind === 'failure') expect(result.reason).toMatch(reason);
}

/** Proves a test server is a working TLS endpoint for a client that accepts what it offers. */
async function handshakeWith(server: LoopbackServer, options: tls.ConnectionOptions): Promise<{ protocol: string | null; cipher: string }> {
  const socket = tls.connect({ host: '127.0.0.1', port: server.port, servername: 'localhost', ca: [pki.ca.cert], ...options });
  await once(socket, 'secureConnect');
  const result = { protocol: socket.getProtocol(), cipher: socket.getCipher().name };
  socket.destroy();
  return result;
}

describe('certificate verification', () => {
  it('delivers to a server whose certificate chains to the trusted test CA, with SNI and Host of the URL', async () => {
    // Prepare
    const server = await serve(startHttpsServer({ pair: pki.valid }));
    // Act
    const result = await sender().send(post(`https://localhost:${server.port}/hooks?x=1`));
    // Assess
    expect(result).toMatchObject({ kind: 'response', statusCode: 200, bodyExcerpt: 'ok', remoteAddress: '127.0.0.1' });
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]).toMatchObject({ method: 'POST', url: '/hooks?x=1', body: '{"hello":"world"}', servername: 'localhost' });
    expect(server.requests[0]!.headers).toMatchObject({ host: `localhost:${server.port}`, 'webhook-id': 'msg_1', 'user-agent': 'Hookline' });
  });

  it('refuses the same server when the test CA is not trusted (system roots only by default)', async () => {
    const server = await serve(startHttpsServer({ pair: pki.valid }));
    const result = await sender({ extraCa: undefined }).send(post(`https://localhost:${server.port}/`));
    expectFailure(result, 'network', /^TLS: certificate not signed by a trusted authority$/);
    expect(server.requests).toHaveLength(0);
  });

  it('refuses a self-signed certificate', async () => {
    const server = await serve(startHttpsServer({ pair: pki.selfSigned }));
    const result = await sender().send(post(`https://localhost:${server.port}/`));
    expectFailure(result, 'network', /^TLS: self-signed certificate$/);
    expect(server.requests).toHaveLength(0);
  });

  it('refuses a self-signed certificate even when that very certificate is not the trusted one (no bypass switch)', async () => {
    // The only TLS knob is extraCa; trusting the CA does not make its absence in the chain acceptable.
    const server = await serve(startHttpsServer({ pair: pki.selfSigned }));
    const result = await sender({ extraCa: [pki.ca.cert, pki.valid.cert] }).send(post(`https://localhost:${server.port}/`));
    expectFailure(result, 'network', /self-signed certificate/);
  });

  it('refuses an expired certificate', async () => {
    const server = await serve(startHttpsServer({ pair: pki.expired }));
    const result = await sender().send(post(`https://localhost:${server.port}/`));
    expectFailure(result, 'network', /^TLS: certificate has expired$/);
    expect(server.requests).toHaveLength(0);
  });

  it('refuses a certificate issued for another hostname', async () => {
    const server = await serve(startHttpsServer({ pair: pki.wrongHost }));
    const result = await sender().send(post(`https://localhost:${server.port}/`));
    expectFailure(result, 'network', /^TLS: hostname mismatch: .*localhost.*wrong-host\.hookline\.test/);
    expect(server.requests).toHaveLength(0);
  });

  it('verifies an IP-literal loopback URL (local mode) against the IP SAN', async () => {
    const server = await serve(startHttpsServer({ pair: pki.valid }));
    const result = await sender().send(post(`https://127.0.0.1:${server.port}/`));
    expect(result).toMatchObject({ kind: 'response', statusCode: 200, remoteAddress: '127.0.0.1' });
  });

  it('reaches an IPv6 loopback server through ::1', async () => {
    const server = await serve(startHttpsServer({ pair: pki.valid, host: '::1' }));
    const result = await sender({ resolver: async () => [{ address: '::1', family: 6 }] }).send(post(`https://localhost:${server.port}/`));
    expect(result).toMatchObject({ kind: 'response', statusCode: 200, remoteAddress: '::1' });
  });
});

describe('protocol and cipher policy', () => {
  it('refuses a server limited to TLS 1.0/1.1 (the server itself works for a TLS 1.1 client)', async () => {
    // Prepare: OpenSSL 3 needs security level 0 for TLS 1.0/1.1 handshakes on both sides.
    const server = await serve(
      startHttpsServer({ pair: pki.valid, minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT:@SECLEVEL=0' }),
    );
    const legacy = await handshakeWith(server, { minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT:@SECLEVEL=0' });
    expect(legacy.protocol).toBe('TLSv1.1');
    // Act
    const result = await sender().send(post(`https://localhost:${server.port}/`));
    // Assess
    expectFailure(result, 'network', /^TLS: server protocol version not accepted \(TLS 1\.2 or later required\)$/);
    expect(server.requests).toHaveLength(0);
  });

  it('refuses a TLS 1.2 server that only offers a weak cipher suite (CBC + SHA-1)', async () => {
    const server = await serve(
      startHttpsServer({ pair: pki.valid, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-SHA' }),
    );
    // Node's default client would accept it: the refusal is Hookline's cipher policy.
    const permissive = await handshakeWith(server, {});
    expect(permissive).toEqual({ protocol: 'TLSv1.2', cipher: 'ECDHE-ECDSA-AES128-SHA' });
    const result = await sender().send(post(`https://localhost:${server.port}/`));
    expectFailure(result, 'network', /^TLS: handshake failure \(no acceptable cipher suite\)$/);
    expect(server.requests).toHaveLength(0);
  });

  it('negotiates TLS 1.2 with a forward-secret AEAD suite when the server is limited to TLS 1.2', async () => {
    let negotiated: { protocol: string | null; cipher: string } | undefined;
    const server = await serve(
      startHttpsServer({
        pair: pki.valid,
        maxVersion: 'TLSv1.2',
        handler: (req, res) => {
          const socket = req.socket as tls.TLSSocket;
          negotiated = { protocol: socket.getProtocol(), cipher: socket.getCipher().name };
          res.end('ok');
        },
      }),
    );
    const result = await sender().send(post(`https://localhost:${server.port}/`));
    expect(result).toMatchObject({ kind: 'response', statusCode: 200 });
    expect(negotiated).toEqual({ protocol: 'TLSv1.2', cipher: expect.stringMatching(/^ECDHE-ECDSA-(AES\d+-GCM-SHA\d+|CHACHA20-POLY1305)$/) });
  });
});

describe('responses and failures', () => {
  it('returns a 302 as is and never requests the Location', async () => {
    const target = await serve(startHttpsServer({ pair: pki.valid }));
    const redirector = await serve(
      startHttpsServer({
        pair: pki.valid,
        handler: (_req, res) => {
          res.writeHead(302, { location: `https://localhost:${target.port}/internal` });
          res.end('moved');
        },
      }),
    );
    const result = await sender().send(post(`https://localhost:${redirector.port}/`));
    expect(result).toMatchObject({ kind: 'response', statusCode: 302, bodyExcerpt: 'moved' });
    if (result.kind === 'response') expect(result.headers.location).toBe(`https://localhost:${target.port}/internal`);
    expect(target.connections).toBe(0);
    expect(target.requests).toHaveLength(0);
  });

  it('returns 4xx/5xx responses with their body excerpt and headers (classification is the caller’s)', async () => {
    const server = await serve(
      startHttpsServer({
        pair: pki.valid,
        handler: (_req, res) => {
          res.writeHead(503, { 'retry-after': '120', 'set-cookie': ['a=1', 'b=2'] });
          res.end('{"error":"busy"}');
        },
      }),
    );
    const result = await sender().send(post(`https://localhost:${server.port}/`));
    expect(result).toMatchObject({
      kind: 'response',
      statusCode: 503,
      bodyExcerpt: '{"error":"busy"}',
      headers: { 'retry-after': '120', 'set-cookie': 'a=1, b=2' },
    });
  });

  it('times out on a server that accepts the connection and never answers the handshake', async () => {
    const server = await serve(startTcpServer(() => undefined));
    const result = await sender().send(post(`https://localhost:${server.port}/`, 300));
    expectFailure(result, 'timeout', /^timed out after 300 ms \(connect, TLS or response headers\)$/);
    expect(server.connections).toBe(1);
  });

  it('times out on a server that takes the request and never sends headers', async () => {
    const server = await serve(startHttpsServer({ pair: pki.valid, handler: () => undefined }));
    const result = await sender().send(post(`https://localhost:${server.port}/`, 300));
    expectFailure(result, 'timeout', /^timed out after 300 ms \(connect, TLS or response headers\)$/);
    expect(server.requests).toHaveLength(1);
  });

  it('times out on a slow body that never completes', async () => {
    const server = await serve(
      startHttpsServer({
        pair: pki.valid,
        handler: (_req, res) => {
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.write('partial');
        },
      }),
    );
    const result = await sender().send(post(`https://localhost:${server.port}/`, 300));
    expectFailure(result, 'timeout', /^timed out after 300 ms \(response body\)$/);
  });

  it('counts the DNS resolution inside the attempt deadline', async () => {
    const never = () => new Promise<never>(() => undefined);
    const result = await sender({ resolver: never }).send(post('https://slow-dns.hookline.test/', 200));
    expectFailure(result, 'timeout', /^timed out after 200 ms \(DNS resolution\)$/);
  });

  it('reports a connection reset by the server as a network failure', async () => {
    const server = await serve(
      startHttpsServer({
        pair: pki.valid,
        handler: (req) => {
          req.socket.resetAndDestroy();
        },
      }),
    );
    const result = await sender().send(post(`https://localhost:${server.port}/`));
    expectFailure(result, 'network', /^connection (reset|closed) by the remote side$/);
  });

  it('reports a reset during the TLS handshake as a network failure', async () => {
    const server = await serve(startTcpServer((socket) => socket.once('data', () => socket.resetAndDestroy())));
    const result = await sender().send(post(`https://localhost:${server.port}/`));
    expectFailure(result, 'network', /^connection (reset|closed) by the remote side$/);
  });

  it('reports a refused connection as a network failure', async () => {
    const closed = await startTcpServer(() => undefined);
    await closed.close();
    const result = await sender().send(post(`https://localhost:${closed.port}/`));
    expectFailure(result, 'network', /^connection refused$/);
  });

  it('keeps exactly 4096 bytes of a 10 MB body and drops the connection without reading the rest', async () => {
    // Prepare: the server writes 10 MB respecting back-pressure and records whether it finished.
    let serverFinished: boolean | undefined;
    let serverClosed!: () => void;
    const closedOnServer = new Promise<void>((resolve) => (serverClosed = resolve));
    const server = await serve(
      startHttpsServer({
        pair: pki.valid,
        handler: (_req, res) => {
          const total = 10 * 1024 * 1024;
          res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(total) });
          const chunk = Buffer.alloc(64 * 1024, 'a');
          let sent = 0;
          const pump = (): void => {
            while (sent < total) {
              sent += chunk.length;
              if (!res.write(chunk)) return void res.once('drain', pump);
            }
            res.end();
          };
          res.on('close', () => {
            serverFinished = res.writableFinished;
            serverClosed();
          });
          pump();
        },
      }),
    );
    // Act
    const result = await sender().send(post(`https://localhost:${server.port}/`));
    await closedOnServer;
    // Assess
    expect(result.kind).toBe('response');
    if (result.kind === 'response') {
      expect(Buffer.byteLength(result.bodyExcerpt)).toBe(4096);
      expect(result.bodyExcerpt).toBe('a'.repeat(4096));
    }
    expect(serverFinished).toBe(false);
  });

  it('honours a smaller maxResponseBytes', async () => {
    const server = await serve(startHttpsServer({ pair: pki.valid, handler: (_req, res) => res.end('0123456789') }));
    const result = await sender({ maxResponseBytes: 4 }).send(post(`https://localhost:${server.port}/`));
    expect(result).toMatchObject({ kind: 'response', bodyExcerpt: '0123' });
  });

  it('sends GET without a body and with the caller’s User-Agent when given', async () => {
    const server = await serve(startHttpsServer({ pair: pki.valid }));
    const result = await sender({ userAgent: 'Hookline/9.9.9' }).send({
      method: 'GET',
      url: `https://localhost:${server.port}/hook?id=msg_1`,
      headers: {},
      body: 'ignored',
      timeoutMs: 5_000,
    });
    expect(result).toMatchObject({ kind: 'response', statusCode: 200 });
    expect(server.requests[0]).toMatchObject({ method: 'GET', url: '/hook?id=msg_1', body: '' });
    expect(server.requests[0]!.headers['user-agent']).toBe('Hookline/9.9.9');
  });
});

describe('connection reuse', () => {
  it('reuses one keep-alive connection for consecutive sends to the same endpoint', async () => {
    const server = await serve(startHttpsServer({ pair: pki.valid }));
    const s = sender();
    const first = await s.send(post(`https://localhost:${server.port}/a`));
    const second = await s.send(post(`https://localhost:${server.port}/b`));
    const third = await s.send(post(`https://localhost:${server.port}/c`));
    expect([first, second, third].map((r) => r.kind === 'response' && r.statusCode)).toEqual([200, 200, 200]);
    expect(server.requests.map((r) => r.url)).toEqual(['/a', '/b', '/c']);
    expect(server.connections).toBe(1);
    expect(new Set(server.requests.map((r) => r.remotePort)).size).toBe(1);
  });

  it('opens a new connection after a truncated body instead of reusing a half-read socket', async () => {
    const server = await serve(startHttpsServer({ pair: pki.valid, handler: (_req, res) => res.end('x'.repeat(100_000)) }));
    const s = sender();
    const first = await s.send(post(`https://localhost:${server.port}/`));
    const second = await s.send(post(`https://localhost:${server.port}/`));
    expect([first.kind, second.kind]).toEqual(['response', 'response']);
    expect(server.connections).toBe(2);
  });

  it('refuses sends after close', async () => {
    const s = sender();
    await s.close();
    const result = await s.send(post('https://localhost:1/'));
    expectFailure(result, 'network', /^sender is closed$/);
  });
});

describe('plain http and production defaults', () => {
  it('allows http:// to loopback only with allowHttpLoopback (local mode)', async () => {
    const server = await serve(startHttpServer());
    const result = await sender().send(post(`http://localhost:${server.port}/`));
    expect(result).toMatchObject({ kind: 'response', statusCode: 200, remoteAddress: '127.0.0.1' });
  });

  it('with production defaults refuses a loopback HTTPS receiver before connecting', async () => {
    const server = await serve(startHttpsServer({ pair: pki.valid }));
    const production = createHttpSender({ extraCa: pki.ca.cert, resolver: loopbackResolver });
    senders.push(production);
    const result = await production.send(post(`https://localhost:${server.port}/`));
    expectFailure(result, 'refused', /^localhost resolves to a refused address: 127\.0\.0\.1: loopback/);
    expect(server.connections).toBe(0);
  });

  it('with production defaults refuses http:// before resolving', async () => {
    const server = await serve(startHttpServer());
    let calls = 0;
    const production = createHttpSender({ resolver: async () => (calls++, [{ address: '127.0.0.1', family: 4 }]) });
    senders.push(production);
    const result = await production.send(post(`http://localhost:${server.port}/`));
    expectFailure(result, 'refused', /^scheme http not allowed \(https only\)$/);
    expect(calls).toBe(0);
    expect(server.connections).toBe(0);
  });
});

afterAll(() => undefined);
