/**
 * The sender's DNS resolver: c-ares queries (node:dns `Resolver`) instead of `getaddrinfo`, because
 * a `getaddrinfo` call cannot be cancelled and holds one of libuv's four threads for as long as the
 * system resolver takes, past any attempt deadline. Each resolution gets its own channel, cancelled
 * at the deadline the attempt gives it, so a slow DNS server costs nothing after that.
 */
import { Resolver as DnsChannel } from 'node:dns/promises';
import { OutboundDnsTimeoutError } from './errors.js';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a hostname to all its addresses, giving up (rejecting) after `deadlineMs`. */
export type Resolver = (hostname: string, deadlineMs: number) => Promise<ResolvedAddress[]>;

export interface DnsResolverOptions {
  /**
   * DNS servers as `address` or `address:port` (`[v6]:port`).
   * @default the system's (/etc/resolv.conf)
   */
  servers?: string[];
}

/** RFC 6761 §6.3: `localhost` names are loopback and never sent to a DNS server. */
const LOCALHOST: readonly ResolvedAddress[] = [
  { address: '127.0.0.1', family: 4 },
  { address: '::1', family: 6 },
];

/** c-ares re-sends an unanswered query after this long (per try); the deadline cancels all tries. */
const QUERY_RETRY_MS = 1_000;

export function createDnsResolver(options: DnsResolverOptions = {}): Resolver {
  return async (hostname, deadlineMs) => {
    const name = hostname.toLowerCase().replace(/\.$/, '');
    if (name === 'localhost' || name.endsWith('.localhost')) return [...LOCALHOST];
    const channel = new DnsChannel({ timeout: Math.min(QUERY_RETRY_MS, Math.max(1, deadlineMs)), tries: 4 });
    if (options.servers) channel.setServers(options.servers);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      channel.cancel();
    }, deadlineMs);
    try {
      const [v4, v6] = await Promise.allSettled([channel.resolve4(name), channel.resolve6(name)]);
      if (timedOut) throw new OutboundDnsTimeoutError(`DNS: resolving ${hostname} timed out after ${deadlineMs} ms`);
      return interleave(addresses(v4, 4), addresses(v6, 6), [v4, v6]);
    } finally {
      clearTimeout(timer);
      channel.cancel();
    }
  };
}

function addresses(result: PromiseSettledResult<string[]>, family: 4 | 6): ResolvedAddress[] {
  return result.status === 'fulfilled' ? result.value.map((address) => ({ address, family })) : [];
}

/**
 * IPv4 first, then alternating (RFC 8305 §4 interleaving): Lambda's default egress is IPv4 only,
 * so an IPv6 address first would cost every dual-stack delivery a failed connect.
 */
function interleave(v4: ResolvedAddress[], v6: ResolvedAddress[], results: PromiseSettledResult<string[]>[]): ResolvedAddress[] {
  if (v4.length === 0 && v6.length === 0) throw firstFailure(results);
  const out: ResolvedAddress[] = [];
  for (let i = 0; i < Math.max(v4.length, v6.length); i++) {
    if (v4[i]) out.push(v4[i]!);
    if (v6[i]) out.push(v6[i]!);
  }
  return out;
}

/** NXDOMAIN wins (either query says the name does not exist); else the A query's error. */
function firstFailure(results: PromiseSettledResult<string[]>[]): unknown {
  const reasons = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  const notFound = reasons.find((e) => (e as { code?: unknown }).code === 'ENOTFOUND');
  return notFound ?? reasons[0] ?? Object.assign(new Error('no address records'), { code: 'ENODATA' });
}
