/**
 * Issue 18 item 2, nothing lost, end to end in local mode: an endpoint's outage makes one
 * subscription's failure policy delete it (softly) and another's disable it. Events keep arriving
 * meanwhile. The deleted one stays readable, owns no route (its events reach nobody, its claim is
 * free) and ends its pending deliveries with the recorded reason; the disabled one pauses them.
 * Once the endpoint is back, each is restored (`enable`) and replayed, and the loopback receiver
 * gets every event each of them missed.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startLocal, type LocalInstance } from '../harness.js';
import { startFaultReceiver, type FaultReceiver } from '../../support/fault-receiver.js';
import { waitAllSucceeded, type Api } from '../../support/fault-scenario.js';
import type { Pair } from '../../support/fault-reconcile.js';

const BEFORE = 5; // events per subscription while its policy acts
const DURING = 5; // events per subscription while it is deleted / disabled
let receiver: FaultReceiver;
let outage = true;
let local: LocalInstance | undefined;

beforeAll(async () => {
  receiver = await startFaultReceiver({ decide: () => (outage ? { kind: '5xx' } : { kind: 'ok' }) });
  // The uniqueness rule on: a deleted subscription must free its claim and take it back when restored.
  local = await startLocal({ timeScale: 100, args: ['--unique-tenant-event'] });
});

afterAll(async () => {
  await local?.stop();
  await receiver?.close();
});

const api: Api = (method, path, body, headers) => local!.api(method, path, body, headers);

async function until<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function subscribe(name: string, eventType: string, action: 'delete' | 'disable'): Promise<{ id: string; path: string; eventType: string }> {
  const path = `/hooks/${name}`;
  const r = await api('POST', '/v1/subscriptions', {
    url: `${receiver.url}${path}`,
    eventTypes: [eventType],
    // Retries 6 s apart (time scale 100): the first attempts of the burst make the streak alone.
    retryPolicy: { type: 'fixed', delays: [600, 600, 600] },
    failurePolicy: { afterConsecutiveFailures: BEFORE, action },
  });
  if (r.status !== 201) throw new Error(`subscription ${name}: ${r.status} ${JSON.stringify(r.body)}`);
  return { id: r.body.id, path, eventType };
}

async function post(type: string, n: number): Promise<{ messageId: string; deliveryCount: number }> {
  const r = await api('POST', '/v1/events', { type, payload: { n } });
  expect(r.status).toBe(202);
  return r.body;
}

const deliveriesOf = async (subscriptionId: string) =>
  (await api('GET', `/v1/deliveries?subscriptionId=${subscriptionId}&limit=100`)).body.items as { id: string; status: string; reason?: string }[];

it('a subscription deleted or disabled by its failure policy, restored and replayed, receives every event it missed', async () => {
  const deleted = await subscribe('deleted', 'order.created', 'delete');
  const disabled = await subscribe('disabled', 'order.paid', 'disable');
  const pairs: Pair[] = [];
  const startedAt = new Date(Date.now() - 1000).toISOString();

  // The outage: each policy acts at the burst's last first attempt.
  for (let n = 0; n < BEFORE; n++) {
    for (const sub of [deleted, disabled]) {
      const { messageId, deliveryCount } = await post(sub.eventType, n);
      expect(deliveryCount).toBe(1);
      pairs.push({ messageId, subscriptionId: sub.id, path: sub.path });
    }
  }
  await until('the policies to act', async () => [(await api('GET', `/v1/subscriptions/${deleted.id}`)).body.status, (await api('GET', `/v1/subscriptions/${disabled.id}`)).body.status], (s) => s[0] === 'deleted' && s[1] === 'disabled');
  // Every delivery of both ends without a pending one left: the deleted one's with the reason.
  const settledDeleted = await until('the deleted subscription to end its deliveries', () => deliveriesOf(deleted.id), (ds) => ds.length === BEFORE && ds.every((d) => d.status !== 'pending'));
  for (const d of settledDeleted) expect(d).toMatchObject({ status: 'dropped', reason: expect.stringMatching(/^subscription_deleted_by_policy: /) });
  await until('the disabled subscription to pause its deliveries', () => deliveriesOf(disabled.id), (ds) => ds.length === BEFORE && ds.every((d) => d.status === 'paused'));

  // Events keep coming while one is deleted and the other disabled.
  for (let n = BEFORE; n < BEFORE + DURING; n++) {
    const toDeleted = await post(deleted.eventType, n);
    expect(toDeleted.deliveryCount).toBe(0); // it owns no route
    pairs.push({ messageId: toDeleted.messageId, subscriptionId: deleted.id, path: deleted.path });
    const toDisabled = await post(disabled.eventType, n);
    expect(toDisabled.deliveryCount).toBe(1);
    pairs.push({ messageId: toDisabled.messageId, subscriptionId: disabled.id, path: disabled.path });
  }
  await until('the new deliveries to pause', () => deliveriesOf(disabled.id), (ds) => ds.length === BEFORE + DURING && ds.every((d) => d.status === 'paused'));

  // Readable, listed only when asked for, and its claim free: another subscription may take the type (then leave it).
  const read = await api('GET', `/v1/subscriptions/${deleted.id}`);
  expect(read.body).toMatchObject({ status: 'deleted', deletedAt: expect.any(String), retainedUntil: expect.any(String) });
  expect(((await api('GET', '/v1/subscriptions')).body.items as { id: string }[]).map((s) => s.id)).not.toContain(deleted.id);
  expect(((await api('GET', '/v1/subscriptions?status=deleted')).body.items as { id: string }[]).map((s) => s.id)).toEqual([deleted.id]);
  const other = await api('POST', '/v1/subscriptions', { url: `${receiver.url}/hooks/other`, eventTypes: [deleted.eventType] });
  expect(other.status).toBe(201);
  expect((await api('POST', `/v1/subscriptions/${deleted.id}/enable`)).status).toBe(409); // the claim is taken now
  expect((await api('DELETE', `/v1/subscriptions/${other.body.id}`)).status).toBe(204);
  expect((await api('POST', `/v1/subscriptions/${deleted.id}/replay`, { since: startedAt })).status).toBe(409); // restore first

  // The endpoint is back: restore and replay both.
  outage = false;
  const ackedBefore = receiver.arrivals.filter((a) => a.acked).length;
  expect(ackedBefore).toBe(0);
  for (const sub of [deleted, disabled]) {
    const enabled = await api('POST', `/v1/subscriptions/${sub.id}/enable`);
    expect(enabled.status).toBe(200);
    expect(enabled.body).toMatchObject({ status: 'active', health: { failureStreak: { count: 0 } } });
  }
  const jobs = [
    await api('POST', `/v1/subscriptions/${deleted.id}/replay`, { since: startedAt }),
    await api('POST', `/v1/subscriptions/${disabled.id}/replay`, { since: startedAt, onlyFailed: true }),
  ];
  for (const job of jobs) {
    expect(job.status).toBe(202);
    await until('the replay to finish', async () => (await api('GET', `/v1/replays/${job.body.id}`)).body, (j) => j.status === 'done');
  }

  // Every missed event delivered: the dropped and the unrouted ones to the restored subscription, the paused ones to the enabled one.
  expect(await waitAllSucceeded(api, pairs, 60_000)).toEqual([]);
  for (const sub of [deleted, disabled]) {
    const received = new Set(receiver.arrivals.filter((a) => a.acked && a.path === sub.path).map((a) => a.messageId));
    expect(received.size).toBe(BEFORE + DURING);
  }
  console.log(
    `[reliability] restore and replay: ${pairs.length} pairs missed (${DURING} unrouted while deleted, ${BEFORE + DURING} paused while disabled), ` +
      `${receiver.arrivals.filter((a) => a.acked).length} delivered after the restore, ${receiver.arrivals.filter((a) => !a.acked).length} failed attempts in the outage`,
  );
}, 180_000);
