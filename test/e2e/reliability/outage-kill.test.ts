/**
 * Issue 18's outage, with a crash in the middle: one endpoint answers 503 while a burst of events
 * fans out to a `shopify`- and a `standard`-preset subscription; local mode is killed (SIGKILL)
 * during the outage, once retries wait in due-minute buckets and some buckets were already swept,
 * and started again on the same table with its in-memory queue lost. The outage then ends. Every
 * delivery must end `succeeded` and both subscriptions `active`: the startup recovery must re-send
 * every pending retry whose task died with the queue, whatever bucket item it left behind.
 */
import { expect, it } from 'vitest';
import { startLocal, type LocalInstance } from '../harness.js';
import { apiOf, expectRecovered, loseQueue, publish, subscribePreset, useOutage } from '../../support/fault-scenario.js';

const EVENTS = 100; // × 2 subscriptions = 200 deliveries
/**
 * Kill once the outage has lasted this long (time scale 100): `standard` retries past 9 s wait in
 * due-minute buckets, and the 5th attempts (due ≈ 24 s in) are being swept onto the queue, so
 * some retries are on the queue while their bucket items remain.
 */
const KILL_AFTER_OUTAGE_MS = 24_000;
/** The outage goes on this long after the restart, so recovered retries fail once more too. */
const OUTAGE_AFTER_RESTART_MS = 2_000;
let first: LocalInstance | undefined;
let second: LocalInstance | undefined;
const outage = useOutage(() => [first, second]);

it('a burst during a short outage with local mode killed in it ends with every delivery succeeded and every subscription active', async () => {
  first = await startLocal({ timeScale: 100 });
  const subs = [await subscribePreset(apiOf(() => first), outage.receiver.url, 'shopify'), await subscribePreset(apiOf(() => first), outage.receiver.url, 'standard')];
  const outageStartedAt = Date.now();
  const pairs = await publish(apiOf(() => first), EVENTS, subs, { parallel: 8 });
  expect(pairs.length).toBeGreaterThanOrEqual(100);

  const killAt = outageStartedAt + KILL_AFTER_OUTAGE_MS;
  while (Date.now() < killAt) await new Promise((r) => setTimeout(r, 50));
  const failedBeforeKill = outage.receiver.arrivals.length;
  process.kill(-first.pid, 'SIGKILL');
  expect((await first.stop()).signal).toBe('SIGKILL');
  await loseQueue(first.resourcePrefix!);

  second = await startLocal({ timeScale: 100, resourcePrefix: first.resourcePrefix! });
  await new Promise((r) => setTimeout(r, OUTAGE_AFTER_RESTART_MS));
  // Printed just after the ready line, so read once the restart has settled.
  const recovered = /Recovered (\d+) pending deliveries/.exec(second.output())?.[1] ?? '0';
  outage.failing = false;
  const outageMs = Date.now() - outageStartedAt;

  const api = apiOf(() => second);
  await expectRecovered(api, pairs, subs);
  const failed = outage.receiver.arrivals.filter((a) => !a.acked).length;
  console.log(
    `[reliability] outage burst with a kill: ${pairs.length} deliveries, outage ${outageMs} ms, ${failedBeforeKill} failed before the kill, ` +
      `${recovered} recovered at restart, ${failed} failed in all, ${outage.receiver.arrivals.length} requests`,
  );
  // The kill came well into the streak (past both presets' counts, 19 and 50).
  expect(failedBeforeKill).toBeGreaterThanOrEqual(60);
  expect(outage.receiver.arrivals.every((a) => a.acked || a.behaviour === '5xx')).toBe(true);
}, 360_000);
