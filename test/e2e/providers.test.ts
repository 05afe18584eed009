/**
 * The five provider contracts of `shared/seeds/`, end to end in local mode: what each provider
 * promises its customers, offered through Hookline to loopback receivers (HTTPS with the test
 * CA wherever the provider requires TLS). Each test quotes the seed line it proves. One local
 * instance with the uniqueness rule on (TikTok's per-shop webhooks, Partoo's one per event and
 * org) and retry delays 20,000× faster; every tenant/event type below is unique to its test.
 */
import { XMLParser } from 'fast-xml-parser';
import { Webhook } from 'standardwebhooks';
import { afterAll, describe, expect, it } from 'vitest';
import type { Receiver, ReceiverHandler } from './harness.js';
import { createSubscription, deliveryReaching, expectProblem, postEvent, type DeliveryView } from './support/api.js';
import { useLocal } from './support/local.js';
import type { CheckedApi } from './support/openapi.js';
import { e2ePki, type E2ePki } from './support/pki.js';
import { heldReplies, startTlsReceiver, urlOf } from './support/receivers.js';
import { verifyBase64Hmac, verifyHexHmac } from './support/signatures.js';

const SCALE = 20_000;

let api: CheckedApi;
let ca: E2ePki;
const releases: (() => void)[] = [];
afterAll(() => ca?.cleanup());
const receivers = useLocal(
  async () => {
    ca = await e2ePki();
    return { timeScale: SCALE, args: ['--unique-tenant-event'], env: ca.env };
  },
  (started) => (api = started.api),
);
// Held replies are released before the receivers close (after hooks run last-registered first).
afterAll(() => releases.forEach((release) => release()));

/** An HTTPS receiver with the test CA's certificate for `localhost`. */
async function https(handler?: ReceiverHandler): Promise<Receiver> {
  return receivers.track(await startTlsReceiver({ pair: ca.pki.valid, ...(handler !== undefined && { handler }) }));
}

const http = (handler?: ReceiverHandler): Promise<Receiver> => receivers.start(handler);

/** Seconds between each failed attempt's end and the next attempt's due time, unscaled. */
function delaysOf(d: DeliveryView): number[] {
  return d.attempts.filter((a) => a.nextAttemptAt !== undefined).map((a) => ((Date.parse(a.nextAttemptAt!) - Date.parse(a.endedAt)) * SCALE) / 1000);
}

/** Each retry started at or after its due time (a few ms of timer granularity allowed). */
function expectNoEarlyRetry(d: DeliveryView): void {
  for (let i = 1; i < d.attempts.length; i++) {
    expect(Date.parse(d.attempts[i]!.startedAt)).toBeGreaterThanOrEqual(Date.parse(d.attempts[i - 1]!.nextAttemptAt!) - 5);
  }
}

interface TestAttempt {
  outcome: string;
  statusCode?: number;
  reason?: string;
  durationMs: number;
  responseExcerpt?: string;
  signatureHeaders: Record<string, string>;
}

async function testUnsaved(body: Record<string, unknown>) {
  const res = await api<{ attempt: TestAttempt }>(
    'POST',
    '/v1/subscriptions/test',
    body,
  );
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.attempt;
}

describe('TikTok Shop (preset tiktok-shop)', () => {
  // seed: "| 200 | NULL / empty | within 3 seconds |" / "| 401 | NULL / empty | within 3 seconds |"
  // seed: "Failure to do so will result in a webhook push notification re-try from TikTok Shop."
  // seed: "TikTok Shop includes a signature code in the 'Authorization' field of the HTTP request header."
  it('takes 200 and 401 as received, retries any other answer, and signs every body in Authorization', async () => {
    // Prepare: one shop answers 200, one 401 (auth failure), one 204 once then 200.
    const counts = new Map<string, number>();
    const receiver = await https((r) => {
      const n = (counts.get(r.url) ?? 0) + 1;
      counts.set(r.url, n);
      if (r.url === '/auth-failed') return { status: 401 };
      if (r.url === '/no-content') return { status: n === 1 ? 204 : 200 };
      return { status: 200 };
    });
    const paths = ['/ok', '/auth-failed', '/no-content'];
    const subs = await Promise.all(
      paths.map((path, i) =>
        createSubscription(api, {
          url: urlOf(receiver, path),
          eventTypes: ['order.status_change'],
          tenant: `tt_shop_${i}`,
          preset: 'tiktok-shop',
          signing: { scheme: 'authorization' },
        }),
      ),
    );
    expect(subs[0]).toMatchObject({ timeoutMs: 3000, acceptStatuses: [200, 401], retryPolicy: { type: 'fixed', delays: [120, 1800, 10800, 43200] } });

    // Act
    const events = await Promise.all(
      paths.map((_, i) => postEvent(api, { type: 'order.status_change', tenant: `tt_shop_${i}`, payload: { order_id: `57${i}`, status: 'AWAITING_SHIPMENT' } })),
    );

    // Assess
    const [ok, unauthorised, noContent] = await Promise.all(events.map((e) => deliveryReaching(api, e.messageId, 'succeeded')));
    expect(ok!.attempts.map((a) => a.statusCode)).toEqual([200]);
    expect(unauthorised!.attempts.map((a) => [a.statusCode, a.outcome])).toEqual([[401, 'success']]);
    // Accepted by the contract, yet shown as a non-2xx acknowledgement; a 2xx success is not marked.
    expect(unauthorised!.attempts[0]).toMatchObject({ acknowledgedNon2xx: true });
    expect(ok!.attempts[0]).not.toHaveProperty('acknowledgedNon2xx');
    expect(noContent!.attempts.map((a) => [a.statusCode, a.outcome])).toEqual([
      [204, '5xx'],
      [200, 'success'],
    ]);
    expect(receiver.requests).toHaveLength(4);
    for (const request of receiver.requests) {
      const sub = subs[paths.indexOf(request.url)]!;
      expect(verifyHexHmac(sub.secret, request.body, request.headers.authorization), `signature of ${request.url}`).toBe(true);
    }
    const retried = receiver.requests.filter((r) => r.url === '/no-content');
    expect(retried.map((r) => r.headers['x-hookline-attempt'])).toEqual(['1', '2']);
    expect(retried[0]!.headers['webhook-id']).toBe(retried[1]!.headers['webhook-id']);
  });

  // seed: "| 1st Retry | 2 minutes after the initial push failure |" … "| 4th Retry | 12 hours after the 3rd retry failure |"
  // seed: "No further attempt will be made after the 4th retry failure."
  it('retries 2 m, 30 m, 3 h and 12 h after each failure, then stops', async () => {
    // Prepare
    const receiver = await https(() => ({ status: 503, body: 'busy' }));
    const sub = await createSubscription(api, { url: urlOf(receiver, '/hook'), eventTypes: ['product.update'], tenant: 'tt_retry', preset: 'tiktok-shop' });

    // Act
    const { messageId } = await postEvent(api, { type: 'product.update', tenant: 'tt_retry', payload: { product_id: 'p1' } });

    // Assess
    const failed = await deliveryReaching(api, messageId, 'failed', 30_000);
    expect(failed.attemptCount).toBe(5);
    expect(failed.nextAttemptAt).toBeUndefined();
    expect(delaysOf(failed)).toEqual([120, 1800, 10800, 43200]);
    expect(failed.attempts.at(-1)!.nextAttemptAt).toBeUndefined();
    expectNoEarlyRetry(failed);
    expect(receiver.requests).toHaveLength(5);
    expect(new Set(receiver.requests.map((r) => r.headers['webhook-id']))).toEqual(new Set([messageId]));
    expect(receiver.requests.map((r) => r.headers['x-hookline-attempt'])).toEqual(['1', '2', '3', '4', '5']);
    expect((await api('GET', `/v1/subscriptions/${sub.id}`)).body).toMatchObject({ status: 'active' });
  });

  // seed: "| 200 | NULL / empty | within 3 seconds for each notification |"
  it('gives the endpoint 3 seconds: an answer after 2 s counts, silence is a timeout', async () => {
    // Prepare
    const slow = heldReplies({ status: 200 }, 2_000);
    const silent = heldReplies({ status: 200 }, 30_000);
    releases.push(silent.release);
    const [slowReceiver, silentReceiver] = await Promise.all([https(slow.handler), https(silent.handler)]);
    const body = (r: Receiver) => ({ url: urlOf(r, '/hook'), eventTypes: ['order.status_change'], preset: 'tiktok-shop' });

    // Act
    const [answered, timedOut] = await Promise.all([testUnsaved(body(slowReceiver)), testUnsaved(body(silentReceiver))]);
    silent.release();

    // Assess
    expect(answered).toMatchObject({ outcome: 'success', statusCode: 200 });
    expect(timedOut.outcome).toBe('timeout');
    expect(timedOut.statusCode).toBeUndefined();
    expect(timedOut.durationMs).toBeGreaterThanOrEqual(2_990);
    expect(timedOut.durationMs).toBeLessThan(5_000);
  });

  // seed: "Employ the `https://` scheme" / "Webhook URL can only be a domain name, not an IP address, and it cannot have a port"
  it.each([
    ['http://shop-hooks.example.com/tiktok', /https/],
    ['https://203.0.113.7/tiktok', /domain name/],
    ['https://[2001:db8::1]/tiktok', /domain name/],
    ['https://shop-hooks.example.com:8443/tiktok', /port/],
  ])('refuses the webhook URL %s', async (url, why) => {
    const res = await api('POST', '/v1/subscriptions', { url, eventTypes: ['order.status_change'], tenant: 'tt_url', preset: 'tiktok-shop' });
    expectProblem(res, 400, ['url']);
    expect((res.body as { errors: { message: string }[] }).errors[0]!.message).toMatch(why);
  });

  // seed: "[Update Shop Webhook](update-shop-webhook): Use this API to create a special webhook for a shop for a certain event."
  // seed: "[Get Shop Webhooks](get-shop-webhooks)" / "[Delete Shop Webhook](delete-shop-webhook): … cancel the webhook for a shop for a certain event"
  it('keeps one webhook per (shop, event): a second is a 409 naming the first, which is updated, listed and deleted instead', async () => {
    // Prepare
    const [first, second] = await Promise.all([https(), https()]);
    const shopWebhook = (r: Receiver) => ({ url: urlOf(r, '/shop'), eventTypes: ['package.update'], tenant: 'tt_upsert', preset: 'tiktok-shop' });
    const original = await createSubscription(api, shopWebhook(first));

    // Act: "create" again for the same shop and event
    const conflict = await api('POST', '/v1/subscriptions', shopWebhook(second));

    // Assess: 409 with the conflicting id, so the caller can update that one instead
    expectProblem(conflict, 409);
    expect(conflict.body).toMatchObject({ conflictingId: original.id });
    const updated = await api('PATCH', `/v1/subscriptions/${original.id}`, { url: urlOf(second, '/shop') });
    expect(updated.status).toBe(200);
    const { messageId } = await postEvent(api, { type: 'package.update', tenant: 'tt_upsert', payload: { package_id: 'k1' } });
    await deliveryReaching(api, messageId, 'succeeded');
    expect(second.requests).toHaveLength(1);
    expect(first.requests).toHaveLength(0);

    // Other shops and other events of the same shop are independent.
    await createSubscription(api, { ...shopWebhook(first), tenant: 'tt_upsert_other' });
    const otherEvent = await createSubscription(api, { ...shopWebhook(first), eventTypes: ['return.status_change'] });
    // A PATCH that would make a second webhook for (shop, event) is refused the same way.
    const patchConflict = await api('PATCH', `/v1/subscriptions/${otherEvent.id}`, { eventTypes: ['return.status_change', 'package.update'] });
    expectProblem(patchConflict, 409);
    expect(patchConflict.body).toMatchObject({ conflictingId: original.id });

    // "Get Shop Webhooks": exactly this shop's webhook for the event.
    const listed = await api<{ items: { id: string }[] }>('GET', '/v1/subscriptions?tenant=tt_upsert&eventType=package.update');
    expect(listed.body.items.map((s) => s.id)).toEqual([original.id]);

    // "Delete Shop Webhook" frees the (shop, event) pair.
    expect((await api('DELETE', `/v1/subscriptions/${original.id}`)).status).toBe(204);
    const recreated = await createSubscription(api, shopWebhook(first));
    expect(recreated.id).not.toBe(original.id);
  });
});

describe('Tradecloud (HTTPS only, basic auth or bearer token, POST or GET)', () => {
  // seed: "the web service should support **basic authentication** or a **static bearer token**"
  // seed: "the HTTP method should be either **POST** or **GET**"
  it('POSTs the order payload as given with basic authentication, and never shows the password again', async () => {
    // Prepare
    const expected = `Basic ${Buffer.from('tc-user:pa55 wörd').toString('base64')}`;
    const receiver = await https((r) => ({ status: r.headers.authorization === expected ? 200 : 401 }));
    const sub = await createSubscription(api, {
      url: urlOf(receiver, '/webhook/order'),
      eventTypes: ['order.issued'],
      tenant: 'tc_buyer',
      auth: { type: 'basic', username: 'tc-user', password: 'pa55 wörd' },
    });
    const payload = { orderId: 'PO-1001', lines: [{ position: '0001', quantity: 5 }] };

    // Act
    const { messageId } = await postEvent(api, { type: 'order.issued', tenant: 'tc_buyer', payload });

    // Assess
    await deliveryReaching(api, messageId, 'succeeded');
    expect(receiver.requests).toHaveLength(1);
    expect(receiver.requests[0]).toMatchObject({ method: 'POST', url: '/webhook/order' });
    expect(receiver.requests[0]!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(receiver.requests[0]!.body)).toEqual(payload);
    expect(sub.auth).toEqual({ type: 'basic', username: 'tc-user', password: '****' });
    const read = await api('GET', `/v1/subscriptions/${sub.id}`);
    expect(read.body).toMatchObject({ auth: { type: 'basic', username: 'tc-user', password: '****' } });
    expect(JSON.stringify(read.body)).not.toContain('pa55');
  });

  // seed: "Your GET webhook must implement the GET order & shipment webhook OpenAPI specifications"
  // seed: "the web service should support … a **static bearer token**"
  it('calls a GET webhook with a static bearer token: no body, the event in the query', async () => {
    // Prepare
    const receiver = await https((r) => ({ status: r.headers.authorization === 'Bearer tc-static-token-1' ? 200 : 401 }));
    const sub = await createSubscription(api, {
      url: urlOf(receiver, '/webhook/shipment?source=hookline'),
      eventTypes: ['shipment.updated'],
      tenant: 'tc_supplier',
      method: 'GET',
      auth: { type: 'bearer', token: 'tc-static-token-1' },
    });

    // Act
    const { messageId } = await postEvent(api, { type: 'shipment.updated', tenant: 'tc_supplier', payload: { shipmentId: 'SH-7', status: 'shipped', nested: { x: 1 } } });

    // Assess
    await deliveryReaching(api, messageId, 'succeeded');
    const [request] = receiver.requests;
    expect(request).toMatchObject({ method: 'GET', body: '' });
    const url = new URL(request!.url, 'https://localhost');
    expect(url.pathname).toBe('/webhook/shipment');
    expect(Object.fromEntries(url.searchParams)).toMatchObject({ source: 'hookline', id: messageId, type: 'shipment.updated', shipmentId: 'SH-7', status: 'shipped' });
    // The signature covers the request target (path and query as received), so the query is signed.
    expect(new Webhook(sub.secret).verify(request!.url, request!.headers, { jsonParse: false })).toBeUndefined();
    expect(url.searchParams.has('nested')).toBe(false);
  });

  // seed: "the web service should support **SSL** **only**"
  it('refuses a non-https webhook address', async () => {
    const res = await api('POST', '/v1/subscriptions', { url: 'http://erp.tradecloud-customer.example/webhook', eventTypes: ['order.issued'], tenant: 'tc_http' });
    expectProblem(res, 400, ['url']);
  });

  // seed: "Self-signed certificates are NOT supported"
  // seed: "The web service should be configured to use **TLS v1.2** or **TLS v1.3**"
  it('delivers over TLS 1.2 and 1.3, and refuses self-signed certificates and TLS 1.1 before any request is sent', async () => {
    // Prepare
    const { pki } = ca;
    const start = async (options: Parameters<typeof startTlsReceiver>[0]) => receivers.track(await startTlsReceiver(options));
    const [tls12, tls13, selfSigned, tls11] = await Promise.all([
      start({ pair: pki.valid, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' }),
      start({ pair: pki.valid, minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' }),
      start({ pair: pki.selfSigned }),
      start({ pair: pki.valid, minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT:@SECLEVEL=0' }),
    ]);
    const body = (r: Receiver) => ({ url: urlOf(r, '/webhook'), eventTypes: ['order.issued'], auth: { type: 'bearer', token: 't' } });

    // Act
    const [a12, a13, aSelf, a11] = await Promise.all([tls12, tls13, selfSigned, tls11].map((r) => testUnsaved(body(r))));

    // Assess
    expect(a12).toMatchObject({ outcome: 'success', statusCode: 200 });
    expect(a13).toMatchObject({ outcome: 'success', statusCode: 200 });
    expect(aSelf).toMatchObject({ outcome: 'network', reason: expect.stringMatching(/certificate|self.signed/i) });
    expect(a11).toMatchObject({ outcome: 'network', reason: expect.stringMatching(/TLS|protocol|version/i) });
    expect(tls12.requests).toHaveLength(1);
    expect(tls13.requests).toHaveLength(1);
    expect(selfSigned.requests).toHaveLength(0);
    expect(tls11.requests).toHaveLength(0);
  });
});

describe('WhatsApp messaging provider (default application, UserName/Authorization, standard envelope)', () => {
  const TYPE = 'whatsapp_mo_message_received';

  // seed: "When the WebHook notification is pushed, UserName and Authorization will be added to the headers"
  // seed: "| id | String | Yes |" "| type |" "| eventTime | String | Yes | Event time, e.g.: 2023-02-22 12:00:00 |" "| body | JSON | Yes | Message body |"
  // seed: "Select the callback request method, default is POST."
  it('pushes a matched app its events as {id, type, eventTime, body} with its UserName and Authorization headers', async () => {
    // Prepare
    const [app, defaultApp] = await Promise.all([http(), http()]);
    const sub = await createSubscription(api, {
      url: urlOf(app, '/callback'),
      eventTypes: [TYPE, 'whatsapp_message_status_updated'],
      tenant: 'wa_app_1',
      envelope: 'standard',
      auth: { type: 'header', authorization: 'Bearer wa-app-1-key', username: 'wa-user-1' },
    });
    await createSubscription(api, { url: urlOf(defaultApp, '/default'), eventTypes: [TYPE], fallback: true, envelope: 'standard' });
    const body = { from: '8613800000000', text: { body: 'hello' } };

    // Act
    const { messageId, routing } = await postEvent(api, { type: TYPE, tenant: 'wa_app_1', eventTime: '2023-02-22T12:00:00Z', payload: body });

    // Assess
    expect(routing).toBe('tenant');
    await deliveryReaching(api, messageId, 'succeeded');
    expect(sub.method).toBe('POST');
    expect(app.requests).toHaveLength(1);
    const [request] = app.requests;
    expect(request!.method).toBe('POST');
    expect(request!.headers).toMatchObject({ authorization: 'Bearer wa-app-1-key', username: 'wa-user-1' });
    expect(JSON.parse(request!.body)).toEqual({ id: messageId, type: TYPE, eventTime: '2023-02-22 12:00:00', body });
    expect(defaultApp.requests).toHaveLength(0);
    expect((await api('GET', `/v1/subscriptions/${sub.id}`)).body).toMatchObject({ auth: { type: 'header', authorization: '****', username: 'wa-user-1' } });
  });

  // seed: "if the App cannot be identified or matched, the data will be pushed to the default application"
  it('pushes events of an app nobody subscribed to the default application', async () => {
    // Prepare
    const defaultApp = await http();
    const type = 'whatsapp_template_status_updated';
    await createSubscription(api, { url: urlOf(defaultApp, '/default'), eventTypes: [type], fallback: true, envelope: 'standard' });

    // Act
    const accepted = await postEvent(api, { type, tenant: 'wa_unknown_app', payload: { templateId: 'tpl_9', status: 'APPROVED' } });

    // Assess
    expect(accepted).toMatchObject({ routing: 'fallback', deliveryCount: 1 });
    await deliveryReaching(api, accepted.messageId, 'succeeded');
    expect(defaultApp.requests).toHaveLength(1);
    expect(JSON.parse(defaultApp.requests[0]!.body)).toMatchObject({ id: accepted.messageId, type, body: { templateId: 'tpl_9' } });
  });

  // seed: "if there is no default application, it will not be pushed."
  it('pushes nothing when no app matches and there is no default application (recorded as unrouted)', async () => {
    // Prepare: an app subscribed to the type, for another app id.
    const other = await http();
    await createSubscription(api, { url: urlOf(other, '/callback'), eventTypes: ['whatsapp_account_review_updated'], tenant: 'wa_app_2' });

    // Act
    const accepted = await postEvent(api, { type: 'whatsapp_account_review_updated', tenant: 'wa_app_nobody', payload: { reviewId: 'r1' } });

    // Assess
    expect(accepted).toMatchObject({ routing: 'unrouted', deliveryCount: 0 });
    const message = await api('GET', `/v1/messages/${accepted.messageId}`);
    expect(message.body).toMatchObject({ routing: 'unrouted', deliveries: [] });
    expect(other.requests).toHaveLength(0);
  });

  // seed: "Select the callback request method, default is POST."
  it('calls back with GET when that method is selected, headers included', async () => {
    // Prepare
    const app = await http();
    await createSubscription(api, {
      url: urlOf(app, '/callback'),
      eventTypes: ['whatsapp_phone_number_name_update'],
      tenant: 'wa_app_get',
      method: 'GET',
      auth: { type: 'header', authorization: 'wa-secret', username: 'wa-user-get' },
    });

    // Act
    const { messageId } = await postEvent(api, { type: 'whatsapp_phone_number_name_update', tenant: 'wa_app_get', payload: { phone: '123', name: 'Shop' } });

    // Assess
    await deliveryReaching(api, messageId, 'succeeded');
    const [request] = app.requests;
    expect(request).toMatchObject({ method: 'GET', body: '' });
    expect(request!.headers).toMatchObject({ authorization: 'wa-secret', username: 'wa-user-get' });
    expect(Object.fromEntries(new URL(request!.url, 'http://x').searchParams)).toMatchObject({ id: messageId, phone: '123', name: 'Shop' });
  });
});

describe('Shopify (preset shopify, X-Shopify-Hmac-SHA256)', () => {
  const signing = { scheme: 'hmac-sha256', header: 'X-Shopify-Hmac-SHA256' };

  // seed: "Each webhook request includes a base64-encoded X-Shopify-Hmac-SHA256 header, which is generated using the app's API secret key along with the data sent in the request."
  // seed: "Your webhook acknowledges that it received data by sending a 200 OK response. Any response outside of the 200 range … indicates that you didn't receive the webhook."
  it('signs the raw JSON body into X-Shopify-Hmac-SHA256, which the receiver recomputes; any 2xx acknowledges', async () => {
    // Prepare: the receiver answers 202 only to a request whose HMAC it could verify.
    let secret = '';
    const receiver = await https((r) => ({ status: verifyBase64Hmac(secret, r.body, r.headers['x-shopify-hmac-sha256']) ? 202 : 401 }));
    const sub = await createSubscription(api, { url: urlOf(receiver, '/webhooks/orders'), eventTypes: ['orders/create'], tenant: 'shopify_store_1', preset: 'shopify', signing });
    secret = sub.secret;
    expect(sub).toMatchObject({ timeoutMs: 5000, acceptStatuses: ['2xx'], signing });

    // Act
    const { messageId } = await postEvent(api, { type: 'orders/create', tenant: 'shopify_store_1', payload: { id: 820982911946154500, email: 'jon@example.com', total_price: '403.00' } });

    // Assess
    const delivered = await deliveryReaching(api, messageId, 'succeeded');
    expect(delivered.attempts.map((a) => a.statusCode)).toEqual([202]);
    expect(receiver.requests).toHaveLength(1);
    expect(verifyBase64Hmac(secret, receiver.requests[0]!.body, receiver.requests[0]!.headers['x-shopify-hmac-sha256'])).toBe(true);
    expect(receiver.requests[0]!.headers['x-shopify-hmac-sha256']).toMatch(/^[A-Za-z0-9+/]{43}=$/);
  });

  // seed: "Payloads contain a JSON or XML object with the data for the webhook event."
  it('delivers XML payloads, signed the same way over the XML body', async () => {
    // Prepare
    let secret = '';
    const receiver = await https((r) => ({ status: verifyBase64Hmac(secret, r.body, r.headers['x-shopify-hmac-sha256']) ? 200 : 401 }));
    secret = (await createSubscription(api, { url: urlOf(receiver, '/webhooks/xml'), eventTypes: ['orders/paid'], tenant: 'shopify_store_xml', preset: 'shopify', signing, format: 'xml' })).secret;

    // Act
    const { messageId } = await postEvent(api, { type: 'orders/paid', tenant: 'shopify_store_xml', payload: { id: 42, line_items: [{ sku: 'A' }, { sku: 'B' }] } });

    // Assess
    await deliveryReaching(api, messageId, 'succeeded');
    const [request] = receiver.requests;
    expect(request!.headers['content-type']).toMatch(/^application\/xml/);
    // Shopify's XML root is the topic's singular resource: orders/paid → <order> (issue 17).
    expect(new XMLParser().parse(request!.body)).toMatchObject({ order: { id: 42, line_items: [{ sku: 'A' }, { sku: 'B' }] } });
  });

  // seed: "Step 3: Test the webhook"
  it('sends a test webhook on demand and returns the attempt with the signature it sent', async () => {
    // Prepare
    const receiver = await https(() => ({ status: 200, body: 'thanks' }));
    const sub = await createSubscription(api, { url: urlOf(receiver, '/webhooks/test'), eventTypes: ['orders/updated'], tenant: 'shopify_store_test', preset: 'shopify', signing });

    // Act
    const res = await api<{ attempt: { outcome: string; statusCode: number; responseExcerpt: string; signatureHeaders: Record<string, string> } }>(
      'POST',
      `/v1/subscriptions/${sub.id}/test`,
    );

    // Assess
    expect(res.status).toBe(200);
    expect(res.body.attempt).toMatchObject({ outcome: 'success', statusCode: 200, responseExcerpt: 'thanks' });
    const [request] = receiver.requests;
    expect(res.body.attempt.signatureHeaders['X-Shopify-Hmac-SHA256']).toBe(request!.headers['x-shopify-hmac-sha256']);
    expect(verifyBase64Hmac(sub.secret, request!.body, request!.headers['x-shopify-hmac-sha256'])).toBe(true);
    expect(request!.headers['x-hookline-event-type']).toBe('hookline.test');
    expect(JSON.parse(request!.body)).toMatchObject({ test: true, subscriptionId: sub.id });
    // A test is not an event: nothing enters the delivery log.
    const log = await api<{ items: unknown[] }>('GET', `/v1/deliveries?subscriptionId=${sub.id}`);
    expect(log.body.items).toEqual([]);
  });

  // seed: "Any response outside of the 200 range, including 3XX HTTP redirection codes, indicates that you didn't receive the webhook."
  // seed: "Shopify doesn't follow redirects for webhook notifications and considers them to be an error response."
  it('treats a redirect as a failure and does not follow it', async () => {
    // Prepare
    const target = await https();
    const redirecting = await https(() => ({ status: 301, headers: { location: urlOf(target, '/moved') } }));
    const sub = await createSubscription(api, { url: urlOf(redirecting, '/old'), eventTypes: ['orders/cancelled'], tenant: 'shopify_store_redirect', preset: 'shopify', signing });

    // Act
    const res = await api<{ attempt: { outcome: string; statusCode: number } }>('POST', `/v1/subscriptions/${sub.id}/test`);

    // Assess
    expect(res.body.attempt).toMatchObject({ outcome: '3xx', statusCode: 301 });
    expect(redirecting.requests).toHaveLength(1);
    expect(target.requests).toHaveLength(0);
  });

  // seed: "Shopify waits five seconds for a response to each request to a webhook."
  it('waits five seconds for a response, then counts a timeout', async () => {
    // Prepare
    const silent = heldReplies({ status: 200 }, 30_000);
    releases.push(silent.release);
    const receiver = await https(silent.handler);

    // Act
    const attempt = await testUnsaved({ url: urlOf(receiver, '/slow'), eventTypes: ['orders/create'], preset: 'shopify', signing });
    silent.release();

    // Assess
    expect(attempt.outcome).toBe('timeout');
    expect(attempt.durationMs).toBeGreaterThanOrEqual(4_990);
  });

  // seed: "Before you respond to a webhook, you need to verify that the webhook was sent from Shopify."
  it('never lets a custom header stand in for the Shopify signature', async () => {
    const res = await api('POST', '/v1/subscriptions', {
      url: 'https://shop-app.example.com/webhooks',
      eventTypes: ['orders/create'],
      customHeaders: { 'X-Shopify-Hmac-SHA256': 'forged' },
    });
    expectProblem(res, 400, ['customHeaders.X-Shopify-Hmac-SHA256']);
  });
});

describe('Partoo (preset partoo, one webhook per event and org, custom headers)', () => {
  // seed: "You cannot create multiple webhooks for the same event and `org_id` using different URLs."
  // seed: "The same URL can be reused for multiple events."
  it('refuses a second webhook for the same event and org with 409 naming the first; the same URL serves other events', async () => {
    // Prepare
    const url = 'https://partoo-client.example.com/webhooks';
    const first = await createSubscription(api, { url, eventTypes: ['review.created'], tenant: 'org_1', preset: 'partoo' });

    // Act
    const [otherUrl, sameUrl, otherEvents, otherOrg] = await Promise.all([
      api('POST', '/v1/subscriptions', { url: 'https://other.example.com/hooks', eventTypes: ['review.created'], tenant: 'org_1', preset: 'partoo' }),
      api('POST', '/v1/subscriptions', { url, eventTypes: ['review.created'], tenant: 'org_1', preset: 'partoo' }),
      api('POST', '/v1/subscriptions', { url, eventTypes: ['review.updated', 'message.created'], tenant: 'org_1', preset: 'partoo' }),
      api('POST', '/v1/subscriptions', { url, eventTypes: ['review.created'], tenant: 'org_2', preset: 'partoo' }),
    ]);

    // Assess
    expectProblem(otherUrl, 409);
    expect(otherUrl.body).toMatchObject({ conflictingId: first.id });
    expectProblem(sameUrl, 409);
    expect(sameUrl.body).toMatchObject({ conflictingId: first.id });
    expect(otherEvents.status).toBe(201);
    expect(otherOrg.status).toBe(201);
  });

  // seed: "Keys must start with `X-` and must not use the `X-Partoo` prefix. Maximum 5 headers. Key max length: 128 characters. Value max length: 512 characters."
  // seed: "The following characters are forbidden in header keys: space, `(`, `)`, `<`, `>`, `@`, `,`, `;`, `:`, `\`, `"`, `/`, `[`, `]`, `?`, `=`, `{`, `}`."
  it('forwards up to 5 valid custom headers verbatim and names every rule a header breaks', async () => {
    // Prepare
    const longName = `X-${'n'.repeat(126)}`;
    const longValue = 'v'.repeat(512);
    const headers = { 'X-Api-Key': 'k-123', 'X-Org': 'org_hdr', 'X-Trace': 'a b c', [longName]: longValue, 'X-Empty-Ok': '' };
    const receiver = await https();
    await createSubscription(api, { url: urlOf(receiver, '/h'), eventTypes: ['review.deleted'], tenant: 'org_hdr', preset: 'partoo', customHeaders: headers });
    const forbidden = [' ', '(', ')', '<', '>', '@', ',', ';', ':', '\\', '"', '/', '[', ']', '?', '=', '{', '}'];
    const refused = (customHeaders: Record<string, string>) =>
      api('POST', '/v1/subscriptions', { url: 'https://partoo-client.example.com/h', eventTypes: ['review.deleted'], tenant: 'org_hdr_refused', preset: 'partoo', customHeaders });

    // Act
    const { messageId } = await postEvent(api, { type: 'review.deleted', tenant: 'org_hdr', payload: { review_id: 9 } });
    const [tooMany, longKey, longVal, notX, reserved, ...badChars] = await Promise.all([
      refused({ ...headers, 'X-Sixth': '6' }),
      refused({ [`X-${'n'.repeat(127)}`]: 'v' }),
      refused({ 'X-Long': 'v'.repeat(513) }),
      refused({ Team: 'payments' }),
      refused({ 'X-Hookline-Org': 'spoof' }),
      ...forbidden.map((c) => refused({ [`X-a${c}b`]: 'v' })),
    ]);

    // Assess
    await deliveryReaching(api, messageId, 'succeeded');
    const sent = receiver.requests[0]!.headers;
    for (const [name, value] of Object.entries(headers)) expect(sent[name.toLowerCase()], name).toBe(value);
    expectProblem(tooMany!, 400, ['customHeaders']);
    expectProblem(longKey!, 400, [`customHeaders.X-${'n'.repeat(127)}`]);
    expectProblem(longVal!, 400, ['customHeaders.X-Long']);
    expectProblem(notX!, 400, ['customHeaders.Team']);
    expectProblem(reserved!, 400, ['customHeaders.X-Hookline-Org']);
    badChars.forEach((res, i) => expectProblem(res, 400, [`customHeaders.X-a${forbidden[i]}b`]));
  });

  // seed: "You must return a `200 OK` response to acknowledge receipt."
  // seed: "If your server returns a `5xx` error, we retry the request up to 5 times with exponential backoff. For other errors (4xx), no retries occur."
  it('acknowledges only 200; retries 5xx five times with exponential backoff; ends at once on 4xx', async () => {
    // Prepare
    const receiver = await https((r) => {
      if (r.url === '/down') return { status: 500 };
      if (r.url === '/gone') return { status: 404 };
      const n = receiver.requests.filter((q) => q.url === '/created').length;
      return { status: n === 1 ? 201 : 200 };
    });
    const orgs = ['down', 'gone', 'created'];
    await Promise.all(orgs.map((o) => createSubscription(api, { url: urlOf(receiver, `/${o}`), eventTypes: ['business.updated'], tenant: `org_${o}`, preset: 'partoo' })));

    // Act
    const [down, gone, created] = await Promise.all(orgs.map((o) => postEvent(api, { type: 'business.updated', tenant: `org_${o}`, payload: { business_id: o } })));

    // Assess
    const failed5xx = await deliveryReaching(api, down!.messageId, 'failed');
    expect(failed5xx.attempts.map((a) => a.outcome)).toEqual(Array(6).fill('5xx'));
    expect(delaysOf(failed5xx)).toEqual([60, 120, 240, 480, 960]);
    expectNoEarlyRetry(failed5xx);
    const failed4xx = await deliveryReaching(api, gone!.messageId, 'failed');
    expect(failed4xx.attempts.map((a) => [a.statusCode, a.outcome])).toEqual([[404, '4xx']]);
    const acknowledged = await deliveryReaching(api, created!.messageId, 'succeeded');
    expect(acknowledged.attempts.map((a) => a.statusCode)).toEqual([201, 200]);
    expect(receiver.requests.filter((r) => r.url === '/down')).toHaveLength(6);
    expect(receiver.requests.filter((r) => r.url === '/gone')).toHaveLength(1);
  });

  // seed: "Optionally, test the endpoint before saving"
  it('tests an endpoint before saving: one real signed request, the attempt returned, nothing stored', async () => {
    // Prepare
    const receiver = await https(() => ({ status: 200, body: '{"ok":true}' }));

    // Act
    const attempt = await testUnsaved({ url: urlOf(receiver, '/try'), eventTypes: ['review.created'], tenant: 'org_try', preset: 'partoo', customHeaders: { 'X-Api-Key': 'try' } });

    // Assess
    expect(attempt).toMatchObject({ outcome: 'success', statusCode: 200, responseExcerpt: '{"ok":true}' });
    expect(attempt.signatureHeaders).toMatchObject({ 'webhook-id': expect.stringMatching(/^msg_/), 'webhook-signature': expect.stringMatching(/^v1,/) });
    expect(receiver.requests).toHaveLength(1);
    expect(receiver.requests[0]!.headers['x-api-key']).toBe('try');
    const stored = await api<{ items: unknown[] }>('GET', '/v1/subscriptions?tenant=org_try');
    expect(stored.body.items).toEqual([]);
  });
});
