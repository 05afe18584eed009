/**
 * Outbound TLS policy: TLS 1.2 minimum, full certificate chain and hostname verification,
 * and the Mozilla "intermediate" cipher list (forward-secret AEAD suites only), so a receiver
 * that only offers CBC/SHA-1, RSA key exchange, RC4 or 3DES is refused at the handshake.
 * There is deliberately no option to disable verification; tests trust an extra CA instead.
 */
import { rootCertificates } from 'node:tls';
import type { SecureVersion } from 'node:tls';

/** @default 'TLSv1.2' (fixed; TLS 1.0 and 1.1 are never negotiated) */
export const MIN_TLS_VERSION: SecureVersion = 'TLSv1.2';

/** TLS 1.3 suites plus the TLS 1.2 ECDHE/DHE AEAD suites of Mozilla's intermediate profile. */
export const CIPHERS = [
  'TLS_AES_128_GCM_SHA256',
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
  'DHE-RSA-AES128-GCM-SHA256',
  'DHE-RSA-AES256-GCM-SHA384',
  'DHE-RSA-CHACHA20-POLY1305',
].join(':');

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
