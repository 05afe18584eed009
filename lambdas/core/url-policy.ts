/**
 * Subscription URL policy (DESIGN §5, issue 4). This is the static check made when a
 * subscription is saved; the outbound client still resolves and checks every address at send
 * time (DNS can change), so this is the first of two gates, not the only one.
 */
import ipaddr from 'ipaddr.js';

export interface SubscriptionPolicy {
  /** Local mode only: `http://` (and any port) to loopback hosts. AWS deployments: false. */
  allowHttpLoopback: boolean;
  /** Explicit ports accepted in `https` URLs; empty = no explicit port at all. */
  allowedPorts: number[];
}

/** @default policy of an AWS deployment */
export const DEFAULT_SUBSCRIPTION_POLICY: SubscriptionPolicy = { allowHttpLoopback: false, allowedPorts: [] };

/** Longest accepted URL. @default 2048 */
export const MAX_URL_LENGTH = 2048;

/** The host of `url`, for logs and alerts (never the full URL: its query may carry secrets); undefined when it does not parse. */
export function urlHost(url: string): string | undefined {
  return URL.parse(url)?.host;
}

export type UrlCheck = { ok: true; url: URL } | { ok: false; reason: string };

/**
 * - `https` only; `http` only to a loopback host when `allowHttpLoopback` (local mode);
 * - the host is a domain name, never an IP literal in any notation (`2130706433`, `0x7f.1`,
 *   `017700000001`, `127.1`, `[::1]` …; the WHATWG parser turns every IPv4 notation into
 *   dotted decimal, which is then recognised), except loopback addresses in local mode;
 * - a single-label name (`https://intranet/`) is refused: it can only be an internal host;
 * - no userinfo, no fragment; no explicit port unless listed in `allowedPorts` (a default
 *   port written out, `:443`, is normalised away and allowed); loopback in local mode may use any port;
 * - IDN hostnames are accepted and normalised to punycode.
 */
export function checkSubscriptionUrl(raw: string, policy: SubscriptionPolicy): UrlCheck {
  if (raw.length > MAX_URL_LENGTH) return refuse(`must be at most ${MAX_URL_LENGTH} characters`);
  if (raw !== raw.trim() || /[\s\u0000-\u001f\u007f]/.test(raw)) return refuse('must not contain whitespace or control characters');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return refuse('must be an absolute URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return refuse('must use https');
  // `https://@host/` and `https://host/#` parse to empty userinfo / hash: look at the raw text too.
  const authority = /^[A-Za-z][A-Za-z0-9+.-]*:\/*([^/?#]*)/.exec(raw)?.[1] ?? '';
  if (url.username !== '' || url.password !== '' || authority.includes('@')) return refuse('must not contain credentials (userinfo)');
  if (url.hash !== '' || raw.includes('#')) return refuse('must not contain a fragment');

  const host = url.hostname;
  const loopback = isLoopbackHost(host);
  if (policy.allowHttpLoopback && loopback) return { ok: true, url };
  if (url.protocol !== 'https:') {
    return refuse(policy.allowHttpLoopback ? 'must use https (http is allowed only to loopback hosts)' : 'must use https');
  }
  if (isIpLiteral(host)) return refuse('must use a domain name, not an IP address');
  if (loopback) return refuse('must not point to a loopback host');
  if (!host.replace(/\.$/, '').includes('.')) return refuse('must use a fully qualified domain name');
  if (url.port !== '' && !policy.allowedPorts.includes(Number(url.port))) {
    return refuse(
      policy.allowedPorts.length === 0
        ? 'must not specify a port'
        : `port ${url.port} is not allowed (allowed: ${policy.allowedPorts.join(', ')})`,
    );
  }
  return { ok: true, url };
}

/** `hostname` as the WHATWG parser leaves it: IPv6 in brackets, IPv4 in dotted decimal. */
export function isIpLiteral(hostname: string): boolean {
  if (hostname.startsWith('[') && hostname.endsWith(']')) return true;
  return ipaddr.IPv4.isValidFourPartDecimal(hostname) || ipaddr.IPv4.isValid(hostname);
}

/** `localhost`, `*.localhost`, 127.0.0.0/8 and `[::1]`. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (host === '[::1]') return true;
  return ipaddr.IPv4.isValidFourPartDecimal(host) && ipaddr.IPv4.parse(host).range() === 'loopback';
}

function refuse(reason: string): UrlCheck {
  return { ok: false, reason };
}
