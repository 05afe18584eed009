/**
 * SSRF guard: decides whether an IP address is a globally routable unicast address that a
 * webhook may be delivered to. Everything else (private, loopback, link-local, CGNAT,
 * multicast, reserved, documentation, benchmarking, unique-local, cloud metadata, and
 * translated forms that embed one of those) is refused with a reason an operator can read.
 *
 * Allow-list logic: an address passes only when ipaddr.js classifies it as plain `unicast`,
 * it is not in one of the explicit CIDRs below, and (IPv6) it lies in global unicast 2000::/3.
 */
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

export type AddressCheck = { ok: true } | { ok: false; reason: string };

export interface AddressCheckOptions {
  /**
   * Let loopback addresses (127.0.0.0/8, ::1, and their mapped forms) pass. Local mode only.
   * @default false
   */
  allowLoopback?: boolean;
}

/** Cloud instance/task metadata endpoints; named explicitly so the reason says what was hit. */
const METADATA_ADDRESSES: ReadonlyMap<string, string> = new Map([
  ['169.254.169.254', 'cloud metadata (AWS/GCP/Azure/OpenStack instance metadata)'],
  ['169.254.170.2', 'cloud metadata (AWS ECS task metadata)'],
  ['169.254.170.23', 'cloud metadata (AWS EKS pod identity)'],
  ['168.63.129.16', 'cloud metadata (Azure wire server)'],
  ['100.100.100.200', 'cloud metadata (Alibaba Cloud instance metadata)'],
  ['fd00:ec2::254', 'cloud metadata (AWS IMDS over IPv6)'],
  ['fd00:ec2::23', 'cloud metadata (AWS EKS pod identity over IPv6)'],
]);

/** Ranges ipaddr.js reports as `unicast` (or does not name precisely) that must still be refused. */
const EXTRA_IPV4_DENY = parseCidrs((c) => ipaddr.IPv4.parseCIDR(c), [
  ['0.0.0.0/8', 'unspecified ("this network", 0.0.0.0/8)'],
  ['192.0.0.0/24', 'reserved (IETF protocol assignments, 192.0.0.0/24)'],
  ['192.0.2.0/24', 'documentation (TEST-NET-1, 192.0.2.0/24)'],
  ['198.51.100.0/24', 'documentation (TEST-NET-2, 198.51.100.0/24)'],
  ['203.0.113.0/24', 'documentation (TEST-NET-3, 203.0.113.0/24)'],
  ['198.18.0.0/15', 'benchmarking (198.18.0.0/15)'],
  ['192.88.99.0/24', 'reserved (6to4 relay anycast, 192.88.99.0/24)'],
  ['255.255.255.255/32', 'broadcast (255.255.255.255)'],
  ['240.0.0.0/4', 'reserved (240.0.0.0/4)'],
]);

const EXTRA_IPV6_DENY = parseCidrs((c) => ipaddr.IPv6.parseCIDR(c), [
  ['2001:db8::/32', 'documentation (2001:db8::/32)'],
  ['3fff::/20', 'documentation (3fff::/20)'],
  ['2001:2::/48', 'benchmarking (2001:2::/48)'],
  ['100::/64', 'reserved (discard-only, 100::/64)'],
]);

const IPV4_COMPATIBLE = ipaddr.IPv6.parseCIDR('::/96');
const NAT64_LOCAL_USE = ipaddr.IPv6.parseCIDR('64:ff9b:1::/48');
const GLOBAL_UNICAST_V6 = ipaddr.IPv6.parseCIDR('2000::/3');

function parseCidrs<T>(parse: (cidr: string) => T, list: ReadonlyArray<[string, string]>): ReadonlyArray<[T, string]> {
  return list.map(([cidr, reason]) => [parse(cidr), reason]);
}

const IPV4_RANGE_REASONS: Readonly<Record<string, string>> = {
  unspecified: 'unspecified (0.0.0.0/8)',
  broadcast: 'broadcast (255.255.255.255)',
  multicast: 'multicast (224.0.0.0/4)',
  linkLocal: 'link-local (169.254.0.0/16)',
  loopback: 'loopback (127.0.0.0/8)',
  carrierGradeNat: 'carrier-grade NAT (100.64.0.0/10)',
  private: 'private (RFC 1918)',
  reserved: 'reserved or documentation range',
  as112: 'reserved (AS112 DNS sink)',
  amt: 'reserved (AMT relay anycast)',
};

const IPV6_RANGE_REASONS: Readonly<Record<string, string>> = {
  unspecified: 'unspecified (::)',
  linkLocal: 'link-local (fe80::/10)',
  multicast: 'multicast (ff00::/8)',
  loopback: 'loopback (::1)',
  uniqueLocal: 'unique-local (fc00::/7)',
  deprecatedSiteLocal: 'site-local (fec0::/10, deprecated)',
  discard: 'reserved (discard-only, 100::/64)',
  benchmarking: 'benchmarking (2001:2::/48)',
  amt: 'reserved (AMT, 2001:3::/32)',
  as112v6: 'reserved (AS112 DNS sink)',
  deprecatedOrchid: 'reserved (ORCHID)',
  orchid2: 'reserved (ORCHIDv2)',
  droneRemoteIdProtocolEntityTags: 'reserved (DRIP entity tags)',
  segmentRouting: 'reserved (segment routing SIDs, 5f00::/16)',
  reserved: 'reserved or documentation range',
};

const refuse = (reason: string): AddressCheck => ({ ok: false, reason });

/**
 * Checks one IP address (as a resolver returns it: dotted IPv4 or IPv6 text, no brackets).
 * Anything that is not a plain IP literal (hostnames, zone ids, numeric shorthands) is refused,
 * because connecting to it would trigger another, unchecked, resolution.
 */
export function checkAddress(address: string, options: AddressCheckOptions = {}): AddressCheck {
  const family = isIP(address);
  if (family === 0) return refuse(`${address}: not an IP address`);
  if (address.includes('%')) return refuse(`${address}: IPv6 zone identifiers are not allowed`);
  const verdict =
    family === 4
      ? checkIPv4(ipaddr.IPv4.parse(address), options)
      : checkIPv6(ipaddr.IPv6.parse(canonicalIPv6(address)), options);
  return verdict.ok ? verdict : refuse(`${address}: ${verdict.reason}`);
}

function checkIPv4(ip: ipaddr.IPv4, options: AddressCheckOptions): AddressCheck {
  const text = ip.toString();
  const metadata = METADATA_ADDRESSES.get(text);
  if (metadata) return refuse(metadata);
  for (const [cidr, reason] of EXTRA_IPV4_DENY) {
    if (ip.match(cidr)) return refuse(reason);
  }
  const range = ip.range();
  if (range === 'loopback' && options.allowLoopback) return { ok: true };
  if (range !== 'unicast') return refuse(IPV4_RANGE_REASONS[range] ?? `not globally routable (${range})`);
  return { ok: true };
}

function checkIPv6(ip: ipaddr.IPv6, options: AddressCheckOptions): AddressCheck {
  const metadata = METADATA_ADDRESSES.get(ip.toString());
  if (metadata) return refuse(metadata);
  for (const [cidr, reason] of EXTRA_IPV6_DENY) {
    if (ip.match(cidr)) return refuse(reason);
  }
  const range = ip.range();
  if (range === 'loopback' && options.allowLoopback) return { ok: true };

  switch (range) {
    case 'ipv4Mapped':
      // ::ffff:a.b.c.d reaches a.b.c.d on a dual-stack socket: judge it as that IPv4 address.
      return embedded('IPv4-mapped', ip.toIPv4Address(), options);
    case 'rfc6145': {
      // SIIT ::ffff:0:a.b.c.d: only meaningful behind a stateless translator; never a webhook target.
      const inner = checkIPv4(lastIPv4(ip), {});
      return refuse(`IPv4-translated (::ffff:0:0:0/96) embedding ${lastIPv4(ip).toString()}${inner.ok ? '' : `: ${inner.reason}`}`);
    }
    // Tunnelled/translated forms travel to a gateway, not to this host: the loopback allowance
    // never applies to what they embed (64:ff9b::7f00:1 is not loopback).
    case 'rfc6052': {
      const v4 = lastIPv4(ip);
      // 64:ff9b:1::/48 is the local-use NAT64 prefix (RFC 8215): never globally reachable.
      if (ip.match(NAT64_LOCAL_USE)) {
        const inner = checkIPv4(v4, {});
        return refuse(`local-use NAT64 (64:ff9b:1::/48, embeds ${v4.toString()}${inner.ok ? '' : `: ${inner.reason}`})`);
      }
      return embedded('NAT64 (64:ff9b::/96)', v4, {});
    }
    case '6to4':
      return embedded('6to4 (2002::/16)', ipv4FromParts(ip.parts[1] ?? 0, ip.parts[2] ?? 0), {});
    case 'teredo': {
      // Server address in bits 32..63, client address obfuscated (bit-inverted) in bits 96..127.
      const server = embedded('Teredo server (2001::/32)', ipv4FromParts(ip.parts[2] ?? 0, ip.parts[3] ?? 0), {});
      if (!server.ok) return server;
      return embedded('Teredo client (2001::/32)', ipv4FromParts(~(ip.parts[6] ?? 0) & 0xffff, ~(ip.parts[7] ?? 0) & 0xffff), {});
    }
    case 'unicast':
      break;
    default:
      return refuse(IPV6_RANGE_REASONS[range] ?? `not globally routable (${range})`);
  }

  // IPv4-compatible ::a.b.c.d (deprecated, RFC 4291): never routable, but name what it embeds.
  if (ip.match(IPV4_COMPATIBLE)) {
    return refuse(`IPv4-compatible IPv6 (::/96, embeds ${lastIPv4(ip).toString()}), not routable`);
  }
  if (!ip.match(GLOBAL_UNICAST_V6)) return refuse('outside global unicast (2000::/3)');
  return { ok: true };
}

/**
 * ipaddr.js reads a dotted tail such as `::8.8.8.8` as IPv4-mapped (`::ffff:8.8.8.8`); the WHATWG
 * URL parser implements RFC 4291 exactly, so canonicalise through it first.
 */
function canonicalIPv6(address: string): string {
  return new URL(`http://[${address}]/`).hostname.slice(1, -1);
}

function embedded(kind: string, v4: ipaddr.IPv4, options: AddressCheckOptions): AddressCheck {
  const inner = checkIPv4(v4, options);
  return inner.ok ? inner : refuse(`${kind} embedding ${v4.toString()}: ${inner.reason}`);
}

function lastIPv4(ip: ipaddr.IPv6): ipaddr.IPv4 {
  return ipv4FromParts(ip.parts[6] ?? 0, ip.parts[7] ?? 0);
}

function ipv4FromParts(high: number, low: number): ipaddr.IPv4 {
  return new ipaddr.IPv4([(high >> 8) & 0xff, high & 0xff, (low >> 8) & 0xff, low & 0xff]);
}

/** True for 127.0.0.0/8, ::1 and ::ffff:127.x.y.z: what local mode's loopback allowance covers. */
export function isLoopbackAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0 || address.includes('%')) return false;
  const parsed = family === 4 ? ipaddr.IPv4.parse(address) : ipaddr.IPv6.parse(canonicalIPv6(address));
  if (parsed instanceof ipaddr.IPv6 && parsed.isIPv4MappedAddress()) return parsed.toIPv4Address().range() === 'loopback';
  return parsed.range() === 'loopback';
}
