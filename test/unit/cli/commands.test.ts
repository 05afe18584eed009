import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../../cli/main.js';
import { DESIGN_SUBSCRIPTION_EXAMPLE } from '../../support/design-example.js';
import { captureIo } from './io.js';
import { startRecorder, type Recorder } from './recorder.js';

const NOW = new Date('2024-05-06T12:00:00.000Z');
const deps = { now: () => NOW };

/** The API's view of the DESIGN example: with an id and a status, the auth token masked. */
const SUB = {
  id: 'sub_abc',
  ...DESIGN_SUBSCRIPTION_EXAMPLE,
  signing: { scheme: 'hmac-sha256', header: 'X-Shop-Hmac-SHA256' },
  auth: { type: 'bearer', token: '****' },
  retryOn: ['5xx'],
  status: 'active',
  metadata: {},
  createdAt: '2024-05-06T10:00:00.000Z',
  updatedAt: '2024-05-06T10:00:00.000Z',
};

let recorder: Recorder;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hookline-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  recorder = await startRecorder();
});
afterEach(async () => {
  await recorder.close();
});

/** Runs the CLI in-process against the recorder. */
async function cli(args: string[], options: { stdin?: string; stdinIsTty?: boolean; env?: Record<string, string> } = {}) {
  const io = captureIo({ ...options });
  const code = await runCli(['--endpoint', recorder.baseUrl, ...args], io, deps);
  return { code, out: io.out(), err: io.err() };
}

describe('subscriptions create', () => {
  it('sends --secret, --app-key (implying authorization), --xml-root and --api-version as API fields', async () => {
    recorder.on('POST', '/v1/subscriptions', { status: 201, body: { ...SUB, secret: 'tts_secret_0123456789' } });

    const { code, err } = await cli([
      'subscriptions', 'create', '--url', 'https://hooks.example.com/tt', '--event-types', 'orders/create',
      '--secret', 'tts_secret_0123456789', '--app-key', '6abc1d2e', '--format', 'xml', '--xml-root', 'order', '--api-version', '2025-07',
    ]);

    expect({ code, err }).toEqual({ code: 0, err: '' });
    expect(JSON.parse(recorder.requests[0]!.body)).toEqual({
      url: 'https://hooks.example.com/tt',
      eventTypes: ['orders/create'],
      format: 'xml',
      signing: { scheme: 'authorization', appKey: '6abc1d2e' },
      xmlRoot: 'order',
      apiVersion: '2025-07',
      secret: 'tts_secret_0123456789',
    });
  });

  it('sends every field flag as the API field, and shows the subscription with its secret once', async () => {
    // Prepare
    recorder.on('POST', '/v1/subscriptions', { status: 201, body: { ...SUB, secret: 'whsec_c2VjcmV0' } });

    // Act
    const { code, out, err } = await cli([
      'subscriptions', 'create',
      '--url', 'https://hooks.example.com/orders',
      '--event-types', 'order.created, order.updated',
      '--tenant', 'shop_123',
      '--no-fallback',
      '--method', 'post',
      '--format', 'json',
      '--envelope', 'standard',
      '--preset', 'tiktok-shop',
      '--signing-scheme', 'hmac-sha256',
      '--signing-header', 'X-Shop-Hmac-SHA256',
      '--auth-type', 'basic', '--username', 'u', '--password', 'p:w',
      '--header', 'X-Team=payments', '--header', 'X-Env: prod',
      '--timeout-ms', '3000',
      '--accept-statuses', '200,401,2xx',
      '--retry-on', '5xx,timeout',
      '--retry-policy', '{"type":"fixed","delays":[120,1800]}',
      '--failure-policy', '{"afterConsecutiveFailures":5,"action":"disable"}',
      '--description', 'orders for shop 123',
      '--metadata', 'owner=team-a', '--metadata', 'cost=a=b',
    ]);

    // Assess
    expect({ code, err }).toEqual({ code: 0, err: '' });
    const req = recorder.requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.path).toBe('/v1/subscriptions');
    expect(req.headers['content-type']).toBe('application/json');
    expect(JSON.parse(req.body)).toEqual({
      ...DESIGN_SUBSCRIPTION_EXAMPLE,
      envelope: 'standard',
      signing: { scheme: 'hmac-sha256', header: 'X-Shop-Hmac-SHA256' },
      auth: { type: 'basic', username: 'u', password: 'p:w' },
      customHeaders: { 'X-Team': 'payments', 'X-Env': 'prod' },
      acceptStatuses: [200, 401, '2xx'],
      retryOn: ['5xx', 'timeout'],
      retryPolicy: { type: 'fixed', delays: [120, 1800] },
      failurePolicy: { afterConsecutiveFailures: 5, action: 'disable' },
      metadata: { owner: 'team-a', cost: 'a=b' },
    });
    expect(out).toContain('ID:               sub_abc\n');
    expect(out).toContain('Event types:      order.created,order.updated\n');
    expect(out).toContain('Signing:          hmac-sha256 (X-Shop-Hmac-SHA256)\n');
    expect(out).toContain('Signing secret (shown once, store it now): whsec_c2VjcmV0\n');
  });

  it('takes the full body from --from-file, with flags overriding its fields', async () => {
    recorder.on('POST', '/v1/subscriptions', { status: 201, body: SUB });
    const file = join(dir, 'sub.json');
    await writeFile(file, JSON.stringify({ url: 'https://a.example.com/', eventTypes: ['x'], customHeaders: { 'X-A': '1' }, auth: { type: 'bearer', token: 't' } }));

    const { code } = await cli(['subscriptions', 'create', '--from-file', file, '--url', 'https://b.example.com/', '--header', 'X-B=2']);

    expect(code).toBe(0);
    expect(JSON.parse(recorder.requests[0]!.body)).toEqual({
      url: 'https://b.example.com/',
      eventTypes: ['x'],
      customHeaders: { 'X-A': '1', 'X-B': '2' },
      auth: { type: 'bearer', token: 't' },
    });
  });

  it('--json prints the API body byte for byte', async () => {
    const raw = '{"id":"sub_abc","secret":"whsec_x",  "extra":[1,2]}';
    recorder.on('POST', '/v1/subscriptions', { status: 201, body: raw });
    const { code, out } = await cli(['--json', 'subscriptions', 'create', '--url', 'https://a.example.com/', '--event-types', 'x']);
    expect(code).toBe(0);
    expect(out).toBe(`${raw}\n`);
  });

  it('prints a problem+json answer as "title: detail" and its field errors on stderr, exit 1', async () => {
    recorder.on('POST', '/v1/subscriptions', {
      status: 400,
      body: {
        type: 'about:blank',
        title: 'Invalid request',
        status: 400,
        detail: '2 fields are invalid',
        errors: [
          { field: 'url', message: 'must use https' },
          { field: 'customHeaders.X-Hookline-A', message: 'uses the reserved X-Hookline prefix' },
        ],
      },
    });
    // Valid by the API's schema (the URL policy is the server's), so it is sent.
    const { code, out, err } = await cli(['subscriptions', 'create', '--url', 'http://a.example.com/', '--event-types', 'x']);
    expect(code).toBe(1);
    expect(out).toBe('');
    expect(err).toBe('Invalid request: 2 fields are invalid\n  url: must use https\n  customHeaders.X-Hookline-A: uses the reserved X-Hookline prefix\n');
  });

  it('a validation problem whose detail repeats its field errors prints each error once', async () => {
    const errors = [{ field: 'url', message: 'must use https' }];
    recorder.on('POST', '/v1/subscriptions', { status: 400, body: { title: 'Invalid request', status: 400, detail: 'url: must use https', errors } });
    const { code, err } = await cli(['subscriptions', 'create', '--url', 'http://a.example.com/', '--event-types', 'x']);
    expect(code).toBe(1);
    expect(err).toBe('Invalid request\n  url: must use https\n');
  });

  it.each([
    [['subscriptions', 'create', '--event-types', 'x'], '  --url: '],
    [['subscriptions', 'create', '--url', 'https://a.example.com/'], '  --event-types: '],
    [['subscriptions', 'create', '--url', 'https://a.example.com/', '--event-types', 'x', '--header', 'X-Hookline-A=1'], '  --header'],
    [['subscriptions', 'create', '--url', 'https://a.example.com/', '--event-types', 'x', '--timeout-ms', '10'], '  --timeout-ms: '],
    [['subscriptions', 'update', 'sub_abc', '--event-types', 'bad type!'], '  --event-types (0): '],
    [['subscriptions', 'list', '--status', 'on'], '--status must be one of active, disabled'],
    [['deliveries', 'list', '--status', 'ok'], '--status must be one of pending, succeeded, failed, paused, dropped'],
    [['events', 'send', '--type', 'bad type!', '--payload', '{}'], '  --type: '],
    [['events', 'send', '--type', 'order.created', '--payload', '{}', '--idempotency-key', 'has space'], '--idempotency-key must be'],
  ])('%j is checked against the API schema before sending: exit 2, the flag named, nothing sent', async (args, message) => {
    const { code, out, err } = await cli(args);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toContain(message);
    expect(err.match(/^error: /gm)).toHaveLength(1);
    expect(recorder.requests).toHaveLength(0);
  });

  it.each([
    [['--timeout-ms', 'soon'], '--timeout-ms expects an integer'],
    [['--auth-type', 'basic', '--username', 'u'], '--auth-type basic needs --username and --password'],
    [['--auth-type', 'digest'], '--auth-type must be basic, bearer, header or none'],
    [['--header', 'X-NoValue'], '--header expects KEY=VALUE'],
    [['--retry-policy', '{oops'], '--retry-policy is not valid JSON'],
    [['--signing-scheme', 'standard-webhooks', '--signing-header', 'X-Sig'], '--signing-header applies to --signing-scheme hmac-sha256 only'],
    [['--signing-scheme', 'hmac-sha256', '--app-key', 'k1'], '--app-key applies to --signing-scheme authorization only'],
    [['--from-file', '/nonexistent/sub.json'], '--from-file: cannot read /nonexistent/sub.json: ENOENT'],
    [['--bogus'], "unknown option '--bogus'"],
  ])('usage error %j exits 2 and sends nothing', async (flags, message) => {
    const { code, err } = await cli(['subscriptions', 'create', '--url', 'https://a.example.com/', ...flags]);
    expect(code).toBe(2);
    expect(err).toContain(message);
    expect(recorder.requests).toHaveLength(0);
  });
});

describe('subscriptions: the other commands', () => {
  it('list sends the filters and renders an aligned table, with the next cursor on stderr', async () => {
    recorder.on('GET', '/v1/subscriptions', {
      status: 200,
      body: {
        items: [SUB, { id: 'sub_longer_id', status: 'disabled', url: 'https://x.example.com/h', eventTypes: ['*'], preset: 'standard', createdAt: '2024-05-06T11:00:00.000Z' }],
        nextCursor: 'CUR2',
      },
    });

    const { code, out, err } = await cli(['subscriptions', 'list', '--tenant', 'shop_123', '--event-type', 'order.created', '--status', 'active', '--limit', '2', '--cursor', 'CUR1']);

    expect(code).toBe(0);
    expect(Object.fromEntries(recorder.requests[0]!.query)).toEqual({ tenant: 'shop_123', eventType: 'order.created', status: 'active', limit: '2', cursor: 'CUR1' });
    expect(out).toBe(
      [
        'ID             STATUS    TENANT    EVENT TYPES                  URL                               PRESET       CREATED',
        'sub_abc        active    shop_123  order.created,order.updated  https://hooks.example.com/orders  tiktok-shop  2024-05-06T10:00:00.000Z',
        'sub_longer_id  disabled  -         *                            https://x.example.com/h           standard     2024-05-06T11:00:00.000Z',
        '',
      ].join('\n'),
    );
    expect(err).toBe('More: --cursor CUR2\n');
  });

  it('an empty list says so', async () => {
    recorder.on('GET', '/v1/subscriptions', { status: 200, body: { items: [] } });
    const { out } = await cli(['subscriptions', 'list']);
    expect(out).toBe('(none)\n');
    expect(recorder.requests[0]!.url).toBe('/v1/subscriptions');
  });

  it('get, enable and disable call their routes', async () => {
    recorder.on('GET', '/v1/subscriptions/sub_abc', { status: 200, body: SUB });
    recorder.on('POST', '/v1/subscriptions/sub_abc/enable', { status: 200, body: SUB });
    recorder.on('POST', '/v1/subscriptions/sub_abc/disable', { status: 200, body: { ...SUB, status: 'disabled' } });

    const got = await cli(['subscriptions', 'get', 'sub_abc']);
    const enabled = await cli(['subscriptions', 'enable', 'sub_abc']);
    const disabled = await cli(['subs', 'disable', 'sub_abc']);

    expect([got.code, enabled.code, disabled.code]).toEqual([0, 0, 0]);
    expect(recorder.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      'GET /v1/subscriptions/sub_abc',
      'POST /v1/subscriptions/sub_abc/enable',
      'POST /v1/subscriptions/sub_abc/disable',
    ]);
    expect(got.out).toContain('Auth:             bearer\n');
    expect(got.out).not.toContain('secret');
    expect(disabled.out).toContain('Status:           disabled\n');
  });

  it('update PATCHes only the given fields; --no-fallback and --auth-type none are explicit', async () => {
    recorder.on('PATCH', '/v1/subscriptions/sub_abc', { status: 200, body: SUB });
    const { code } = await cli(['subscriptions', 'update', 'sub_abc', '--no-fallback', '--auth-type', 'none', '--event-types', 'a.b']);
    expect(code).toBe(0);
    expect(recorder.requests[0]!.method).toBe('PATCH');
    expect(JSON.parse(recorder.requests[0]!.body)).toEqual({ fallback: false, auth: null, eventTypes: ['a.b'] });
  });

  it('update --no-tenant and --no-description clear those fields (null); create has no such flags', async () => {
    recorder.on('PATCH', '/v1/subscriptions/sub_abc', { status: 200, body: SUB });
    const cleared = await cli(['subscriptions', 'update', 'sub_abc', '--no-tenant', '--no-description']);
    const renamed = await cli(['subscriptions', 'update', 'sub_abc', '--tenant', 'shop_9']);
    const onCreate = await cli(['subscriptions', 'create', '--url', 'https://a.example.com/', '--event-types', 'x', '--no-tenant']);

    expect([cleared.code, renamed.code, onCreate.code]).toEqual([0, 0, 2]);
    expect(JSON.parse(recorder.requests[0]!.body)).toEqual({ tenant: null, description: null });
    expect(JSON.parse(recorder.requests[1]!.body)).toEqual({ tenant: 'shop_9' });
    expect(onCreate.err).toContain("unknown option '--no-tenant'");
    expect(recorder.requests).toHaveLength(2);
  });

  it('delete reports the deleted id (the API answers 204 with no body)', async () => {
    recorder.on('DELETE', '/v1/subscriptions/sub_abc', { status: 204 });
    const human = await cli(['subscriptions', 'delete', 'sub_abc']);
    const json = await cli(['--json', 'subscriptions', 'delete', 'sub_abc']);
    expect(human).toEqual({ code: 0, out: 'Deleted sub_abc\n', err: '' });
    expect(json).toEqual({ code: 0, out: '', err: '' });
  });

  it('test with an id tests the saved subscription; without one it tests the flags unsaved', async () => {
    const attempt = {
      attempt: { attempt: 1, outcome: 'success', statusCode: 200, durationMs: 42, startedAt: '2024-05-06T12:00:00.000Z', responseExcerpt: 'ok', signatureHeaders: { 'webhook-signature': 'v1,abc=' } },
    };
    recorder.on('POST', '/v1/subscriptions/sub_abc/test', { status: 200, body: attempt });
    recorder.on('POST', '/v1/subscriptions/test', { status: 200, body: attempt });

    const saved = await cli(['subscriptions', 'test', 'sub_abc']);
    const unsaved = await cli(['subscriptions', 'test', '--url', 'https://a.example.com/', '--event-types', 'x', '--token', 'tok']);

    expect(saved.code + unsaved.code).toBe(0);
    expect(recorder.requests[0]!.body).toBe('');
    expect(JSON.parse(recorder.requests[1]!.body)).toEqual({ url: 'https://a.example.com/', eventTypes: ['x'], auth: { type: 'bearer', token: 'tok' } });
    expect(saved.out).toBe(
      [
        'Outcome:                 success',
        'Status code:             200',
        'Duration:                42ms',
        'Reason:                  -',
        'Started:                 2024-05-06T12:00:00.000Z',
        'Response:                ok',
        'Sent webhook-signature:  v1,abc=',
        '',
      ].join('\n'),
    );
  });

  it('a test delivery that did not succeed prints the attempt and exits 4', async () => {
    recorder.on('POST', '/v1/subscriptions/sub_abc/test', {
      status: 200,
      body: { attempt: { attempt: 1, outcome: '4xx', statusCode: 401, durationMs: 5, reason: 'HTTP 401', startedAt: '2024-05-06T12:00:00.000Z', signatureHeaders: {} } },
    });
    const human = await cli(['subscriptions', 'test', 'sub_abc']);
    const json = await cli(['--json', 'subscriptions', 'test', 'sub_abc']);
    expect(human.code).toBe(4);
    expect(human.out).toMatch(/^Outcome:\s+4xx\nStatus code:\s+401\n/);
    expect(human.err).toBe('error: the test delivery failed: 4xx (HTTP 401), HTTP 401\n');
    expect(json.code).toBe(4);
    expect(JSON.parse(json.out).attempt.statusCode).toBe(401);
  });

  it('test with an id and subscription flags is a usage error: the saved subscription is what gets tested', async () => {
    const { code, err } = await cli(['subscriptions', 'test', 'sub_abc', '--url', 'https://a.example.com/']);
    expect(code).toBe(2);
    expect(err).toBe('error: subscriptions test ID takes no subscription flags (run update first, or test without ID)\n');
    expect(recorder.requests).toHaveLength(0);
  });

  it('rotate-secret sends the grace period and shows both secrets’ lifetimes; secret prints the secret alone', async () => {
    recorder.on('POST', '/v1/subscriptions/sub_abc/rotate-secret', { status: 200, body: { secret: 'whsec_new', previousSecretExpiresAt: '2024-05-07T12:00:00.000Z' } });
    recorder.on('GET', '/v1/subscriptions/sub_abc/secret', { status: 200, body: { secret: 'whsec_new' } });

    const rotated = await cli(['subscriptions', 'rotate-secret', 'sub_abc', '--grace-seconds', '3600']);
    const secret = await cli(['subscriptions', 'secret', 'sub_abc']);

    expect(JSON.parse(recorder.requests[0]!.body)).toEqual({ graceSeconds: 3600 });
    expect(rotated.out).toBe('whsec_new\nThe previous secret keeps signing until 2024-05-07T12:00:00.000Z.\n');
    expect(secret.out).toBe('whsec_new\n');
  });

  it('rotate-secret --secret sends your own secret', async () => {
    recorder.on('POST', '/v1/subscriptions/sub_abc/rotate-secret', { status: 200, body: { secret: 'shpss_0123456789abcdef', previousSecretExpiresAt: '2024-05-07T12:00:00.000Z' } });

    const rotated = await cli(['subscriptions', 'rotate-secret', 'sub_abc', '--secret', 'shpss_0123456789abcdef']);

    expect(rotated.code).toBe(0);
    expect(JSON.parse(recorder.requests[0]!.body)).toEqual({ secret: 'shpss_0123456789abcdef' });
  });

  it('an unknown id is an API error (exit 1) with the problem detail', async () => {
    const { code, err } = await cli(['subscriptions', 'get', 'sub_missing']);
    expect(code).toBe(1);
    expect(err).toBe('Not found: no route GET /v1/subscriptions/sub_missing\n');
  });

  it('put creates or replaces the tenant\'s subscription for an event type (topic `/` sent as is); remove deletes it', async () => {
    recorder.on('PUT', '/v1/tenants/shop%201/subscriptions/orders/create', { status: 201, body: { ...SUB, tenant: 'shop 1', eventTypes: ['orders/create'], secret: 'whsec_once' } });
    recorder.on('DELETE', '/v1/tenants/shop%201/subscriptions/orders/create', { status: 204 });
    const put = await cli(['subscriptions', 'put', 'shop 1', 'orders/create', '--url', 'https://hooks.example.com/orders', '--preset', 'shopify']);
    expect(put.code).toBe(0);
    expect(recorder.requests[0]).toMatchObject({ method: 'PUT', url: '/v1/tenants/shop%201/subscriptions/orders/create' });
    expect(JSON.parse(recorder.requests[0]!.body)).toEqual({ url: 'https://hooks.example.com/orders', preset: 'shopify' });
    expect(put.out).toMatch(/^Created the subscription of shop 1 for orders\/create\n/);
    expect(put.out).toContain('Signing secret (shown once, store it now): whsec_once');
    const removed = await cli(['subscriptions', 'remove', 'shop 1', 'orders/create']);
    expect(removed).toEqual({ code: 0, out: 'Removed the subscription of shop 1 for orders/create\n', err: '' });
  });

  it('put takes tenant and event type only as arguments, and checks the body before sending', async () => {
    const named = await cli(['subscriptions', 'put', 'shop_1', 'order.created', '--url', 'https://x.example.com/', '--tenant', 'other']);
    expect(named.code).toBe(2);
    expect(named.err).toContain('takes the tenant and the event type as arguments');
    const bad = await cli(['subscriptions', 'put', 'shop_1', 'order.created', '--timeout-ms', '5']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('invalid subscription; nothing was sent');
    expect(recorder.requests).toHaveLength(0);
  });

  it('ids are path-encoded', async () => {
    await cli(['subscriptions', 'get', '../deliveries']);
    expect(recorder.requests[0]!.url).toBe('/v1/subscriptions/..%2Fdeliveries');
  });
});

describe('events send', () => {
  const accepted = { status: 202, body: { messageId: 'msg_1', routing: 'tenant', deliveryCount: 2 } };

  it('posts type, tenant, inline payload and event time, with the Idempotency-Key header', async () => {
    recorder.on('POST', '/v1/events', accepted);
    const { code, out } = await cli([
      'events', 'send', '--type', 'order.created', '--tenant', 'shop_123', '--payload', '{"k":1}',
      '--event-time', '2024-05-06T11:59:00+02:00', '--idempotency-key', 'order-7',
    ]);
    expect(code).toBe(0);
    const req = recorder.requests[0]!;
    expect(JSON.parse(req.body)).toEqual({ type: 'order.created', tenant: 'shop_123', payload: { k: 1 }, eventTime: '2024-05-06T09:59:00.000Z' });
    expect(req.headers['idempotency-key']).toBe('order-7');
    expect(out).toBe('Message:     msg_1\nRouting:     tenant\nDeliveries:  2\n');
  });

  it('a duplicate Idempotency-Key says so (the API marks it Idempotent-Replayed); --json keeps stdout the body', async () => {
    recorder.on('POST', '/v1/events', { ...accepted, headers: { 'idempotent-replayed': 'true' } });
    const human = await cli(['events', 'send', '--type', 'order.created', '--payload', '{}', '--idempotency-key', 'order-7']);
    expect(human.code).toBe(0);
    expect(human.out).toBe('Message:     msg_1\nRouting:     tenant\nDeliveries:  2\nDuplicate:   yes: this Idempotency-Key was used before; the original message, nothing new sent\n');
    const json = await cli(['--json', 'events', 'send', '--type', 'order.created', '--payload', '{}', '--idempotency-key', 'order-7']);
    expect(JSON.parse(json.out)).toEqual(accepted.body);
    expect(json.err).toContain('duplicate: this Idempotency-Key was used before');
  });

  it('reads the payload from @file and from stdin (-)', async () => {
    recorder.on('POST', '/v1/events', accepted);
    const file = join(dir, 'payload.json');
    await writeFile(file, '{"from":"file"}');

    const fromFile = await cli(['events', 'send', '--type', 't', '--payload', `@${file}`]);
    const fromStdin = await cli(['events', 'send', '--type', 't', '--payload', '-'], { stdin: '[1,2,3]\n' });

    expect([fromFile.code, fromStdin.code]).toEqual([0, 0]);
    expect(JSON.parse(recorder.requests[0]!.body)).toEqual({ type: 't', payload: { from: 'file' } });
    expect(JSON.parse(recorder.requests[1]!.body)).toEqual({ type: 't', payload: [1, 2, 3] });
    expect(recorder.requests[0]!.headers['idempotency-key']).toBeUndefined();
  });

  it('without --payload reads a piped stdin; from a terminal it is a usage error', async () => {
    recorder.on('POST', '/v1/events', accepted);

    const piped = await cli(['events', 'send', '--type', 't'], { stdin: '{"piped":true}' });
    const terminal = await cli(['events', 'send', '--type', 't'], { stdinIsTty: true });

    expect(piped.code).toBe(0);
    expect(JSON.parse(recorder.requests[0]!.body)).toEqual({ type: 't', payload: { piped: true } });
    expect(terminal).toEqual({ code: 2, out: '', err: 'error: --payload is required (inline JSON, @file.json), or pipe the payload on stdin\n' });
    expect(recorder.requests).toHaveLength(1);
  });

  it.each([
    [['--type', 't', '--payload', '{not json'], '--payload is not valid JSON'],
    [['--type', 't'], '--payload: nothing on stdin'],
    [['--payload', '{}'], '--type is required (or --file events.ndjson)'],
    [['--file', 'events.ndjson', '--type', 't'], '--file carries every field per line'],
    [['--file', '/nonexistent/events.ndjson'], '--file: cannot read /nonexistent/events.ndjson: ENOENT'],
    [['--type', 't', '--payload', '{}', '--event-time', 'yesterday-ish'], '--event-time expects an ISO-8601 time'],
  ])('usage error %j exits 2', async (flags, message) => {
    const { code, err } = await cli(['events', 'send', ...flags]);
    expect(code).toBe(2);
    expect(err).toContain(message);
    expect(recorder.requests).toHaveLength(0);
  });
});

describe('events send --file', () => {
  it('posts NDJSON events 100 per batch and prints one row per event; a refused event exits 1', async () => {
    // Prepare: 101 events (two requests), the last refused.
    const dir = mkdtempSync(join(tmpdir(), 'hookline-cli-'));
    const file = join(dir, 'events.ndjson');
    const lines = Array.from({ length: 101 }, (_, n) => JSON.stringify({ type: 'order.created', payload: { n }, idempotencyKey: `k-${n}` }));
    writeFileSync(file, `${lines.join('\n')}\n\n`);
    const ok = (n: number) => ({ messageId: `msg_${n}`, routing: 'tenant', deliveryCount: 1 });
    recorder.on('POST', '/v1/events/batch', (req) => {
      const events = (JSON.parse(req.body) as { events: { payload: { n: number } }[] }).events;
      if (events.length === 100) return { status: 202, body: { results: events.map((e) => ok(e.payload.n)) } };
      return { status: 207, body: { results: [{ status: 400, title: 'Invalid request', detail: 'event 0: type: bad' }] } };
    });
    // Act
    const { code, out, err } = await cli(['events', 'send', '--file', file]);
    // Assess
    expect(recorder.requests.map((r) => (JSON.parse(r.body) as { events: unknown[] }).events.length)).toEqual([100, 1]);
    expect(JSON.parse(recorder.requests[0]!.body).events[7]).toEqual({ type: 'order.created', payload: { n: 7 }, idempotencyKey: 'k-7' });
    expect(out).toContain('msg_99');
    expect(out).toMatch(/101\s+refused \(400\)/);
    expect(code).toBe(1);
    expect(err).toContain('1 of 101 events (lines 101)');
  });
});

/** A message and its deliveries (GET /v1/messages/{id}); the delivery tests below show its first delivery. */
const MESSAGE = {
  id: 'msg_1',
  type: 'order.created',
  tenant: 'shop_123',
  eventTime: '2024-05-06T11:59:00.000Z',
  createdAt: '2024-05-06T11:59:01.000Z',
  routing: 'tenant',
  payload: { k: 1 },
  deliveries: [
    { id: 'dlv_a', subscriptionId: 'sub_abc', status: 'succeeded', attemptCount: 1 },
  { id: 'dlv_b', subscriptionId: 'sub_def', status: 'pending', attemptCount: 2, nextAttemptAt: '2024-05-06T12:30:00.000Z' },
  ],
};

describe('events get', () => {
  it('shows the message and a table of the deliveries it fanned out to', async () => {
    recorder.on('GET', '/v1/messages/msg_1', { status: 200, body: MESSAGE });

    const { code, out } = await cli(['events', 'get', 'msg_1']);

    expect(code).toBe(0);
    expect(recorder.requests[0]!.url).toBe('/v1/messages/msg_1');
    expect(out).toBe(
      [
        'Message:     msg_1',
        'Type:        order.created',
        'Tenant:      shop_123',
        'Event time:  2024-05-06T11:59:00.000Z',
        'Received:    2024-05-06T11:59:01.000Z',
        'Routing:     tenant',
        'Payload:     {"k":1}',
        '',
        'DELIVERY  SUBSCRIPTION  STATUS     ATTEMPTS  NEXT ATTEMPT',
        'dlv_a     sub_abc       succeeded  1         -',
        'dlv_b     sub_def       pending    2         2024-05-06T12:30:00.000Z',
        '',
      ].join('\n'),
    );
  });

  it('says when the message was not accepted (its intake failed): no deliveries pending', async () => {
    const intakeFailed = { at: '2024-05-06T11:59:02.000Z', reason: 'its tasks could not be queued: throttled' };
    recorder.on('GET', '/v1/messages/msg_2', { status: 200, body: { ...MESSAGE, id: 'msg_2', intakeFailed, deliveries: [] } });

    const { code, out } = await cli(['events', 'get', 'msg_2']);

    expect(code).toBe(0);
    expect(out).toContain('Routing:     tenant\nAccepted:    no: intake failed at 2024-05-06T11:59:02.000Z, its tasks could not be queued: throttled; nothing of it is pending\n');
  });
});

describe('deliveries and replay', () => {
  // The first delivery of MESSAGE.
  const delivery = {
    id: 'dlv_1',
    messageId: MESSAGE.id,
    subscriptionId: 'sub_abc',
    eventType: MESSAGE.type,
    tenant: MESSAGE.tenant,
    status: 'pending',
    attemptCount: 2,
    nextAttemptAt: '2024-05-06T12:30:00.000Z',
    lastOutcome: '5xx',
    createdAt: '2024-05-06T11:00:00.000Z',
    attempts: [
      { attempt: 1, startedAt: '2024-05-06T11:00:00.000Z', durationMs: 1500, statusCode: 500, outcome: '5xx', reason: 'HTTP 500', nextAttemptAt: '2024-05-06T11:02:00.000Z' },
      { attempt: 2, startedAt: '2024-05-06T11:02:00.000Z', durationMs: 3000, outcome: 'timeout', reason: 'no answer in 3000 ms', responseExcerpt: 'gateway\nerror', nextAttemptAt: '2024-05-06T12:30:00.000Z' },
    ],
  };

  it('list sends the filters (relative times resolved against now) and renders a table', async () => {
    recorder.on('GET', '/v1/deliveries', { status: 200, body: { items: [delivery] } });
    const { code, out } = await cli([
      'deliveries', 'list', '--subscription', 'sub_abc', '--tenant', 'shop_123', '--event-type', 'order.created',
      '--status', 'failed', '--since', '2h', '--until', '2024-05-06T11:30:00Z', '--limit', '10', '--cursor', 'C',
    ]);
    expect(code).toBe(0);
    expect(Object.fromEntries(recorder.requests[0]!.query)).toEqual({
      subscriptionId: 'sub_abc',
      tenant: 'shop_123',
      eventType: 'order.created',
      status: 'failed',
      since: '2024-05-06T10:00:00.000Z',
      until: '2024-05-06T11:30:00.000Z',
      limit: '10',
      cursor: 'C',
    });
    expect(out).toBe(
      [
        'ID     STATUS   EVENT TYPE     TENANT    SUBSCRIPTION  ATTEMPTS  LAST  NEXT ATTEMPT              CREATED',
        'dlv_1  pending  order.created  shop_123  sub_abc       2         5xx   2024-05-06T12:30:00.000Z  2024-05-06T11:00:00.000Z',
        '',
      ].join('\n'),
    );
  });

  it('get shows the delivery and a table of its attempts', async () => {
    recorder.on('GET', '/v1/deliveries/dlv_1', { status: 200, body: delivery });
    const { code, out } = await cli(['deliveries', 'get', 'dlv_1']);
    expect(code).toBe(0);
    expect(out).toContain('Subscription:  sub_abc\n');
    expect(out).toContain(
      [
        '#  STARTED                   DURATION  STATUS  OUTCOME  REASON                NEXT ATTEMPT',
        '1  2024-05-06T11:00:00.000Z  1.5s      500     5xx      HTTP 500              2024-05-06T11:02:00.000Z',
        '2  2024-05-06T11:02:00.000Z  3.0s      -       timeout  no answer in 3000 ms  2024-05-06T12:30:00.000Z',
      ].join('\n'),
    );
    expect(out).toContain('Last response: gateway error\n');
    expect(out).not.toContain('the newest');
  });

  it('get says when the delivery keeps only its newest attempts', async () => {
    recorder.on('GET', '/v1/deliveries/dlv_1', { status: 200, body: { ...delivery, attemptCount: 27 } });
    const { code, out } = await cli(['deliveries', 'get', 'dlv_1']);
    expect(code).toBe(0);
    expect(out).toContain('Attempts:      27\n');
    expect(out).toContain('(the newest 2 of 27 attempts; the attempt log keeps every one)\n');
  });

  it('get names a success acknowledged by a non-2xx status', async () => {
    const acknowledged = {
      ...delivery,
      status: 'succeeded',
      attemptCount: 1,
      attempts: [{ attempt: 1, startedAt: '2024-05-06T11:00:00.000Z', durationMs: 200, statusCode: 401, outcome: 'success', acknowledgedNon2xx: true }],
    };
    recorder.on('GET', '/v1/deliveries/dlv_1', { status: 200, body: acknowledged });
    const { code, out } = await cli(['deliveries', 'get', 'dlv_1']);
    expect(code).toBe(0);
    expect(out).toMatch(/^1 +2024-05-06T11:00:00\.000Z +200ms +401 +success \(non-2xx ack\)/m);
  });

  it('retry POSTs the retry route and prints the delivery as `deliveries get` does', async () => {
    const delivery = { id: 'dlv_1', status: 'pending', messageId: 'msg_1', subscriptionId: 'sub_abc', eventType: 'order.created', attemptCount: 1, attempts: [] };
    recorder.on('POST', '/v1/deliveries/dlv_1/retry', { status: 202, body: delivery });
    recorder.on('GET', '/v1/deliveries/dlv_1', { status: 200, body: delivery });
    const { code, out } = await cli(['deliveries', 'retry', 'dlv_1']);
    expect(code).toBe(0);
    expect(recorder.requests[0]!.method).toBe('POST');
    expect(out).toMatch(/^ID: +dlv_1\nStatus: +pending\nMessage: +msg_1\n/);
    expect(out).toBe((await cli(['deliveries', 'get', 'dlv_1'])).out);
  });

  it('replay --wait prints the final job as fields', async () => {
    const job = { id: 'rpl_1', subscriptionId: 'sub_abc', since: '2024-05-05T12:00:00.000Z', until: '2024-05-06T12:00:00.000Z', onlyFailed: false, status: 'running', matched: 0, enqueued: 0 };
    recorder.on('POST', '/v1/subscriptions/sub_abc/replay', { status: 202, body: job });
    recorder.on('GET', '/v1/replays/rpl_1', { status: 200, body: { ...job, status: 'done', matched: 3, enqueued: 3 } });
    const { code, out } = await cli(['replay', 'sub_abc', '--since', '1d', '--wait']);
    expect(code).toBe(0);
    expect(out).toMatch(/^ID: +rpl_1\nStatus: +done\nSubscription: +sub_abc\nWindow: +2024-05-05T12:00:00\.000Z → 2024-05-06T12:00:00\.000Z\nOnly failed: +false\nMatched: +3\nEnqueued: +3\n/);
  });

  it('replay posts the window; --wait polls the job until done', async () => {
    const job = { id: 'rpl_1', subscriptionId: 'sub_abc', status: 'running', matched: 0, enqueued: 0 };
    recorder.on('POST', '/v1/subscriptions/sub_abc/replay', { status: 202, body: job });
    let polls = 0;
    recorder.on('GET', '/v1/replays/rpl_1', () => ({ status: 200, body: { ...job, ...(++polls >= 2 ? { status: 'done', matched: 3, enqueued: 3 } : {}) } }));

    const { code, out } = await cli(['--json', 'replay', 'sub_abc', '--since', '1d', '--only-failed', '--wait']);

    expect(code).toBe(0);
    expect(JSON.parse(recorder.requests[0]!.body)).toEqual({ since: '2024-05-05T12:00:00.000Z', onlyFailed: true });
    expect(recorder.requests.slice(1).map((r) => r.url)).toEqual(['/v1/replays/rpl_1', '/v1/replays/rpl_1']);
    expect(JSON.parse(out)).toMatchObject({ id: 'rpl_1', status: 'done', enqueued: 3 });
  });

  it('replay without --since is a usage error', async () => {
    const { code, err } = await cli(['replay', 'sub_abc']);
    expect(code).toBe(2);
    expect(err).toContain("required option '--since <time>' not specified");
  });
});

describe('tail', () => {
  it('prints attempts made after it started, once each, until aborted', async () => {
    // Prepare: the log changes between polls
    const base = { messageId: 'msg_1', subscriptionId: 'sub_abc', eventType: 'order.created', status: 'pending' };
    const a1 = { attempt: 1, startedAt: '2024-05-06T12:00:00.000Z', endedAt: '2024-05-06T12:00:01.000Z', durationMs: 1000, statusCode: 500, outcome: '5xx', nextAttemptAt: '2024-05-06T12:02:01.000Z' };
    const a2 = { attempt: 2, startedAt: '2024-05-06T12:02:01.000Z', endedAt: '2024-05-06T12:02:01.050Z', durationMs: 50, statusCode: 200, outcome: 'success' };
    const states = [
      [{ ...base, id: 'dlv_old', attemptCount: 1, attempts: [a1] }],
      [{ ...base, id: 'dlv_new', attemptCount: 1 }, { ...base, id: 'dlv_old', attemptCount: 1, attempts: [a1] }],
      [{ ...base, id: 'dlv_new', attemptCount: 2 }, { ...base, id: 'dlv_old', attemptCount: 1, attempts: [a1] }],
    ];
    let poll = 0;
    recorder.on('GET', '/v1/deliveries', () => ({ status: 200, body: { items: states[Math.min(poll++, states.length - 1)] } }));
    recorder.on('GET', '/v1/deliveries/dlv_new', () => ({ status: 200, body: { ...base, id: 'dlv_new', attempts: poll >= 3 ? [a1, a2] : [a1] } }));
    const controller = new AbortController();
    const io = captureIo({ signal: controller.signal });

    // Act: stop once the log has been seen in its final state twice
    const run = runCli(['--endpoint', recorder.baseUrl, 'tail', '--subscription', 'sub_abc', '--interval', '0.01'], io, deps);
    while (poll < 5) await new Promise((r) => setTimeout(r, 5));
    controller.abort();
    const code = await run;

    // Assess
    expect(code).toBe(0);
    expect(recorder.requests[0]!.query.get('subscriptionId')).toBe('sub_abc');
    expect(io.out()).toBe(
      '2024-05-06T12:00:01.000Z  dlv_new  sub_abc  order.created  #1  500  5xx  1.0s  next 2024-05-06T12:02:01.000Z\n' +
        '2024-05-06T12:02:01.050Z  dlv_new  sub_abc  order.created  #2  200  success  50ms\n',
    );
    expect(io.err()).toBe('Following new attempts (Ctrl-C to stop)…\n');
  });
});

describe('endpoint resolution and exit codes', () => {
  const cfn = mockClient(CloudFormationClient);
  afterEach(() => cfn.reset());

  it('uses HOOKLINE_ENDPOINT when --endpoint is absent', async () => {
    recorder.on('GET', '/v1/subscriptions', { status: 200, body: { items: [] } });
    const io = captureIo({ env: { HOOKLINE_ENDPOINT: `${recorder.baseUrl}/` } });
    expect(await runCli(['subscriptions', 'list'], io, deps)).toBe(0);
    expect(recorder.requests[0]!.url).toBe('/v1/subscriptions');
  });

  it('discovers the endpoint from the stack output ApiUrl', async () => {
    cfn.on(DescribeStacksCommand, { StackName: 'MyHookline' }).resolves({
      Stacks: [{ StackName: 'MyHookline', CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE', Outputs: [{ OutputKey: 'ApiUrl', OutputValue: recorder.baseUrl }] }],
    });
    recorder.on('GET', '/v1/subscriptions', { status: 200, body: { items: [] } });
    const io = captureIo();
    const code = await runCli(['--stack-name', 'MyHookline', '--region', 'eu-west-1', 'subscriptions', 'list'], io, deps);
    expect(io.err()).toBe('');
    expect(code).toBe(0);
    expect(recorder.requests).toHaveLength(1);
  });

  it('a stack without the output, or no stack, exits 3 naming --endpoint', async () => {
    cfn.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: 'Hookline', CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE', Outputs: [] }] });
    const io = captureIo();
    expect(await runCli(['--region', 'eu-west-1', 'subscriptions', 'list'], io, deps)).toBe(3);
    expect(io.err()).toBe('error: stack Hookline has no ApiUrl output; pass --endpoint\n');

    cfn.on(DescribeStacksCommand).rejects(new Error('Stack with id Hookline does not exist'));
    const io2 = captureIo();
    expect(await runCli(['--region', 'eu-west-1', 'subscriptions', 'list'], io2, deps)).toBe(3);
    expect(io2.err()).toContain('cannot discover the API endpoint from stack Hookline (Stack with id Hookline does not exist)');
  });

  it('missing credentials for a signed endpoint exit 3 before anything is sent', async () => {
    const io = captureIo();
    const code = await runCli(['--endpoint', recorder.baseUrl, '--sign', '--region', 'us-east-1', 'subscriptions', 'list'], io, {
      ...deps,
      credentials: () => async () => {
        const { EnvironmentError } = await import('../../../cli/errors.js');
        throw new EnvironmentError('no AWS credentials (Could not load credentials from any providers)');
      },
    });
    expect(code).toBe(3);
    expect(io.err()).toBe('error: no AWS credentials (Could not load credentials from any providers)\n');
    expect(recorder.requests).toHaveLength(0);
  });

  it('an unreachable endpoint exits 3', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const io = captureIo();
    expect(await runCli(['--endpoint', `http://127.0.0.1:${port}`, 'subscriptions', 'list'], io, deps)).toBe(3);
    expect(io.err()).toBe(`error: cannot reach http://127.0.0.1:${port}: ECONNREFUSED\n`);
  });

  it('a bad --endpoint, an unknown command, or a group without command exit 2; --help exits 0', async () => {
    const bad = captureIo();
    expect(await runCli(['--endpoint', 'not a url', 'subscriptions', 'list'], bad, deps)).toBe(2);
    expect(bad.err()).toBe('error: --endpoint is not a URL: not a url\n');
    expect(await runCli(['frobnicate'], captureIo(), deps)).toBe(2);
    expect(await runCli(['deliveries'], captureIo(), deps)).toBe(2);
    const help = captureIo();
    expect(await runCli(['--help'], help, deps)).toBe(0);
    expect(help.out()).toContain('Usage: hookline [options] [command]');
  });

  it('a non-JSON error page (proxy, gateway) still prints a readable line, exit 1', async () => {
    recorder.on('GET', '/v1/subscriptions', { status: 502, body: '<html>Bad gateway</html>', contentType: 'text/html' });
    const { code, err } = await cli(['subscriptions', 'list']);
    expect(code).toBe(1);
    expect(err).toBe('HTTP 502: <html>Bad gateway</html>\n');
  });
});

describe('the package bin', () => {
  it('cli/bin.js runs the CLI as a process: output, the exit code of an API error, a payload piped on stdin', async () => {
    recorder.on('GET', '/v1/subscriptions/sub_abc', { status: 200, body: SUB });
    recorder.on('POST', '/v1/events', { status: 202, body: { messageId: 'msg_1', routing: 'unrouted', deliveryCount: 0 } });
    const run = promisify(execFile);
    const env = { ...process.env, HOOKLINE_ENDPOINT: recorder.baseUrl };

    const piping = run(process.execPath, ['cli/bin.js', 'events', 'send', '--type', 'order.created'], { env });
    piping.child.stdin!.end('{"piped":1}\n');
    const [ok, failed, piped] = await Promise.all([
      run(process.execPath, ['cli/bin.js', '--json', 'subscriptions', 'get', 'sub_abc'], { env }),
      run(process.execPath, ['cli/bin.js', 'subscriptions', 'get', 'sub_nope'], { env }).catch((e: { code: number; stderr: string }) => e),
      piping,
    ]);

    expect(JSON.parse(ok.stdout)).toEqual(SUB);
    expect(failed).toMatchObject({ code: 1, stderr: 'Not found: no route GET /v1/subscriptions/sub_nope\n' });
    expect(piped.stdout).toBe('Message:     msg_1\nRouting:     unrouted\nDeliveries:  0\n');
    expect(JSON.parse(recorder.requests.find((r) => r.path === '/v1/events')!.body)).toEqual({ type: 'order.created', payload: { piped: 1 } });
  });
});
