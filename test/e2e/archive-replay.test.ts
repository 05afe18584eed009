/**
 * Observability and recovery in local mode (issue 9), black box: the attempt archive (gzip NDJSON
 * objects the local archiver writes to the emulator's bucket), delivery-log search and detail,
 * replay of a receiver outage (failed and unrouted events, exactly once more, idempotently), a
 * manual retry, and no secret, credential or signature anywhere in what the process printed.
 */
import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, instanceResources, startLocal, type InstanceResources, type LocalInstance, type Receiver, type ReceiverHandler } from './harness.js';
import { receiverSet } from './support/receivers.js';

let local: LocalInstance;
let resources: InstanceResources;
const receivers = receiverSet();

/** Credentials given to subscriptions: none may ever show up in a log line or the archive. */
const BEARER_TOKEN = 'tok-e2e-7f3a9c1d5b2e8f40';
const BASIC_USER = 'hook-user';
const BASIC_PASSWORD = 'pw-e2e-91c4d7a2e6b3f058';

let ok: { id: string; secret: string };
let failing: { id: string; secret: string };
let okReceiver: Receiver;
let failingReceiver: Receiver;
/** Event message ids in posting order. */
const okEvents: string[] = [];
let failedEvent: string;
let windowStart: string;

beforeAll(async () => {
  // Time scale 1000: a 1 s retry takes 1 ms. DEBUG: capture every log line the handlers can write.
  local = await startLocal({ timeScale: 1000, env: { POWERTOOLS_LOG_LEVEL: 'DEBUG' } });
  resources = instanceResources(local);
  okReceiver = await receiver(() => ({ status: 200, body: 'ok' }));
  failingReceiver = await receiver(() => ({ status: 500, body: 'boom' }));
  ok = await subscribe({
    url: `${okReceiver.url}/ok`,
    eventTypes: ['order.created', 'order.updated'],
    tenant: 'shop_a',
    auth: { type: 'bearer', token: BEARER_TOKEN },
  });
  failing = await subscribe({
    url: `${failingReceiver.url}/failing`,
    eventTypes: ['order.created'],
    tenant: 'shop_b',
    signing: { scheme: 'hmac-sha256' },
    auth: { type: 'basic', username: BASIC_USER, password: BASIC_PASSWORD },
    retryPolicy: { type: 'fixed', delays: [1] },
  });
  windowStart = new Date().toISOString();
  for (const [type, tenant] of [['order.created', 'shop_a'], ['order.updated', 'shop_a'], ['order.created', 'shop_b'], ['order.created', 'shop_a']] as const) {
    const id = await post(type, tenant);
    if (tenant === 'shop_a') okEvents.push(id);
    else failedEvent = id;
  }
  await Promise.all([...okEvents, failedEvent].map((m) => eventually(() => deliveryOfMessage(m), (d) => d.status !== 'pending', 20_000, `${m} settled`)));
});

afterAll(async () => {
  await receivers.close();
  resources?.close();
  if (local !== undefined) await local.stop();
});

const receiver = (handler?: ReceiverHandler): Promise<Receiver> => receivers.start(handler);

async function subscribe(body: Record<string, unknown>): Promise<{ id: string; secret: string }> {
  const res = await local.api('POST', '/v1/subscriptions', body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

async function post(type: string, tenant: string): Promise<string> {
  const res = await local.api('POST', '/v1/events', { type, tenant, payload: { type, tenant } });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return res.body.messageId;
}

async function deliveryOfMessage(messageId: string): Promise<any> {
  const message = await local.api('GET', `/v1/messages/${messageId}`);
  expect(message.status).toBe(200);
  const listed = message.body.deliveries[0];
  const res = await local.api('GET', `/v1/deliveries/${listed.id}`);
  // Recorded when its first attempt ends; until then the message lists it as pending.
  if (res.status === 404 && listed.status === 'pending' && listed.attemptCount === 0) return { ...listed, attempts: [] };
  expect(res.status).toBe(200);
  return res.body;
}

async function search(query: Record<string, string>): Promise<{ items: any[]; nextCursor?: string }> {
  const res = await local.api('GET', `/v1/deliveries?${new URLSearchParams(query)}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

/** Every page of a search, following the cursor. */
async function searchAll(query: Record<string, string>): Promise<{ sizes: number[]; items: any[] }> {
  const items: any[] = [];
  const sizes: number[] = [];
  let cursor: string | undefined;
  do {
    const page = await search({ ...query, ...(cursor !== undefined && { cursor }) });
    items.push(...page.items);
    sizes.push(page.items.length);
    cursor = page.nextCursor;
  } while (cursor !== undefined && sizes.length < 20);
  return { sizes, items };
}

const messageIds = (items: any[]) => items.map((d) => d.messageId);

/** Every archived attempt line, from every object under `attempts/`. */
async function archivedLines(): Promise<{ keys: string[]; lines: any[]; text: string }> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const out = await resources.s3.send(new ListObjectsV2Command({ Bucket: resources.names.bucket, Prefix: 'attempts/', ...(token !== undefined && { ContinuationToken: token }) }));
    keys.push(...(out.Contents ?? []).map((o) => o.Key!));
    token = out.NextContinuationToken;
  } while (token !== undefined);
  let text = '';
  for (const key of keys) {
    const object = await resources.s3.send(new GetObjectCommand({ Bucket: resources.names.bucket, Key: key }));
    text += gunzipSync(Buffer.from(await object.Body!.transformToByteArray())).toString('utf8');
  }
  return { keys, text, lines: text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l)) };
}

describe('delivery log search', () => {
  it('filters by subscription, newest first, and pages with a cursor without gaps or repeats', async () => {
    const all = await search({ subscriptionId: ok.id });
    expect(messageIds(all.items)).toEqual([...okEvents].reverse());
    expect(all.nextCursor).toBeUndefined();
    const createdAt = all.items.map((d) => d.createdAt);
    expect(createdAt).toEqual([...createdAt].sort().reverse());

    const paged = await searchAll({ subscriptionId: ok.id, limit: '1' });
    expect(paged.sizes.every((n) => n <= 1)).toBe(true);
    // A full last page may still carry a cursor to an empty one; never more than that.
    expect(paged.sizes.slice(0, 3)).toEqual([1, 1, 1]);
    expect(paged.sizes.slice(3)).toEqual(paged.sizes.length === 4 ? [0] : []);
    expect(messageIds(paged.items)).toEqual(messageIds(all.items));
  });

  it('filters by tenant, event type, status and time range (since inclusive, until exclusive)', async () => {
    expect(messageIds((await search({ tenant: 'shop_b' })).items)).toEqual([failedEvent]);
    expect(messageIds((await search({ tenant: 'shop_b', status: 'failed' })).items)).toEqual([failedEvent]);
    expect((await search({ tenant: 'shop_b', status: 'succeeded' })).items).toEqual([]);
    expect(messageIds((await search({ tenant: 'shop_a', status: 'succeeded' })).items)).toEqual([...okEvents].reverse());
    expect(messageIds((await search({ tenant: 'shop_a', eventType: 'order.updated' })).items)).toEqual([okEvents[1]]);
    // No subscription or tenant: the hour-of-creation index, bounded by the window.
    expect(messageIds((await search({ eventType: 'order.updated', since: windowStart })).items)).toEqual([okEvents[1]]);

    const [first, second, third] = await Promise.all(okEvents.map(deliveryOfMessage));
    const window = await search({ subscriptionId: ok.id, since: second.createdAt, until: third.createdAt });
    expect(messageIds(window.items)).toEqual([second.messageId]);
    expect(messageIds((await search({ subscriptionId: ok.id, until: second.createdAt })).items)).toEqual([first.messageId]);
  });

  it('answers a bad filter with a 400 problem naming it', async () => {
    for (const [query, field] of [
      ['status=bogus', 'status'],
      ['since=yesterday', 'since'],
      ['subscriptionId=nope', 'subscriptionId'],
      ['limit=0', 'limit'],
    ] as const) {
      const res = await local.api('GET', `/v1/deliveries?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual([field]);
    }
  });

  it('shows one delivery with all its attempts', async () => {
    const d = await deliveryOfMessage(failedEvent);
    expect(d).toMatchObject({ subscriptionId: failing.id, tenant: 'shop_b', eventType: 'order.created', status: 'failed', attemptCount: 2 });
    expect(d.reason).toMatch(/retries exhausted/);
    expect(d.attempts).toEqual([
      expect.objectContaining({ attempt: 1, trigger: 'event', outcome: '5xx', statusCode: 500, responseExcerpt: 'boom', nextAttemptAt: expect.any(String) }),
      expect.objectContaining({ attempt: 2, trigger: 'retry', outcome: '5xx', statusCode: 500 }),
    ]);
    expect(Date.parse(d.attempts[1].startedAt)).toBeGreaterThanOrEqual(Date.parse(d.attempts[0].nextAttemptAt));
    expect((await local.api('GET', '/v1/deliveries/dlv_doesnotexist')).status).toBe(404);
  });
});

describe('attempt archive in the emulator bucket', () => {
  it('holds one parseable v1 line per attempt, in gzip NDJSON objects under attempts/YYYY/MM/DD/', async () => {
    const deliveries = await Promise.all([...okEvents, failedEvent].map(deliveryOfMessage));
    const expected = deliveries.flatMap((d) => d.attempts.map((a: any) => ({ d, a })));
    expect(expected).toHaveLength(5);
    const wanted = (lines: any[]) => expected.every(({ d, a }) => lines.some((l) => l.deliveryId === d.id && l.attempt === a.attempt));
    const archive = await eventually(archivedLines, (x) => wanted(x.lines), 20_000, 'the archiver to flush');

    for (const key of archive.keys) {
      const [, y, m, dd] = /^attempts\/(\d{4})\/(\d{2})\/(\d{2})\/[^/]+\.ndjson\.gz$/.exec(key) ?? [];
      expect(y, key).toBeDefined();
      // Dated by flush time (UTC), which is at or after the attempts it holds.
      expect(`${y}-${m}-${dd}` >= windowStart.slice(0, 10), key).toBe(true);
    }
    for (const { d, a } of expected) {
      const lines = archive.lines.filter((l) => l.deliveryId === d.id && l.attempt === a.attempt);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toEqual({
        kind: 'hookline.attempt',
        v: 1,
        service: 'worker',
        deliveryId: d.id,
        messageId: d.messageId,
        subscriptionId: d.subscriptionId,
        tenant: d.tenant,
        eventType: d.eventType,
        attempt: a.attempt,
        trigger: a.trigger,
        startedAt: a.startedAt,
        endedAt: a.endedAt,
        durationMs: a.durationMs,
        urlHost: a.urlHost,
        statusCode: a.statusCode,
        outcome: a.outcome,
        ...(a.reason !== undefined && { reason: a.reason }),
        ...(a.responseExcerpt !== undefined && { responseExcerpt: a.responseExcerpt }),
        ...(a.nextAttemptAt !== undefined && { nextAttemptAt: a.nextAttemptAt }),
        status: a.attempt === d.attemptCount ? d.status : 'pending',
        ...(a.outcome === 'success' && { latencyMs: expect.any(Number) }),
      });
    }
  });
});

describe('replay and manual retry', () => {
  it('after a receiver outage, replays failed and unrouted events exactly once more; repeating it changes nothing', { timeout: 60_000 }, async () => {
    let outage = true;
    const r = await receiver(() => (outage ? { status: 503, body: 'maintenance' } : { status: 200, body: 'ok' }));
    const since = new Date().toISOString();
    // Posted before any subscription could take it: unrouted, kept for replay.
    const unrouted = await local.api('POST', '/v1/events', { type: 'order.refunded', tenant: 'shop_r', payload: { n: 0 } });
    expect(unrouted.body).toMatchObject({ routing: 'unrouted', deliveryCount: 0 });
    const sub = await subscribe({ url: `${r.url}/r`, eventTypes: ['order.refunded'], tenant: 'shop_r', retryPolicy: { type: 'fixed', delays: [1] } });
    const missed = [await post('order.refunded', 'shop_r'), await post('order.refunded', 'shop_r')];
    for (const m of missed) await eventually(() => deliveryOfMessage(m), (d) => d.status === 'failed', 20_000, 'failed during the outage');
    outage = false;
    const fine = await post('order.refunded', 'shop_r');
    await eventually(() => deliveryOfMessage(fine), (d) => d.status === 'succeeded', 20_000, 'delivered after the outage');
    const before = r.requests.length;
    expect(before).toBe(5); // 2 × 2 failed attempts, 1 success

    const started = await local.api('POST', `/v1/subscriptions/${sub.id}/replay`, { since, onlyFailed: true });
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ id: expect.stringMatching(/^rpl_/), subscriptionId: sub.id, onlyFailed: true, status: 'running' });
    const job = await eventually(() => local.api('GET', `/v1/replays/${started.body.id}`), (res) => res.body.status === 'done', 20_000, 'replay job done');
    expect(job.body).toMatchObject({ matched: 3, enqueued: 3 });

    await eventually(async () => r.requests.length, (n) => n >= before + 3, 20_000, 'replayed deliveries');
    // The unrouted message's new delivery is found through the subscription's log.
    const ofSubscription = (m: string) => search({ subscriptionId: sub.id }).then((page) => page.items.find((d) => d.messageId === m));
    for (const m of [...missed, unrouted.body.messageId]) {
      const d = await eventually(() => ofSubscription(m), (x) => x?.status === 'succeeded', 20_000, 'replayed delivery settled');
      expect(d.replayJobId).toBe(started.body.id);
      expect(d.attempts.at(-1)).toMatchObject({ trigger: 'replay', outcome: 'success' });
    }
    // ...and through the message itself, which now lists it.
    const late = await local.api('GET', `/v1/messages/${unrouted.body.messageId}`);
    expect(late.body.deliveries).toEqual([expect.objectContaining({ subscriptionId: sub.id, status: 'succeeded' })]);

    // The same request again: nothing is failed any more, so nothing is enqueued.
    const again = await local.api('POST', `/v1/subscriptions/${sub.id}/replay`, { since, onlyFailed: true });
    expect(again.status).toBe(202);
    const againJob = await eventually(() => local.api('GET', `/v1/replays/${again.body.id}`), (res) => res.body.status === 'done', 20_000, 'second job done');
    // (`matched` still counts the unrouted message, which keeps matching; it already has its delivery.)
    expect(againJob.body.enqueued).toBe(0);
    // A duplicate of the first job's queue task (SQS is at-least-once) is a no-op once the job is done.
    const queueUrl = await resources.queueUrl();
    await resources.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify({ v: 1, kind: 'replay', jobId: started.body.id }) }));
    await eventually(
      async () => (await resources.sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['All'] }))).Attributes ?? {},
      (a) => a.ApproximateNumberOfMessages === '0' && a.ApproximateNumberOfMessagesNotVisible === '0' && a.ApproximateNumberOfMessagesDelayed === '0',
      20_000,
      'the queue to drain',
    );

    const perMessage = (id: string) => r.requests.filter((q) => q.headers['webhook-id'] === id).length;
    expect(missed.map(perMessage)).toEqual([3, 3]); // 2 failed attempts, exactly one replay
    expect(perMessage(unrouted.body.messageId)).toBe(1);
    expect(perMessage(fine)).toBe(1); // succeeded: not replayed with onlyFailed
    expect(r.requests).toHaveLength(before + 3);
  });

  it('retries one delivery now on request, as a new attempt with trigger manual', async () => {
    const d = await deliveryOfMessage(okEvents[0]!);
    const before = okReceiver.requests.length;
    const res = await local.api('POST', `/v1/deliveries/${d.id}/retry`);
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ id: d.id, status: 'pending', generation: d.generation + 1 });
    const after = await eventually(() => deliveryOfMessage(okEvents[0]!), (x) => x.attemptCount === 2 && x.status === 'succeeded', 20_000, 'manual retry');
    expect(after.attempts.map((a: any) => [a.attempt, a.trigger, a.outcome])).toEqual([
      [1, 'event', 'success'],
      [2, 'manual', 'success'],
    ]);
    expect(okReceiver.requests.slice(before).map((q) => [q.headers['webhook-id'], q.headers['x-hookline-attempt']])).toEqual([[okEvents[0], '2']]);
    expect((await local.api('POST', '/v1/deliveries/dlv_doesnotexist/retry')).status).toBe(404);
  });
});

describe('logs', () => {
  it('never carry a secret, a credential or a signature (captured output at DEBUG, and the archive)', async () => {
    // Reading the secret back goes through the admin handler too.
    for (const s of [ok, failing]) expect((await local.api('GET', `/v1/subscriptions/${s.id}/secret`)).body.secret).toBe(s.secret);
    const rotated = await local.api('POST', `/v1/subscriptions/${ok.id}/rotate-secret`, {});
    expect(rotated.status).toBe(200);

    const received = [...okReceiver.requests, ...failingReceiver.requests];
    const headerValues = received.flatMap((q) =>
      ['authorization', 'webhook-signature', 'x-hookline-hmac-sha256'].map((h) => q.headers[h]).filter((v): v is string => v !== undefined && v !== ''),
    );
    // What was actually sent: bearer and basic credentials, standard-webhooks and HMAC signatures.
    expect(headerValues.some((v) => v === `Bearer ${BEARER_TOKEN}`)).toBe(true);
    expect(headerValues.some((v) => v.startsWith('v1,'))).toBe(true);
    expect(received.some((q) => q.headers['x-hookline-hmac-sha256'] !== undefined)).toBe(true);
    const secrets = [
      BEARER_TOKEN,
      BASIC_PASSWORD,
      Buffer.from(`${BASIC_USER}:${BASIC_PASSWORD}`).toString('base64'),
      ...[ok.secret, failing.secret, rotated.body.secret].flatMap((s: string) => [s, s.replace(/^whsec_/, '')]),
      ...headerValues.flatMap((v) => [v, ...v.split(/[ ,]/).filter((part) => part.length >= 16)]),
    ];

    // The scan covers real log lines, DEBUG ones included: a duplicate of a delivery's first task
    // (SQS is at-least-once) is skipped at DEBUG.
    const d = await deliveryOfMessage(okEvents[0]!);
    const message = (await local.api('GET', `/v1/messages/${d.messageId}`)).body;
    const duplicate = {
      ...{ v: 1, deliveryId: d.id, messageId: d.messageId, subscriptionId: d.subscriptionId, eventType: d.eventType, tenant: d.tenant },
      ...{ eventTime: message.eventTime, messageCreatedAt: Date.parse(message.createdAt), attempt: 1, generation: 1, dueAt: Date.now(), trigger: 'event' },
    };
    await resources.sqs.send(new SendMessageCommand({ QueueUrl: await resources.queueUrl(), MessageBody: JSON.stringify(duplicate) }));
    const output = await eventually(async () => local.output(), (o) => o.includes(`"message":"task skipped"`) && o.includes('"level":"DEBUG"'), 20_000, 'a DEBUG line', 250);
    expect(output).toContain('"kind":"hookline.attempt"');
    const archive = (await archivedLines()).text;
    for (const secret of new Set(secrets)) {
      expect(output.includes(secret), `output contains ${secret.slice(0, 12)}…`).toBe(false);
      expect(archive.includes(secret), `archive contains ${secret.slice(0, 12)}…`).toBe(false);
    }
  });
});
