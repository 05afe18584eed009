/**
 * The common shape of a fault scenario: subscriptions pointing at the fault receiver, a burst of
 * events, the (message, subscription) pairs they fan out to, and a bounded wait until the API
 * reports every pair delivered.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { GetQueueUrlCommand, PurgeQueueCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, expect, inject } from 'vitest';
import { createSqsClient } from '../../lambdas/adapters/aws-clients.js';
import { clientConfig, resourceNamesFor } from '../../local/engines.js';
import type { Pair } from './fault-reconcile.js';
import { startFaultReceiver, type FaultReceiver, type FaultReceiverOptions } from './fault-receiver.js';

/** The public API, however reached (child process over HTTP or handlers in process). */
export type Api = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<{ status: number; body: any }>;

export interface ScenarioSubscription {
  id: string;
  path: string;
}

/** Every fault scenario's subscriptions: retries forever-ish and never disabled, so only Hookline can lose a delivery. */
export const PATIENT_SUBSCRIPTION = {
  retryPolicy: { type: 'fixed', delays: Array.from({ length: 20 }, () => 1) },
  failurePolicy: { afterConsecutiveFailures: null, action: 'none' },
};

/** The API of whichever local instance is current (a test restarts local mode under the same `Api`). */
export const apiOf =
  (instance: () => { api: Api } | undefined): Api =>
  (method, path, body, headers) =>
    instance()!.api(method, path, body, headers);

/** A subscription with `preset`'s own policies (retries, failure policy) at `{receiverUrl}/hooks/{preset}`. */
export async function subscribePreset(api: Api, receiverUrl: string, preset: string): Promise<ScenarioSubscription> {
  const path = `/hooks/${preset}`;
  const r = await api('POST', '/v1/subscriptions', { url: `${receiverUrl}${path}`, eventTypes: ['order.created'], preset });
  if (r.status !== 201) throw new Error(`subscription ${preset}: ${r.status} ${JSON.stringify(r.body)}`);
  return { id: r.body.id, path };
}

export async function subscribe(api: Api, receiverUrl: string, names: readonly string[], extra: Record<string, unknown> = {}): Promise<ScenarioSubscription[]> {
  const subs: ScenarioSubscription[] = [];
  for (const name of names) {
    const path = `/hooks/${name}`;
    const r = await api('POST', '/v1/subscriptions', { url: `${receiverUrl}${path}`, eventTypes: ['order.created'], ...PATIENT_SUBSCRIPTION, ...extra });
    if (r.status !== 201) throw new Error(`subscription ${name}: ${r.status} ${JSON.stringify(r.body)}`);
    subs.push({ id: r.body.id, path });
  }
  return subs;
}

/**
 * Posts `count` events, `parallel` at a time, each with an idempotency key and retried on a 5xx
 * (as a producer would), and returns the pairs they fan out to.
 */
export async function publish(api: Api, count: number, subs: readonly ScenarioSubscription[], options: { parallel?: number; label?: string; type?: string } = {}): Promise<Pair[]> {
  const pairs: Pair[] = [];
  let next = 0;
  const label = options.label ?? `e${Date.now().toString(36)}`;
  const lane = async () => {
    while (next < count) {
      const n = next++;
      for (let tries = 0; ; tries++) {
        const r = await api('POST', '/v1/events', { type: options.type ?? 'order.created', payload: { n, label } }, { 'idempotency-key': `${label}-${n}` });
        if (r.status === 202) {
          if (r.body.deliveryCount !== subs.length) throw new Error(`event ${n} fanned out to ${r.body.deliveryCount} subscriptions`);
          for (const s of subs) pairs.push({ messageId: r.body.messageId, subscriptionId: s.id, path: s.path, ...(tries > 0 && { producerRetried: true }) });
          break;
        }
        if (r.status < 500 || tries >= 50) throw new Error(`event ${n}: ${r.status} ${JSON.stringify(r.body)}`);
        await sleep(100);
      }
    }
  };
  await Promise.all(Array.from({ length: options.parallel ?? 8 }, lane));
  return pairs;
}

/** How long past its `nextAttemptAt` a pending delivery may stay unattempted before it counts as stuck. */
const OVERDUE_GRACE_MS = 30_000;

/**
 * Polls the API until every pair's delivery is `succeeded`; returns the messages that are not, with
 * their deliveries. Waits `timeoutMs`, and beyond it only for deliveries whose next attempt is
 * still scheduled (until `OVERDUE_GRACE_MS` past it, at most `timeoutMs` more): a retry the
 * schedule puts after the deadline is not stuck, one overdue by more than the grace is.
 */
export async function waitAllSucceeded(api: Api, pairs: readonly Pair[], timeoutMs: number): Promise<string[]> {
  const messageIds = [...new Set(pairs.map((p) => p.messageId))];
  const done = new Set<string>();
  const started = Date.now();
  const [end, hardEnd] = [started + timeoutMs, started + 2 * timeoutMs];
  for (;;) {
    let scheduledUntil = 0;
    for (const id of messageIds) {
      if (done.has(id)) continue;
      const r = await api('GET', `/v1/messages/${id}`);
      const deliveries = (r.body?.deliveries ?? []) as { status: string; nextAttemptAt?: string }[];
      if (r.status === 200 && deliveries.every((d) => d.status === 'succeeded')) done.add(id);
      for (const d of deliveries) if (d.status === 'pending' && d.nextAttemptAt !== undefined) scheduledUntil = Math.max(scheduledUntil, Date.parse(d.nextAttemptAt) + OVERDUE_GRACE_MS);
    }
    const now = Date.now();
    if (done.size === messageIds.length || (now > end && (now > scheduledUntil || now > hardEnd))) {
      const stuck: string[] = [];
      for (const id of messageIds.filter((m) => !done.has(m))) stuck.push(`${id}: ${JSON.stringify((await api('GET', `/v1/messages/${id}`)).body?.deliveries)}`);
      return stuck;
    }
    await sleep(250);
  }
}

/**
 * Empties the deliveries queue of a local instance that ran on the shared engines under
 * `resourcePrefix`: what restarting local mode does to its queue, which lives in memory (fauxqs),
 * while the table keeps every delivery and schedule.
 */
export async function loseQueue(resourcePrefix: string): Promise<void> {
  const engines = inject('engines');
  const sqs = createSqsClient(clientConfig(engines.sqsEndpoint, engines));
  try {
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: resourceNamesFor(resourcePrefix).queue }));
    await sqs.send(new PurgeQueueCommand({ QueueUrl }));
  } finally {
    sqs.destroy();
  }
}

/** An outage scenario: the receiver answers 503 while `failing`, 200 once the test clears it. */
export interface Outage {
  /** Started before all tests. */
  readonly receiver: FaultReceiver;
  failing: boolean;
}

/** Whatever a scenario starts and must stop after all (local mode, the in-process runtime). */
type Stoppable = { stop(): Promise<unknown> } | undefined;

/**
 * Starts the scenario's fault receiver before all tests and, after all, stops what `started`
 * returns (what the test got to start) and closes the receiver.
 */
export function useFaultReceiver(options: FaultReceiverOptions, started: () => readonly Stoppable[]): { readonly receiver: FaultReceiver } {
  let receiver: FaultReceiver | undefined;
  beforeAll(async () => {
    receiver = await startFaultReceiver(options);
  });
  afterAll(async () => {
    for (const instance of started()) await instance?.stop();
    await receiver?.close();
  });
  return {
    get receiver() {
      if (!receiver) throw new Error('the fault receiver starts in beforeAll');
      return receiver;
    },
  };
}

/** useFaultReceiver for an outage: 503 while `failing`, 200 once the test clears it. */
export function useOutage(started: () => readonly Stoppable[]): Outage {
  const subscriber = useFaultReceiver({ decide: () => (outage.failing ? { kind: '5xx' } : { kind: 'ok' }) }, started);
  const outage = {
    get receiver() {
      return subscriber.receiver;
    },
    failing: true,
  };
  return outage;
}

/** After an outage: every pair delivered (`succeeded`), and every subscription `active` with its failure streak back at 0. */
export async function expectRecovered(api: Api, pairs: readonly Pair[], subs: readonly ScenarioSubscription[]): Promise<void> {
  expect(await waitAllSucceeded(api, pairs, 120_000)).toEqual([]);
  for (const sub of subs) {
    const r = await api('GET', `/v1/subscriptions/${sub.id}`);
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('active');
    expect(r.body.health.failureStreak.count).toBe(0);
  }
}
