/**
 * What the outbound client returns for what a loopback HTTPS receiver does: redirects (never
 * followed, whatever they point to), status and headers, the 4 KB body cap, the per-attempt
 * deadline in each phase, and resets.
 */
import { describe, expect, it, vi } from 'vitest';
import { classifyStatus } from '../../../lambdas/core/classify.js';
import { expectFailure, post, TEST_HOSTNAME, urlOf, useHarness } from './harness.js';
import { startHttpsServer, startTcpServer, type Handler } from './loopback-server.js';

const h = useHarness();

describe('redirects are returned, never followed', () => {
  it.each([301, 302, 303, 307, 308])('returns a %i to an internal loopback address as is; the target sees nothing', async (status) => {
    // Prepare: the Location is a live internal server, reachable from here, counting connections.
    const internal = await h.serve(startHttpsServer({ pair: h.pki.valid }));
    const location = `https://127.0.0.1:${internal.port}/admin`;
    const redirector = await h.serve(
      startHttpsServer({
        pair: h.pki.valid,
        handler: (_req, res) => {
          res.writeHead(status, { location });
          res.end('moved');
        },
      }),
    );
    // Act
    const result = await h.sender().send(post(urlOf(redirector)));
    // Assess
    expect(result).toMatchObject({ kind: 'response', statusCode: status, bodyExcerpt: 'moved', headers: { location } });
    expect(redirector.requests).toHaveLength(1);
    expect(internal.connections).toBe(0);
    expect(classifyStatus(status, ['2xx'])).toBe('3xx');
  });

  it.each([
    'http://169.254.169.254/latest/meta-data/iam/security-credentials/',
    'http://[fd00:ec2::254]/latest/meta-data/',
    'http://10.0.0.1/',
  ])('returns a redirect to %s without any second request', async (location) => {
    const redirector = await h.serve(
      startHttpsServer({
        pair: h.pki.valid,
        handler: (_req, res) => {
          res.writeHead(302, { location });
          res.end();
        },
      }),
    );
    const result = await h.sender().send(post(urlOf(redirector)));
    expect(result).toMatchObject({ kind: 'response', statusCode: 302, headers: { location } });
    // One request, one connection: nothing was attempted after the 302.
    expect(redirector.requests).toHaveLength(1);
    expect(redirector.connections).toBe(1);
  });
});

describe('responses', () => {
  it('returns 4xx/5xx responses with their body excerpt and headers (classification is the caller’s)', async () => {
    const server = await h.serve(
      startHttpsServer({
        pair: h.pki.valid,
        handler: (_req, res) => {
          res.writeHead(503, { 'retry-after': '120', 'set-cookie': ['a=1', 'b=2'] });
          res.end('{"error":"busy"}');
        },
      }),
    );
    const result = await h.sender().send(post(urlOf(server)));
    expect(result).toMatchObject({
      kind: 'response',
      statusCode: 503,
      bodyExcerpt: '{"error":"busy"}',
      headers: { 'retry-after': '120', 'set-cookie': 'a=1, b=2' },
    });
  });

  it('keeps exactly 4096 bytes of a 10 MB body and drops the connection without reading the rest', async () => {
    // Prepare: the server writes 10 MB respecting back-pressure and records whether it finished.
    let serverFinished: boolean | undefined;
    let serverClosed!: () => void;
    const closedOnServer = new Promise<void>((resolve) => (serverClosed = resolve));
    const server = await h.serve(
      startHttpsServer({
        pair: h.pki.valid,
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
    const result = await h.sender().send(post(urlOf(server)));
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
    const server = await h.serve(startHttpsServer({ pair: h.pki.valid, handler: (_req, res) => res.end('0123456789') }));
    const result = await h.sender({ maxResponseBytes: 4 }).send(post(urlOf(server)));
    expect(result).toMatchObject({ kind: 'response', bodyExcerpt: '0123' });
  });

  it('sends GET without a body and with the configured User-Agent', async () => {
    const server = await h.serve(startHttpsServer({ pair: h.pki.valid }));
    const result = await h.sender({ userAgent: 'Hookline/9.9.9' }).send({
      method: 'GET',
      url: urlOf(server, '/hook?id=msg_1'),
      headers: {},
      body: 'ignored',
      timeoutMs: 5_000,
    });
    expect(result).toMatchObject({ kind: 'response', statusCode: 200 });
    expect(server.requests[0]).toMatchObject({ method: 'GET', url: '/hook?id=msg_1', body: '' });
    expect(server.requests[0]!.headers['user-agent']).toBe('Hookline/9.9.9');
  });
});

describe('one deadline per attempt', () => {
  /**
   * A server that answers `/warm` normally and applies `stall` to anything else, plus a sender
   * already connected to it: the timed request then reuses that connection, so the deadline is
   * spent in the phase under test, not in a handshake a loaded machine may be slow to finish.
   */
  async function warmedUp(stall: Handler) {
    const server = await h.serve(
      startHttpsServer({
        pair: h.pki.valid,
        handler: (req, res, recorded) => (req.url === '/warm' ? res.end('ok') : stall(req, res, recorded)),
      }),
    );
    const sender = h.sender();
    expect(await sender.send(post(urlOf(server, '/warm')))).toMatchObject({ kind: 'response', statusCode: 200 });
    return { server, sender };
  }

  it('times out on a server that accepts the connection and never answers the handshake', async () => {
    const server = await h.serve(startTcpServer(() => undefined));
    const result = await h.sender().send(post(urlOf(server), 300));
    expectFailure(result, 'timeout', /^timed out after 300 ms \(connect, TLS or response headers\)$/);
    await vi.waitFor(() => expect(server.connections).toBe(1));
  });

  it('times out on a server that takes the request and never sends headers', async () => {
    const { server, sender } = await warmedUp(() => undefined);
    const result = await sender.send(post(urlOf(server, '/stall'), 1_000));
    expectFailure(result, 'timeout', /^timed out after 1000 ms \(connect, TLS or response headers\)$/);
    expect(server.requests.map((r) => r.url)).toEqual(['/warm', '/stall']);
  });

  it('times out on a body that stalls after the first bytes', async () => {
    const { server, sender } = await warmedUp((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('partial');
    });
    const result = await sender.send(post(urlOf(server, '/stall'), 1_000));
    expectFailure(result, 'timeout', /^timed out after 1000 ms \(response body\)$/);
  });

  it('times out on a body that keeps trickling (the deadline is total, not per chunk)', async () => {
    // One byte every 20 ms forever, so no idle timeout would ever fire.
    const { server, sender } = await warmedUp((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const tick = setInterval(() => res.write('.'), 20);
      res.on('close', () => clearInterval(tick));
    });
    const result = await sender.send(post(urlOf(server, '/trickle'), 1_000));
    expectFailure(result, 'timeout', /^timed out after 1000 ms \(response body\)$/);
  });

  it('counts the DNS resolution inside the attempt deadline', async () => {
    const never = () => new Promise<never>(() => undefined);
    const result = await h.sender({ resolver: never }).send(post(`https://${TEST_HOSTNAME}/`, 200));
    expectFailure(result, 'timeout', /^timed out after 200 ms \(DNS resolution\)$/);
  });
});

describe('resets and refused connections', () => {
  it('reports a reset after the request arrived as a network failure', async () => {
    const server = await h.serve(startHttpsServer({ pair: h.pki.valid, handler: (req) => server.resetConnection(req) }));
    const result = await h.sender().send(post(urlOf(server)));
    expectFailure(result, 'network', /^connection (reset|closed) by the remote side$/);
    expect(server.requests).toHaveLength(1);
  });

  it('reports a connection closed in the middle of the body as a network failure while reading it', async () => {
    // A FIN, not an RST: the client reliably reads the headers and first bytes before the close.
    const server = await h.serve(
      startHttpsServer({
        pair: h.pki.valid,
        handler: (_req, res) => {
          res.writeHead(200, { 'content-length': '1000' });
          res.write('first bytes', () => res.socket?.end());
        },
      }),
    );
    const result = await h.sender().send(post(urlOf(server)));
    expectFailure(result, 'network', /^connection closed by the remote side while reading the response body \(status 200\)$/);
  });

  it('reports a reset during the TLS handshake as a network failure', async () => {
    const server = await h.serve(startTcpServer((socket) => socket.once('data', () => socket.resetAndDestroy())));
    const result = await h.sender().send(post(urlOf(server)));
    expectFailure(result, 'network', /^connection (reset|closed) by the remote side$/);
  });

  it('reports a refused connection as a network failure', async () => {
    const closed = await startTcpServer(() => undefined);
    await closed.close();
    const result = await h.sender().send(post(urlOf(closed)));
    expectFailure(result, 'network', /^connection refused$/);
  });
});
