/**
 * The address guard as a pure function: what it lets through (so the matrix's refusals are not
 * an "everything is refused" artefact), the edges of each refused range, and how far the
 * local-mode loopback allowance reaches.
 */
import { describe, expect, it } from 'vitest';
import { checkAddress, isLoopbackAddress } from '../../../lambdas/outbound/ssrf-guard.js';

describe('global unicast passes', () => {
  it.each([
    '8.8.8.8',
    '1.0.0.1',
    '2a00:1450:4001::1',
    '2606:4700::1111',
    // Just outside each refused IPv4 range.
    '9.255.255.255',
    '11.0.0.0',
    '100.63.255.255',
    '100.128.0.0',
    '126.255.255.255',
    '128.0.0.0',
    '169.253.255.255',
    '169.255.0.0',
    '172.15.255.255',
    '172.32.0.0',
    '192.0.1.255',
    '192.0.3.0',
    '198.17.255.255',
    '198.20.0.0',
    '223.255.255.255',
    // Translated forms whose embedded IPv4 is itself global.
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
    '2002:808:808::1',
    '2001:0:808:808:8000:63bf:f7f7:fbfb', // Teredo: server 8.8.8.8, client 8.8.4.4
  ])('%s', (address) => {
    expect(checkAddress(address)).toEqual({ ok: true });
  });
});

describe('refusals name the range, in any spelling of the address', () => {
  it.each([
    ['FD00:EC2:0:0:0:0:0:254', /cloud metadata \(AWS IMDS over IPv6\)/],
    ['fd00:ec2:0::254', /cloud metadata \(AWS IMDS over IPv6\)/],
    ['0:0:0:0:0:ffff:a9fe:a9fe', /IPv4-mapped embedding 169\.254\.169\.254: cloud metadata/],
    ['100.100.100.200', /cloud metadata \(Alibaba/],
    ['168.63.129.16', /cloud metadata \(Azure/],
    ['192.0.0.8', /reserved \(IETF protocol assignments/],
    ['192.88.99.1', /6to4 relay anycast/],
    ['3fff::1', /documentation \(3fff::\/20\)/],
    ['2001:2::1', /benchmarking/],
    ['5f00::1', /segment routing/],
    ['fbff::1', /outside global unicast \(2000::\/3\)/],
    ['::8.8.8.8', /IPv4-compatible IPv6 .* not routable/],
    ['0x7f000001', /not an IP address/],
    ['127.1', /not an IP address/],
  ])('%s', (address, reason) => {
    const check = checkAddress(address);
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.reason).toMatch(reason);
  });
});

describe('the loopback allowance (local mode) reaches loopback only', () => {
  it.each(['127.0.0.1', '127.255.255.254', '::1', '::ffff:127.0.0.1'])('allows %s', (address) => {
    expect(checkAddress(address, { allowLoopback: true })).toEqual({ ok: true });
    expect(checkAddress(address).ok).toBe(false);
    expect(isLoopbackAddress(address)).toBe(true);
  });

  it.each([
    '10.0.0.1',
    '172.16.0.1',
    '192.168.0.1',
    '169.254.169.254',
    '169.254.1.1',
    '100.64.0.1',
    '0.0.0.0',
    '::',
    'fe80::1',
    'fc00::1',
    'fd00:ec2::254',
    '64:ff9b::7f00:1',
    '2002:7f00:1::',
    '2001:0:4136:e378:8000:63bf:80ff:fffe',
  ])('still refuses %s', (address) => {
    expect(checkAddress(address, { allowLoopback: true }).ok).toBe(false);
    expect(isLoopbackAddress(address)).toBe(false);
  });
});
