/**
 * Turns whatever node:http, node:net, node:tls or the resolver threw into a failure outcome with a
 * short reason an operator can act on ("TLS: certificate has expired"). Errors are walked through
 * their `cause` chain, for errors that wrap socket errors.
 */
import { CONNECT_TIMEOUT_CODE } from './connection-pools.js';

export interface FailureDescription {
  outcome: 'timeout' | 'network';
  reason: string;
}

interface ErrorLike {
  code?: unknown;
  message?: unknown;
  cause?: unknown;
  reason?: unknown;
}

const TIMEOUT_CODES = new Set([CONNECT_TIMEOUT_CODE, 'ETIMEDOUT']);

const TLS_REASONS: Readonly<Record<string, string>> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'TLS: self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'TLS: self-signed certificate in certificate chain',
  CERT_HAS_EXPIRED: 'TLS: certificate has expired',
  CERT_NOT_YET_VALID: 'TLS: certificate is not yet valid',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'TLS: certificate not signed by a trusted authority',
  UNABLE_TO_GET_ISSUER_CERT: 'TLS: certificate issuer unknown',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'TLS: certificate issuer unknown',
  CERT_REVOKED: 'TLS: certificate revoked',
  CERT_UNTRUSTED: 'TLS: certificate not trusted',
  CERT_SIGNATURE_FAILURE: 'TLS: certificate signature invalid',
  INVALID_CA: 'TLS: invalid CA certificate in chain',
  ERR_SSL_UNSUPPORTED_PROTOCOL: 'TLS: server protocol version not accepted (TLS 1.2 or later required)',
  ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION: 'TLS: server protocol version not accepted (TLS 1.2 or later required)',
  ERR_SSL_NO_PROTOCOLS_AVAILABLE: 'TLS: server protocol version not accepted (TLS 1.2 or later required)',
  ERR_SSL_WRONG_VERSION_NUMBER: 'TLS: server did not speak TLS 1.2 or later',
  ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE: 'TLS: handshake failure (no acceptable cipher suite)',
  // OpenSSL 3.5 (Node 24) names the same alert without the protocol version.
  'ERR_SSL_SSL/TLS_ALERT_HANDSHAKE_FAILURE': 'TLS: handshake failure (no acceptable cipher suite)',
  ERR_SSL_NO_SHARED_CIPHER: 'TLS: handshake failure (no acceptable cipher suite)',
  ERR_SSL_NO_CIPHERS_AVAILABLE: 'TLS: handshake failure (no acceptable cipher suite)',
  ERR_SSL_TLSV1_ALERT_INSUFFICIENT_SECURITY: 'TLS: handshake failure (no acceptable cipher suite)',
};

const NETWORK_REASONS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by the remote side',
  EPIPE: 'connection reset by the remote side',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EADDRNOTAVAIL: 'address not available',
  ENOTFOUND: 'DNS: host not found',
  ENODATA: 'DNS: no address records',
  EAI_AGAIN: 'DNS: temporary resolution failure',
  ESERVFAIL: 'DNS: server failure',
};

function chain(err: unknown): ErrorLike[] {
  const out: ErrorLike[] = [];
  let current: unknown = err;
  while (current !== null && typeof current === 'object' && out.length < 8) {
    out.push(current as ErrorLike);
    current = (current as ErrorLike).cause;
  }
  return out;
}

function codeOf(e: ErrorLike): string | undefined {
  return typeof e.code === 'string' ? e.code : undefined;
}

function messageOf(e: ErrorLike): string {
  return typeof e.message === 'string' ? e.message.split('\n')[0]!.trim() : '';
}

/** True when the error is the pool's connect timeout or the OS's own. */
export function isTimeoutError(err: unknown): boolean {
  return chain(err).some((e) => TIMEOUT_CODES.has(codeOf(e) ?? ''));
}

export function describeFailure(err: unknown): FailureDescription {
  const links = chain(err);
  if (links.some((e) => TIMEOUT_CODES.has(codeOf(e) ?? ''))) {
    return { outcome: 'timeout', reason: `timed out (${messageOf(links[0] ?? {}) || 'no response'})` };
  }
  for (const e of links) {
    const code = codeOf(e);
    if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
      const detail = typeof e.reason === 'string' ? `: ${e.reason}` : '';
      return { outcome: 'network', reason: `TLS: hostname mismatch${detail}` };
    }
    if (code && TLS_REASONS[code]) return { outcome: 'network', reason: TLS_REASONS[code] };
  }
  for (const e of links) {
    const code = codeOf(e);
    if (code?.startsWith('ERR_SSL_') || code?.startsWith('ERR_TLS_')) {
      return { outcome: 'network', reason: `TLS: handshake failed (${messageOf(e) || code})` };
    }
    if (code?.startsWith('HPE_')) {
      return { outcome: 'network', reason: `invalid HTTP response (${code})` };
    }
  }
  // Node ends a response whose connection closed before its end with ECONNRESET "aborted".
  if (links.some((e) => codeOf(e) === 'ECONNRESET' && messageOf(e) === 'aborted')) {
    return { outcome: 'network', reason: 'connection closed by the remote side' };
  }
  // The innermost known code is the most precise.
  for (const e of [...links].reverse()) {
    const code = codeOf(e);
    if (code && NETWORK_REASONS[code]) return { outcome: 'network', reason: NETWORK_REASONS[code] };
  }
  const first = links[0];
  const code = first ? codeOf(first) : undefined;
  const message = first ? messageOf(first) : String(err);
  return { outcome: 'network', reason: code ? `${code}: ${message}` : message || 'network error' };
}
