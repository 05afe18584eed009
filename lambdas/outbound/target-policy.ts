/**
 * URL-level refusals, decided before any DNS query or socket: scheme, userinfo, IP-literal hosts
 * and ports. What passes is a target whose hostname still has to be resolved and checked.
 */
import { isIP } from 'node:net';
import { checkAddress, isLoopbackAddress } from './ssrf-guard.js';

export interface TargetPolicy {
  allowHttpLoopback: boolean;
  allowedPorts: readonly number[] | undefined;
}

export interface Target {
  url: URL;
  /** Hostname without IPv6 brackets. */
  hostname: string;
  port: number;
  /** Set when the URL names a (loopback, local-mode) IP literal: no resolution happens. */
  literalAddress?: string;
}

export type TargetCheck = { ok: true; target: Target } | { ok: false; reason: string };

const refuse = (reason: string): TargetCheck => ({ ok: false, reason });

export function checkTarget(rawUrl: string, policy: TargetPolicy): TargetCheck {
  const url = URL.parse(rawUrl);
  if (url === null) return refuse('invalid URL');
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && policy.allowHttpLoopback)) {
    return refuse(`scheme ${url.protocol.replace(/:$/, '')} not allowed (https only)`);
  }
  if (url.username !== '' || url.password !== '') return refuse('credentials in the URL are not allowed');
  if (url.hostname === '') return refuse('URL has no host');

  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  if (policy.allowedPorts && !policy.allowedPorts.includes(port)) {
    return refuse(`port ${port} not allowed (allowed: ${policy.allowedPorts.join(', ')})`);
  }

  // The WHATWG parser has already normalised every IPv4 notation (hex, octal, integer,
  // shortened) to dotted decimal and IPv6 to its compressed bracketed form.
  const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  if (isIP(hostname) !== 0) {
    if (policy.allowHttpLoopback && isLoopbackAddress(hostname)) {
      const check = checkAddress(hostname, { allowLoopback: true });
      if (!check.ok) return refuse(check.reason);
      return { ok: true, target: { url, hostname, port, literalAddress: hostname } };
    }
    // Subscriptions name hosts, never addresses (core/url-policy); say what the literal would reach.
    const check = checkAddress(hostname);
    return refuse(`IP address hosts are not allowed (${check.ok ? `${hostname}` : check.reason}); use a hostname`);
  }
  return { ok: true, target: { url, hostname, port } };
}

/**
 * Checks every resolved address; one refused address refuses the whole target, so a record set
 * that mixes public and internal addresses cannot be used to reach the internal one. The checked
 * addresses come back in the resolver's order, the order they are tried in.
 */
export function checkResolved(
  target: Target,
  addresses: readonly string[],
  policy: TargetPolicy,
): { ok: true; addresses: string[] } | { ok: false; reason: string } {
  if (addresses.length === 0) return { ok: false, reason: `DNS: ${target.hostname} has no addresses` };
  for (const address of addresses) {
    const check = checkAddress(address, { allowLoopback: policy.allowHttpLoopback });
    if (!check.ok) return { ok: false, reason: `${target.hostname} resolves to a refused address: ${check.reason}` };
    if (target.url.protocol === 'http:' && !isLoopbackAddress(address)) {
      return { ok: false, reason: `plain http is only allowed to loopback (${target.hostname} resolves to ${address})` };
    }
  }
  return { ok: true, addresses: [...addresses] };
}
