import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../../cli/main.js';
import { buildUrl } from '../../../cli/client.js';
import { signRequest } from '../../../cli/sigv4.js';
import { captureIo } from './io.js';
import { startRecorder, type Recorder } from './recorder.js';

// The AWS SigV4 test suite's credentials, date, region and service.
const SUITE = {
  credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' },
  region: 'us-east-1',
  service: 'service',
  signingDate: new Date('2015-08-30T12:36:00Z'),
};
const SUITE_SCOPE = 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request';

const FIXED = {
  credentials: { accessKeyId: 'AKIAFIXEDEXAMPLE', secretAccessKey: 'fixed/secret/key/for+tests', sessionToken: 'session-token-example' },
  region: 'eu-west-1',
  signingDate: new Date('2024-05-06T07:08:09Z'),
};

/** The reference: the AWS SDK's own signer with FIXED's credentials, for execute-api in eu-west-1. */
function sdkSign(request: HttpRequest, signingDate: Date) {
  return new SignatureV4({ credentials: FIXED.credentials, region: 'eu-west-1', service: 'execute-api', sha256: Sha256, applyChecksum: false }).sign(request, {
    signingDate,
  });
}

describe('signRequest against the AWS SigV4 test suite', () => {
  it.each([
    {
      name: 'get-vanilla',
      method: 'GET',
      url: 'https://example.amazonaws.com/',
      headers: {},
      body: undefined,
      signedHeaders: 'host;x-amz-date',
      signature: '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
    },
    {
      name: 'get-vanilla-query-order-key-case',
      method: 'GET',
      url: 'https://example.amazonaws.com/?Param2=value2&Param1=value1',
      headers: {},
      body: undefined,
      signedHeaders: 'host;x-amz-date',
      signature: 'b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500',
    },
    {
      // The URL as the CLI builds it (buildUrl's RFC 3986 encoding of a UTF-8 key).
      name: 'get-vanilla-utf8-query',
      method: 'GET',
      url: buildUrl('https://example.amazonaws.com', '/', { 'ሴ': 'bar' }),
      headers: {},
      body: undefined,
      signedHeaders: 'host;x-amz-date',
      signature: '2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04',
    },
    {
      name: 'get-vanilla-query-order-encoded',
      method: 'GET',
      url: buildUrl('https://example.amazonaws.com', '/', { 'Param-3': 'Value3', Param: 'Value2', 'ሴ': 'Value1' }),
      headers: {},
      body: undefined,
      signedHeaders: 'host;x-amz-date',
      signature: '371d3713e185cc334048618a97f809c9ffe339c62934c032af5a0e595648fcac',
    },
    {
      name: 'get-vanilla-query-unreserved',
      method: 'GET',
      url: buildUrl('https://example.amazonaws.com', '/', {
        '-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz': '-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz',
      }),
      headers: {},
      body: undefined,
      signedHeaders: 'host;x-amz-date',
      signature: '9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197',
    },
    {
      name: 'post-vanilla-query',
      method: 'POST',
      url: buildUrl('https://example.amazonaws.com', '/', { Param1: 'value1' }),
      headers: {},
      body: undefined,
      signedHeaders: 'host;x-amz-date',
      signature: '28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11',
    },
    {
      name: 'post-x-www-form-urlencoded',
      method: 'POST',
      url: 'https://example.amazonaws.com/',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'Param1=value1',
      signedHeaders: 'content-type;host;x-amz-date',
      signature: 'ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a',
    },
  ])('$name gives the published signature', async ({ method, url, headers, body, signedHeaders, signature }) => {
    // Act
    const signed = await signRequest({ method, url, headers: headers as Record<string, string>, ...(body !== undefined ? { body } : {}) }, SUITE);

    // Assess
    expect(signed['x-amz-date']).toBe('20150830T123600Z');
    expect(signed.authorization).toBe(`${SUITE_SCOPE}, SignedHeaders=${signedHeaders}, Signature=${signature}`);
  });
});

describe('signRequest against the SDK signer', () => {
  it('signs a fixed execute-api request exactly as SignatureV4 does for the same request', async () => {
    // Prepare: the request as the CLI sends it, and the same request built by hand for the SDK
    const body = JSON.stringify({ type: 'order.created', tenant: 'shop 1', payload: { id: 7 } });
    const url = buildUrl('https://abc123.execute-api.eu-west-1.amazonaws.com', '/v1/deliveries', {
      status: 'failed',
      since: '2024-05-01T00:00:00.000Z',
      tenant: "shop 1/ü*'",
    });
    const headers = { 'content-type': 'application/json', 'idempotency-key': 'k-1' };
    const reference = await sdkSign(
      new HttpRequest({
        method: 'POST',
        protocol: 'https:',
        hostname: 'abc123.execute-api.eu-west-1.amazonaws.com',
        path: '/v1/deliveries',
        query: { status: 'failed', since: '2024-05-01T00:00:00.000Z', tenant: "shop 1/ü*'" },
        headers: { host: 'abc123.execute-api.eu-west-1.amazonaws.com', ...headers },
        body,
      }),
      FIXED.signingDate,
    );

    // Act
    const ours = await signRequest({ method: 'POST', url, headers, body }, FIXED);

    // Assess
    expect(url).toBe(
      "https://abc123.execute-api.eu-west-1.amazonaws.com/v1/deliveries?status=failed&since=2024-05-01T00%3A00%3A00.000Z&tenant=shop%201%2F%C3%BC%2A%27",
    );
    expect(ours).toEqual(reference.headers);
    expect(ours.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIAFIXEDEXAMPLE\/20240506\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=content-type;host;idempotency-key;x-amz-date;x-amz-security-token, Signature=[0-9a-f]{64}$/,
    );
    expect(ours['x-amz-security-token']).toBe('session-token-example');
  });

  it('signs the host with its port when the endpoint has a non-default one', async () => {
    const ours = await signRequest({ method: 'GET', url: 'https://api.example.com:8443/v1/subscriptions', headers: {} }, FIXED);
    expect(ours.host).toBe('api.example.com:8443');
  });
});

describe('what the CLI sends is what it signed', () => {
  let recorder: Recorder;
  beforeEach(async () => {
    recorder = await startRecorder();
  });
  afterEach(async () => {
    await recorder.close();
  });

  it('a --sign request received on loopback verifies with the SDK signer recomputed from the wire', async () => {
    // Prepare
    recorder.on('GET', '/v1/deliveries', { status: 200, body: { items: [] } });
    const io = captureIo();

    // Act
    const code = await runCli(
      ['--endpoint', recorder.baseUrl, '--sign', '--region', 'eu-west-1', 'deliveries', 'list', '--status', 'failed', '--since', '2024-05-01T00:00:00Z', '--tenant', 'shop 1'],
      io,
      { credentials: () => async () => FIXED.credentials },
    );

    // Assess: rebuild the request from what arrived (raw path and query) and sign it with the SDK
    expect(code).toBe(0);
    const got = recorder.requests[0]!;
    const date = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(String(got.headers['x-amz-date']))!;
    const [rawPath, rawQuery = ''] = got.url.split('?');
    const query: Record<string, string> = {};
    for (const pair of rawQuery.split('&')) {
      const [k, v = ''] = pair.split('=');
      query[decodeURIComponent(k!)] = decodeURIComponent(v);
    }
    const signedHeaderNames = /SignedHeaders=([^,]+)/.exec(String(got.headers.authorization))![1]!.split(';');
    const headers = Object.fromEntries(signedHeaderNames.map((h) => [h, String(got.headers[h])]));
    const reference = await sdkSign(
      new HttpRequest({ method: got.method, protocol: 'http:', hostname: '127.0.0.1', path: rawPath!, query, headers }),
      new Date(`${date[1]}-${date[2]}-${date[3]}T${date[4]}:${date[5]}:${date[6]}Z`),
    );
    expect(signedHeaderNames).toEqual(['accept', 'host', 'x-amz-date', 'x-amz-security-token']);
    expect(got.query.get('tenant')).toBe('shop 1');
    expect(got.query.get('since')).toBe('2024-05-01T00:00:00.000Z');
    expect(got.headers.authorization).toBe(reference.headers.authorization);
  });

  it('local endpoints are not signed', async () => {
    recorder.on('GET', '/v1/subscriptions', { status: 200, body: { items: [] } });
    const code = await runCli(['--endpoint', recorder.baseUrl, 'subscriptions', 'list'], captureIo(), {
      credentials: () => async () => {
        throw new Error('credentials must not be asked for a local endpoint');
      },
    });
    expect(code).toBe(0);
    expect(recorder.requests[0]!.headers.authorization).toBeUndefined();
    expect(recorder.requests[0]!.headers['x-amz-date']).toBeUndefined();
  });
});
