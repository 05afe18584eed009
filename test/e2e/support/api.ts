/** Small steps every e2e test repeats against the public API, each asserting what it relies on. */
import { expect } from 'vitest';
import { eventually, type ApiResponse } from '../harness.js';
import type { CheckedApi } from './openapi.js';

export interface CreatedSubscription {
  id: string;
  secret: string;
  [field: string]: any;
}

/** POST /v1/subscriptions, expecting 201. */
export async function createSubscription(api: CheckedApi, body: Record<string, unknown>): Promise<CreatedSubscription> {
  const res = await api<CreatedSubscription>('POST', '/v1/subscriptions', body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

export interface Accepted {
  messageId: string;
  routing: 'tenant' | 'fallback' | 'unrouted';
  deliveryCount: number;
}

/** POST /v1/events, expecting 202. */
export async function postEvent(api: CheckedApi, event: Record<string, unknown>, headers?: Record<string, string>): Promise<Accepted> {
  const res = await api<Accepted>('POST', '/v1/events', event, headers);
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return res.body;
}

/** A problem+json answer with `status`; when `fields` is given, exactly those fields are named. */
export function expectProblem(res: ApiResponse, status: number, fields?: string[]): void {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status, title: expect.any(String), detail: expect.any(String) });
  if (fields !== undefined) {
    const named = ((res.body as { errors?: { field: string }[] }).errors ?? []).map((e) => e.field);
    expect([...new Set(named)].sort()).toEqual([...fields].sort());
  }
}

export interface DeliveryView {
  id: string;
  status: string;
  attemptCount: number;
  nextAttemptAt?: string;
  reason?: string;
  attempts: { attempt: number; startedAt: string; endedAt: string; statusCode?: number; outcome: string; reason?: string; nextAttemptAt?: string; responseExcerpt?: string }[];
}

/**
 * The one delivery of a message (GET /v1/messages/{id} then /v1/deliveries/{id}). A delivery is
 * recorded when its first attempt ends; until then the message lists it as pending (attempts: []).
 */
export async function deliveryOf(api: CheckedApi, messageId: string): Promise<DeliveryView> {
  const message = await api<{ deliveries: { id: string; status: string; attemptCount: number }[] }>('GET', `/v1/messages/${messageId}`);
  expect(message.status).toBe(200);
  expect(message.body.deliveries).toHaveLength(1);
  const listed = message.body.deliveries[0]!;
  const res = await api<DeliveryView>('GET', `/v1/deliveries/${listed.id}`);
  if (res.status === 404 && listed.status === 'pending' && listed.attemptCount === 0) return { ...listed, attempts: [] };
  expect(res.status).toBe(200);
  return res.body;
}

/** Polls the message's single delivery until it reaches `status`. */
export function deliveryReaching(api: CheckedApi, messageId: string, status: string, timeoutMs = 20_000): Promise<DeliveryView> {
  return eventually(() => deliveryOf(api, messageId), (d) => d.status === status, timeoutMs, `delivery of ${messageId} to be ${status}`);
}
