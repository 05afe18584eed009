/**
 * The end of every fault scenario: each (message, subscription) pair the API accepted is checked
 * against the receiver's ledger and against the API's own record of the delivery.
 * delivered = acknowledged at least once and `succeeded`; lost = anything else (must be 0);
 * duplicates = acknowledgements beyond the first, split into those a crash or an injected fault
 * explains and the rest (bounded at 0.1 % of deliveries).
 */
import { expect } from 'vitest';
import type { Arrival } from './fault-receiver.js';

export interface Pair {
  messageId: string;
  subscriptionId: string;
  /** The receiver path of that subscription's URL. */
  path: string;
  /** The producer got a 5xx for this event and sent it again (same idempotency key). */
  producerRetried?: boolean;
}

export interface Reconciliation {
  scenario: string;
  pairs: number;
  delivered: number;
  lost: number;
  /** Acknowledgements beyond the first, all of them. */
  duplicates: number;
  /** Those explained by a crash window or an injected fault. */
  explainedDuplicates: number;
  /** The rest: must stay ≤ 0.1 % of deliveries. */
  unexplainedDuplicates: number;
  /** Requests the receiver got (including failed ones) and requests for pairs nobody expected. */
  requests: number;
  unexpected: number;
  durationMs: number;
  lostPairs: string[];
}

export type DeliveryStatusReader = (messageId: string) => Promise<Map<string, string>>;

export interface ReconcileOptions {
  scenario: string;
  startedAt: number;
  /** Whether the duplicate acknowledgement `dup` of a pair (after `first`) is explained by a crash/fault. */
  explained?: (pair: Pair, first: Arrival, dup: Arrival) => boolean;
}

const key = (messageId: string, path: string) => `${messageId}|${path}`;

/** Reads, for one message, the status of each of its deliveries by subscription id (GET /v1/messages/{id}). */
export function statusReader(api: (method: string, path: string) => Promise<{ status: number; body: any }>): DeliveryStatusReader {
  return async (messageId) => {
    const r = await api('GET', `/v1/messages/${messageId}`);
    if (r.status !== 200) return new Map();
    return new Map((r.body.deliveries as { subscriptionId: string; status: string }[]).map((d) => [d.subscriptionId, d.status]));
  };
}

export async function reconcile(pairs: readonly Pair[], arrivals: readonly Arrival[], readStatuses: DeliveryStatusReader, options: ReconcileOptions): Promise<Reconciliation> {
  const acks = new Map<string, Arrival[]>();
  for (const a of arrivals) {
    if (!a.acked) continue;
    const list = acks.get(key(a.messageId, a.path)) ?? [];
    list.push(a);
    acks.set(key(a.messageId, a.path), list);
  }
  const expected = new Set(pairs.map((p) => key(p.messageId, p.path)));
  const statuses = new Map<string, Map<string, string>>();
  for (const messageId of new Set(pairs.map((p) => p.messageId))) statuses.set(messageId, await readStatuses(messageId));

  let delivered = 0;
  let duplicates = 0;
  let explainedDuplicates = 0;
  const lostPairs: string[] = [];
  for (const pair of pairs) {
    const got = (acks.get(key(pair.messageId, pair.path)) ?? []).sort((a, b) => a.at - b.at);
    const status = statuses.get(pair.messageId)?.get(pair.subscriptionId);
    if (got.length === 0 || status !== 'succeeded') {
      lostPairs.push(`${pair.messageId}→${pair.subscriptionId} (acks ${got.length}, status ${status ?? 'missing'})`);
      continue;
    }
    delivered += 1;
    for (const dup of got.slice(1)) {
      duplicates += 1;
      if (options.explained?.(pair, got[0]!, dup)) explainedDuplicates += 1;
    }
  }
  return {
    scenario: options.scenario,
    pairs: pairs.length,
    delivered,
    lost: lostPairs.length,
    duplicates,
    explainedDuplicates,
    unexplainedDuplicates: duplicates - explainedDuplicates,
    requests: arrivals.length,
    unexpected: arrivals.filter((a) => !expected.has(key(a.messageId, a.path))).length,
    durationMs: Date.now() - options.startedAt,
    lostPairs: lostPairs.slice(0, 20),
  };
}

/** One line per scenario in the test output, for the reliability report. */
export function report(result: Reconciliation): void {
  const { lostPairs, ...figures } = result;
  console.log(`[reliability] ${JSON.stringify(figures)}${lostPairs.length > 0 ? ` lost: ${lostPairs.join('; ')}` : ''}`);
}

/** At most 0.1 % of deliveries may be unexplained duplicates. */
export function duplicateBudget(delivered: number): number {
  return Math.floor(delivered / 1000);
}

/**
 * The verdict every loss scenario shares: nothing lost, every pair delivered, no request nobody
 * expected, unexplained duplicates within the budget.
 */
export function expectNothingLost(result: Reconciliation, pairCount: number): void {
  expect(result.lost, result.lostPairs.join('\n')).toBe(0);
  expect(result.delivered).toBe(pairCount);
  expect(result.unexpected).toBe(0);
  expect(result.unexplainedDuplicates).toBeLessThanOrEqual(duplicateBudget(result.delivered));
}
