/**
 * Fault: writes land out of order. Intake's delivery writes are slowed down (DynamoDB latency),
 * so the worker runs first attempts before the delivery items exist; each event goes to a slow
 * endpoint and a flaky one in the same batch, so the flaky retry succeeds in another batch while
 * the first is still waiting on the slow answer. The first batch's late write must not roll the
 * succeeded delivery back to `pending` (nothing would ever run it again).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, expect, it } from 'vitest';
import { reconcile, report, statusReader, type Pair } from '../../support/fault-reconcile.js';
import { scenarioApi, startInProcess, type InProcessHookline } from '../../support/fault-runtime.js';
import { publish, subscribe, useFaultReceiver, waitAllSucceeded, type Api } from '../../support/fault-scenario.js';

/** Events per round: few, so pollers stay free to run the retries. */
const PER_ROUND = 2;
let h: InProcessHookline;
const subscriber = useFaultReceiver({
  decide: ({ path, seenBefore }) => (path.endsWith('/slow') ? { kind: 'ok', delayMs: 2500 } : seenBefore === 0 ? { kind: '5xx' } : { kind: 'ok' }),
}, () => [h]);

beforeAll(async () => {
  h = await startInProcess({
    label: 'overtaken',
    timeScale: 50,
    onDynamoClient: (client) =>
      client.middlewareStack.add(
        ((next: (args: unknown) => Promise<unknown>) => async (args: { input?: Record<string, unknown> }) => {
          // Intake's "create if missing" delivery writes take 3 s to land.
          if (args.input?.ConditionExpression === 'attribute_not_exists(pk)' && JSON.stringify(args.input).includes('DLV#')) await sleep(3000);
          return next(args);
        }) as never,
        { step: 'initialize', name: 'hooklineSlowCreates' },
      ),
  });
}, 60_000);

it('never rolls a succeeded delivery back when an older write lands late', async () => {
  const startedAt = Date.now();
  const api = scenarioApi(h);
  const subs = await subscribe(api, subscriber.receiver.url, ['slow', 'flaky']);
  const overtaken = (p: Pair) => {
    const slow = subscriber.receiver.arrivals.find((a) => a.messageId === p.messageId && a.path.endsWith('/slow'));
    const retry = subscriber.receiver.arrivals.find((a) => a.messageId === p.messageId && a.path === p.path && a.acked);
    return p.path.endsWith('/flaky') && slow?.ackedAt !== undefined && retry?.ackedAt !== undefined && retry.ackedAt < slow.ackedAt;
  };
  // Rounds until a retry has overtaken its first batch (timing decides; bounded).
  const pairs: Pair[] = [];
  for (let round = 0; round < 5 && !pairs.some(overtaken); round++) {
    const batch = await publish(api, PER_ROUND, subs, { parallel: PER_ROUND });
    expect(await waitAllSucceeded(api, batch, 30_000)).toEqual([]);
    pairs.push(...batch);
  }
  // Past every late write: the state must still be the final one.
  await sleep(3500);
  const result = await reconcile(pairs, subscriber.receiver.arrivals, statusReader(api), { scenario: 'late writes vs. a retry that overtook them', startedAt });
  report(result);
  const overtook = pairs.filter(overtaken).length;
  console.log(`[reliability] overtaken records: ${overtook} of ${pairs.length / 2} retries succeeded before their first batch wrote`);
  expect(overtook).toBeGreaterThan(0);
  expect(result.lost, result.lostPairs.join('\n')).toBe(0);
  expect(result.duplicates).toBe(0);
}, 90_000);
