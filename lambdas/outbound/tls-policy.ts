/**
 * Outbound TLS policy: TLS 1.2 minimum, full certificate chain and hostname verification, and
 * Node's default cipher list (OpenSSL's HIGH suites without anonymous, NULL, export, DES/3DES, RC4,
 * MD5, PSK, SRP or Camellia) minus static RSA key exchange, so a TLS 1.2 receiver that still offers
 * only CBC suites is reached while a weak, unauthenticated or not forward-secret suite is refused at
 * the handshake (as rustls-based senders such as Svix's do).
 * There is deliberately no option to disable verification; tests trust an extra CA instead.
 */
import { DEFAULT_CIPHERS, rootCertificates } from 'node:tls';
import type { SecureVersion } from 'node:tls';

/** @default 'TLSv1.2' (fixed; TLS 1.0 and 1.1 are never negotiated) */
export const MIN_TLS_VERSION: SecureVersion = 'TLSv1.2';

/** Node's defaults without `kRSA`: every TLS 1.2 suite left has an ephemeral (EC)DHE key exchange. */
export const OUTBOUND_CIPHERS = `${DEFAULT_CIPHERS}:!kRSA`;

/**
 * The trust store: undefined keeps Node's default roots; extra PEMs are added to the bundled
 * Mozilla roots (passing `ca` to Node replaces the defaults, so they are merged here).
 */
export function trustStore(extraCa: string | string[] | undefined): string[] | undefined {
  if (extraCa === undefined) return undefined;
  const extra = Array.isArray(extraCa) ? extraCa : [extraCa];
  if (extra.length === 0) return undefined;
  return [...rootCertificates, ...extra];
}
