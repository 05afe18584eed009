/**
 * Intake stores a message before queuing its tasks. When the queue refuses the send, the request
 * answers 5xx; a message without an Idempotency-Key will be posted again by its producer as a new
 * message, so the stored one must say it was not accepted instead of showing pending deliveries
 * forever. Real engines: DynamoDB Local stores the message, and fauxqs refuses the send (the
 * SendMessageBatch goes to a queue that does not exist while `refuseSends` is on).
 */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInProcess, type InProcessHookline } from '../support/fault-runtime.js';
import { refuseSendsWhile } from '../support/refused-sends.js';

let hookline: InProcessHookline;
let refuseSends = false;

beforeAll(async () => {
  hookline = await startInProcess({ label: 'intake-send-failure', worker: false, onSqsClient: (client) => refuseSendsWhile(client, () => refuseSends) });
  const created = await hookline.api('POST', '/v1/subscriptions', { url: 'https://hooks.example.com/a', eventTypes: ['order.created'], tenant: 'shop-1' });
  expect(created.status).toBe(201);
});
afterAll(() => hookline?.stop());

/** Every stored message, from the raw table (the failed request never told the producer its id). */
async function storedMessages(): Promise<Record<string, unknown>[]> {
  const { doc, names } = hookline.engines;
  const out = await doc.send(new ScanCommand({ TableName: names.table, FilterExpression: 'kind = :m', ExpressionAttributeValues: { ':m': 'message' } }));
  return out.Items ?? [];
}

describe('intake when the task send fails', () => {
  it('answers 5xx and marks the message without a key as not accepted: GET /v1/messages/{id} says so and lists nothing pending', async () => {
    // Act
    refuseSends = true;
    const failed = await hookline.api('POST', '/v1/events', { type: 'order.created', tenant: 'shop-1', payload: { n: 1 } });
    const keyed = await hookline.invoke('POST', '/v1/events', { body: { type: 'order.created', tenant: 'shop-1', payload: { n: 2 } }, headers: { 'idempotency-key': 'k-2' } });
    refuseSends = false;
    const retried = await hookline.invoke('POST', '/v1/events', { body: { type: 'order.created', tenant: 'shop-1', payload: { n: 2 } }, headers: { 'idempotency-key': 'k-2' } });
    const accepted = await hookline.api('POST', '/v1/events', { type: 'order.created', tenant: 'shop-1', payload: { n: 3 } });

    // Assess
    expect(failed.status).toBeGreaterThanOrEqual(500);
    expect(failed.headers['content-type']).toContain('application/problem+json');
    expect(keyed.status).toBeGreaterThanOrEqual(500);
    expect(retried.status).toBe(202);
    expect(accepted.status).toBe(202);
    const items = await storedMessages();
    const byN = (n: number) => items.find((m) => JSON.parse(String(m.payloadJson)).n === n)!;
    expect(items).toHaveLength(3);
    const notAccepted = await hookline.api('GET', `/v1/messages/${String(byN(1).id)}`);
    expect(notAccepted.status).toBe(200);
    expect(notAccepted.json).toMatchObject({
      intakeFailed: { at: expect.any(String), reason: expect.stringContaining('its tasks could not be queued') },
      deliveries: [],
    });
    // A keyed message is completed by the retry with its key; an accepted one shows its delivery pending.
    for (const n of [2, 3]) {
      const view = await hookline.api('GET', `/v1/messages/${String(byN(n).id)}`);
      expect(view.json).not.toHaveProperty('intakeFailed');
      expect(view.json.deliveries).toEqual([expect.objectContaining({ status: 'pending', attemptCount: 0 })]);
    }
  });
});
