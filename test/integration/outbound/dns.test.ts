/**
 * The sender's own DNS resolver against a DNS server on 127.0.0.1 (never a real resolver): A and
 * AAAA answers in order, NXDOMAIN, a silent server cancelled at the deadline inside the attempt's,
 * and every checked address tried in order when a connection cannot be made.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { createDnsResolver } from '../../../lambdas/outbound/dns-resolver.js';
import { OutboundDnsTimeoutError } from '../../../lambdas/outbound/errors.js';
import { startDnsServer, type DnsRecords, type TestDnsServer } from '../../support/dns-server.js';
import { expectFailure, post, TEST_HOSTNAME, useHarness } from './harness.js';
import { startHttpsServer, startTcpServer } from './loopback-server.js';

const h = useHarness();
const dnsServers: TestDnsServer[] = [];
afterEach(async () => {
  await Promise.all(dnsServers.splice(0).map((s) => s.close()));
});

async function dns(zone: Record<string, DnsRecords>, silent: string[] = []): Promise<TestDnsServer> {
  const server = await startDnsServer(zone, silent);
  dnsServers.push(server);
  return server;
}

/** The harness sender with the production resolver pointed at the test DNS server. */
const senderVia = (server: TestDnsServer) => h.sender({ resolver: undefined, dnsServers: [server.address] });

describe('the resolver', () => {
  it('answers A and AAAA records, IPv4 first and then alternating', async () => {
    const server = await dns({ 'multi.test': { A: ['192.0.2.1', '192.0.2.2'], AAAA: ['2001:db8::1'] } });
    const records = await createDnsResolver({ servers: [server.address] })('multi.test', 1_000);
    expect(records).toEqual([
      { address: '192.0.2.1', family: 4 },
      { address: '2001:db8::1', family: 6 },
      { address: '192.0.2.2', family: 4 },
    ]);
    expect([...server.queries].sort()).toEqual(['multi.test A', 'multi.test AAAA']);
  });

  it('rejects an unknown name with ENOTFOUND', async () => {
    const server = await dns({});
    await expect(createDnsResolver({ servers: [server.address] })('nowhere.test', 1_000)).rejects.toMatchObject({ code: 'ENOTFOUND' });
  });

  it('answers localhost names with loopback without asking any server', async () => {
    const server = await dns({});
    const resolve = createDnsResolver({ servers: [server.address] });
    expect(await resolve('localhost', 1_000)).toEqual([
      { address: '127.0.0.1', family: 4 },
      { address: '::1', family: 6 },
    ]);
    expect(await resolve('app.localhost.', 1_000)).toHaveLength(2);
    expect(server.queries).toEqual([]);
  });

  it('gives up at its deadline and sends no query after it', async () => {
    const server = await dns({}, ['silent.test']);
    const started = performance.now();
    const outcome = createDnsResolver({ servers: [server.address] })('silent.test', 300);
    await expect(outcome).rejects.toBeInstanceOf(OutboundDnsTimeoutError);
    const tookMs = performance.now() - started;
    expect(tookMs).toBeGreaterThanOrEqual(290);
    expect(tookMs).toBeLessThan(1_000);
    const asked = server.queries.length;
    expect(asked).toBeGreaterThanOrEqual(1);
    // c-ares would re-send an unanswered query after 1 s; a cancelled channel sends nothing more.
    await sleep(1_500);
    expect(server.queries).toHaveLength(asked);
  });
});

describe('the sender with its resolver', () => {
  it('reports a silent DNS server as a timeout at half the attempt deadline, naming DNS', async () => {
    const server = await dns({}, [TEST_HOSTNAME]);
    const result = await senderVia(server).send(post(`https://${TEST_HOSTNAME}/`, 1_000));
    expectFailure(result, 'timeout', /^DNS: resolving hooks\.test timed out after 500 ms$/);
    expect(result.durationMs).toBeLessThan(1_000);
  });

  it('reports NXDOMAIN as a DNS network failure', async () => {
    const server = await dns({});
    const result = await senderVia(server).send(post(`https://${TEST_HOSTNAME}/`));
    expectFailure(result, 'network', /^DNS: hooks\.test not found$/);
  });

  it('tries the next checked address when the first refuses the connection', async () => {
    const receiver = await h.serve(startHttpsServer({ pair: h.pki.valid }));
    // Nothing listens on 127.0.0.2 at the receiver's port: that connect is refused.
    const server = await dns({ [TEST_HOSTNAME]: { A: ['127.0.0.2', '127.0.0.1'] } });
    const result = await senderVia(server).send(post(`https://${TEST_HOSTNAME}:${receiver.port}/in`));
    expect(result).toMatchObject({ kind: 'response', statusCode: 200, remoteAddress: '127.0.0.1' });
    expect(receiver.requests.map((r) => r.url)).toEqual(['/in']);
  });

  it('gives a silent first address only its share of the deadline, then connects to the next', async () => {
    const receiver = await h.serve(startHttpsServer({ pair: h.pki.valid }));
    // 127.0.0.2 accepts the TCP connection and never answers the TLS handshake (a blackhole).
    const silent = await h.serve(startTcpServer(() => undefined, { host: '127.0.0.2', port: receiver.port }));
    const server = await dns({ [TEST_HOSTNAME]: { A: ['127.0.0.2', '127.0.0.1'] } });
    const result = await senderVia(server).send(post(`https://${TEST_HOSTNAME}:${receiver.port}/in`, 3_000));
    expect(result).toMatchObject({ kind: 'response', statusCode: 200, remoteAddress: '127.0.0.1' });
    expect(silent.connections).toBe(1);
    expect(receiver.requests.map((r) => r.url)).toEqual(['/in']);
  });

  it('does not try another address once the request may have been sent', async () => {
    const first = await h.serve(startHttpsServer({ pair: h.pki.valid, handler: (req) => first.resetConnection(req) }));
    const second = await h.serve(startHttpsServer({ pair: h.pki.valid, host: '127.0.0.3', port: first.port }));
    const server = await dns({ [TEST_HOSTNAME]: { A: ['127.0.0.1', '127.0.0.3'] } });
    const result = await senderVia(server).send(post(`https://${TEST_HOSTNAME}:${first.port}/`));
    expectFailure(result, 'network', /connection (reset|closed)/);
    expect(first.requests).toHaveLength(1);
    expect(second.connections).toBe(0);
  });

  it('refuses the whole answer when any address is refused, before connecting', async () => {
    const receiver = await h.serve(startHttpsServer({ pair: h.pki.valid }));
    const server = await dns({ [TEST_HOSTNAME]: { A: ['127.0.0.1', '10.0.0.1'] } });
    const result = await senderVia(server).send(post(`https://${TEST_HOSTNAME}:${receiver.port}/`));
    expectFailure(result, 'refused', /resolves to a refused address: 10\.0\.0\.1: private/);
    expect(receiver.connections).toBe(0);
  });
});
