/**
 * Fault: SQS hands the worker the same task more than once — two copies side by side (an
 * at-least-once send), a copy long after the delivery finished, and a message whose delete was
 * lost so it comes back after the visibility timeout. Each pair must get exactly one request.
 */
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { afterEach, beforeAll, afterAll, expect, it } from 'vitest';
import type { DeliveryTask } from '../../../lambdas/core/model.js';
import type { QueuedTask, TaskQueue } from '../../../lambdas/core/ports.js';
import { startFaultReceiver, type FaultReceiver } from '../../support/fault-receiver.js';
import { reconcile, report, statusReader } from '../../support/fault-reconcile.js';
import { scenarioApi, startInProcess, type InProcessHookline, type InProcessOptions } from '../../support/fault-runtime.js';
import { publish, subscribe, waitAllSucceeded, type Api } from '../../support/fault-scenario.js';

const EVENTS = 50;
let receiver: FaultReceiver;
let h: InProcessHookline | undefined;

beforeAll(async () => {
  receiver = await startFaultReceiver({ decide: () => ({ kind: 'ok' }) });
});
afterEach(async () => {
  await h?.stop();
  h = undefined;
});
afterAll(async () => {
  await receiver?.close();
});

/** Sends every delivery task twice in the same batch, and keeps them to send again later. */
class DuplicatingQueue implements TaskQueue {
  readonly firstTasks: DeliveryTask[] = [];
  constructor(private readonly inner: TaskQueue) {}
  async sendMany(tasks: readonly QueuedTask[]): Promise<void> {
    const doubled = tasks.flatMap((t) => ('deliveryId' in t.task ? [t, t] : [t]));
    for (const t of tasks) if ('deliveryId' in t.task && t.task.attempt === 1) this.firstTasks.push(t.task);
    await this.inner.sendMany(doubled);
  }
}

async function start(options: Omit<InProcessOptions, 'label'>): Promise<{ h: InProcessHookline; api: Api }> {
  // Long enough that no batch outlives it (as in AWS), short enough to see lost deletes come back.
  h = await startInProcess({ label: 'dup-receive', timeScale: 50, visibilityTimeoutS: 5, ...options });
  const instance = h;
  const api = scenarioApi(instance);
  return { h, api };
}

async function queueDepth(sqs: SQSClient, queueUrl: string): Promise<number> {
  const out = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'] }),
  );
  const a = out.Attributes ?? {};
  return Number(a.ApproximateNumberOfMessages) + Number(a.ApproximateNumberOfMessagesNotVisible) + Number(a.ApproximateNumberOfMessagesDelayed);
}

async function drained(sqs: SQSClient, queueUrl: string): Promise<void> {
  const end = Date.now() + 30_000;
  while ((await queueDepth(sqs, queueUrl)) > 0) {
    if (Date.now() > end) throw new Error('queue did not drain');
    await new Promise((r) => setTimeout(r, 200));
  }
}

it('sends one request for a task received twice in a batch and again after it finished', async () => {
  const startedAt = Date.now();
  let queue!: DuplicatingQueue;
  // One poller: batches run one after another, as in one Lambda instance.
  const { h, api } = await start({ pollers: 1, overrides: (base) => ({ queue: (queue = new DuplicatingQueue(base.queue)) }) });
  const subs = await subscribe(api, receiver.url, ['twice-a', 'twice-b']);
  const pairs = await publish(api, EVENTS, subs);
  expect(await waitAllSucceeded(api, pairs, 60_000)).toEqual([]);
  // Late copies of every first task, long after the deliveries succeeded.
  const late = [...queue.firstTasks];
  await h.deps.queue.sendMany(late.map((task) => ({ task, delaySeconds: 0 })));
  await drained(h.engines.sqs, h.engines.names.queueUrl);

  const result = await reconcile(pairs, receiver.arrivals.filter((a) => a.path.includes('/twice-')), statusReader(api), { scenario: 'same task received 2-4 times', startedAt });
  report(result);
  expect(late).toHaveLength(pairs.length);
  expect(result.lost, result.lostPairs.join('\n')).toBe(0);
  expect(result.delivered).toBe(pairs.length);
  expect(result.requests).toBe(pairs.length);
  expect(result.duplicates).toBe(0);
}, 120_000);

it('sends one request for a task whose delete was lost and that came back', async () => {
  const startedAt = Date.now();
  // The first delete of (about) every task is lost; later ones go through, before a task could
  // reach the dead-letter queue.
  let dropped = 0;
  let expected = Number.POSITIVE_INFINITY;
  const { h, api } = await start({
    onSqsClient: (client) =>
      client.middlewareStack.add(
        ((next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => async (args: { input?: { Entries?: unknown[] } }) => {
          if (dropped < expected && context.commandName === 'DeleteMessageBatchCommand') {
            dropped += args.input?.Entries?.length ?? 0;
            throw Object.assign(new Error('delete lost (injected)'), { name: 'InternalError', $metadata: { httpStatusCode: 500 } });
          }
          return next(args);
        }) as never,
        { step: 'initialize', name: 'hooklineLostDeletes' },
      ),
  });
  const subs = await subscribe(api, receiver.url, ['lost-delete']);
  expected = EVENTS * subs.length;
  const pairs = await publish(api, EVENTS, subs);
  expect(await waitAllSucceeded(api, pairs, 60_000)).toEqual([]);
  // Every task comes back after the visibility timeout, is recognised as done and deleted.
  await drained(h.engines.sqs, h.engines.names.queueUrl);

  const result = await reconcile(pairs, receiver.arrivals.filter((a) => a.path.includes('/lost-delete')), statusReader(api), { scenario: 'delete lost, task received again', startedAt });
  report(result);
  const dlq = Number((await h.engines.sqs.send(new GetQueueAttributesCommand({ QueueUrl: h.engines.names.dlqUrl, AttributeNames: ['ApproximateNumberOfMessages'] }))).Attributes?.ApproximateNumberOfMessages);
  console.log(`[reliability] lost deletes: ${dropped} deletes dropped, ${h.loopErrors.filter((e) => e.where === 'delete').length} delete errors seen by the loop, ${dlq} dead-lettered`);
  expect(dropped).toBeGreaterThanOrEqual(pairs.length);
  expect(dlq).toBe(0);
  expect(result.lost, result.lostPairs.join('\n')).toBe(0);
  expect(result.requests).toBe(pairs.length);
  expect(result.duplicates).toBe(0);
}, 120_000);
