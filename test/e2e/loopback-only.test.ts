/**
 * Issue 20 item 2, black box: while local mode runs with its own engines, every listening socket
 * of its whole process tree (the front door and fauxqs in node, DynamoDB Local in Java) is bound
 * to a loopback address, read from /proc, not from what the code asked for.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLoopbackAddress } from '../../lambdas/outbound/ssrf-guard.js';
import { decodeEndpoint, listeningSockets } from '../support/listening-sockets.js';
import { startLocal, type LocalInstance } from './harness.js';

/** /proc writes IPv6 in full (`0:0:0:0:0:ffff:7f00:1`); the guard reads it like any IPv6 text. */
const loopback = (address: string): boolean => isLoopbackAddress(address);

describe('local mode listens on loopback only', () => {
  let local: LocalInstance;
  beforeAll(async () => {
    local = await startLocal({ shareEngines: false });
  }, 180_000);
  afterAll(async () => {
    await local?.stop();
  });

  it('binds the front door, fauxqs and DynamoDB Local to loopback, and nothing else', () => {
    const sockets = listeningSockets(local.pid);
    const frontDoorPort = Number(new URL(local.baseUrl).port);
    // The check is not vacuous: all three servers are found, Java's among them.
    expect(sockets.some((s) => s.port === frontDoorPort)).toBe(true);
    expect(sockets.some((s) => s.command === 'java' && s.protocol.startsWith('tcp'))).toBe(true);
    expect(new Set(sockets.filter((s) => s.protocol.startsWith('tcp')).map((s) => s.port)).size).toBeGreaterThanOrEqual(3);
    expect(sockets.filter((s) => !loopback(s.address))).toEqual([]);
  });
});

describe('reading /proc endpoints', () => {
  it.each([
    ['0100007F:1F90', '127.0.0.1', 8080],
    ['00000000:0050', '0.0.0.0', 80],
    ['00000000000000000000000001000000:01BB', '0:0:0:0:0:0:0:1', 443],
    ['0000000000000000FFFF00000100007F:B05B', '0:0:0:0:0:ffff:7f00:1', 45147],
    ['00000000000000000000000000000000:1F90', '0:0:0:0:0:0:0:0', 8080],
  ])('decodes %s as %s port %i', (hex, address, port) => {
    expect(decodeEndpoint(hex)).toEqual({ address, port });
  });

  it('counts the wildcard addresses as not loopback and the loopback forms as loopback', () => {
    expect(['0.0.0.0', '0:0:0:0:0:0:0:0'].map(loopback)).toEqual([false, false]);
    expect(['127.0.0.1', '0:0:0:0:0:0:0:1', '0:0:0:0:0:ffff:7f00:1'].map(loopback)).toEqual([true, true, true]);
  });
});
