import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createS3ObjectClient } from '../../../lambdas/adapters/aws-clients.js';
import { S3PayloadStore } from '../../../lambdas/adapters/s3/payload-store.js';
import { carriedSignature, s3ExpectedSignature } from '../../support/s3-signature.js';

const CREDENTIALS = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' };
const REGION = 'eu-west-1';

interface Seen {
  method: string;
  path: string;
  signatureValid: boolean;
  payloadHashValid: boolean;
}

/** What the fake S3 does with a request once it has checked it: answer it, or cut the connection. */
type Reply = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void;

/**
 * A path-style S3 on loopback that checks every request as S3 would (SigV4 signature over what
 * arrived, including the host header with its port; the payload hash against the body) and keeps
 * objects by their decoded key. `script` answers the first requests instead (faults).
 */
async function fakeS3(script: Reply[] = []): Promise<{ endpoint: string; seen: Seen[]; objects: Map<string, Buffer>; server: Server }> {
  const seen: Seen[] = [];
  const objects = new Map<string, Buffer>();
  const store: Reply = (req, res, body) => {
    const key = (req.url ?? '').split('/').slice(2).map(decodeURIComponent).join('/');
    if (req.method === 'PUT') {
      objects.set(key, body);
      res.writeHead(200, { 'x-amz-checksum-sha256': req.headers['x-amz-checksum-sha256'] ?? '' }).end();
      return;
    }
    const object = objects.get(key);
    if (object === undefined) {
      res.writeHead(404, { 'content-type': 'application/xml' }).end('<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>');
      return;
    }
    res.writeHead(200, { 'x-amz-checksum-sha256': createHash('sha256').update(object).digest('base64') }).end(object);
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const received = { method: req.method ?? '', path: req.url ?? '', headers: req.headers };
      seen.push({
        method: received.method,
        path: received.path,
        signatureValid: carriedSignature(received) === s3ExpectedSignature(received, CREDENTIALS.secretAccessKey, REGION),
        payloadHashValid: req.headers['x-amz-content-sha256'] === createHash('sha256').update(body).digest('hex'),
      });
      (script.shift() ?? store)(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, objects, server };
}

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

const storeAt = (endpoint: string) =>
  new S3PayloadStore({ client: createS3ObjectClient({ region: REGION, endpoint, forcePathStyle: true, credentials: CREDENTIALS }), bucket: 'payload-bucket' });

describe('S3ObjectClient over real sockets against an S3 that checks signatures', () => {
  it('every PUT and GET of keys that need escaping is signed as S3 checks it, and the object lands under its exact key', async () => {
    const s3 = await fakeS3();
    const store = storeAt(s3.endpoint);
    const keys = ["payloads/a b+c%d~e!'()*&=$@,;:.json", 'payloads/é✓🚀.json', 'payloads/x//y.json'];
    for (const key of keys) {
      const body = JSON.stringify({ key, text: 'é'.repeat(40_000) });
      await store.put(key, body);
      expect(await store.get(key)).toBe(body);
    }
    expect([...s3.objects.keys()]).toEqual(keys);
    expect(s3.seen).toHaveLength(6);
    expect(s3.seen.every((r) => r.signatureValid && r.payloadHashValid)).toBe(true);
  });

  it('a reset connection and a 500 are retried on fresh sockets, then the read succeeds', async () => {
    const s3 = await fakeS3([
      (req) => req.socket.destroy(),
      (_req, res) => res.writeHead(500, { 'content-type': 'application/xml' }).end('<Error><Code>InternalError</Code><Message>We encountered an internal error.</Message></Error>'),
    ]);
    s3.objects.set('payloads/m.json', Buffer.from('{"m":1}'));
    await expect(storeAt(s3.endpoint).get('payloads/m.json')).resolves.toBe('{"m":1}');
    expect(s3.seen.map((r) => r.method)).toEqual(['GET', 'GET', 'GET']);
    expect(s3.seen.every((r) => r.signatureValid)).toBe(true);
  });
});
