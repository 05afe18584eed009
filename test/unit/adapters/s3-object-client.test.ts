import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { HttpResponse, type HttpRequest } from '@smithy/protocol-http';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DependencyError } from '../../../lambdas/adapters/errors.js';
import { S3ObjectClient, type ObjectHttpHandler, type S3ObjectClientOptions } from '../../../lambdas/adapters/s3/object-client.js';
import { objectLocation, type S3EndpointOptions } from '../../../lambdas/adapters/s3/object-location.js';
import { S3PayloadStore } from '../../../lambdas/adapters/s3/payload-store.js';
import { TransientDependencyError } from '../../../lambdas/core/errors.js';
import { carriedSignature, s3ExpectedSignature } from '../../support/s3-signature.js';

/** The credentials and date of the SigV4 examples in the S3 API reference ("Signature Calculations for the Authorization Header"). */
const DOC_CREDENTIALS = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
const DOC_DATE = new Date('2013-05-24T00:00:00Z');

type Answer = () => { response: HttpResponse };

function answer(statusCode: number, body = '', headers: Record<string, string> = {}): Answer {
  return () => ({ response: new HttpResponse({ statusCode, headers, body: Readable.from([Buffer.from(body)]) }) });
}

function fail(error: Error): Answer {
  return () => {
    throw error;
  };
}

/** An HTTP handler that plays a script of answers and records what it was sent. */
class ScriptedHandler implements ObjectHttpHandler {
  readonly requests: HttpRequest[] = [];
  constructor(private readonly script: Answer[]) {}
  async handle(request: HttpRequest): Promise<{ response: HttpResponse }> {
    this.requests.push(request);
    const next = this.script.shift();
    if (next === undefined) throw new Error('the script has no more answers');
    return next();
  }
}

function client(handler: ObjectHttpHandler, options: Partial<S3ObjectClientOptions> = {}): S3ObjectClient {
  return new S3ObjectClient({ region: 'us-east-1', credentials: DOC_CREDENTIALS, httpHandler: handler, ...options });
}

const s3Xml = (code: string, message: string) => `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>R1</RequestId></Error>`;

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('S3ObjectClient signing (the S3 API reference examples)', () => {
  const docs = () => client(new ScriptedHandler([]), { endpoint: 'https://s3.amazonaws.com' });

  it('GET Object: virtual-hosted host, empty-payload hash, range header signed', async () => {
    const signed = await docs().sign({ method: 'GET', bucket: 'examplebucket', key: 'test.txt', headers: { range: 'bytes=0-9' } }, DOC_DATE);
    expect(signed.headers.host).toBe('examplebucket.s3.amazonaws.com');
    expect(signed.headers['x-amz-content-sha256']).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(carriedSignature(signed)).toBe('f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41');
  });

  it('PUT Object: a key that needs escaping (`test$file.text`) is sent as `/test%24file.text` with the payload hash', async () => {
    // The example's signature also covers a Date header, which smithy's signer never signs, so only its other parts are compared.
    const signed = await docs().sign(
      { method: 'PUT', bucket: 'examplebucket', key: 'test$file.text', headers: { 'x-amz-storage-class': 'REDUCED_REDUNDANCY' }, body: Buffer.from('Welcome to Amazon S3.') },
      DOC_DATE,
    );
    expect(signed.path).toBe('/test%24file.text');
    expect(signed.headers['x-amz-content-sha256']).toBe('44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072');
    expect(signed.headers.authorization).toContain('/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-storage-class, Signature=');
  });

  it('signs with session credentials from a provider (Lambda) and sends the token', async () => {
    const c = client(new ScriptedHandler([]), { credentials: async () => ({ ...DOC_CREDENTIALS, sessionToken: 'token-1' }) });
    const signed = await c.sign({ method: 'GET', bucket: 'b-1', key: 'k' });
    expect(signed.headers['x-amz-security-token']).toBe('token-1');
    expect(signed.headers.authorization).toContain('x-amz-security-token');
  });
});

describe('S3ObjectClient signatures verified the way S3 verifies them', () => {
  it('the verifier reproduces the documented GET Object signature', async () => {
    const signed = await client(new ScriptedHandler([]), { endpoint: 'https://s3.amazonaws.com' }).sign(
      { method: 'GET', bucket: 'examplebucket', key: 'test.txt', headers: { range: 'bytes=0-9' } },
      DOC_DATE,
    );
    expect(s3ExpectedSignature(signed, DOC_CREDENTIALS.secretAccessKey, 'us-east-1')).toBe('f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41');
  });

  it.each(["payloads/a b+c%d~e!'()*&=$@,;:?#[].json", 'payloads/é✓🚀.json', 'x//y/./z/../w'])('a PUT and a GET of %s carry the signature S3 computes', async (key) => {
    const c = client(new ScriptedHandler([]), { region: 'eu-west-1' });
    for (const request of [
      { method: 'PUT' as const, bucket: 'hookline-archive-1', key, body: Buffer.from('{"a":1}'), headers: { 'content-type': 'application/json' } },
      { method: 'GET' as const, bucket: 'hookline-archive-1', key },
    ]) {
      const signed = await c.sign(request);
      expect(carriedSignature(signed)).toBe(s3ExpectedSignature(signed, DOC_CREDENTIALS.secretAccessKey, 'eu-west-1'));
    }
  });
});

/** Where `@aws-sdk/client-s3` sends a GetObject or PutObject: host and path as it serialises them. */
async function sdkLocation(options: S3EndpointOptions, bucket: string, key: string, put: boolean): Promise<{ hostname: string; port?: number; path: string }> {
  let sent: HttpRequest | undefined;
  const sdk = new S3Client({
    region: options.region,
    ...(options.endpoint !== undefined && { endpoint: options.endpoint }),
    forcePathStyle: options.forcePathStyle ?? false,
    credentials: DOC_CREDENTIALS,
    maxAttempts: 1,
    requestHandler: {
      handle: async (request: HttpRequest) => {
        sent = request;
        throw new Error('captured');
      },
    },
  });
  const command = put ? new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'x' }) : new GetObjectCommand({ Bucket: bucket, Key: key });
  await sdk.send(command).catch(() => undefined);
  if (sent === undefined) throw new Error('the SDK sent nothing');
  return { hostname: sent.hostname, ...(sent.port !== undefined && { port: sent.port }), path: sent.path };
}

describe('objectLocation matches @aws-sdk/client-s3', () => {
  const ours = (options: S3EndpointOptions, bucket: string, key: string) => {
    const { hostname, port, path } = objectLocation(options, bucket, key);
    return { hostname, ...(port !== undefined && { port }), path };
  };

  it.each([
    ['us-east-1', 'hookline-archive-1'],
    ['eu-west-3', 'hookline-archive-1'],
    ['cn-north-1', 'hookline-archive-1'],
    ['us-gov-west-1', 'hookline-archive-1'],
    ['eu-west-1', 'dotted.bucket.name'],
  ])('in AWS (%s, bucket %s)', async (region, bucket) => {
    const key = 'payloads/msg_01J9Z.json';
    expect(ours({ region }, bucket, key)).toEqual(await sdkLocation({ region }, bucket, key, false));
  });

  it('path-style at a custom endpoint (local mode)', async () => {
    const options = { region: 'us-east-1', endpoint: 'http://127.0.0.1:4566', forcePathStyle: true };
    expect(ours(options, 'local-bucket', 'payloads/a b.json')).toEqual(await sdkLocation(options, 'local-bucket', 'payloads/a b.json', true));
  });

  it('encodes any key exactly as the SDK does', async () => {
    const tricky = ["a b+c%d~e!'()*&=$@,;:?#[]", 'é✓🚀/ü', 'x//y/./z/../w', '/leading', 'trailing/', 'payloads/msg_1.json'];
    const arbitrary = fc.sample(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 24 }), { numRuns: 60, seed: 19 });
    for (const key of [...tricky, ...arbitrary]) {
      const options = { region: 'eu-central-1' };
      expect(ours(options, 'hookline-archive-1', key), key).toEqual(await sdkLocation(options, 'hookline-archive-1', key, false));
    }
  });
});

describe('S3PayloadStore over S3ObjectClient: answers and retries', () => {
  it('reads the body as UTF-8 and sends a PUT with its length, type and payload hash', async () => {
    const body = JSON.stringify({ text: 'é✓🚀' });
    const handler = new ScriptedHandler([answer(200), answer(200, body)]);
    const store = new S3PayloadStore({ client: client(handler), bucket: 'hookline-archive-1' });
    await store.put('payloads/m.json', body);
    expect(await store.get('payloads/m.json')).toBe(body);
    const [put, get] = handler.requests;
    expect(put?.method).toBe('PUT');
    expect(put?.headers['content-length']).toBe(String(Buffer.byteLength(body)));
    expect(put?.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(put?.headers['x-amz-content-sha256']).toMatch(/^[0-9a-f]{64}$/);
    expect(get?.method).toBe('GET');
  });

  it('sends the SHA-256 of the body (hex to sign, base64 for S3 to store) and asks for the stored checksum on reads', async () => {
    const body = '{"a":"é"}';
    const digest = createHash('sha256').update(body).digest();
    const handler = new ScriptedHandler([answer(200, '', { 'x-amz-checksum-sha256': digest.toString('base64') }), answer(200, body)]);
    const c = client(handler);
    await c.putObject('b-1', 'k', body, 'application/json');
    await c.getObject('b-1', 'k');
    expect(handler.requests[0]?.headers['x-amz-content-sha256']).toBe(digest.toString('hex'));
    expect(handler.requests[0]?.headers['x-amz-checksum-sha256']).toBe(digest.toString('base64'));
    expect(handler.requests[0]?.headers.authorization).toContain('x-amz-checksum-sha256');
    expect(handler.requests[1]?.headers['x-amz-checksum-mode']).toBe('ENABLED');
  });

  it('reads again when the bytes do not match the stored checksum (SHA-256 or the SDK-era CRC32)', async () => {
    vi.useFakeTimers();
    const body = '{"ok":true}';
    const sha256 = createHash('sha256').update(body).digest('base64');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    const handler = new ScriptedHandler([
      answer(200, '{"ok":tru', { 'x-amz-checksum-sha256': sha256 }),
      answer(200, '{"ok":false}', { 'x-amz-checksum-crc32': crc.toString('base64') }),
      answer(200, body, { 'x-amz-checksum-crc32': crc.toString('base64') }),
    ]);
    const read = client(handler).getObject('b-1', 'k');
    await vi.advanceTimersByTimeAsync(1_000);
    await expect(read).resolves.toBe(body);
    expect(handler.requests).toHaveLength(3);
  });

  it('a checksum that never matches ends as a transient error after maxAttempts', async () => {
    vi.useFakeTimers();
    const handler = new ScriptedHandler([answer(200, 'x', { 'x-amz-checksum-sha256': 'AAAA' }), answer(200, 'x', { 'x-amz-checksum-sha256': 'AAAA' })]);
    const read = new S3PayloadStore({ client: client(handler, { maxAttempts: 2 }), bucket: 'b-1' }).get('k').catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(1_000);
    const error = await read;
    expect(error).toBeInstanceOf(TransientDependencyError);
    expect((error as Error).message).toContain('(ChecksumMismatch)');
  });

  it('a missing object is a DependencyError naming NoSuchKey, not retried', async () => {
    const handler = new ScriptedHandler([answer(404, s3Xml('NoSuchKey', 'The specified key does not exist.'))]);
    const store = new S3PayloadStore({ client: client(handler), bucket: 'b-1' });
    const error = await store.get('payloads/absent.json').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DependencyError);
    expect((error as Error).message).toBe('s3 GetObject failed (NoSuchKey): The specified key does not exist.');
    expect(handler.requests).toHaveLength(1);
  });

  it('access denied is a DependencyError after one attempt', async () => {
    const handler = new ScriptedHandler([answer(403, s3Xml('AccessDenied', 'Access Denied'))]);
    const error = await new S3PayloadStore({ client: client(handler), bucket: 'b-1' }).put('k', '{}').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DependencyError);
    expect((error as Error).message).toContain('(AccessDenied)');
    expect(handler.requests).toHaveLength(1);
  });

  it('retries a 500 and a reset connection with growing backoff, then succeeds', async () => {
    vi.useFakeTimers();
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    const handler = new ScriptedHandler([answer(500, s3Xml('InternalError', 'We encountered an internal error.')), fail(reset), answer(200, '{"ok":1}')]);
    const read = new S3PayloadStore({ client: client(handler), bucket: 'b-1' }).get('k');
    // Standard mode: full jitter over 50 ms × 2^n; with random() = 0.5 the waits are 25 ms, then 50 ms.
    await vi.advanceTimersByTimeAsync(24);
    expect(handler.requests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(handler.requests).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(49);
    expect(handler.requests).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(handler.requests).toHaveLength(3);
    await expect(read).resolves.toBe('{"ok":1}');
  });

  it('gives up after maxAttempts on 503 SlowDown (throttling backoff) and the error is transient', async () => {
    vi.useFakeTimers();
    const handler = new ScriptedHandler(Array.from({ length: 3 }, () => answer(503, s3Xml('SlowDown', 'Please reduce your request rate.'))));
    const c = client(handler, { maxAttempts: 3 });
    const sign = vi.spyOn(c, 'sign');
    const read = new S3PayloadStore({ client: c, bucket: 'b-1' }).get('k').catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(10_000);
    const error = await read;
    expect(error).toBeInstanceOf(TransientDependencyError);
    expect((error as Error).message).toContain('(SlowDown)');
    expect(handler.requests).toHaveLength(3);
    // Each attempt is signed again: a retry after a long backoff must not carry a stale date.
    expect(sign).toHaveBeenCalledTimes(3);
  });
});
