/**
 * TLS rules of the outbound client against real HTTPS servers on loopback, with certificates
 * from a test CA generated for this run (see harness.ts for what the test sender adds).
 * Every refusal also checks that no request reached the server; every policy refusal first
 * proves the server works for a permissive client, so the refusal is Hookline's own.
 */
import tls from 'node:tls';
import { describe, expect, it } from 'vitest';
import { expectFailure, handshakeWith, post, stubResolver, TEST_HOSTNAME, urlOf, useHarness } from './harness.js';
import { startHttpsServer } from './loopback-server.js';

const h = useHarness();

describe('certificate verification', () => {
  it('delivers to a server whose certificate chains to the trusted test CA, with SNI and Host of the URL', async () => {
    // Prepare
    const server = await h.serve(startHttpsServer({ pair: h.pki.valid }));
    // Act
    const result = await h.sender().send(post(urlOf(server, '/hooks?x=1')));
    // Assess
    expect(result).toMatchObject({ kind: 'response', statusCode: 200, bodyExcerpt: 'ok', remoteAddress: '127.0.0.1' });
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]).toMatchObject({ method: 'POST', url: '/hooks?x=1', body: '{"hello":"world"}', servername: TEST_HOSTNAME });
    expect(server.requests[0]!.headers).toMatchObject({ host: `${TEST_HOSTNAME}:${server.port}`, 'webhook-id': 'msg_1', 'user-agent': 'Hookline' });
  });

  it('refuses the same server when the test CA is not trusted (system roots only by default)', async () => {
    const server = await h.serve(startHttpsServer({ pair: h.pki.valid }));
    const result = await h.sender({ extraCa: undefined }).send(post(urlOf(server)));
    expectFailure(result, 'network', /^TLS: certificate not signed by a trusted authority$/);
    expect(server.requests).toHaveLength(0);
  });

  it('refuses a self-signed certificate', async () => {
    const server = await h.serve(startHttpsServer({ pair: h.pki.selfSigned }));
    const result = await h.sender().send(post(urlOf(server)));
    expectFailure(result, 'network', /^TLS: self-signed certificate$/);
    expect(server.requests).toHaveLength(0);
  });

  it('refuses a self-signed certificate even when another certificate of that server is trusted (no bypass switch)', async () => {
    // The only TLS knob is extraCa; trusting the CA and its leaf does not make a self-signed chain acceptable.
    const server = await h.serve(startHttpsServer({ pair: h.pki.selfSigned }));
    const result = await h.sender({ extraCa: [h.pki.ca.cert, h.pki.valid.cert] }).send(post(urlOf(server)));
    expectFailure(result, 'network', /self-signed certificate/);
    expect(server.requests).toHaveLength(0);
  });

  it('refuses an expired certificate', async () => {
    const server = await h.serve(startHttpsServer({ pair: h.pki.expired }));
    const result = await h.sender().send(post(urlOf(server)));
    expectFailure(result, 'network', /^TLS: certificate has expired$/);
    expect(server.requests).toHaveLength(0);
  });

  it('refuses a certificate issued for another hostname', async () => {
    const server = await h.serve(startHttpsServer({ pair: h.pki.wrongHost }));
    const result = await h.sender().send(post(urlOf(server)));
    expectFailure(result, 'network', /^TLS: hostname mismatch: .*hooks\.test.*wrong-host\.hookline\.test/);
    expect(server.requests).toHaveLength(0);
  });

  it('verifies against the URL hostname, not the address dialled', async () => {
    // The valid certificate also names 127.0.0.1; a URL host it does not name must still fail.
    const server = await h.serve(startHttpsServer({ pair: h.pki.valid }));
    const resolver = async () => [{ address: '127.0.0.1', family: 4 as const }];
    const result = await h.sender({ resolver }).send(post(`https://other.test:${server.port}/`));
    expectFailure(result, 'network', /^TLS: hostname mismatch: .*other\.test/);
    expect(server.requests).toHaveLength(0);
  });

  it('verifies an IP-literal loopback URL (local mode) against the IP SAN', async () => {
    const server = await h.serve(startHttpsServer({ pair: h.pki.valid }));
    const result = await h.sender().send(post(`https://127.0.0.1:${server.port}/`));
    expect(result).toMatchObject({ kind: 'response', statusCode: 200, remoteAddress: '127.0.0.1' });
  });

  it('reaches an IPv6 loopback server through ::1 with the hostname as SNI', async () => {
    const server = await h.serve(startHttpsServer({ pair: h.pki.valid, host: '::1' }));
    const result = await h.sender({ resolver: stubResolver('::1') }).send(post(urlOf(server)));
    expect(result).toMatchObject({ kind: 'response', statusCode: 200, remoteAddress: '::1' });
    expect(server.requests[0]!.servername).toBe(TEST_HOSTNAME);
  });
});

describe('protocol version policy (TLS 1.2 minimum)', () => {
  // OpenSSL 3 needs security level 0 for TLS 1.0/1.1 handshakes on both sides.
  const LEGACY = { ciphers: 'DEFAULT:@SECLEVEL=0' } as const;

  it.each([
    ['TLSv1', 'TLSv1'],
    ['TLSv1.1', 'TLSv1.1'],
    ['TLSv1', 'TLSv1.1'],
  ] as const)('refuses a server limited to %s..%s (which a legacy client can use)', async (min, max) => {
    // Prepare
    const server = await h.serve(startHttpsServer({ pair: h.pki.valid, minVersion: min, maxVersion: max, ...LEGACY }));
    const legacy = await handshakeWith(server, h.pki.ca.cert, { minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ...LEGACY });
    expect(legacy.protocol).toBe(max);
    // Act
    const result = await h.sender().send(post(urlOf(server)));
    // Assess
    expectFailure(result, 'network', /^TLS: server protocol version not accepted \(TLS 1\.2 or later required\)$/);
    expect(server.requests).toHaveLength(0);
  });

  it('accepts a TLS 1.3-only server', async () => {
    let protocol: string | null = null;
    const server = await h.serve(
      startHttpsServer({
        pair: h.pki.valid,
        minVersion: 'TLSv1.3',
        handler: (req, res) => {
          protocol = (req.socket as tls.TLSSocket).getProtocol();
          res.end('ok');
        },
      }),
    );
    const result = await h.sender().send(post(urlOf(server)));
    expect(result).toMatchObject({ kind: 'response', statusCode: 200 });
    expect(protocol).toBe('TLSv1.3');
  });
});

describe("cipher policy (Node's default list without RSA key exchange, TLS 1.2 minimum)", () => {
  /** Delivers once to a TLS 1.2-capped server offering `ciphers` and returns what was negotiated. */
  async function deliverOverTls12(ciphers?: string): Promise<{ protocol: string | null; cipher: string } | undefined> {
    let negotiated: { protocol: string | null; cipher: string } | undefined;
    const server = await h.serve(
      startHttpsServer({
        pair: h.pki.valid,
        maxVersion: 'TLSv1.2',
        ...(ciphers !== undefined && { minVersion: 'TLSv1.2', ciphers }),
        handler: (req, res) => {
          const socket = req.socket as tls.TLSSocket;
          negotiated = { protocol: socket.getProtocol(), cipher: socket.getCipher().name };
          res.end('ok');
        },
      }),
    );
    const result = await h.sender().send(post(urlOf(server)));
    expect(result).toMatchObject({ kind: 'response', statusCode: 200 });
    return negotiated;
  }

  it.each([
    ['ECDHE-ECDSA-AES128-SHA', 'CBC with SHA-1'],
    ['ECDHE-ECDSA-AES256-SHA', 'CBC with SHA-1'],
    ['ECDHE-ECDSA-AES128-SHA256', 'CBC with SHA-256'],
    ['ECDHE-ECDSA-AES256-SHA384', 'CBC with SHA-384'],
  ])('delivers to a TLS 1.2 server that only offers %s (%s)', async (cipher) => {
    expect(await deliverOverTls12(cipher)).toEqual({ protocol: 'TLSv1.2', cipher });
  });

  // Security level 0 lets the test server offer what OpenSSL would otherwise refuse to configure
  // (3DES and RC4 are not even built into Node 24's OpenSSL 3.5, so no server here can offer them).
  it.each([
    ['ECDHE-ECDSA-NULL-SHA', 'NULL encryption'],
    ['AECDH-AES128-SHA', 'anonymous key exchange'],
  ])('refuses a TLS 1.2 server that only offers %s (%s)', async (cipher) => {
    const server = await h.serve(
      startHttpsServer({ pair: h.pki.valid, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', ciphers: `${cipher}:@SECLEVEL=0` }),
    );
    // A client that allows the suite completes the handshake (an anonymous one has no certificate
    // to verify): the refusal is the sender's policy.
    const proof = await handshakeWith(server, h.pki.ca.cert, { ciphers: `${cipher}:@SECLEVEL=0`, rejectUnauthorized: false });
    expect(proof).toEqual({ protocol: 'TLSv1.2', cipher });
    const result = await h.sender().send(post(urlOf(server)));
    expectFailure(result, 'network', /^TLS: handshake failure \(no acceptable cipher suite\)$/);
    expect(server.requests).toHaveLength(0);
  });

  it('refuses a TLS 1.2 server that only offers RSA key exchange (no forward secrecy), and reaches it over ECDHE-RSA', async () => {
    const { rsa } = h.pki;
    const sender = h.sender({ extraCa: [h.pki.ca.cert, rsa.ca.cert] });
    const rsaOnly = await h.serve(startHttpsServer({ pair: rsa.valid, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', ciphers: 'AES128-GCM-SHA256:AES256-GCM-SHA384' }));
    // A client that allows the suite completes the handshake: the refusal is the sender's policy.
    expect(await handshakeWith(rsaOnly, rsa.ca.cert, { ciphers: 'AES128-GCM-SHA256' })).toEqual({ protocol: 'TLSv1.2', cipher: 'AES128-GCM-SHA256' });
    expectFailure(await sender.send(post(urlOf(rsaOnly))), 'network', /^TLS: handshake failure \(no acceptable cipher suite\)$/);
    expect(rsaOnly.requests).toHaveLength(0);

    const ecdheRsa = await h.serve(startHttpsServer({ pair: rsa.valid, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-GCM-SHA256' }));
    expect(await sender.send(post(urlOf(ecdheRsa)))).toMatchObject({ kind: 'response', statusCode: 200 });
  });

  it('prefers a forward-secret AEAD suite when the server is limited to TLS 1.2', async () => {
    expect(await deliverOverTls12()).toEqual({ protocol: 'TLSv1.2', cipher: expect.stringMatching(/^ECDHE-ECDSA-(AES\d+-GCM-SHA\d+|CHACHA20-POLY1305)$/) });
  });
});
