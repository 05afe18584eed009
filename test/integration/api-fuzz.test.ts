/**
 * Bad input, fuzzed: 10,000 wrong requests over every route of docs/openapi.json (malformed
 * JSON, wrong types, huge strings, unicode, deep nesting, header injection in customHeaders,
 * path-traversal ids, oversized bodies, wrong content types, bad queries and forged cursors),
 * sent to the real receiver/admin handlers as API Gateway v2 events. Every answer must be a
 * 4xx `application/problem+json` naming the offending field; nothing stored before may change
 * and no webhook may be sent.
 */
import { readFileSync } from 'node:fs';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutboundRequest } from '../../lambdas/core/ports.js';
import { problemSchema } from '../../lambdas/handlers/api/api-schemas.js';
import { routeCases, strayCases, type FuzzCase, type FuzzContext } from '../support/fault-fuzz-cases.js';
import { startInProcess, type InProcessHookline, type InvokeResponse } from '../support/fault-runtime.js';

/** Requests per route; they add up to 10,000. */
const RUNS: Record<string, number> = {
  'POST /v1/events': 1000,
  'POST /v1/events/batch': 300,
  'POST /v1/subscriptions': 900,
  'POST /v1/subscriptions/test': 600,
  'GET /v1/subscriptions': 600,
  'GET /v1/subscriptions/{id}': 250,
  'PATCH /v1/subscriptions/{id}': 800,
  'DELETE /v1/subscriptions/{id}': 250,
  'GET /v1/subscriptions/{id}/secret': 250,
  'POST /v1/subscriptions/{id}/rotate-secret': 500,
  'POST /v1/subscriptions/{id}/enable': 250,
  'POST /v1/subscriptions/{id}/disable': 250,
  'POST /v1/subscriptions/{id}/test': 250,
  'POST /v1/subscriptions/{id}/replay': 600,
  'GET /v1/tenants/{tenant}/subscriptions': 300,
  'PUT /v1/tenants/{tenant}/subscriptions/{eventType}': 500,
  'DELETE /v1/tenants/{tenant}/subscriptions/{eventType}': 200,
  'GET /v1/replays/{id}': 250,
  'GET /v1/messages/{id}': 250,
  'GET /v1/deliveries': 600,
  'GET /v1/deliveries/{id}': 250,
  'POST /v1/deliveries/{id}/retry': 250,
  'wrong methods and unknown paths': 600,
};

const openapi = JSON.parse(readFileSync(new URL('../../docs/openapi.json', import.meta.url), 'utf8')) as { paths: Record<string, Record<string, unknown>> };
const documentedRoutes = Object.entries(openapi.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
const allowedMethods = Object.fromEntries(Object.entries(openapi.paths).map(([path, ops]) => [path, Object.keys(ops).map((m) => m.toUpperCase())]));

let h: InProcessHookline;
let ctx: FuzzContext;
let before: Awaited<ReturnType<typeof snapshot>>;
const sent: OutboundRequest[] = [];
let requests = 0;
const statuses = new Map<number, number>();

beforeAll(async () => {
  h = await startInProcess({
    label: 'fuzz',
    worker: false,
    // No fuzzed request may reach the network; this sender records and refuses.
    overrides: () => ({ sender: { send: async (r) => (sent.push(r), { kind: 'failure', outcome: 'refused', reason: 'fuzz: no network', durationMs: 0 }) } }),
  });
  const url = 'http://127.0.0.1:9/hooks';
  const created = [
    await h.api('POST', '/v1/subscriptions', {
      url,
      eventTypes: ['order.created', 'order.paid'],
      tenant: 'shop-1',
      auth: { type: 'basic', username: 'u', password: 'p' },
      customHeaders: { 'X-Team': 'payments' },
      metadata: { owner: 'fuzz' },
      retryPolicy: { type: 'fixed', delays: [60, 600] },
    }),
    await h.api('POST', '/v1/subscriptions', { url: `${url}/all`, eventTypes: ['*'], fallback: true, signing: { scheme: 'hmac-sha256', header: 'X-Signature-256' } }),
  ];
  for (const r of created) expect(r.status).toBe(201);
  const events = [];
  for (const [i, body] of [{ type: 'order.created', tenant: 'shop-1', payload: { n: 1, text: 'é😀' } }, { type: 'order.paid', tenant: 'shop-1', payload: [1, 2] }, { type: 'order.created', payload: null }, { type: 'user.deleted', tenant: 'nobody', payload: 'x' }].entries()) {
    const r = await h.invoke('POST', '/v1/events', { body, headers: { 'idempotency-key': `fuzz-seed-${i}` } });
    expect(r.status, r.text).toBe(202);
    events.push(r.json as { messageId: string });
  }
  const message = await h.api('GET', `/v1/messages/${events[0]!.messageId}`);
  const config = h.deps.config;
  ctx = {
    subscriptionId: created[0]!.json.id,
    messageId: events[0]!.messageId,
    deliveryId: message.json.deliveries[0].id,
    loopbackUrl: url,
    adminBodyBytes: 64 * 1024,
    eventBodyBytes: config.maxPayloadBytes + 16 * 1024,
    batchBodyBytes: Math.min(6 * 1024 * 1024, 100 * (config.maxPayloadBytes + 16 * 1024)),
    maxPayloadBytes: config.maxPayloadBytes,
  };
  before = await snapshot(created.map((r) => r.json.id), events.map((e) => e.messageId));
  expect(before.table.length).toBeGreaterThan(10);
}, 60_000);

afterAll(async () => {
  await h?.stop();
});

/** What the API shows and what the table and queue hold. */
async function snapshot(subscriptionIds: string[], messageIds: string[]) {
  const read = async (path: string) => {
    const r = await h.invoke('GET', path.split('?')[0]!, path.includes('?') ? { query: path.split('?')[1] } : {});
    expect(r.status, path).toBe(200);
    return r.json;
  };
  const api: Record<string, unknown> = {};
  for (const path of [
    '/v1/subscriptions',
    ...subscriptionIds.flatMap((id) => [`/v1/subscriptions/${id}`, `/v1/subscriptions/${id}/secret`, `/v1/deliveries?subscriptionId=${id}`]),
    ...messageIds.map((id) => `/v1/messages/${id}`),
  ]) {
    api[path] = await read(path);
  }
  const deliveryIds = Object.entries(api)
    .filter(([path]) => path.startsWith('/v1/messages/'))
    .flatMap(([, m]) => (m as { deliveries: { id: string }[] }).deliveries.map((d) => d.id));
  // A delivery is recorded when its first attempt ends: before that it is a 404 listed as pending.
  const pending = new Set(
    Object.entries(api)
      .filter(([path]) => path.startsWith('/v1/messages/'))
      .flatMap(([, m]) => (m as { deliveries: { id: string; status: string; attemptCount: number }[] }).deliveries)
      .filter((d) => d.status === 'pending' && d.attemptCount === 0)
      .map((d) => d.id),
  );
  for (const id of deliveryIds) {
    const r = await h.invoke('GET', `/v1/deliveries/${id}`);
    if (!(r.status === 404 && pending.has(id))) expect(r.status, `/v1/deliveries/${id}`).toBe(200);
    api[`/v1/deliveries/${id}`] = r.status === 404 ? { status: 404 } : r.json;
  }

  const table: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await h.engines.doc.send(new ScanCommand({ TableName: h.engines.names.table, ConsistentRead: true, ...(start && { ExclusiveStartKey: start }) }));
    table.push(...((out.Items ?? []) as Record<string, unknown>[]));
    start = out.LastEvaluatedKey;
  } while (start !== undefined);
  table.sort((a, b) => `${a.pk}|${a.sk}`.localeCompare(`${b.pk}|${b.sk}`));

  const attrs = await h.engines.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: h.engines.names.queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'] }),
  );
  return { api, table, queue: attrs.Attributes, deliveryCount: deliveryIds.length };
}

async function send(c: FuzzCase): Promise<InvokeResponse> {
  requests += 1;
  const r = await h.invoke(c.method, c.path, {
    ...(c.headers !== undefined && { headers: c.headers }),
    ...(c.body !== undefined && { body: c.body }),
    ...(c.query !== undefined && { query: c.query }),
  });
  statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
  return r;
}

function assertRefused(c: FuzzCase, r: InvokeResponse): void {
  const where = `${c.kind} | ${c.method} ${c.path.slice(0, 100)}${c.query ? `?${c.query.slice(0, 150)}` : ''} → ${r.status} ${r.text.slice(0, 400)}`;
  expect(c.expect, where).toContain(r.status);
  expect(r.status, where).toBeGreaterThanOrEqual(400);
  expect(r.status, where).toBeLessThan(500);
  expect(r.headers['content-type'], where).toBe('application/problem+json');
  const problem = problemSchema.parse(r.json);
  expect(problem.status, where).toBe(r.status);
  if (r.status === 400 && c.fields !== undefined) {
    const named = (problem.errors ?? []).map((e) => e.field);
    for (const field of c.fields) expect(named.some((n) => n === field || n.startsWith(`${field}.`)), `${where}\nmust name ${field}, named ${named.join(', ')}`).toBe(true);
  }
}

describe('fuzzed bad input', () => {
  it('covers every documented route', () => {
    expect(Object.keys(routeCases(ctx)).sort()).toEqual([...documentedRoutes].sort());
    expect(Object.values(RUNS).reduce((a, b) => a + b, 0)).toBe(10_000);
  });

  it.each(Object.keys(RUNS))('%s: only 4xx problems, naming the field', async (route) => {
    const arbitrary = routeCases(ctx)[route] ?? strayCases(ctx, allowedMethods);
    await fc.assert(
      fc.asyncProperty(arbitrary, async (c) => assertRefused(c, await send(c))),
      { numRuns: RUNS[route]!, ...(process.env.HOOKLINE_FUZZ_SEED !== undefined && { seed: Number(process.env.HOOKLINE_FUZZ_SEED) }) },
    );
  }, 60_000);

  it('changed nothing: same API answers, same table, same queue, no webhook sent', async () => {
    expect(requests).toBe(10_000);
    const after = await snapshot(Object.keys(before.api).filter((p) => /^\/v1\/subscriptions\/sub_[^/]+$/.test(p)).map((p) => p.split('/')[3]!), Object.keys(before.api).filter((p) => p.startsWith('/v1/messages/')).map((p) => p.split('/')[3]!));
    expect(after.api).toEqual(before.api);
    expect(after.table).toEqual(before.table);
    expect(after.queue).toEqual(before.queue);
    expect(sent).toEqual([]);
    console.log(`api fuzz: ${requests} requests, statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}; ${before.table.length} items and ${before.deliveryCount} deliveries unchanged`);
  });
});
