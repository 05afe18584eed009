/**
 * DNS-rebinding guard of the front door: a page on another site can make a browser resolve its
 * own name to 127.0.0.1 and call local mode, but it cannot change the `Host` header it sends.
 * On a loopback address, only loopback names are answered.
 */
import { isIP } from 'node:net';

/** `localhost`, 127.0.0.0/8 and ::1 (bare or bracketed). */
export function isLoopbackName(name: string): boolean {
  const bare = name.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (bare === 'localhost' || bare.endsWith('.localhost')) return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  return isIP(bare) === 6 && (bare === '::1' || bare === '0:0:0:0:0:0:0:1');
}

/** The name part of a `Host` header (`[::1]:3000` → `[::1]`, `localhost:3000` → `localhost`). */
export function hostName(hostHeader: string): string {
  return hostHeader.startsWith('[') ? hostHeader.slice(0, hostHeader.indexOf(']') + 1) : (hostHeader.split(':')[0] ?? '');
}

/**
 * Whether a request with this `Host` may be answered: always when the server listens beyond
 * loopback (the operator chose that, with a warning), else only for loopback names. A request
 * without `Host` (HTTP/1.0 tools) comes from no browser and is answered.
 */
export function hostAllowed(hostHeader: string | undefined, listenHost: string): boolean {
  if (!isLoopbackName(listenHost)) return true;
  return hostHeader === undefined || isLoopbackName(hostName(hostHeader));
}

/** The warning printed when local mode listens beyond loopback; undefined on loopback. */
export function listenWarning(listenHost: string): string | undefined {
  if (isLoopbackName(listenHost)) return undefined;
  return `Warning: --host ${listenHost} is not a loopback address: anyone who can reach it can use this unauthenticated API (and any Host header is accepted).`;
}
