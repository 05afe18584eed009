/**
 * The receiver and admin API (issue 6) end to end in local mode, black box: idempotent intake
 * (sequential and concurrent duplicates), payload limits, S3-stored and compressed payloads, routing
 * (tenant, fallback, unrouted), a 1,000-subscription fan-out, every subscription route, and
 * route/subscription consistency under concurrent changes. Every response is validated against
 * docs/openapi.json.
 */
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { Webhook } from 'standardwebhooks';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually, instanceResources, type InstanceResources, type LocalInstance, type Receiver, type ReceiverHandler } from './harness.js';
import { createSubscription, deliveryReaching, expectProblem, postEvent, type CreatedSubscription } from './support/api.js';
import { useLocal } from './support/local.js';
import type { CheckedApi } from './support/openapi.js';
import { urlOf } from './support/receivers.js';
import { hmacOf } from './support/signatures.js';

/** The handlers' default payload limit (256 KiB) and inline limit (64 KiB). */
const MAX_PAYLOAD_BYTES = 262_144;

let local: LocalInstance;
let api: CheckedApi;
/** The instance's bucket and table, read directly to see how a payload was stored. */
let resources: InstanceResources;
const receivers = useLocal({ timeScale: 20_000 }, (started) => {
  ({ local, api } = started);
  resources = instanceResources(local);
});
afterAll(() => resources?.close());

const receiver = (handler?: ReceiverHandler): Promise<Receiver> => receivers.start(handler);

const arrivalsOf = (r: Receiver, messageId: string) => r.requests.filter((q) => q.headers['webhook-id'] === messageId);

/**
 * A barrier for "nothing else arrives": a later event to the same subscriptions, delivered to
 * the end. Anything enqueued before it has had its turn by then.
 */
async function deliverSentinel(tenant: string, type: string, r: Receiver, subscriptions: number): Promise<void> {
  const { messageId } = await postEvent(api, { type, tenant, payload: { sentinel: true } });
  await eventually(async () => arrivalsOf(r, messageId).length, (n) => n === subscriptions, 20_000, 'the sentinel');
}

describe('intake: Idempotency-Key', () => {
  it('returns the original messageId for a repeated key and enqueues nothing new', async () => {
    // Prepare
    const r = await receiver();
    await Promise.all([1, 2].map((n) => createSubscription(api, { url: urlOf(r, `/s${n}`), eventTypes: ['idem.created'], tenant: 'idem_seq' })));
    const event = { type: 'idem.created', tenant: 'idem_seq', payload: { orderId: 1 } };
    const key = { 'Idempotency-Key': `order-1-${Date.now()}` };

    // Act
    const first = await api('POST', '/v1/events', event, key);
    const second = await api('POST', '/v1/events', event, key);
    const changedBody = await api('POST', '/v1/events', { ...event, payload: { orderId: 2 } }, key);

    // Assess
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ routing: 'tenant', deliveryCount: 2 });
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const { messageId } = first.body as { messageId: string };
    for (const repeat of [second, changedBody]) {
      expect(repeat.status).toBe(202);
      expect(repeat.body).toEqual(first.body);
      expect(repeat.headers.get('idempotent-replayed')).toBe('true');
    }
    await deliverSentinel('idem_seq', 'idem.created', r, 2);
    expect(arrivalsOf(r, messageId).map((q) => q.url).sort()).toEqual(['/s1', '/s2']);
    expect(arrivalsOf(r, messageId).map((q) => JSON.parse(q.body))).toEqual([{ orderId: 1 }, { orderId: 1 }]);
    const message = await api<{ deliveries: { attemptCount: number; status: string }[] }>('GET', `/v1/messages/${messageId}`);
    expect(message.body.deliveries.map((d) => [d.status, d.attemptCount])).toEqual([
      ['succeeded', 1],
      ['succeeded', 1],
    ]);
  });

  it('resolves 10 concurrent duplicates to one message and one delivery per subscription', async () => {
    // Prepare
    const r = await receiver();
    const subs = await Promise.all([1, 2].map((n) => createSubscription(api, { url: urlOf(r, `/c${n}`), eventTypes: ['idem.burst'], tenant: 'idem_burst' })));
    const key = { 'Idempotency-Key': `burst-${Date.now()}` };

    // Act
    const answers = await Promise.all(Array.from({ length: 10 }, () => api('POST', '/v1/events', { type: 'idem.burst', tenant: 'idem_burst', payload: { n: 1 } }, key)));

    // Assess
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(202));
    const ids = new Set(answers.map((a) => (a.body as { messageId: string }).messageId));
    expect(ids.size).toBe(1);
    expect(answers.filter((a) => a.headers.get('idempotent-replayed') === null)).toHaveLength(1);
    const [messageId] = [...ids] as [string];
    await deliverSentinel('idem_burst', 'idem.burst', r, 2);
    expect(arrivalsOf(r, messageId).map((q) => q.url).sort()).toEqual(['/c1', '/c2']);
    for (const sub of subs) {
      const log = await api<{ items: { messageId: string }[] }>('GET', `/v1/deliveries?subscriptionId=${sub.id}`);
      expect(log.body.items.filter((d) => d.messageId === messageId)).toHaveLength(1);
    }
  });

  it('refuses an Idempotency-Key that is not 1-255 visible ASCII characters', async () => {
    const res = await api('POST', '/v1/events', { type: 'idem.bad', payload: {} }, { 'Idempotency-Key': 'k'.repeat(256) });
    expectProblem(res, 400, ['Idempotency-Key']);
  });
});

describe('intake: POST /v1/events/batch', () => {
  it('answers 202 when all are accepted, 207 with a problem per refused event, and delivers every accepted one once', async () => {
    // Prepare
    const r = await receiver();
    await createSubscription(api, { url: urlOf(r), eventTypes: ['batch.evt'], tenant: 'batch_t' });
    const event = (n: number, extra: Record<string, unknown> = {}) => ({ type: 'batch.evt', tenant: 'batch_t', payload: { n }, ...extra });
    // Act
    const all = await api('POST', '/v1/events/batch', { events: [event(1), event(2, { idempotencyKey: 'batch-2' })] });
    const mixed = await api('POST', '/v1/events/batch', { events: [event(3), { type: 'bad type', payload: {} }, event(2, { idempotencyKey: 'batch-2' })] });
    const tooMany = await api('POST', '/v1/events/batch', { events: Array.from({ length: 101 }, (_, n) => event(n)) });
    // Assess
    expect(all.status).toBe(202);
    expect(all.body.results).toEqual([expect.objectContaining({ routing: 'tenant', deliveryCount: 1 }), expect.objectContaining({ routing: 'tenant', deliveryCount: 1 })]);
    expect(mixed.status).toBe(207);
    expect(mixed.body.results[1]).toMatchObject({ status: 400, errors: [expect.objectContaining({ field: 'events.1.type' })] });
    expect(mixed.body.results[2]).toEqual(all.body.results[1]); // the same idempotencyKey: the original message
    expectProblem(tooMany, 413);
    const ids = [all.body.results[0].messageId, all.body.results[1].messageId, mixed.body.results[0].messageId] as string[];
    for (const id of ids) await deliveryReaching(api, id, 'succeeded');
    expect(r.requests.map((q) => JSON.parse(q.body).n).sort()).toEqual([1, 2, 3]);
  });
});

describe('intake: payload size', () => {
  const sized = (bytes: number) => ({ blob: 'x'.repeat(bytes - '{"blob":""}'.length) });

  it('accepts a payload of exactly the limit and refuses one byte more with 413', async () => {
    const atLimit = await api('POST', '/v1/events', { type: 'size.limit', payload: sized(MAX_PAYLOAD_BYTES) });
    const over = await api('POST', '/v1/events', { type: 'size.limit', payload: sized(MAX_PAYLOAD_BYTES + 1) });
    expect(atLimit.status).toBe(202);
    expectProblem(over, 413);
    expect((over.body as { detail: string }).detail).toMatch(/262144/);
  });

  it('stores a large payload in S3 (not inline) and still delivers it byte for byte', async () => {
    // Prepare
    const r = await receiver();
    await createSubscription(api, { url: urlOf(r, '/big'), eventTypes: ['size.large'], tenant: 'size_t' });
    const payload = { items: Array.from({ length: 2_000 }, (_, i) => ({ sku: `SKU-${i}`, name: `Ürün ${i} ✓`, qty: i })) };
    const json = JSON.stringify(payload);
    expect(Buffer.byteLength(json)).toBeGreaterThan(64 * 1024);
    const { bucket } = resources.names;

    // Act
    const big = await postEvent(api, { type: 'size.large', tenant: 'size_t', payload });
    const small = await postEvent(api, { type: 'size.large', tenant: 'size_t', payload: { tiny: true } });

    // Assess
    const stored = await resources.s3.send(new GetObjectCommand({ Bucket: bucket, Key: `payloads/${big.messageId}.json` }));
    expect(await stored.Body!.transformToString()).toBe(json);
    await expect(resources.s3.send(new GetObjectCommand({ Bucket: bucket, Key: `payloads/${small.messageId}.json` }))).rejects.toThrow();
    await deliveryReaching(api, big.messageId, 'succeeded');
    expect(arrivalsOf(r, big.messageId)[0]!.body).toBe(json);
    const message = await api<{ payload: unknown }>('GET', `/v1/messages/${big.messageId}`);
    expect(message.body.payload).toEqual(payload);
  });

  it('delivers an inline payload stored compressed byte for byte, and shows it', async () => {
    // Prepare: 8 KB of repeated line items, inline (under the S3 threshold) and compressible
    const r = await receiver();
    await createSubscription(api, { url: urlOf(r, '/packed'), eventTypes: ['size.packed'], tenant: 'size_t' });
    const payload = { items: Array.from({ length: 160 }, (_, i) => ({ sku: `SKU-${i % 7}`, name: 'Ürün ✓', qty: 1 })) };
    const json = JSON.stringify(payload);
    expect(Buffer.byteLength(json)).toBeGreaterThan(6 * 1024);

    // Act
    const sent = await postEvent(api, { type: 'size.packed', tenant: 'size_t', payload });

    // Assess
    const { Item: item } = await resources.doc.send(new GetCommand({ TableName: resources.names.table, Key: { pk: `MSG#${sent.messageId}`, sk: 'META' } }));
    expect(item?.payloadJson).toBeUndefined();
    expect((item?.payloadBrotli as Uint8Array).byteLength).toBeLessThan(1024);
    await deliveryReaching(api, sent.messageId, 'succeeded');
    expect(arrivalsOf(r, sent.messageId)[0]!.body).toBe(json);
    const message = await api<{ payload: unknown }>('GET', `/v1/messages/${sent.messageId}`);
    expect(message.body.payload).toEqual(payload);
  });
});

describe('routing', () => {
  it('records events nobody subscribed to as unrouted, with no deliveries', async () => {
    // Prepare: a tenant subscription does not match events without a tenant or of other tenants.
    const r = await receiver();
    await createSubscription(api, { url: urlOf(r), eventTypes: ['route.only'], tenant: 'route_owner' });

    // Act
    const accepted = await Promise.all([
      postEvent(api, { type: 'route.nobody', tenant: 'route_owner', payload: {} }),
      postEvent(api, { type: 'route.only', tenant: 'route_stranger', payload: {} }),
      postEvent(api, { type: 'route.only', payload: {} }),
    ]);

    // Assess
    for (const a of accepted) {
      expect(a).toMatchObject({ routing: 'unrouted', deliveryCount: 0 });
      const message = await api('GET', `/v1/messages/${a.messageId}`);
      expect(message.body).toMatchObject({ id: a.messageId, routing: 'unrouted', deliveries: [] });
    }
    expect(r.requests).toHaveLength(0);
  });

  it('sends a tenant nobody subscribed for to the fallback subscriptions, and only then', async () => {
    // Prepare
    const [known, fallback] = await Promise.all([receiver(), receiver()]);
    const tenantSub = await createSubscription(api, { url: urlOf(known), eventTypes: ['route.fb'], tenant: 'fb_known' });
    await createSubscription(api, { url: urlOf(fallback), eventTypes: ['route.fb'], fallback: true });

    // Act
    const toKnown = await postEvent(api, { type: 'route.fb', tenant: 'fb_known', payload: { n: 1 } });
    const toStranger = await postEvent(api, { type: 'route.fb', tenant: 'fb_stranger', payload: { n: 2 } });
    expect((await api('POST', `/v1/subscriptions/${tenantSub.id}/disable`)).status).toBe(200);
    const whileDisabled = await postEvent(api, { type: 'route.fb', tenant: 'fb_known', payload: { n: 3 } });

    // Assess
    expect(toKnown).toMatchObject({ routing: 'tenant', deliveryCount: 1 });
    expect(toStranger).toMatchObject({ routing: 'fallback', deliveryCount: 1 });
    // A disabled tenant subscription still owns its tenant's events: they wait paused.
    expect(whileDisabled).toMatchObject({ routing: 'tenant', deliveryCount: 1 });
    await Promise.all([deliveryReaching(api, toKnown.messageId, 'succeeded'), deliveryReaching(api, toStranger.messageId, 'succeeded')]);
    await deliveryReaching(api, whileDisabled.messageId, 'paused');
    expect(known.requests.map((q) => q.headers['webhook-id'])).toEqual([toKnown.messageId]);
    expect(fallback.requests.map((q) => q.headers['webhook-id'])).toEqual([toStranger.messageId]);
  });
});

describe('fan-out', () => {
  it('accepts one event for 1,000 subscriptions at once and delivers every one of them', { timeout: 180_000 }, async () => {
    // Prepare: 1,000 subscriptions on one receiver, created through the API in parallel batches.
    const r = await receiver();
    const paths = Array.from({ length: 1_000 }, (_, i) => `/fan/${i}`);
    const ids: string[] = [];
    for (let i = 0; i < paths.length; i += 50) {
      const batch = await Promise.all(paths.slice(i, i + 50).map((p) => createSubscription(api, { url: urlOf(r, p), eventTypes: ['fan.out'], tenant: 'fan_t' })));
      ids.push(...batch.map((s) => s.id));
    }

    // Act
    const accepted = await postEvent(api, { type: 'fan.out', tenant: 'fan_t', payload: { big: 'news' } });

    // Assess
    expect(accepted).toMatchObject({ routing: 'tenant', deliveryCount: 1_000 });
    await r.waitFor(1_000, 150_000);
    expect(new Set(r.requests.map((q) => q.url))).toEqual(new Set(paths));
    expect(r.requests.every((q) => q.headers['webhook-id'] === accepted.messageId)).toBe(true);
    const message = await eventually(
      () => api<{ deliveries: { subscriptionId: string; status: string }[] }>('GET', `/v1/messages/${accepted.messageId}`),
      (m) => m.body.deliveries.every((d) => d.status === 'succeeded'),
      30_000,
      'all 1,000 deliveries recorded as succeeded',
    );
    expect(message.body.deliveries).toHaveLength(1_000);
    expect(new Set(message.body.deliveries.map((d) => d.subscriptionId))).toEqual(new Set(ids));
    expect(r.requests).toHaveLength(1_000);
  });
});

describe('subscriptions', () => {
  it('shows the secret on create and through the secret route only; credentials are masked on every read', async () => {
    // Prepare / Act
    const created = await createSubscription(api, {
      url: 'https://hooks.example.com/orders',
      eventTypes: ['order.created', 'order.updated'],
      tenant: 'crud_mask',
      auth: { type: 'bearer', token: 'tok-very-secret' },
      customHeaders: { 'X-Team': 'payments' },
      metadata: { owner: 'team-a' },
    });
    const read = await api('GET', `/v1/subscriptions/${created.id}`);
    const listed = await api<{ items: unknown[] }>('GET', '/v1/subscriptions?tenant=crud_mask');
    const secret = await api('GET', `/v1/subscriptions/${created.id}/secret`);

    // Assess
    expect(created).toMatchObject({ id: expect.stringMatching(/^sub_/), status: 'active', secret: expect.stringMatching(/^whsec_/), auth: { type: 'bearer', token: '****' } });
    for (const view of [read.body, listed.body.items[0]]) {
      expect(view).toMatchObject({ id: created.id, auth: { type: 'bearer', token: '****' }, customHeaders: { 'X-Team': '****' } });
      expect(view).not.toHaveProperty('secret');
      expect(view).not.toHaveProperty('secrets');
      expect(JSON.stringify(view)).not.toContain('tok-very-secret');
      expect(JSON.stringify(view)).not.toContain('payments');
      expect(JSON.stringify(view)).not.toContain(created.secret);
    }
    expect(secret.body).toEqual({ secret: created.secret });
  });

  it('refuses a read PATCHed back (masked auth and custom header values) naming each field, and keeps sending the real values', async () => {
    // Prepare
    const r = await receiver();
    const created = await createSubscription(api, {
      url: urlOf(r, '/masked'),
      eventTypes: ['mask.evt'],
      tenant: 'crud_mask_patch',
      auth: { type: 'bearer', token: 'tok-kept-value' },
      customHeaders: { 'X-Api-Key': 'key-kept-value' },
    });
    const read = await api<Record<string, unknown>>('GET', `/v1/subscriptions/${created.id}`);
    const { auth, customHeaders } = read.body;

    // Act
    const readBack = await api('PATCH', `/v1/subscriptions/${created.id}`, { auth, customHeaders, description: 'edited' });
    const leftOut = await api('PATCH', `/v1/subscriptions/${created.id}`, { description: 'edited' });
    await postEvent(api, { type: 'mask.evt', tenant: 'crud_mask_patch', payload: { n: 1 } });

    // Assess
    expectProblem(readBack, 400, ['auth.token', 'customHeaders.X-Api-Key']);
    expect(leftOut.status).toBe(200);
    expect(leftOut.body).toMatchObject({ description: 'edited', customHeaders: { 'X-Api-Key': '****' }, version: created.version + 1 });
    const [request] = await r.waitFor(1);
    expect(request!.headers['x-api-key']).toBe('key-kept-value');
    expect(request!.headers.authorization).toBe('Bearer tok-kept-value');
  });

  it('lists with tenant, eventType and status filters and a cursor that visits every match once', async () => {
    // Prepare
    const make = (eventTypes: string[]) => createSubscription(api, { url: 'https://hooks.example.com/list', eventTypes, tenant: 'crud_list' });
    const subs = await Promise.all([make(['l.a']), make(['l.a']), make(['l.b']), make(['l.a', 'l.b']), make(['l.c'])]);
    await createSubscription(api, { url: 'https://hooks.example.com/list', eventTypes: ['l.a'], tenant: 'crud_list_other' });
    expect((await api('POST', `/v1/subscriptions/${subs[4]!.id}/disable`)).status).toBe(200);

    // Act: walk the tenant's subscriptions two at a time.
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await api<{ items: { id: string; tenant: string }[]; nextCursor?: string }>(
        'GET',
        `/v1/subscriptions?tenant=crud_list&limit=2${cursor !== undefined ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((s) => s.id));
      cursor = page.body.nextCursor;
      pages++;
    } while (cursor !== undefined && pages < 10);

    // Assess
    expect(seen.sort()).toEqual(subs.map((s) => s.id).sort());
    expect(pages).toBeGreaterThanOrEqual(3);
    const ids = async (query: string) => (await api<{ items: { id: string }[] }>('GET', `/v1/subscriptions?${query}`)).body.items.map((s) => s.id).sort();
    expect(await ids('tenant=crud_list&eventType=l.b')).toEqual([subs[2]!.id, subs[3]!.id].sort());
    expect(await ids('tenant=crud_list&status=disabled')).toEqual([subs[4]!.id]);
    expect(await ids('tenant=crud_list&status=active')).toHaveLength(4);
    expectProblem(await api('GET', '/v1/subscriptions?limit=0'), 400, ['limit']);
    expectProblem(await api('GET', '/v1/subscriptions?status=sleeping'), 400, ['status']);
  });

  it('answers bad PATCHes with problem+json naming each field, and changes nothing', async () => {
    // Prepare
    const sub = await createSubscription(api, { url: 'https://hooks.example.com/p', eventTypes: ['p.a'], tenant: 'crud_patch' });

    // Act
    const invalid = await api('PATCH', `/v1/subscriptions/${sub.id}`, {
      url: 'ftp://hooks.example.com/p',
      timeoutMs: 100,
      retryPolicy: { type: 'fixed', delays: [] },
      customHeaders: { 'Bad Name': 'x' },
      colour: 'blue',
    });
    const emptyTypes = await api('PATCH', `/v1/subscriptions/${sub.id}`, { eventTypes: [] });
    const notJson = await api('PATCH', `/v1/subscriptions/${sub.id}`, '{"timeoutMs":', { 'content-type': 'application/json' });
    const wrongType = await api('PATCH', `/v1/subscriptions/${sub.id}`, 'timeoutMs=1000', { 'content-type': 'application/x-www-form-urlencoded' });
    const unknown = await api('PATCH', '/v1/subscriptions/sub_0000000000000000000000000', { description: 'x' });
    const wrongMethod = await local.api('PUT', `/v1/subscriptions/${sub.id}`, { description: 'x' });
    const valid = await api('PATCH', `/v1/subscriptions/${sub.id}`, { timeoutMs: 1500, description: 'patched' });

    // Assess
    expectProblem(invalid, 400, ['url', 'timeoutMs', 'retryPolicy.delays', 'customHeaders.Bad Name', 'colour']);
    expectProblem(emptyTypes, 400, ['eventTypes']);
    expectProblem(notJson, 400);
    expectProblem(wrongType, 415);
    expectProblem(unknown, 404);
    expectProblem(wrongMethod, 405);
    expect(valid.status).toBe(200);
    expect(valid.body).toMatchObject({ timeoutMs: 1500, description: 'patched', url: sub.url, eventTypes: ['p.a'], version: sub.version + 1 });
  });

  it('disables (events wait paused, nothing is sent) and enables (events flow again)', async () => {
    // Prepare
    const r = await receiver();
    const sub = await createSubscription(api, { url: urlOf(r), eventTypes: ['state.evt'], tenant: 'crud_state' });

    // Act
    const disabled = await api('POST', `/v1/subscriptions/${sub.id}/disable`);
    const whileDisabled = await postEvent(api, { type: 'state.evt', tenant: 'crud_state', payload: { n: 1 } });
    const paused = await deliveryReaching(api, whileDisabled.messageId, 'paused');
    const enabled = await api('POST', `/v1/subscriptions/${sub.id}/enable`);
    const afterEnable = await postEvent(api, { type: 'state.evt', tenant: 'crud_state', payload: { n: 2 } });

    // Assess
    expect(disabled.body).toMatchObject({ status: 'disabled' });
    expect(paused.attempts).toEqual([]);
    expect(enabled.body).toMatchObject({ status: 'active' });
    await deliveryReaching(api, afterEnable.messageId, 'succeeded');
    expect(r.requests.map((q) => q.headers['webhook-id'])).toEqual([afterEnable.messageId]);
    expectProblem(await api('POST', '/v1/subscriptions/sub_0000000000000000000000000/disable'), 404);
  });

  it('rotates the secret: both signatures during the grace period, only the new one after a rotation without grace', async () => {
    // Prepare
    const r = await receiver();
    const sub = await createSubscription(api, { url: urlOf(r), eventTypes: ['rot.evt'], tenant: 'crud_rotate' });
    const send = async (n: number) => {
      const { messageId } = await postEvent(api, { type: 'rot.evt', tenant: 'crud_rotate', payload: { n } });
      await deliveryReaching(api, messageId, 'succeeded');
      return arrivalsOf(r, messageId)[0]!;
    };
    const signaturesFor = (request: { headers: Record<string, string>; body: string }, ...secrets: string[]) =>
      secrets.map((s) => `v1,${hmacOf(s, `${request.headers['webhook-id']}.${request.headers['webhook-timestamp']}.${request.body}`).toString('base64')}`).sort();

    // Act
    const before = await send(1);
    const rotated = await api<{ secret: string; previousSecretExpiresAt: string }>('POST', `/v1/subscriptions/${sub.id}/rotate-secret`, { graceSeconds: 3600 });
    const during = await send(2);
    const current = await api('GET', `/v1/subscriptions/${sub.id}/secret`);
    const rotatedAgain = await api<{ secret: string }>('POST', `/v1/subscriptions/${sub.id}/rotate-secret`, { graceSeconds: 0 });
    const after = await send(3);

    // Assess
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).not.toBe(sub.secret);
    expect(Date.parse(rotated.body.previousSecretExpiresAt) - Date.now()).toBeGreaterThan(3_000_000);
    expect(before.headers['webhook-signature']!.split(' ')).toEqual(signaturesFor(before, sub.secret));
    expect(during.headers['webhook-signature']!.split(' ').sort()).toEqual(signaturesFor(during, rotated.body.secret, sub.secret));
    for (const secret of [sub.secret, rotated.body.secret]) expect(() => new Webhook(secret).verify(during.body, during.headers)).not.toThrow();
    expect(current.body).toEqual({ secret: rotated.body.secret });
    expect(after.headers['webhook-signature']!.split(' ')).toEqual(signaturesFor(after, rotatedAgain.body.secret));
    expect(() => new Webhook(rotated.body.secret).verify(after.body, after.headers)).toThrow();
    expectProblem(await api('POST', `/v1/subscriptions/${sub.id}/rotate-secret`, { graceSeconds: -1 }), 400, ['graceSeconds']);
  });

  it('tests a saved subscription and an unsaved body with one real delivery each, returning the attempt', async () => {
    // Prepare
    const ok = await receiver(() => ({ status: 200, body: 'pong' }));
    const broken = await receiver(() => ({ status: 500, body: 'boom' }));
    const sub = await createSubscription(api, { url: urlOf(ok, '/saved'), eventTypes: ['t.evt'], tenant: 'crud_test' });

    // Act
    const saved = await api<{ attempt: Record<string, any> }>('POST', `/v1/subscriptions/${sub.id}/test`);
    const unsaved = await api<{ attempt: Record<string, any> }>('POST', '/v1/subscriptions/test', { url: urlOf(broken, '/unsaved'), eventTypes: ['t.evt'], tenant: 'crud_test_unsaved' });
    const invalid = await api('POST', '/v1/subscriptions/test', { url: urlOf(ok), eventTypes: ['t.evt'], timeoutMs: 1 });
    const missing = await api('POST', '/v1/subscriptions/sub_0000000000000000000000000/test');

    // Assess
    expect(saved.status).toBe(200);
    expect(saved.body.attempt).toMatchObject({ attempt: 1, trigger: 'test', outcome: 'success', statusCode: 200, responseExcerpt: 'pong', durationMs: expect.any(Number) });
    const [request] = ok.requests;
    expect(saved.body.attempt.signatureHeaders).toEqual({
      'webhook-id': request!.headers['webhook-id'],
      'webhook-timestamp': request!.headers['webhook-timestamp'],
      'webhook-signature': request!.headers['webhook-signature'],
    });
    expect(new Webhook(sub.secret).verify(request!.body, request!.headers)).toMatchObject({ test: true, subscriptionId: sub.id });
    expect(unsaved.status).toBe(200);
    expect(unsaved.body.attempt).toMatchObject({ outcome: '5xx', statusCode: 500, responseExcerpt: 'boom', reason: 'HTTP 500' });
    expect(Object.keys(unsaved.body.attempt.signatureHeaders).sort()).toEqual(['webhook-id', 'webhook-signature', 'webhook-timestamp']);
    expect(broken.requests).toHaveLength(1);
    expect((await api<{ items: unknown[] }>('GET', '/v1/subscriptions?tenant=crud_test_unsaved')).body.items).toEqual([]);
    expectProblem(invalid, 400, ['timeoutMs']);
    expectProblem(missing, 404);
  });

  it('deletes: the subscription is gone (404) and its routes with it', async () => {
    const sub = await createSubscription(api, { url: 'https://hooks.example.com/del', eventTypes: ['del.evt'], tenant: 'crud_del' });
    expect((await api('DELETE', `/v1/subscriptions/${sub.id}`)).status).toBe(204);
    expectProblem(await api('GET', `/v1/subscriptions/${sub.id}`), 404);
    expectProblem(await api('DELETE', `/v1/subscriptions/${sub.id}`), 404);
    expect(await postEvent(api, { type: 'del.evt', tenant: 'crud_del', payload: {} })).toMatchObject({ routing: 'unrouted', deliveryCount: 0 });
  });
});

describe('routes and subscriptions change together', () => {
  const routedTo = async (tenant: string, type: string) => (await postEvent(api, { type, tenant, payload: {} })).deliveryCount;

  it('routes by the new event types and tenant as soon as a PATCH returns', async () => {
    // Prepare (routed events are delivered: loopback only)
    const r = await receiver();
    const sub = await createSubscription(api, { url: urlOf(r, '/rt'), eventTypes: ['rt.x'], tenant: 'rt_a' });

    // Act / Assess: every change is visible to the very next event, for old and new keys alike.
    for (const [types, tenant] of [
      [['rt.y'], 'rt_a'],
      [['rt.x', 'rt.z'], 'rt_a'],
      [['rt.z'], 'rt_b'],
      [['rt.x'], 'rt_a'],
    ] as const) {
      const res = await api('PATCH', `/v1/subscriptions/${sub.id}`, { eventTypes: types, tenant });
      expect(res.status).toBe(200);
      const counts = await Promise.all(['rt_a', 'rt_b'].flatMap((t) => ['rt.x', 'rt.y', 'rt.z'].map((e) => routedTo(t, e))));
      const expected = ['rt_a', 'rt_b'].flatMap((t) => ['rt.x', 'rt.y', 'rt.z'].map((e) => (t === tenant && (types as readonly string[]).includes(e) ? 1 : 0)));
      expect(counts, `after PATCH to ${tenant} ${types.join(',')}`).toEqual(expected);
    }
  });

  it('leaves routes matching the stored subscription after racing PATCHes (each applied whole or refused)', async () => {
    // Prepare
    const r = await receiver();
    const sub = await createSubscription(api, { url: urlOf(r, '/race'), eventTypes: ['race.a'], tenant: 'race_t' });
    const variants = [['race.a'], ['race.b'], ['race.a', 'race.c'], ['race.c']];

    // Act: 12 concurrent PATCHes, with events posted while they run.
    const [patches, during] = await Promise.all([
      Promise.all(Array.from({ length: 12 }, (_, i) => api('PATCH', `/v1/subscriptions/${sub.id}`, { eventTypes: variants[i % variants.length] }))),
      Promise.all(Array.from({ length: 12 }, (_, i) => routedTo('race_t', ['race.a', 'race.b', 'race.c'][i % 3]!))),
    ]);

    // Assess
    for (const p of patches) expect([200, 409], JSON.stringify(p.body)).toContain(p.status);
    const applied = patches.filter((p) => p.status === 200).length;
    expect(applied).toBeGreaterThan(0);
    for (const n of during) expect([0, 1]).toContain(n);
    const stored = await api<CreatedSubscription>('GET', `/v1/subscriptions/${sub.id}`);
    expect(stored.body.version).toBe(1 + applied);
    for (const type of ['race.a', 'race.b', 'race.c']) {
      expect(await routedTo('race_t', type), `${type} vs stored ${stored.body.eventTypes}`).toBe(stored.body.eventTypes.includes(type) ? 1 : 0);
    }
  });
});
