/**
 * Fault: a receiver that answers random 5xx, never answers (timeouts), resets connections and
 * trickles its bodies, up to three times per (message, subscription) before it behaves. Every
 * pair must end delivered, and a pair acknowledged once must not be delivered again (beyond
 * answers that completed right at the sender's timeout, which the sender may have given up on).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startLocal, type LocalInstance } from '../harness.js';
import { seededRandom, startFaultReceiver, type Behaviour, type FaultReceiver } from '../../support/fault-receiver.js';
import { expectNothingLost, reconcile, report, statusReader } from '../../support/fault-reconcile.js';
import { publish, subscribe, waitAllSucceeded, type Api } from '../../support/fault-scenario.js';

const EVENTS = 60;
const TIMEOUT_MS = 1000;
let receiver: FaultReceiver;
let local: LocalInstance | undefined;

/** Faults first (0-3 per pair, seeded), then a success: plain, or a body trickling well within the timeout. */
function chaos(seed: number): (request: { messageId: string; path: string; seenBefore: number }) => Behaviour {
  const random = seededRandom(seed);
  const faultsFor = new Map<string, number>();
  return ({ messageId, path, seenBefore }) => {
    const key = `${messageId}|${path}`;
    if (!faultsFor.has(key)) faultsFor.set(key, [0, 1, 1, 2, 2, 3][Math.floor(random() * 6)]!);
    const r = random();
    if (seenBefore < faultsFor.get(key)!) {
      if (r < 0.35) return { kind: '5xx' };
      if (r < 0.55) return { kind: 'timeout' };
      if (r < 0.8) return { kind: 'reset' };
      return { kind: 'slow-body', chunks: 12, gapMs: 200 }; // ends long after the sender's timeout
    }
    return r < 0.6 ? { kind: 'ok' } : { kind: 'slow-body', chunks: 4, gapMs: 40 };
  };
}

beforeAll(async () => {
  receiver = await startFaultReceiver({ decide: chaos(42), holdMs: TIMEOUT_MS * 3 });
  local = await startLocal({ timeScale: 50 });
});

afterAll(async () => {
  await local?.stop();
  await receiver?.close();
});

it('delivers every pair through 5xx, timeouts, resets and slow bodies', async () => {
  const startedAt = Date.now();
  const api: Api = (method, path, body, headers) => local!.api(method, path, body, headers);
  const subs = await subscribe(api, receiver.url, ['a', 'b'], { timeoutMs: TIMEOUT_MS });
  const pairs = await publish(api, EVENTS, subs);
  const stuck = await waitAllSucceeded(api, pairs, 90_000);
  if (stuck.length > 0) {
    const ids = new Set(stuck.map((line) => line.slice(0, line.indexOf(':'))));
    const seen = receiver.arrivals.filter((a) => ids.has(a.messageId)).map((a) => ({ ...a, at: a.at - startedAt, ackedAt: a.ackedAt === undefined ? undefined : a.ackedAt - startedAt }));
    console.log(`stuck: ${JSON.stringify(seen)}\nlocal output:\n${local!.output().split('\n').filter((l) => /ERROR|WARN|error/i.test(l)).slice(-40).join('\n')}`);
  }
  expect(stuck).toEqual([]);

  const result = await reconcile(pairs, receiver.arrivals, statusReader(api), {
    scenario: 'receiver 5xx/timeouts/resets/slow bodies',
    startedAt,
    // An answer that completed after half the timeout may have reached a sender that already gave up.
    explained: (_pair, first) => (first.ackedAt ?? first.at) - first.at > TIMEOUT_MS / 2,
  });
  const faults = Object.fromEntries(['5xx', 'timeout', 'reset', 'slow-body', 'ok'].map((k) => [k, receiver.arrivals.filter((a) => a.behaviour === k).length]));
  report(result);
  console.log(`[reliability] receiver chaos: requests by behaviour ${JSON.stringify(faults)}`);
  expect(faults['5xx']).toBeGreaterThan(0);
  expect(faults.timeout).toBeGreaterThan(0);
  expect(faults.reset).toBeGreaterThan(0);
  expectNothingLost(result, pairs.length);
}, 150_000);

