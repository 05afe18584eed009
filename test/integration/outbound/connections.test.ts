/**
 * Connection handling of the outbound client: keep-alive reuse across sends (counted by the
 * server), no reuse of a socket whose body was cut short, plain http in local mode only, and
 * what the production defaults refuse before any connection.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpSender, type HttpSender, type HttpSenderOptions } from '../../../lambdas/outbound/http-sender.js';
import { expectFailure, post, stubResolver, urlOf, useHarness } from './harness.js';
import { startHttpServer, startHttpsServer } from './loopback-server.js';

const h = useHarness();

describe('keep-alive', () => {
  it('reuses one connection for consecutive sends to the same endpoint', async () => {
    const server = await h.serve(startHttpsServer({ pair: h.pki.valid }));
    const s = h.sender();
    const results = [];
    for (const path of ['/a', '/b', '/c']) results.push(await s.send(post(urlOf(server, path))));
    expect(results.map((r) => r.kind === 'response' && r.statusCode)).toEqual([200, 200, 200]);
    expect(server.requests.map((r) => r.url)).toEqual(['/a', '/b', '/c']);
    expect(server.connections).toBe(1);
    expect(new Set(server.requests.map((r) => r.remotePort)).size).toBe(1);
  });

  it('reuses the connections a concurrent batch opened for the next batch', async () => {
    const server = await h.serve(startHttpsServer({ pair: h.pki.valid }));
    const s = h.sender();
    const batch = (n: number) => Promise.all(Array.from({ length: n }, (_, i) => s.send(post(urlOf(server, `/${i}`)))));
    const first = await batch(5);
    const opened = server.connections;
    const second = await batch(5);
    expect([...first, ...second].every((r) => r.kind === 'response' && r.statusCode === 200)).toBe(true);
    expect(opened).toBeGreaterThanOrEqual(1);
    expect(opened).toBeLessThanOrEqual(5);
    expect(server.connections).toBe(opened);
  });

  it('never reuses a connection whose body was cut at the cap', async () => {
    let closedFirst = false;
    const server = await h.serve(
      startHttpsServer({
        pair: h.pki.valid,
        handler: (req, res) => {
          if (server.requests.length === 1) req.socket.once('close', () => (closedFirst = true));
          res.end('x'.repeat(100_000));
        },
      }),
    );
    const s = h.sender();
    const first = await s.send(post(urlOf(server)));
    const second = await s.send(post(urlOf(server)));
    expect([first.kind, second.kind]).toEqual(['response', 'response']);
    expect(server.requests).toHaveLength(2);
    expect(server.requests[1]!.remotePort).not.toBe(server.requests[0]!.remotePort);
    expect(closedFirst).toBe(true);
  });

  it('refuses sends after close', async () => {
    const s = h.sender();
    await s.close();
    const result = await s.send(post('https://hooks.test:1/'));
    expectFailure(result, 'network', /^sender is closed$/);
  });
});

describe('plain http and production defaults', () => {
  const production: HttpSender[] = [];
  afterEach(async () => {
    await Promise.all(production.splice(0).map((p) => p.close()));
  });
  /** What AWS gets: no loopback allowance; only the stub resolver (and here the test CA) are test inputs. */
  const productionSender = (options: HttpSenderOptions = {}): HttpSender => {
    const s = createHttpSender({ extraCa: h.pki.ca.cert, resolver: stubResolver(), ...options });
    production.push(s);
    return s;
  };

  it('allows http:// to loopback with allowHttpLoopback (local mode)', async () => {
    const server = await h.serve(startHttpServer());
    const result = await h.sender().send(post(urlOf(server, '/', 'http')));
    expect(result).toMatchObject({ kind: 'response', statusCode: 200, remoteAddress: '127.0.0.1' });
  });

  it('refuses a loopback HTTPS receiver with a valid certificate before connecting', async () => {
    const server = await h.serve(startHttpsServer({ pair: h.pki.valid }));
    const result = await productionSender().send(post(urlOf(server)));
    expectFailure(result, 'refused', /^hooks\.test resolves to a refused address: 127\.0\.0\.1: loopback/);
    expect(server.connections).toBe(0);
  });

  it('refuses http:// and ports not allowed before resolving or connecting', async () => {
    const server = await h.serve(startHttpServer());
    const s = productionSender({ allowedPorts: [443] });
    expectFailure(await s.send(post(urlOf(server, '/', 'http'))), 'refused', /^scheme http not allowed \(https only\)$/);
    expectFailure(await s.send(post(urlOf(server))), 'refused', new RegExp(`^port ${server.port} not allowed \\(allowed: 443\\)$`));
    expect(server.connections).toBe(0);
  });
});
