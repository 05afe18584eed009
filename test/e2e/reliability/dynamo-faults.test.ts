/**
 * Fault: DynamoDB throttles and fails (a steady rate of SDK attempts, plus short outages that
 * outlast the SDK's retries) and conditional writes fail their condition, under intake and the
 * worker alike. The SDK retries what it can; what surfaces becomes a 503 (the producer retries
 * with its idempotency key) or a partial batch failure (SQS redelivers). Nothing may be lost.
 */
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { beforeAll, expect, it } from 'vitest';
import { injectDynamoFaults, type DynamoFaults } from '../../support/fault-dynamo.js';
import { seededRandom } from '../../support/fault-receiver.js';
import { expectNothingLost, reconcile, report, statusReader } from '../../support/fault-reconcile.js';
import { scenarioApi, startInProcess, type InProcessHookline } from '../../support/fault-runtime.js';
import { publish, subscribe, useFaultReceiver, waitAllSucceeded, type Api } from '../../support/fault-scenario.js';

const EVENTS = 60;
let h: InProcessHookline;
const subscriber = useFaultReceiver({ decide: () => ({ kind: 'ok' }) }, () => [h]);
let faults: DynamoFaults;

beforeAll(async () => {
  h = await startInProcess({
    label: 'dynamo-faults',
    timeScale: 50,
    // Longer than any batch takes even through the SDK's throttling backoff (as Lambda's timeout
    // is shorter than the queue's), yet short enough that failed records come back within the test.
    visibilityTimeoutS: 6,
    onDynamoClient: (client) => {
      faults = injectDynamoFaults(client, { rate: 0.1, conditionalRate: 0.2, outage: { everyMs: 2500, forMs: 500 }, random: seededRandom(11) });
    },
  });
}, 60_000);

it('loses nothing while DynamoDB throttles, fails and refuses conditions', async () => {
  const startedAt = Date.now();
  const api = scenarioApi(h);
  const subs = await subscribe(api, subscriber.receiver.url, ['a', 'b']);
  faults.enable();
  const pairs = await publish(api, EVENTS, subs, { parallel: 6 });
  const stuck = await waitAllSucceeded(api, pairs, 60_000);
  faults.disable();
  const dlq = await h.engines.sqs.send(new GetQueueAttributesCommand({ QueueUrl: h.engines.names.dlqUrl, AttributeNames: ['ApproximateNumberOfMessages'] }));
  expect(stuck, `dead-lettered: ${dlq.Attributes?.ApproximateNumberOfMessages}`).toEqual([]);

  // Pairs whose delivery record failed to land after its attempt: redelivery repeats the request.
  const unrecorded = new Set(faults.surfaced.filter((f) => f.stateWrite).flatMap((f) => f.deliveryIds));
  const deliveryIdOf = async (messageId: string, subscriptionId: string) =>
    ((await api('GET', `/v1/messages/${messageId}`)).body.deliveries as { id: string; subscriptionId: string }[]).find((d) => d.subscriptionId === subscriptionId)?.id;
  const ids = new Map<string, string>();
  for (const p of pairs) ids.set(`${p.messageId}|${p.subscriptionId}`, (await deliveryIdOf(p.messageId, p.subscriptionId)) ?? '');

  const result = await reconcile(pairs, subscriber.receiver.arrivals, statusReader(api), {
    scenario: 'DynamoDB throttling, errors and condition failures',
    startedAt,
    // Explained: the attempt's record did not land (the task ran again), or intake failed midway and
    // the producer's retry enqueued the task again while the first copy was still on its way.
    explained: (pair) => pair.producerRetried === true || unrecorded.has(ids.get(`${pair.messageId}|${pair.subscriptionId}`) ?? ''),
  });
  report(result);
  const surfaced = faults.surfaced.reduce<Record<string, number>>((acc, f) => ({ ...acc, [f.command.replace(/Command$/, '')]: (acc[f.command.replace(/Command$/, '')] ?? 0) + 1 }), {});
  console.log(
    `[reliability] dynamo faults: injected ${JSON.stringify(faults.injected)}; surfaced after SDK retries ${JSON.stringify(surfaced)}; ${new Set(pairs.filter((p) => p.producerRetried).map((p) => p.messageId)).size} events retried by the producer`,
  );
  expect(Object.values(faults.injected).reduce((a, b) => a + b, 0)).toBeGreaterThan(50);
  // Intake's idempotency write is the scenario's conditional write (a transaction): its failed condition counts.
  expect((faults.injected.ConditionalCheckFailedException ?? 0) + (faults.injected.TransactionCanceledException ?? 0)).toBeGreaterThan(0);
  expect(faults.surfaced.length).toBeGreaterThan(0);
  expect(Number(dlq.Attributes?.ApproximateNumberOfMessages)).toBe(0);
  expectNothingLost(result, pairs.length);
}, 240_000);
