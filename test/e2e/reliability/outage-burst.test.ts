/**
 * Issue 18's first defect, end to end: one endpoint answers 503 for a few seconds while a burst of
 * events arrives for a `shopify`-preset and a `standard`-preset subscription. The failure streak
 * is long in count but short in time, so neither policy may act: after recovery every delivery is
 * `succeeded` and both subscriptions `active`.
 */
import { expect, it } from 'vitest';
import { startLocal, type LocalInstance } from '../harness.js';
import { apiOf, expectRecovered, publish, subscribePreset, useOutage } from '../../support/fault-scenario.js';

const EVENTS = 60; // × 2 subscriptions = 120 deliveries
/** The endpoint recovers once this many attempts have failed: past both presets' counts (19, 50). */
const FAILED_IN_OUTAGE = 60;
let first: LocalInstance | undefined;
const outage = useOutage(() => [first]);

it('a burst during a short outage ends with every delivery succeeded and every subscription active', async () => {
  first = await startLocal({ timeScale: 100 });
  const api = apiOf(() => first);
  const subs = [await subscribePreset(api, outage.receiver.url, 'shopify'), await subscribePreset(api, outage.receiver.url, 'standard')];
  const outageStartedAt = Date.now();
  const pairs = await publish(api, EVENTS, subs, { parallel: 8 });
  expect(pairs.length).toBeGreaterThanOrEqual(100);

  const end = Date.now() + 60_000;
  while (outage.receiver.arrivals.length < FAILED_IN_OUTAGE && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  const failedInOutage = outage.receiver.arrivals.length;
  outage.failing = false;
  const outageMs = Date.now() - outageStartedAt;

  await expectRecovered(api, pairs, subs);
  const failed = outage.receiver.arrivals.filter((a) => !a.acked).length;
  console.log(`[reliability] outage burst: ${pairs.length} deliveries, outage ${outageMs} ms, ${failedInOutage} failed in the outage, ${failed} failed in all, ${outage.receiver.arrivals.length} requests`);
  // The streak crossed both presets' counts (19 and 50) without acting.
  expect(failedInOutage).toBeGreaterThanOrEqual(FAILED_IN_OUTAGE);
  expect(outage.receiver.arrivals.every((a) => a.acked || a.behaviour === '5xx')).toBe(true);
}, 180_000);
