import { gzipSync } from 'node:zlib';
import { request } from 'node:http';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { startFrontDoor, type FrontDoor, type HttpApiHandler } from '../../../local/front-door.js';
import { hostAllowed, listenWarning } from '../../../local/host-check.js';

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** Raw node:http so the test controls repeated headers and cookies exactly. */
function send(url: string, method: string, path: string, headers: [string, string][] = [], body?: Buffer | string): Promise<Raw> {
  return new Promise((resolve, reject) => {
    // An array of raw headers makes node:http add nothing itself: set Host and the length here.
    const hostGiven = headers.some(([k]) => k.toLowerCase() === 'host');
    const all: [string, string][] = [...(hostGiven ? [] : [['Host', new URL(url).host] as [string, string]]), ...headers];
    if (body !== undefined && !headers.some(([k]) => k.toLowerCase() === 'transfer-encoding')) all.push(['Content-Length', String(Buffer.byteLength(body))]);
    const flat = all.flat();
    const req = request(`${url}${path}`, { method, headers: flat }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('front door', () => {
  let door: FrontDoor | undefined;
  const seen: { target: string; event: APIGatewayProxyEventV2 }[] = [];
  const recorder =
    (target: string, reply: Awaited<ReturnType<HttpApiHandler>> = { statusCode: 202, headers: { 'content-type': 'application/json' }, body: '{"ok":true}' }): HttpApiHandler =>
    async (event) => {
      seen.push({ target, event });
      return reply;
    };

  afterEach(async () => {
    await door?.close();
    door = undefined;
    seen.length = 0;
  });

  it('turns a request into an HTTP API v2.0 event for the receiver', async () => {
    // Prepare
    door = await startFrontDoor({ port: 0, handlers: { receiver: recorder('receiver'), admin: recorder('admin') } });
    // Act
    const res = await send(
      door.url,
      'POST',
      '/v1/events?a=1&a=2&b=x%20y',
      [
        ['Content-Type', 'application/json'],
        ['X-Multi', 'one'],
        ['X-Multi', 'two'],
        ['Cookie', 'c1=v1; c2=v2'],
        ['User-Agent', 'test-agent'],
        ['Idempotency-Key', 'k-1'],
      ],
      '{"type":"order.created"}',
    );
    // Assess
    expect(res.status).toBe(202);
    expect(JSON.parse(res.body.toString())).toEqual({ ok: true });
    expect(res.headers['apigw-requestid']).toBeTruthy();
    expect(seen).toHaveLength(1);
    const { target, event } = seen[0]!;
    expect(target).toBe('receiver');
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'POST /v1/events',
      rawPath: '/v1/events',
      rawQueryString: 'a=1&a=2&b=x%20y',
      cookies: ['c1=v1', 'c2=v2'],
      queryStringParameters: { a: '1,2', b: 'x y' },
      body: '{"type":"order.created"}',
      isBase64Encoded: false,
    });
    expect(event.headers).toMatchObject({ 'content-type': 'application/json', 'x-multi': 'one,two', 'idempotency-key': 'k-1' });
    expect(event.headers.cookie).toBeUndefined();
    expect(event.pathParameters).toBeUndefined();
    const rc = event.requestContext;
    expect(rc).toMatchObject({
      stage: '$default',
      routeKey: 'POST /v1/events',
      domainName: `127.0.0.1:${door.port}`,
      http: { method: 'POST', path: '/v1/events', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test-agent' },
    });
    expect(rc.requestId).toBe(res.headers['apigw-requestid']);
    expect(rc.time).toMatch(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
    expect(Math.abs(rc.timeEpoch - Date.now())).toBeLessThan(60_000);
  });

  it('routes admin paths with path parameters and writes headers, cookies and status back', async () => {
    door = await startFrontDoor({
      port: 0,
      handlers: {
        receiver: recorder('receiver'),
        admin: recorder('admin', { statusCode: 404, headers: { 'content-type': 'application/problem+json', 'x-extra': 7 }, body: '{"status":404}', cookies: ['a=b'] }),
      },
    });
    const res = await send(door.url, 'GET', '/v1/subscriptions/sub_42');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(res.headers['x-extra']).toBe('7');
    expect(res.headers['set-cookie']).toEqual(['a=b']);
    expect(seen[0]?.target).toBe('admin');
    expect(seen[0]?.event.pathParameters).toEqual({ id: 'sub_42' });
    expect(seen[0]?.event.routeKey).toBe('GET /v1/subscriptions/{id}');
    expect(seen[0]?.event.body).toBeUndefined();
    expect(seen[0]?.event.queryStringParameters).toBeUndefined();
  });

  it('base64-encodes binary bodies and decodes base64 results', async () => {
    const binary = gzipSync(Buffer.from('hello'));
    door = await startFrontDoor({
      port: 0,
      handlers: { receiver: recorder('receiver', { statusCode: 200, headers: { 'content-type': 'application/octet-stream' }, body: binary.toString('base64'), isBase64Encoded: true }), admin: recorder('admin') },
    });
    const res = await send(door.url, 'POST', '/v1/events', [['Content-Type', 'application/octet-stream']], binary);
    expect(seen[0]?.event.isBase64Encoded).toBe(true);
    expect(Buffer.from(seen[0]?.event.body ?? '', 'base64').equals(binary)).toBe(true);
    expect(res.body.equals(binary)).toBe(true);
  });

  it('answers unknown paths with a 404 problem without calling a handler', async () => {
    door = await startFrontDoor({ port: 0, handlers: { receiver: recorder('receiver'), admin: recorder('admin') } });
    const res = await send(door.url, 'GET', '/nope');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(JSON.parse(res.body.toString())).toMatchObject({ status: 404, title: 'Not Found' });
    expect(seen).toHaveLength(0);
  });

  // Issue 20: DNS rebinding. A page whose name resolves to 127.0.0.1 still sends its own Host.
  it('on loopback, answers only loopback Host names (421 problem otherwise, no handler called)', async () => {
    door = await startFrontDoor({ port: 0, handlers: { receiver: recorder('receiver'), admin: recorder('admin') } });
    for (const host of ['evil.example:3000', 'evil.example', '10.0.0.5:3000', 'localhost.evil.example']) {
      const res = await send(door.url, 'POST', '/v1/events', [['Host', host]], '{}');
      expect([host, res.status]).toEqual([host, 421]);
      expect(res.headers['content-type']).toBe('application/problem+json');
      expect(JSON.parse(res.body.toString()).detail).toContain('not a loopback name');
    }
    expect(seen).toHaveLength(0);
    for (const host of [`localhost:${door.port}`, `127.0.0.1:${door.port}`, '127.0.0.2', `[::1]:${door.port}`]) {
      expect([host, (await send(door.url, 'POST', '/v1/events', [['Host', host]], '{}')).status]).toEqual([host, 202]);
    }
  });

  // Binding beyond loopback is not done in tests (loopback only): the decision itself is checked.
  it('beyond loopback: a warning, and any Host is answered', () => {
    expect(listenWarning('0.0.0.0')).toContain('--host 0.0.0.0 is not a loopback address');
    expect(listenWarning('192.168.1.10')).toContain('not a loopback address');
    for (const loopback of ['127.0.0.1', '::1', 'localhost']) expect(listenWarning(loopback)).toBeUndefined();
    expect(hostAllowed('hookline.internal:3000', '0.0.0.0')).toBe(true);
    expect(hostAllowed('hookline.internal:3000', '127.0.0.1')).toBe(false);
    expect(hostAllowed('[::1]:3000', '::1')).toBe(true);
    expect(hostAllowed(undefined, '127.0.0.1')).toBe(true);
  });

  it('refuses bodies above the cap with a 413 problem', async () => {
    door = await startFrontDoor({ port: 0, maxBodyBytes: 1024, handlers: { receiver: recorder('receiver'), admin: recorder('admin') } });
    const res = await send(door.url, 'POST', '/v1/events', [['Content-Type', 'application/json']], 'x'.repeat(4096));
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body.toString())).toMatchObject({ status: 413 });
    expect(seen).toHaveLength(0);
  });

  it('refuses a chunked body that grows above the cap', async () => {
    door = await startFrontDoor({ port: 0, maxBodyBytes: 1024, handlers: { receiver: recorder('receiver'), admin: recorder('admin') } });
    const res = await send(door.url, 'POST', '/v1/events', [['Transfer-Encoding', 'chunked']], 'y'.repeat(4096));
    expect(res.status).toBe(413);
    expect(seen).toHaveLength(0);
  });

  it('answers 500 like API Gateway when a handler throws, and keeps serving', async () => {
    const errors: unknown[] = [];
    door = await startFrontDoor({
      port: 0,
      onError: (e) => errors.push(e),
      handlers: { receiver: async () => Promise.reject(new Error('boom')), admin: recorder('admin') },
    });
    const res = await send(door.url, 'POST', '/v1/events', [], '{}');
    expect(res.status).toBe(500);
    expect(JSON.parse(res.body.toString())).toEqual({ message: 'Internal Server Error' });
    expect(errors).toHaveLength(1);
    expect((await send(door.url, 'GET', '/v1/deliveries')).status).toBe(202);
  });

  it('treats a plain string result as a 200 body', async () => {
    door = await startFrontDoor({ port: 0, handlers: { receiver: recorder('receiver'), admin: async () => 'plain' } });
    const res = await send(door.url, 'GET', '/v1/deliveries');
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe('plain');
  });

  it('frees its port on close', async () => {
    door = await startFrontDoor({ port: 0, handlers: { receiver: recorder('receiver'), admin: recorder('admin') } });
    const { url } = door;
    await door.close();
    door = undefined;
    await expect(send(url, 'GET', '/v1/deliveries')).rejects.toThrow(/ECONNREFUSED/);
  });
});
