/**
 * Test PKI generated at run time (never committed): a test CA and leaf certificates for TLS tests.
 * EC P-256 keys keep generation to a few milliseconds (one RSA leaf for RSA key-exchange suites);
 * the set is built once per process.
 * Receivers are named `hooks.test` (RFC 6761: never resolvable by real DNS), so a TLS test only
 * reaches its loopback server through the stub resolver it passes to the sender.
 */
import { generate } from 'selfsigned';

export interface KeyAndCert {
  key: string;
  cert: string;
}

export interface TestPki {
  /** The test CA; pass `ca.cert` as `extraCa`. */
  ca: KeyAndCert;
  /** Signed by the CA, valid now, SANs hooks.test, localhost, 127.0.0.1, ::1. */
  valid: KeyAndCert;
  /** Signed by the CA, SANs as `valid`, but expired yesterday. */
  expired: KeyAndCert;
  /** Signed by the CA, valid now, only for `wrong-host.hookline.test`. */
  wrongHost: KeyAndCert;
  /** Valid now for the same names as `valid` but signed by itself, not by the CA. */
  selfSigned: KeyAndCert;
  /**
   * An RSA CA and a leaf it signed for the names of `valid` (a server can then offer RSA key
   * exchange, without forward secrecy); trust `rsa.ca.cert` too to reach it.
   */
  rsa: { ca: KeyAndCert; valid: KeyAndCert };
}

const DAY = 86_400_000;

/** The receiver hostname TLS tests use; a stub resolver maps it to a loopback address. */
export const TEST_HOSTNAME = 'hooks.test';

const RECEIVER_NAMES = [
  { type: 2 as const, value: TEST_HOSTNAME },
  { type: 2 as const, value: 'localhost' },
  { type: 7 as const, ip: '127.0.0.1' },
  { type: 7 as const, ip: '::1' },
];

let cached: Promise<TestPki> | undefined;

/** The per-process test PKI. */
export function testPki(): Promise<TestPki> {
  cached ??= buildPki();
  return cached;
}

async function buildPki(): Promise<TestPki> {
  const now = Date.now();
  const [caPair, rsaCa] = await Promise.all([authority(now, 'ec'), authority(now, 'rsa')]);

  const leaf = async (
    commonName: string,
    altNames: typeof RECEIVER_NAMES | { type: 2; value: string }[],
    validity: { from: number; to: number },
    signedByCa: boolean,
    keyType: 'ec' | 'rsa' = 'ec',
  ): Promise<KeyAndCert> => {
    const pems = await generate([{ name: 'commonName', value: commonName }], {
      keyType,
      ...(keyType === 'rsa' && { keySize: 2048 }),
      algorithm: 'sha256',
      notBeforeDate: new Date(validity.from),
      notAfterDate: new Date(validity.to),
      // selfsigned 5 imports the CA key with the leaf's key type: an RSA leaf needs the RSA CA.
      ...(signedByCa ? { ca: keyType === 'rsa' ? rsaCa : caPair } : {}),
      extensions: [
        { name: 'basicConstraints', cA: false },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
        { name: 'extKeyUsage', serverAuth: true },
        { name: 'subjectAltName', altNames },
      ],
    });
    return { key: pems.private, cert: pems.cert };
  };

  const current = { from: now - DAY, to: now + 7 * DAY };
  const [valid, expired, wrongHost, selfSigned, validRsa] = await Promise.all([
    leaf(TEST_HOSTNAME, RECEIVER_NAMES, current, true),
    leaf(TEST_HOSTNAME, RECEIVER_NAMES, { from: now - 3 * DAY, to: now - DAY }, true),
    leaf('wrong-host.hookline.test', [{ type: 2, value: 'wrong-host.hookline.test' }], current, true),
    leaf(TEST_HOSTNAME, RECEIVER_NAMES, current, false),
    leaf(TEST_HOSTNAME, RECEIVER_NAMES, current, true, 'rsa'),
  ]);
  return { ca: caPair, valid, expired, wrongHost, selfSigned, rsa: { ca: rsaCa, valid: validRsa } };
}

async function authority(now: number, keyType: 'ec' | 'rsa'): Promise<KeyAndCert> {
  const ca = await generate([{ name: 'commonName', value: keyType === 'ec' ? 'Hookline Test CA' : 'Hookline Test RSA CA' }], {
    keyType,
    ...(keyType === 'rsa' && { keySize: 2048 }),
    algorithm: 'sha256',
    notBeforeDate: new Date(now - DAY),
    notAfterDate: new Date(now + 7 * DAY),
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  return { key: ca.private, cert: ca.cert };
}
