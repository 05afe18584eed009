/**
 * The SSRF matrix, through the real sender: every case is a `send` with a stub resolver while the
 * connection tripwire refuses (and records) any socket. A refusal must come back as outcome
 * `refused` with a reason naming what was hit, after the expected number of resolutions (0 when
 * the URL alone decides, 1 otherwise) and with no dial at all. Positive controls show the
 * tripwire does see the dial an allowed target makes, pinned to the checked address.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { nextAttempt } from '../../../lambdas/core/retry-policy.js';
import { HttpSenderConfigError } from '../../../lambdas/outbound/errors.js';
import { createHttpSender, type HttpSender, type HttpSenderOptions, type ResolvedAddress } from '../../../lambdas/outbound/http-sender.js';
import type { SendResult } from '../../../lambdas/core/ports.js';
import { installTripwire, TRIPWIRE_CODE, type Tripwire } from './connection-tripwire.js';

let tripwire: Tripwire;
const senders: HttpSender[] = [];

beforeAll(() => {
  tripwire = installTripwire();
});
afterEach(async () => {
  tripwire.dials.length = 0;
  await Promise.all(senders.splice(0).map((s) => s.close()));
});
afterAll(() => tripwire.restore());

const familyOf = (address: string): 4 | 6 => (address.includes(':') ? 6 : 4);

/** A resolver that answers each call with the next record set and counts the calls. */
function scriptedResolver(...answers: string[][]): { resolve: (hostname: string) => Promise<ResolvedAddress[]>; calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    resolve: async (hostname) => {
      const answer = answers[Math.min(calls.length, answers.length - 1)] ?? [];
      calls.push(hostname);
      return answer.map((address) => ({ address, family: familyOf(address) }));
    },
  };
}

function sender(options: HttpSenderOptions): HttpSender {
  const s = createHttpSender(options);
  senders.push(s);
  return s;
}

const post = (url: string) => ({ method: 'POST' as const, url, headers: { 'content-type': 'application/json' }, body: '{}', timeoutMs: 2_000 });

/** Production settings as dependencies.ts builds them in AWS (allowedPorts 443 + configured extras). */
const PRODUCTION: HttpSenderOptions = { allowedPorts: [443, 8443], userAgent: 'Hookline/test' };
const LOCAL: HttpSenderOptions = { allowHttpLoopback: true, userAgent: 'Hookline/test' };

async function sendVia(options: HttpSenderOptions, url: string, answers: string[][] = [['8.8.8.8']]) {
  const resolver = scriptedResolver(...answers);
  const result = await sender({ ...options, resolver: resolver.resolve }).send(post(url));
  return { result, resolverCalls: resolver.calls.length };
}

function expectRefused(result: SendResult, reason: RegExp): void {
  expect(result).toMatchObject({ kind: 'failure', outcome: 'refused' });
  if (result.kind === 'failure') expect(result.reason).toMatch(reason);
}

/** The dial an allowed target made (the tripwire stopped it before any packet left). */
function expectDialled(result: SendResult, dial: { host: string; port: number; servername?: string }): void {
  expect(result).toMatchObject({ kind: 'failure', outcome: 'network', reason: expect.stringContaining(TRIPWIRE_CODE) });
  expect(tripwire.dials).toEqual([expect.objectContaining({ host: dial.host, port: dial.port, servername: dial.servername })]);
}

describe('IP-literal hosts in every notation are refused before any resolution or dial', () => {
  it.each([
    ['https://127.0.0.1/', /\(127\.0\.0\.1: loopback/],
    ['https://127.1/', /\(127\.0\.0\.1: loopback/],
    ['https://0x7f000001/', /\(127\.0\.0\.1: loopback/],
    ['https://2130706433/', /\(127\.0\.0\.1: loopback/],
    ['https://017700000001/', /\(127\.0\.0\.1: loopback/],
    ['https://0177.0.0.1/', /\(127\.0\.0\.1: loopback/],
    ['https://0x7f.0.0.1/', /\(127\.0\.0\.1: loopback/],
    ['https://127.000.000.001/', /\(127\.0\.0\.1: loopback/],
    ['https://127.0.0.1./', /\(127\.0\.0\.1: loopback/],
    ['https://\uff11\uff12\uff17.\uff10.\uff10.\uff11/', /\(127\.0\.0\.1: loopback/],
    ['https://%31%32%37.0.0.1/', /\(127\.0\.0\.1: loopback/],
    ['https://[::1]/', /\(::1: loopback/],
    ['https://[0:0:0:0:0:0:0:1]/', /\(::1: loopback/],
    ['https://[::ffff:127.0.0.1]/', /IPv4-mapped embedding 127\.0\.0\.1: loopback/],
    ['https://[::ffff:7f00:1]/', /IPv4-mapped embedding 127\.0\.0\.1: loopback/],
    ['https://10.0.0.1/', /\(10\.0\.0\.1: private \(RFC 1918\)/],
    ['https://0xa.0.0.1/', /\(10\.0\.0\.1: private \(RFC 1918\)/],
    ['https://172.16.0.1/', /private \(RFC 1918\)/],
    ['https://192.168.0.1/', /private \(RFC 1918\)/],
    ['https://169.254.169.254/', /cloud metadata/],
    ['https://0xa9fea9fe/', /\(169\.254\.169\.254: cloud metadata/],
    ['https://2852039166/', /\(169\.254\.169\.254: cloud metadata/],
    ['https://0251.0376.0251.0376/', /\(169\.254\.169\.254: cloud metadata/],
    ['https://[fd00:ec2::254]/', /cloud metadata \(AWS IMDS over IPv6\)/],
    ['https://[::ffff:169.254.169.254]/', /IPv4-mapped embedding 169\.254\.169\.254: cloud metadata/],
    ['https://0.0.0.0/', /unspecified/],
    ['https://0/', /\(0\.0\.0\.0: unspecified/],
    ['https://[::]/', /unspecified \(::\)/],
    ['https://100.64.0.1/', /carrier-grade NAT/],
    ['https://224.0.0.1/', /multicast/],
    ['https://255.255.255.255/', /broadcast/],
    ['https://[fe80::1]/', /link-local \(fe80::\/10\)/],
    ['https://[fc00::1]/', /unique-local \(fc00::\/7\)/],
    ['https://[64:ff9b::a9fe:a9fe]/', /NAT64 .* embedding 169\.254\.169\.254: cloud metadata/],
    ['https://[2002:a9fe:a9fe::]/', /6to4 .* embedding 169\.254\.169\.254: cloud metadata/],
    ['https://8.8.8.8/', /^IP address hosts are not allowed \(8\.8\.8\.8\); use a hostname$/],
  ])('%s', async (url, reason) => {
    const { result, resolverCalls } = await sendVia(PRODUCTION, url);
    expectRefused(result, /^IP address hosts are not allowed/);
    expectRefused(result, reason);
    expect(resolverCalls).toBe(0);
    expect(tripwire.dials).toEqual([]);
  });

  it('refuses an IPv6 literal with a zone id as an invalid URL', async () => {
    const { result, resolverCalls } = await sendVia(PRODUCTION, 'https://[fe80::1%25eth0]/');
    expectRefused(result, /^invalid URL$/);
    expect(resolverCalls).toBe(0);
    expect(tripwire.dials).toEqual([]);
  });
});

describe('hostnames resolving to a refused address: one resolution, no dial', () => {
  it.each([
    ['127.0.0.1', /loopback \(127\.0\.0\.0\/8\)/],
    ['127.53.0.1', /loopback \(127\.0\.0\.0\/8\)/],
    ['::1', /loopback \(::1\)/],
    ['10.1.2.3', /private \(RFC 1918\)/],
    ['172.31.255.255', /private \(RFC 1918\)/],
    ['192.168.1.1', /private \(RFC 1918\)/],
    ['169.254.1.1', /link-local \(169\.254\.0\.0\/16\)/],
    ['169.254.169.254', /cloud metadata \(AWS\/GCP\/Azure\/OpenStack instance metadata\)/],
    ['169.254.170.2', /cloud metadata \(AWS ECS task metadata\)/],
    ['fd00:ec2::254', /cloud metadata \(AWS IMDS over IPv6\)/],
    ['100.64.0.1', /carrier-grade NAT \(100\.64\.0\.0\/10\)/],
    ['224.0.0.251', /multicast \(224\.0\.0\.0\/4\)/],
    ['ff02::1', /multicast \(ff00::\/8\)/],
    ['0.0.0.0', /unspecified/],
    ['::', /unspecified \(::\)/],
    ['255.255.255.255', /broadcast/],
    ['192.0.2.1', /documentation \(TEST-NET-1/],
    ['198.51.100.7', /documentation \(TEST-NET-2/],
    ['203.0.113.9', /documentation \(TEST-NET-3/],
    ['2001:db8::1', /documentation \(2001:db8::\/32\)/],
    ['fc00::1', /unique-local \(fc00::\/7\)/],
    ['fd12:3456::1', /unique-local \(fc00::\/7\)/],
    ['fe80::1', /link-local \(fe80::\/10\)/],
    ['fec0::1', /site-local/],
    ['::ffff:10.0.0.1', /IPv4-mapped embedding 10\.0\.0\.1: private/],
    ['::ffff:169.254.169.254', /IPv4-mapped embedding 169\.254\.169\.254: cloud metadata/],
    ['::ffff:0:a00:1', /IPv4-translated \(::ffff:0:0:0\/96\) embedding 10\.0\.0\.1: private/],
    ['64:ff9b::7f00:1', /NAT64 \(64:ff9b::\/96\) embedding 127\.0\.0\.1: loopback/],
    ['64:ff9b:1::808:808', /local-use NAT64/],
    ['2002:c0a8:101::1', /6to4 \(2002::\/16\) embedding 192\.168\.1\.1: private/],
    ['2001:0:a00:1::1', /Teredo server \(2001::\/32\) embedding 10\.0\.0\.1: private/],
    ['2001:0:4136:e378:8000:63bf:80ff:fffe', /Teredo client \(2001::\/32\) embedding 127\.0\.0\.1: loopback/],
    ['::127.0.0.1', /IPv4-compatible IPv6/],
    ['100::1', /discard-only/],
    ['240.0.0.1', /reserved \(240\.0\.0\.0\/4\)/],
    ['198.18.0.1', /benchmarking/],
    ['localhost', /localhost: not an IP address/],
    ['fe80::1%eth0', /IPv6 zone identifiers are not allowed/],
  ])('hooks.example.com → %s', async (address, reason) => {
    const { result, resolverCalls } = await sendVia(PRODUCTION, 'https://hooks.example.com/in', [[address]]);
    expectRefused(result, new RegExp(`^hooks\\.example\\.com resolves to a refused address: ${escape(address)}: `));
    expectRefused(result, reason);
    expect(resolverCalls).toBe(1);
    expect(tripwire.dials).toEqual([]);
  });

  it.each([
    [['8.8.8.8', '10.0.0.1']],
    [['10.0.0.1', '8.8.8.8']],
    [['2606:4700::1111', '::1']],
    [['1.1.1.1', '8.8.8.8', '169.254.169.254']],
  ])('refuses the whole record set %j when any address is refused', async (answer) => {
    const { result, resolverCalls } = await sendVia(PRODUCTION, 'https://hooks.example.com/', [answer]);
    expectRefused(result, /resolves to a refused address/);
    expect(resolverCalls).toBe(1);
    expect(tripwire.dials).toEqual([]);
  });

  it('reports an empty record set as a DNS (network) failure, not a dial', async () => {
    const { result } = await sendVia(PRODUCTION, 'https://hooks.example.com/', [[]]);
    expect(result).toMatchObject({ kind: 'failure', outcome: 'network', reason: 'DNS: hooks.example.com has no addresses' });
    expect(tripwire.dials).toEqual([]);
  });

  it('reports a resolver failure as a DNS (network) failure', async () => {
    const notFound = async () => Promise.reject(Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }));
    const result = await sender({ ...PRODUCTION, resolver: notFound }).send(post('https://nowhere.example.com/'));
    expect(result).toMatchObject({ kind: 'failure', outcome: 'network', reason: 'DNS: nowhere.example.com not found' });
    expect(tripwire.dials).toEqual([]);
  });
});

describe('URL, port and header rules are decided before resolution', () => {
  it.each([
    ['http://hooks.example.com/', /^scheme http not allowed \(https only\)$/],
    ['ftp://hooks.example.com/', /^scheme ftp not allowed/],
    ['file:///etc/passwd', /^scheme file not allowed/],
    ['gopher://hooks.example.com:70/', /^scheme gopher not allowed/],
    ['ws://hooks.example.com/', /^scheme ws not allowed/],
    ['https://user:secret@hooks.example.com/', /^credentials in the URL are not allowed$/],
    ['https://hooks.example.com:22/', /^port 22 not allowed \(allowed: 443, 8443\)$/],
    ['https://hooks.example.com:6379/', /^port 6379 not allowed/],
    ['not a url', /^invalid URL$/],
  ])('%s', async (url, reason) => {
    const { result, resolverCalls } = await sendVia(PRODUCTION, url);
    expectRefused(result, reason);
    expect(resolverCalls).toBe(0);
    expect(tripwire.dials).toEqual([]);
  });

  it.each(['Host', 'host', 'Transfer-Encoding', 'Connection'])('refuses a caller-set %s header (virtual host / framing override)', async (name) => {
    const resolver = scriptedResolver(['8.8.8.8']);
    const request = { ...post('https://hooks.example.com/'), headers: { [name]: 'internal.example' } };
    const result = await sender({ ...PRODUCTION, resolver: resolver.resolve }).send(request);
    expectRefused(result, new RegExp(`^request header ${name} may not be set$`));
    expect(resolver.calls).toEqual([]);
    expect(tripwire.dials).toEqual([]);
  });
});

describe('allowed targets dial the checked address with the original SNI (positive controls)', () => {
  it('dials the resolved IPv4 address on 443 with SNI = the URL hostname', async () => {
    const { result } = await sendVia(PRODUCTION, 'https://hooks.example.com/in', [['8.8.8.8']]);
    expectDialled(result, { host: '8.8.8.8', port: 443, servername: 'hooks.example.com' });
  });

  it('dials a resolved global IPv6 address', async () => {
    const { result } = await sendVia(PRODUCTION, 'https://hooks.example.com/', [['2606:4700::1111']]);
    expectDialled(result, { host: '2606:4700::1111', port: 443, servername: 'hooks.example.com' });
  });

  it('dials an explicitly allowed port', async () => {
    const { result } = await sendVia(PRODUCTION, 'https://hooks.example.com:8443/', [['1.1.1.1']]);
    expectDialled(result, { host: '1.1.1.1', port: 8443, servername: 'hooks.example.com' });
  });
});

describe('DNS rebinding: one resolution per attempt, and the checked address is the one dialled', () => {
  it('never makes the second resolution that would have answered loopback', async () => {
    // Prepare: a rebinding resolver (public first, loopback on any later query).
    const resolver = scriptedResolver(['8.8.8.8'], ['127.0.0.1']);
    const s = sender({ ...PRODUCTION, resolver: resolver.resolve });
    // Act
    const result = await s.send(post('https://rebind.example.com/'));
    // Assess: one lookup; the dial went to the checked public address, SNI kept.
    expect(resolver.calls).toEqual(['rebind.example.com']);
    expectDialled(result, { host: '8.8.8.8', port: 443, servername: 'rebind.example.com' });
  });

  it('checks the next attempt’s own resolution: the rebound answer is refused, never dialled', async () => {
    const resolver = scriptedResolver(['8.8.8.8'], ['127.0.0.1']);
    const s = sender({ ...PRODUCTION, resolver: resolver.resolve });
    await s.send(post('https://rebind.example.com/'));
    tripwire.dials.length = 0;
    const second = await s.send(post('https://rebind.example.com/'));
    expect(resolver.calls).toHaveLength(2);
    expectRefused(second, /^rebind\.example\.com resolves to a refused address: 127\.0\.0\.1: loopback/);
    expect(tripwire.dials).toEqual([]);
  });
});

describe('the local-mode loopback allowance covers loopback only', () => {
  it.each([
    ['10.0.0.1', /private \(RFC 1918\)/],
    ['192.168.1.10', /private \(RFC 1918\)/],
    ['169.254.169.254', /cloud metadata/],
    ['fd00:ec2::254', /cloud metadata/],
    ['fd00::1', /unique-local/],
    ['0.0.0.0', /unspecified/],
    ['100.64.0.1', /carrier-grade NAT/],
    // Tunnelled forms reach a gateway, not this host: not loopback even when they embed 127/8.
    ['64:ff9b::7f00:1', /NAT64 .* embedding 127\.0\.0\.1: loopback/],
    ['2002:7f00:1::', /6to4 .* embedding 127\.0\.0\.1: loopback/],
  ])('still refuses hooks.test → %s', async (address, reason) => {
    const { result } = await sendVia(LOCAL, 'https://hooks.test/', [[address]]);
    expectRefused(result, reason);
    expect(tripwire.dials).toEqual([]);
  });

  it.each([
    ['https://10.0.0.1/', /\(10\.0\.0\.1: private/],
    ['http://169.254.169.254/latest/meta-data/', /\(169\.254\.169\.254: cloud metadata/],
  ])('still refuses the IP literal %s', async (url, reason) => {
    const { result, resolverCalls } = await sendVia(LOCAL, url);
    expectRefused(result, reason);
    expect(resolverCalls).toBe(0);
    expect(tripwire.dials).toEqual([]);
  });

  it('refuses plain http to a hostname resolving to a public address', async () => {
    const { result } = await sendVia(LOCAL, 'http://hooks.test/', [['8.8.8.8']]);
    expectRefused(result, /^plain http is only allowed to loopback \(hooks\.test resolves to 8\.8\.8\.8\)$/);
    expect(tripwire.dials).toEqual([]);
  });

  it('dials loopback: a hostname mapped to 127.0.0.1, and a loopback literal over http', async () => {
    const named = await sendVia(LOCAL, 'https://hooks.test:9443/', [['127.0.0.1']]);
    expectDialled(named.result, { host: '127.0.0.1', port: 9443, servername: 'hooks.test' });
    tripwire.dials.length = 0;
    const literal = await sendVia(LOCAL, 'http://[::1]:8080/');
    expect(literal.resolverCalls).toBe(0);
    expect(tripwire.dials).toEqual([expect.objectContaining({ via: 'net.connect', host: '::1', port: 8080 })]);
  });

  it('cannot be enabled inside AWS Lambda', () => {
    vi.stubEnv('AWS_LAMBDA_FUNCTION_NAME', 'hookline-worker');
    try {
      expect(() => createHttpSender({ allowHttpLoopback: true })).toThrow(HttpSenderConfigError);
      expect(() => createHttpSender({ allowHttpLoopback: true })).toThrow(/local mode only/);
      // The production configuration itself is unaffected.
      senders.push(createHttpSender({ allowHttpLoopback: false }));
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

describe('a refusal is final', () => {
  it('is never retried by the retry policy, whatever retryOn says', async () => {
    const { result } = await sendVia(PRODUCTION, 'https://hooks.example.com/', [['169.254.169.254']]);
    expect(result.kind === 'failure' && result.outcome).toBe('refused');
    const decision = nextAttempt({
      subscription: { retryPolicy: { type: 'fixed', delays: [1, 2, 3] }, retryOn: ['timeout', 'network', '3xx', '4xx', '429', '5xx'] },
      attemptsMade: 1,
      outcome: 'refused',
      failedAt: 0,
    });
    expect(decision).toEqual({ final: expect.stringMatching(/never retried/) });
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
