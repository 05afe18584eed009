/**
 * `npm start --success-records log-only` (issue 19 item 6), black box: a first-attempt success is
 * in the attempt log only, a failing delivery keeps its record, and the API says what it cannot
 * list. Every response is validated against docs/openapi.json.
 */
import { describe, expect, it } from 'vitest';
import { eventually, type LocalInstance } from './harness.js';
import { createSubscription, expectProblem, postEvent } from './support/api.js';
import { useLocal } from './support/local.js';
import type { CheckedApi } from './support/openapi.js';
import { urlOf } from './support/receivers.js';

let local: LocalInstance;
let api: CheckedApi;
const receivers = useLocal({ timeScale: 100, args: ['--success-records', 'log-only'] }, (started) => ({ local, api } = started));

/** The attempt-log lines local mode printed for `messageId` (written after the attempt's record, or its absence). */
const attemptLines = (messageId: string): { subscriptionId: string; status: string }[] =>
  local
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{') && line.includes(messageId) && line.includes('"attempt"'))
    .map((line) => JSON.parse(line) as { subscriptionId: string; status: string });

describe('successRecords log-only', () => {
  it('keeps a first-attempt success in the attempt log only, a failure in its record, and says what it cannot list', async () => {
    const ok = await receivers.start();
    const down = await receivers.start(() => ({ status: 503 }));
    const tenant = `log-only-${Date.now()}`;
    const good = await createSubscription(api, { url: urlOf(ok, '/ok'), eventTypes: ['order.created'], tenant });
    // Its retry waits an hour (36 s at this time scale), so it is still on attempt 1 when read below.
    const bad = await createSubscription(api, { url: urlOf(down, '/down'), eventTypes: ['order.created'], tenant, retryPolicy: { type: 'fixed', delays: [3600] } });
    const { messageId } = await postEvent(api, { type: 'order.created', tenant, payload: { orderId: 7 } });

    const lines = await eventually(async () => attemptLines(messageId), (l) => l.length >= 2, 20_000, 'both first attempts logged');
    expect(lines.find((l) => l.subscriptionId === good.id)).toMatchObject({ status: 'succeeded' });
    expect(ok.requests).toHaveLength(1);

    const message = await api<{ deliveries: { id: string; subscriptionId: string; status: string; attemptCount: number; recorded?: boolean }[] }>('GET', `/v1/messages/${messageId}`);
    expect(message.status).toBe(200);
    const succeeded = message.body.deliveries.find((d) => d.subscriptionId === good.id)!;
    expect(succeeded).toMatchObject({ status: 'pending', attemptCount: 0, recorded: false });
    expect(message.body.deliveries.find((d) => d.subscriptionId === bad.id)).toMatchObject({ status: 'pending', attemptCount: 1 });
    expect(message.body.deliveries.find((d) => d.subscriptionId === bad.id)).not.toHaveProperty('recorded');

    const one = await api<{ detail: string }>('GET', `/v1/deliveries/${succeeded.id}`);
    expectProblem(one, 404);
    expect(one.body.detail).toContain('successRecords=log-only');
    expectProblem(await api('GET', '/v1/deliveries?status=succeeded'), 400, ['status']);
    const page = await api<{ items: { subscriptionId: string }[]; notListed?: string }>('GET', `/v1/deliveries?tenant=${tenant}`);
    expect(page.status).toBe(200);
    expect(page.body.items.map((d) => d.subscriptionId)).toEqual([bad.id]);
    expect(page.body.notListed).toMatch(/first attempt/);
  });
});
