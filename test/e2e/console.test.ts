/**
 * The operator console in a real Chromium against local mode, then through `hookline console`
 * (local mode as its target, every API call SigV4-signed by the CLI's server). One browser for the
 * file. Writes the README's screenshots to docs/console/.
 */
import { mkdir } from 'node:fs/promises';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../cli/main.js';
import { signRequest } from '../../cli/sigv4.js';
import { captureIo } from '../unit/cli/io.js';
import { launchBrowser, type TestBrowser } from './support/browser.js';
import { receiverSet } from './support/receivers.js';
import { DeleteQueueCommand } from '@aws-sdk/client-sqs';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { eventually, instanceResources, startLocal, type LocalInstance, type Receiver } from './harness.js';

const SHOTS = fileURLToPath(new URL('../../docs/console/', import.meta.url));
const CREDENTIALS = { accessKeyId: 'AKIDCONSOLETEST', secretAccessKey: 'console-test-secret-key' };

let local: LocalInstance;
let browser: TestBrowser;
let page: Page;
let receiver: Receiver;
const receivers = receiverSet();

/** What the console flow creates, for the later steps. */
const state = { subscriptionId: '', firstSecret: '', deliveryId: '', messageId: '' };

beforeAll(async () => {
  [local, browser, receiver] = await Promise.all([startLocal(), launchBrowser(), receivers.start()]);
  page = await browser.context.newPage();
  await mkdir(SHOTS, { recursive: true });
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await receivers.close();
  await local?.stop();
});

/** An expression evaluated in the page (a string: this file is compiled without the DOM's types). */
function inPage<T = unknown>(expression: string): Promise<T> {
  return page.evaluate(expression) as Promise<T>;
}

/** Only problems of the page itself: uncaught errors and CSP violations (4xx answers are expected). */
function pageProblems(): string[] {
  return browser.pageErrors.filter((e) => !e.startsWith('Failed to load resource'));
}

describe('console served by local mode', () => {
  it('serves the page and assets with a strict CSP and shows field errors for invalid input', async () => {
    const res = await page.goto(`${local.baseUrl}/console#/subscriptions/new`);
    expect(res?.status()).toBe(200);
    expect(res?.headers()['content-security-policy']).toContain("script-src 'self'");
    await page.getByLabel('URL').fill('not a url');
    await page.getByLabel('Event types').fill('order.created');
    await page.getByRole('button', { name: 'Create subscription' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('Invalid request');
    const url = page.getByLabel('URL');
    expect(await url.getAttribute('aria-invalid')).toBe('true');
    const describedBy = (await url.getAttribute('aria-describedby')) ?? '';
    const errorText = await page.locator(`[id="${describedBy.split(' ').pop()}"]`).textContent();
    expect(errorText?.length).toBeGreaterThan(0);
  });

  it('creates a subscription from a preset and shows its secret once', async () => {
    await page.getByLabel('URL').fill(`${receiver.url}/hooks`);
    await page.getByLabel('Event types').fill('order.created');
    await page.getByLabel('Tenant', { exact: true }).fill('shop_console');
    await page.getByLabel('Preset').selectOption('shopify');
    await page.getByLabel('Description').fill('created in the console test');
    await page.getByRole('button', { name: 'Test without saving' }).click();
    const tried = page.getByRole('status', { name: 'Test attempt' });
    await expect.poll(() => tried.locator('td').nth(3).textContent()).toBe('success');
    await receiver.waitFor(1);
    await page.getByRole('button', { name: 'Create subscription' }).click();
    state.firstSecret = (await page.getByTestId('created-secret').textContent()) ?? '';
    expect(state.firstSecret).toMatch(/^whsec_/);
    await page.getByRole('link', { name: 'Open the subscription' }).click();
    await page.getByRole('heading', { level: 1, name: /Subscription sub_/ }).waitFor();
    state.subscriptionId = (await page.getByRole('heading', { level: 1 }).textContent())?.replace('Subscription ', '') ?? '';
    const sub = await local.api('GET', `/v1/subscriptions/${state.subscriptionId}`);
    expect(sub.body).toMatchObject({ preset: 'shopify', tenant: 'shop_console', eventTypes: ['order.created'], timeoutMs: 5000 });
  });

  it('sends a test delivery and shows its attempt', async () => {
    await page.getByRole('button', { name: 'Send a test event' }).click();
    const result = page.getByRole('status', { name: 'Test attempt' });
    await expect.poll(() => result.locator('td').nth(3).textContent()).toBe('success');
    expect(await result.locator('td').nth(4).textContent()).toBe('200');
  });

  it('shows a sent event on the overview and in the delivery log, with its attempts, and retries it', async () => {
    // A second endpoint that answers 500: its delivery waits for a retry an hour away, its streak shows.
    const failing = await receivers.start(() => ({ status: 500, body: 'upstream unavailable' }));
    const failingSub = await local.api('POST', '/v1/subscriptions', {
      url: `${failing.url}/hooks`, eventTypes: ['order.created'], tenant: 'shop_console', retryPolicy: { type: 'fixed', delays: [3600] },
    });
    expect(failingSub.status).toBe(201);
    const sent = await local.api('POST', '/v1/events', { type: 'order.created', tenant: 'shop_console', payload: { orderId: 42 } });
    expect(sent.status).toBe(202);
    state.messageId = sent.body.messageId;
    await receiver.waitFor(3);
    await failing.waitFor(1);
    await eventually(() => local.api('GET', `/v1/subscriptions/${failingSub.body.id}`), (r) => r.body.consecutiveFailures === 1);
    const list = await eventually(
      () => local.api('GET', `/v1/deliveries?subscriptionId=${state.subscriptionId}&status=succeeded`),
      (r) => r.body.items.length === 1,
    );
    state.deliveryId = list.body.items[0].id;

    await page.goto(`${local.baseUrl}/console#/overview`);
    await expect.poll(() => page.locator('td[data-outcome="succeeded"]').first().textContent()).toBe('1');
    expect(await page.locator('td[data-outcome="pending"]').first().textContent()).toBe('1');
    expect(await page.getByTestId('pending-count').textContent()).toBe('1');
    const failingRow = page.getByRole('row').filter({ hasText: failingSub.body.id });
    // The streak as the API's health reports it: how many, and since when.
    expect(await failingRow.textContent()).toMatch(/1 consecutive failures, since \d/);
    expect(await failingRow.getByRole('link', { name: 'Replay failed' }).getAttribute('href')).toBe(`#/replay?subscriptionId=${failingSub.body.id}&onlyFailed=1`);
    await page.screenshot({ path: `${SHOTS}overview.png`, fullPage: true });

    await page.goto(`${local.baseUrl}/console#/deliveries?subscriptionId=${state.subscriptionId}`);
    await page.getByRole('link', { name: state.deliveryId }).click();
    await page.getByRole('heading', { level: 1, name: `Delivery ${state.deliveryId}` }).waitFor();
    const attempts = page.locator('table.attempts tbody tr');
    await expect.poll(() => attempts.count()).toBe(1);
    expect(await attempts.first().locator('td').nth(4).textContent()).toBe('200');
    await page.screenshot({ path: `${SHOTS}delivery-attempts.png`, fullPage: true });

    await page.getByRole('button', { name: 'Retry now' }).click();
    await page.getByText('Retry queued.').waitFor();
    await expect
      .poll(async () => {
        await page.getByRole('button', { name: 'Refresh' }).click();
        return attempts.count();
      }, { timeout: 20_000, interval: 500 })
      .toBe(2);
    expect(await attempts.nth(1).locator('td').nth(2).textContent()).toBe('manual');
    expect(receiver.requests.length).toBe(4);
  });

  it('searches the delivery log by subscription, status and time, with field errors for bad filters', async () => {
    await page.goto(`${local.baseUrl}/console#/deliveries`);
    const pad = (n: number) => String(n).padStart(2, '0');
    const local_ = (d: Date) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
    const hourAgo = await page.evaluate(() => Date.now() - 3_600_000);
    const inBrowserTime = await page.evaluate((ms) => {
      const d = new Date(ms);
      const p = (n: number) => String(n).padStart(2, '0');
      return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
    }, hourAgo);
    expect(inBrowserTime).toBe(local_(new Date(hourAgo)));
    await page.getByLabel('Subscription').fill(state.subscriptionId);
    await page.getByLabel('Status').selectOption('succeeded');
    await page.getByLabel('Since').fill(inBrowserTime);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name: state.deliveryId }).waitFor();
    await page.getByLabel('Until').fill(inBrowserTime);
    await page.getByLabel('Since').fill('');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByText('No delivery matches.').waitFor();

    await page.getByLabel('Subscription').fill('not-a-subscription');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => page.getByLabel('Subscription').getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByRole('alert').textContent()).toContain('subscriptionId');
    await page.getByRole('link', { name: 'Deliveries' }).click();
  });

  it('shows the message: payload and deliveries', async () => {
    await page.goto(`${local.baseUrl}/console#/deliveries/${state.deliveryId}`);
    await page.getByRole('link', { name: state.messageId }).click();
    await page.getByRole('heading', { level: 1, name: `Message ${state.messageId}` }).waitFor();
    expect(JSON.parse((await page.getByLabel('Payload').textContent()) ?? '')).toEqual({ orderId: 42 });
    await page.getByRole('link', { name: state.deliveryId }).waitFor();
  });

  it('starts a replay and watches it finish', async () => {
    await page.goto(`${local.baseUrl}/console#/replay?subscriptionId=${state.subscriptionId}`);
    await page.getByRole('button', { name: 'Start replay' }).click();
    const job = page.getByTestId('replay-job');
    await expect.poll(() => job.getAttribute('data-status'), { timeout: 20_000 }).toBe('done');
    expect(await job.textContent()).toMatch(/1 matched, 1 sent again/);
    await receiver.waitFor(5);
  });

  it('reveals and rotates the secret only after a confirmation', async () => {
    await page.goto(`${local.baseUrl}/console#/subscriptions/${state.subscriptionId}`);
    await page.getByRole('button', { name: 'Reveal secret' }).click();
    const confirm = page.getByRole('button', { name: 'Yes, reveal' });
    await expect.poll(() => confirm.evaluate((el) => el === el.ownerDocument.activeElement)).toBe(true);
    await confirm.click();
    expect(await page.getByTestId('secret').textContent()).toBe(state.firstSecret);

    await page.getByRole('button', { name: 'Rotate secret' }).click();
    await page.getByRole('button', { name: 'Yes, rotate' }).click();
    await page.getByText(/^Rotated\./).waitFor();
    const rotated = await page.getByTestId('secret').textContent();
    expect(rotated).toMatch(/^whsec_/);
    expect(rotated).not.toBe(state.firstSecret);
    const stored = await local.api('GET', `/v1/subscriptions/${state.subscriptionId}/secret`);
    expect(stored.body.secret).toBe(rotated);
    expect(await page.getByRole('definition').filter({ hasText: 'since the last success' }).textContent()).toBe('0 failed attempts since the last success');
    await page.screenshot({ path: `${SHOTS}subscription.png`, fullPage: true });
  });

  it('edits, disables and enables a subscription, and filters the list', async () => {
    await page.getByRole('link', { name: 'Edit' }).click();
    await page.getByLabel('Description').fill('edited in the console');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('edited in the console').waitFor();
    await page.getByRole('button', { name: 'Disable' }).click();
    await page.getByRole('button', { name: 'Enable' }).waitFor();
    expect((await local.api('GET', `/v1/subscriptions/${state.subscriptionId}`)).body).toMatchObject({ status: 'disabled', description: 'edited in the console' });
    await page.getByRole('button', { name: 'Enable' }).click();
    await page.getByRole('button', { name: 'Disable' }).waitFor();

    await page.goto(`${local.baseUrl}/console#/subscriptions?tenant=shop_console&status=active`);
    await page.getByRole('link', { name: state.subscriptionId }).waitFor();
    await page.goto(`${local.baseUrl}/console#/subscriptions?tenant=nobody`);
    await page.getByText('No subscription matches.').waitFor();
    expect(pageProblems()).toEqual([]);
  });

  it('is usable from the keyboard and labels every control', async () => {
    const pages = ['#/overview', '#/subscriptions', '#/subscriptions/new', '#/deliveries', '#/replay', `#/subscriptions/${state.subscriptionId}`, `#/deliveries/${state.deliveryId}`];
    for (const hash of pages) {
      await page.goto(`${local.baseUrl}/console${hash}`);
      await page.getByRole('heading', { level: 1 }).waitFor();
      await page.locator('main :is(table, form, p)').first().waitFor();
      // Every form control has an accessible name (a <label for>, or aria-label).
      const unlabelled = await inPage<string[]>(
        "[...document.querySelectorAll('input, select, textarea')].filter((el) => el.labels.length === 0 && !el.getAttribute('aria-label')).map((el) => el.outerHTML)",
      );
      expect(unlabelled, hash).toEqual([]);
      // Arriving on a page puts focus on its heading, so a screen reader announces it.
      await expect.poll(() => inPage('document.activeElement?.tagName'), { message: hash }).toBe('H1');
    }
    // The skip link shows when focused; Enter on it moves focus into the content.
    const skip = page.getByRole('link', { name: 'Skip to content' });
    await skip.focus();
    expect((await skip.boundingBox())?.x).toBeGreaterThanOrEqual(0);
    await page.keyboard.press('Enter');
    await expect.poll(() => inPage('document.activeElement?.id')).toBe('main');
    // A confirmation takes focus; Escape closes it and gives focus back to its button.
    await page.goto(`${local.baseUrl}/console#/subscriptions/${state.subscriptionId}`);
    await page.getByRole('button', { name: 'Rotate secret' }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => inPage('document.activeElement?.textContent')).toBe('Yes, rotate');
    await page.keyboard.press('Escape');
    await expect.poll(() => inPage('document.activeElement?.textContent')).toBe('Rotate secret');
    expect(await page.getByRole('alertdialog').count()).toBe(0);
  });
});

interface Recorded {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

/** Stands in for API Gateway: records what `hookline console` sends, then passes it to local mode. */
async function startRecordingGateway(upstream: string): Promise<{ server: Server; url: string; seen: Recorded[] }> {
  const seen: Recorded[] = [];
  const server = createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    const target = new URL(req.url ?? '/', upstream);
    const out = httpRequest(target, { method: req.method, headers: { ...req.headers, host: target.host } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    req.pipe(out);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

function rawGet(port: number, path: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('hookline console (local mode as its target, signing on)', () => {
  let gateway: Awaited<ReturnType<typeof startRecordingGateway>>;
  let consoleUrl = '';
  const stop = new AbortController();
  let running: Promise<number>;

  beforeAll(async () => {
    gateway = await startRecordingGateway(local.baseUrl);
    const io = captureIo({ env: {}, signal: stop.signal });
    running = runCli(['--endpoint', gateway.url, '--sign', '--region', 'eu-west-1', 'console', '--port', '0'], io, {
      credentials: () => async () => CREDENTIALS,
    });
    consoleUrl = (await eventually(async () => io.out(), (out) => /Hookline console on (\S+)/.test(out), 20_000, 'the console URL')).match(/on (\S+)/)?.[1] ?? '';
    expect(io.err()).toContain('SigV4-signed, eu-west-1');
  });

  afterAll(async () => {
    stop.abort();
    expect(await running).toBe(0);
    await new Promise<void>((r) => {
      gateway?.server.close(() => r());
      gateway?.server.closeAllConnections();
    });
  });

  it('shows the same pages through the proxy, every API call signed with the operator credentials', async () => {
    await page.goto(`${consoleUrl}#/subscriptions`);
    await page.getByRole('link', { name: state.subscriptionId }).click();
    await page.getByRole('heading', { level: 1, name: `Subscription ${state.subscriptionId}` }).waitFor();
    await page.goto(`${consoleUrl}#/deliveries/${state.deliveryId}`);
    await expect.poll(() => page.locator('table.attempts tbody tr').count()).toBeGreaterThanOrEqual(2);
    await page.goto(`${consoleUrl}#/overview`);
    await expect.poll(() => page.locator('td[data-outcome="succeeded"]').first().textContent()).toBe('1');

    const calls = gateway.seen.filter((r) => r.url.startsWith('/v1/'));
    expect(calls.length).toBeGreaterThanOrEqual(4);
    for (const call of calls) {
      const auth = String(call.headers.authorization);
      expect(auth).toMatch(new RegExp(`^AWS4-HMAC-SHA256 Credential=${CREDENTIALS.accessKeyId}/\\d{8}/eu-west-1/execute-api/aws4_request`));
      // Re-sign what arrived: the signature covers exactly the URL and headers that were sent.
      const amzDate = String(call.headers['x-amz-date']);
      const signingDate = new Date(amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'));
      const headers: Record<string, string> = { accept: String(call.headers.accept) };
      if (call.headers['content-type'] !== undefined) headers['content-type'] = String(call.headers['content-type']);
      const expected = await signRequest({ method: call.method, url: `${gateway.url}${call.url}`, headers }, { credentials: CREDENTIALS, region: 'eu-west-1', signingDate });
      expect(auth).toBe(expected.authorization);
      expect(call.headers.cookie).toBeUndefined();
    }
    expect(pageProblems()).toEqual([]);
  });

  it('refuses API calls without the page token, from another origin, or for another Host', async () => {
    const port = Number(new URL(consoleUrl).port);
    const before = gateway.seen.length;
    expect(await rawGet(port, '/v1/subscriptions', {})).toBe(403);
    expect(await rawGet(port, '/v1/subscriptions', { 'x-hookline-console-token': 'guess' })).toBe(403);
    const html = await (await fetch(consoleUrl)).text();
    const token = /name="hookline-console-token" content="([^"]+)"/.exec(html)?.[1] ?? '';
    expect(await rawGet(port, '/v1/subscriptions', { 'x-hookline-console-token': token, origin: 'http://evil.example' })).toBe(403);
    expect(await rawGet(port, '/v1/subscriptions', { 'x-hookline-console-token': token, 'sec-fetch-site': 'cross-site' })).toBe(403);
    expect(await rawGet(port, '/console', { host: `rebound.example:${port}` })).toBe(421);
    expect(await rawGet(port, '/v1/subscriptions', { host: `rebound.example:${port}`, 'x-hookline-console-token': token })).toBe(421);
    expect(gateway.seen.length).toBe(before);
    expect(await rawGet(port, '/v1/subscriptions', { 'x-hookline-console-token': token })).toBe(200);
    expect(gateway.seen.length).toBe(before + 1);
  });
});

// Last: its successful delivery would change the overview counts the tests above check.
describe('console attempts table', () => {
  it('names a success acknowledged by a non-2xx status (TikTok Shop 401) in the attempts table', async () => {
    const refusing = await receivers.start(() => ({ status: 401, body: 'invalid signature' }));
    const sub = await local.api('POST', '/v1/subscriptions', { url: `${refusing.url}/hooks`, eventTypes: ['ack.check'], tenant: 'shop_ack', preset: 'tiktok-shop' });
    expect(sub.status).toBe(201);
    expect((await local.api('POST', '/v1/events', { type: 'ack.check', tenant: 'shop_ack', payload: { n: 1 } })).status).toBe(202);
    const list = await eventually(
      () => local.api('GET', `/v1/deliveries?subscriptionId=${sub.body.id}&status=succeeded`),
      (r) => r.body.items.length === 1,
    );
    await page.goto(`${local.baseUrl}/console#/deliveries/${list.body.items[0].id}`);
    const outcome = page.locator('table.attempts tbody tr').first().locator('td').nth(3);
    await expect.poll(() => outcome.textContent()).toBe('success non-2xx ack: 401');
    expect(await page.locator('table.attempts tbody tr').first().locator('td').nth(4).textContent()).toBe('401');
  });
});

describe('console message page', () => {
  it('says a message was stored but not accepted when its tasks could not be queued', async () => {
    // Its own instance: deleting the queue makes intake's send fail for real (fauxqs refuses it).
    const broken = await startLocal();
    const resources = instanceResources(broken);
    try {
      const sub = await broken.api('POST', '/v1/subscriptions', { url: `${receiver.url}/unqueued`, eventTypes: ['stock.low'], tenant: 'shop_q' });
      expect(sub.status).toBe(201);
      await resources.sqs.send(new DeleteQueueCommand({ QueueUrl: await resources.queueUrl() }));
      const posted = await broken.api('POST', '/v1/events', { type: 'stock.low', tenant: 'shop_q', payload: { sku: 'A-1' } });
      expect(posted.status).toBeGreaterThanOrEqual(500);
      // The failed request never told the producer its id: the operator finds it in the table (or the logs).
      const scanned = await resources.doc.send(new ScanCommand({ TableName: resources.names.table, FilterExpression: 'kind = :m', ExpressionAttributeValues: { ':m': 'message' } }));
      expect(scanned.Items).toHaveLength(1);

      await page.goto(`${broken.baseUrl}/console#/messages/${String(scanned.Items![0]!.id)}`);
      const notice = page.getByRole('alert', { name: 'Not accepted' });
      await expect.poll(() => notice.textContent()).toContain('its tasks could not be queued');
      expect(await page.getByText('No subscription received it.').count()).toBe(1);
      expect(pageProblems()).toEqual([]);
    } finally {
      resources.close();
      await broken.stop();
    }
  });
});
