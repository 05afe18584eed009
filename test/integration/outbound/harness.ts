/**
 * Shared set-up for the outbound-client tests against loopback servers. The test sender is the
 * production sender with two test-only inputs: a stub resolver that knows only `hooks.test`
 * (→ 127.0.0.1, or ::1) and the run's test CA as `extraCa`. Reaching 127.0.0.1 needs
 * `allowHttpLoopback`, local mode's loopback allowance, which `createHttpSender` refuses inside
 * AWS Lambda. Certificate, SNI, protocol and cipher checks do not depend on it.
 */
import { once } from 'node:events';
import tls from 'node:tls';
import { afterEach, beforeAll, expect } from 'vitest';
import { createHttpSender, type HttpSender, type HttpSenderOptions, type ResolvedAddress } from '../../../lambdas/outbound/http-sender.js';
import type { SendResult } from '../../../lambdas/core/ports.js';
import { TEST_HOSTNAME, testPki, type TestPki } from '../../support/tls.js';
import type { LoopbackServer } from './loopback-server.js';

export { TEST_HOSTNAME };

export interface Harness {
  readonly pki: TestPki;
  /** The test sender; closed after each test. */
  sender(overrides?: HttpSenderOptions): HttpSender;
  /** Registers a started server to be closed after each test. */
  serve<T extends LoopbackServer>(started: Promise<T>): Promise<T>;
}

/** Resolves `hooks.test` only; any other name fails like real DNS would for an unknown host. */
export function stubResolver(address = '127.0.0.1'): (hostname: string) => Promise<ResolvedAddress[]> {
  return async (hostname) => {
    if (hostname !== TEST_HOSTNAME) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return [{ address, family: address.includes(':') ? 6 : 4 }];
  };
}

export function useHarness(): Harness {
  let pki: TestPki | undefined;
  const servers: LoopbackServer[] = [];
  const senders: HttpSender[] = [];
  beforeAll(async () => {
    pki = await testPki();
  });
  afterEach(async () => {
    await Promise.all(senders.splice(0).map((s) => s.close()));
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  const harness: Harness = {
    get pki() {
      if (!pki) throw new Error('the test PKI is built in beforeAll');
      return pki;
    },
    sender(overrides = {}) {
      const s = createHttpSender({ allowHttpLoopback: true, extraCa: harness.pki.ca.cert, resolver: stubResolver(), ...overrides });
      senders.push(s);
      return s;
    },
    async serve(started) {
      const server = await started;
      servers.push(server);
      return server;
    },
  };
  return harness;
}

/** `https://hooks.test:<port><path>` for a loopback server. */
export const urlOf = (server: LoopbackServer, path = '/', scheme = 'https'): string => `${scheme}://${TEST_HOSTNAME}:${server.port}${path}`;

export const post = (url: string, timeoutMs = 5_000) => ({
  method: 'POST' as const,
  url,
  headers: { 'content-type': 'application/json', 'webhook-id': 'msg_1' },
  body: '{"hello":"world"}',
  timeoutMs,
});

export function expectFailure(result: SendResult, outcome: 'timeout' | 'network' | 'refused', reason: RegExp): void {
  expect(result).toMatchObject({ kind: 'failure', outcome });
  if (result.kind === 'failure') expect(result.reason).toMatch(reason);
}

/** Proves a test server is a working TLS endpoint for a client that accepts what it offers. */
export async function handshakeWith(
  server: LoopbackServer,
  ca: string,
  options: tls.ConnectionOptions,
): Promise<{ protocol: string | null; cipher: string }> {
  const socket = tls.connect({ host: server.host, port: server.port, servername: TEST_HOSTNAME, ca: [ca], ...options });
  try {
    await once(socket, 'secureConnect');
    return { protocol: socket.getProtocol(), cipher: socket.getCipher().name };
  } finally {
    socket.destroy();
  }
}
