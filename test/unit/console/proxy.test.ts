/** `hookline console`'s server without a browser: what it forwards, signs, refuses. */
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { FetchLike } from '../../../cli/client.js';
import { startConsoleServer, type ConsoleServer } from '../../../console/server/proxy.js';

interface Sent {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
}

let server: ConsoleServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function recordingFetch(answer: () => Response): { fetch: FetchLike; sent: Sent[] } {
  const sent: Sent[] = [];
  return {
    sent,
    fetch: async (url, init) => {
      sent.push({ url, method: init.method, headers: init.headers, ...(init.body !== undefined && { body: init.body }) });
      return answer();
    },
  };
}

function call(port: number, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<{ status: number; headers: Record<string, unknown>; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function tokenOf(port: number): Promise<string> {
  const page = await call(port, 'GET', '/console');
  return /name="hookline-console-token" content="([^"]+)"/.exec(page.text)?.[1] ?? '';
}

describe('hookline console server', () => {
  it('signs each API call for execute-api, re-encodes the query, and relays status, type and body', async () => {
    const upstream = recordingFetch(() => new Response('{"items":[]}', { status: 200, headers: { 'content-type': 'application/json', 'set-cookie': 'x=1' } }));
    server = await startConsoleServer({
      target: { baseUrl: 'https://abc.execute-api.eu-west-1.amazonaws.com', signing: { region: 'eu-west-1', credentials: async () => ({ accessKeyId: 'AKID', secretAccessKey: 'secret', sessionToken: 'tok' }) } },
      fetch: upstream.fetch,
    });
    const token = await tokenOf(server.port);
    const res = await call(server.port, 'GET', '/v1/deliveries?eventType=order+created&tenant=a%2Fb', { 'x-hookline-console-token': token, accept: 'application/json', cookie: 'session=1' });
    expect(res.status).toBe(200);
    expect(res.text).toBe('{"items":[]}');
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.headers['set-cookie']).toBeUndefined();
    const [sent] = upstream.sent;
    expect(sent?.url).toBe('https://abc.execute-api.eu-west-1.amazonaws.com/v1/deliveries?eventType=order%20created&tenant=a%2Fb');
    expect(sent?.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKID\/\d{8}\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=accept;host;x-amz-date;x-amz-security-token, Signature=[0-9a-f]{64}$/);
    expect(sent?.headers['x-amz-security-token']).toBe('tok');
    expect(sent?.headers.cookie).toBeUndefined();
    expect(sent?.headers['x-hookline-console-token']).toBeUndefined();
  });

  it('forwards a JSON body, and sends nothing unsigned to a local target', async () => {
    const upstream = recordingFetch(() => new Response(null, { status: 204 }));
    server = await startConsoleServer({ target: { baseUrl: 'http://127.0.0.1:3000' }, fetch: upstream.fetch });
    const token = await tokenOf(server.port);
    const res = await call(server.port, 'PATCH', '/v1/subscriptions/sub_1', { 'x-hookline-console-token': token, 'content-type': 'application/json' }, '{"description":"x"}');
    expect(res.status).toBe(204);
    expect(upstream.sent[0]).toMatchObject({ method: 'PATCH', url: 'http://127.0.0.1:3000/v1/subscriptions/sub_1', body: '{"description":"x"}' });
    expect(upstream.sent[0]?.headers.authorization).toBeUndefined();
  });

  it('answers problem+json when the API is unreachable or the body is too large; only /console and /v1 exist', async () => {
    const upstream = recordingFetch(() => {
      throw new TypeError('fetch failed');
    });
    server = await startConsoleServer({ target: { baseUrl: 'http://127.0.0.1:9' }, fetch: upstream.fetch });
    const token = await tokenOf(server.port);
    const down = await call(server.port, 'GET', '/v1/subscriptions', { 'x-hookline-console-token': token });
    expect(down.status).toBe(502);
    expect(down.headers['content-type']).toBe('application/problem+json');
    expect(JSON.parse(down.text).detail).toContain('cannot reach http://127.0.0.1:9');
    const big = await call(server.port, 'POST', '/v1/subscriptions', { 'x-hookline-console-token': token, 'content-type': 'application/json' }, 'x'.repeat(300 * 1024));
    expect(big.status).toBe(413);
    expect(upstream.sent.length).toBe(1);
    expect((await call(server.port, 'GET', '/etc/passwd')).status).toBe(404);
    expect((await call(server.port, 'GET', '/console/../v1/subscriptions')).status).toBe(403);
    expect((await call(server.port, 'GET', '/')).headers.location).toBe('/console');
    expect((await call(server.port, 'POST', '/console')).status).toBe(405);
    const js = await call(server.port, 'GET', '/console/app.js');
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    // Nothing from elsewhere: the page loads only its own two files; the bundle imports nothing.
    const page = await call(server.port, 'GET', '/console');
    expect([...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1])).toEqual(['/console/app.css', '/console/app.js']);
    expect(js.text).not.toMatch(/\bimport\s*\(|^import\s/m);
  });

  it('issues a new token at each start', async () => {
    const upstream = recordingFetch(() => new Response('{}'));
    server = await startConsoleServer({ target: { baseUrl: 'http://127.0.0.1:3000' }, fetch: upstream.fetch });
    const first = await tokenOf(server.port);
    await server.close();
    server = await startConsoleServer({ target: { baseUrl: 'http://127.0.0.1:3000' }, fetch: upstream.fetch });
    const second = await tokenOf(server.port);
    expect(first).toMatch(/^[0-9a-f]{48}$/);
    expect(second).not.toBe(first);
    expect((await call(server.port, 'GET', '/v1/subscriptions', { 'x-hookline-console-token': first })).status).toBe(403);
  });
});
