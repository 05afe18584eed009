/**
 * Fault: local mode is killed (SIGKILL, no shutdown) while dozens of deliveries are in flight,
 * then started again on the same table; its in-memory queue is lost with the process. The startup
 * sweep re-enqueues what was pending. Nothing may be lost; duplicates are allowed only for pairs
 * acknowledged before the kill (but not yet recorded) and delivered again after it.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startLocal, type LocalInstance } from '../harness.js';
import { seededRandom, startFaultReceiver, type FaultReceiver } from '../../support/fault-receiver.js';
import { expectNothingLost, reconcile, report, statusReader } from '../../support/fault-reconcile.js';
import { loseQueue, publish, subscribe, waitAllSucceeded, type Api } from '../../support/fault-scenario.js';

const EVENTS = 100;
let receiver: FaultReceiver;
/**
 * Before the kill the receiver acknowledges the first quarter of the pairs, then holds every
 * request unanswered, so the kill always finds deliveries in flight; after it, it answers at once.
 */
let mode: 'before kill' | 'after kill' = 'before kill';
const ACK_BEFORE_KILL = (EVENTS * 2) / 4;
let first: LocalInstance | undefined;
let second: LocalInstance | undefined;

beforeAll(async () => {
  const random = seededRandom(7);
  let answered = 0;
  receiver = await startFaultReceiver({
    decide: () => {
      if (mode === 'after kill') return { kind: 'ok' };
      return answered++ < ACK_BEFORE_KILL ? { kind: 'ok', delayMs: 50 + Math.floor(random() * 200) } : { kind: 'hold' };
    },
  });
});

afterAll(async () => {
  await first?.stop();
  await second?.stop();
  await receiver?.close();
});

async function until(check: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 30_000;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const apiOf =
  (instance: () => LocalInstance): Api =>
  (method, path, body, headers) =>
    instance().api(method, path, body, headers);

it('loses nothing when the worker is killed mid-batch and restarted', async () => {
  const startedAt = Date.now();
  first = await startLocal({ timeScale: 100 });
  const subs = await subscribe(apiOf(() => first!), receiver.url, ['a', 'b']);
  const pairs = await publish(apiOf(() => first!), EVENTS, subs);
  expect(pairs).toHaveLength(EVENTS * subs.length);

  // Kill once a quarter is acknowledged and more is on the wire, unanswered.
  await receiver.waitForAcks(ACK_BEFORE_KILL, 60_000);
  await until(() => receiver.held() >= 5, 'requests in flight');
  const inFlight = receiver.held();
  const killedAt = Date.now();
  process.kill(-first.pid, 'SIGKILL');
  const killed = await first.stop();
  expect(killed.signal).toBe('SIGKILL');
  const ackedBeforeKill = receiver.acked();
  mode = 'after kill';
  await loseQueue(first.resourcePrefix!);

  second = await startLocal({ timeScale: 100, resourcePrefix: first.resourcePrefix! });
  const api = apiOf(() => second!);
  expect(await waitAllSucceeded(api, pairs, 60_000)).toEqual([]);

  const result = await reconcile(pairs, receiver.arrivals, statusReader(api), {
    scenario: 'worker killed mid-batch',
    startedAt,
    // The crash window: acknowledged before the kill, not yet recorded, delivered again after it.
    explained: (_pair, firstAck, dup) => firstAck.at <= killedAt && dup.at > killedAt,
  });
  report(result);
  console.log(`[reliability] kill: ${inFlight} requests in flight and ${ackedBeforeKill}/${pairs.length} acknowledged at the kill`);
  expect(inFlight).toBeGreaterThan(0);
  expect(ackedBeforeKill).toBeLessThan(pairs.length);
  expectNothingLost(result, pairs.length);
}, 150_000);
