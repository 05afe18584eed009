/**
 * Fault: local mode is stopped while every delivery waits for its retry, and started again on
 * the same table. Its queue lives in memory and is lost, so the near retries (SQS delays) come
 * back through the startup sweep; the far ones (persisted schedules) fire from the table. The
 * receiver fails everything until the restart: all must arrive after it.
 */
import { expect, it } from 'vitest';
import { startLocal, type LocalInstance } from '../harness.js';
import { expectNothingLost, reconcile, report, statusReader } from '../../support/fault-reconcile.js';
import { loseQueue, publish, subscribe, useOutage, waitAllSucceeded, type Api } from '../../support/fault-scenario.js';

const EVENTS = 30;
/** Retry delays ÷ 200: 600 s → 3 s on the queue, 1800 s → 9 s through a persisted schedule. */
const TIME_SCALE = 200;
const retries = (seconds: number) => ({ type: 'fixed', delays: Array.from({ length: 20 }, () => seconds) });
let first: LocalInstance | undefined;
let second: LocalInstance | undefined;
const outage = useOutage(() => [first, second]);

it('delivers retries that were pending across a restart', async () => {
  const startedAt = Date.now();
  first = await startLocal({ timeScale: TIME_SCALE });
  const firstApi: Api = (method, path, body, headers) => first!.api(method, path, body, headers);
  const near = await subscribe(firstApi, outage.receiver.url, ['near'], { retryPolicy: retries(600) });
  const far = await subscribe(firstApi, outage.receiver.url, ['far'], { retryPolicy: retries(1800) });
  const pairs = await publish(firstApi, EVENTS, [...near, ...far]);

  // Stop once every delivery has failed at least once and waits for a retry.
  const pendingRetries = async () => {
    let n = 0;
    for (const id of new Set(pairs.map((p) => p.messageId))) {
      const r = await firstApi('GET', `/v1/messages/${id}`);
      n += (r.body.deliveries as { status: string; attemptCount: number }[]).filter((d) => d.status === 'pending' && d.attemptCount >= 1).length;
    }
    return n;
  };
  const end = Date.now() + 60_000;
  let pendingAtStop = 0;
  while ((pendingAtStop = await pendingRetries()) < pairs.length && Date.now() < end) await new Promise((r) => setTimeout(r, 200));
  const deliveredBeforeStop = outage.receiver.acked();
  await first.stop();
  const stoppedAt = Date.now();
  await loseQueue(first.resourcePrefix!);

  outage.failing = false;
  second = await startLocal({ timeScale: TIME_SCALE, resourcePrefix: first.resourcePrefix! });
  const restartMs = Date.now() - stoppedAt;
  const api: Api = (method, path, body, headers) => second!.api(method, path, body, headers);
  expect(await waitAllSucceeded(api, pairs, 60_000)).toEqual([]);
  const recovered = Number(/Recovered (\d+) pending deliveries/.exec(second.output())?.[1] ?? 0);

  const result = await reconcile(pairs, outage.receiver.arrivals, statusReader(api), { scenario: 'restart with pending retries', startedAt });
  report(result);
  const afterRestart = (path: string) => outage.receiver.arrivals.filter((a) => a.acked && a.path === path && a.at > stoppedAt).length;
  console.log(
    `[reliability] restart: ${pendingAtStop} retries pending at the stop (${deliveredBeforeStop} delivered before), restart took ${restartMs} ms, ${recovered} re-enqueued by the sweep; after it ${afterRestart(near[0]!.path)} near and ${afterRestart(far[0]!.path)} far retries arrived`,
  );
  expect(pendingAtStop).toBe(pairs.length);
  expect(recovered).toBeGreaterThan(0);
  expect(deliveredBeforeStop).toBe(0);
  expect(afterRestart(near[0]!.path)).toBe(EVENTS);
  expect(afterRestart(far[0]!.path)).toBe(EVENTS);
  expectNothingLost(result, pairs.length);
}, 170_000);
