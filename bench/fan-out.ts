/**
 * fan-out: one event to 1,000 subscriptions (same tenant and type), through local mode in this
 * process. Times from the POST: the 202, the first page of tasks enqueued (intake creates and
 * enqueues `fanoutPageSize` deliveries itself), every task enqueued (the rest is continued by
 * `fanout` tasks in the worker), the first and the last request at the receiver.
 * "Enqueued" is the end of the SendMessageBatch call that carried a delivery's first task, seen
 * by tracing the SDK; "received" is the receiver thread's clock. A warm-up fan-out (50) runs first.
 * In the same run, the 202 of an event for one subscription (median of 5, each delivered before
 * the next) is the baseline of `acceptedRatio`: the 202 for 1,000 subscriptions ÷ the 202 for one.
 * The 1,000-subscription event is the first of its (tenant, type), so its 202 includes reading the
 * routes (intake caches them for 5 s), while the median one-subscription 202 is a cached one:
 * `acceptedRatioUncached` divides by the first one-subscription 202 instead, route read included.
 *
 * Environment: BENCH_SUBSCRIPTIONS (default 1000; 100 with --quick).
 */
import { parseQueueTask } from '../lambdas/core/tasks.js';
import { envInt, isQuick } from './support/env.js';
import { startInProcessLocal, type InProcessLocal } from './support/in-process-local.js';
import { forEachConcurrent, until } from './support/local-api.js';
import { onCleanup, progress, runBenchmark } from './support/output.js';
import { orderPayload } from './support/payload.js';
import { median, round } from './support/stats.js';
import { startThreadReceiver, type ThreadReceiver } from './support/thread-receiver.js';

const WARMUP_SUBSCRIPTIONS = 50;
const ONE_TO_ONE_RUNS = 5;

interface Run {
  messageId: string;
  postedAt: number;
  acceptedAt: number;
  /** Epoch ms at which each delivery's first task had been sent to SQS. */
  enqueuedAt: Map<string, number>;
}

/** Records, per message, when each of its first-attempt tasks was enqueued. */
function watchEnqueues(local: InProcessLocal): (messageId: string) => Map<string, number> {
  const byMessage = new Map<string, Map<string, number>>();
  local.trace.onCall((call, input) => {
    if (call.key !== 'sqs:SendMessageBatch' || call.failed === true || call.endedAt === undefined) return;
    for (const entry of (input.Entries as { MessageBody?: string }[] | undefined) ?? []) {
      const task = parseQueueTask(entry.MessageBody ?? '');
      if (!('deliveryId' in task) || task.attempt !== 1) continue;
      const seen = byMessage.get(task.messageId) ?? new Map<string, number>();
      byMessage.set(task.messageId, seen);
      if (!seen.has(task.deliveryId)) seen.set(task.deliveryId, call.endedAt);
    }
  });
  return (messageId) => {
    const seen = byMessage.get(messageId) ?? new Map<string, number>();
    byMessage.set(messageId, seen);
    return seen;
  };
}

async function subscribe(local: InProcessLocal, receiver: ThreadReceiver, tenant: string, count: number): Promise<void> {
  await forEachConcurrent(count, 4, async (i) => {
    await local.call('POST', '/v1/subscriptions', {
      url: `${receiver.url}/hooks/${tenant}/${i}`,
      eventTypes: ['bench.fanout'],
      tenant,
    });
  });
}

async function fanOutOnce(local: InProcessLocal, enqueues: (messageId: string) => Map<string, number>, tenant: string, expected: number): Promise<Run> {
  const postedAt = Date.now();
  const accepted = await local.call<{ messageId: string; deliveryCount: number }>('POST', '/v1/events', { type: 'bench.fanout', tenant, payload: orderPayload(0, 1024) }, [202]);
  const acceptedAt = Date.now();
  if (accepted.deliveryCount !== expected) throw new Error(`event routed to ${accepted.deliveryCount} subscriptions, expected ${expected}`);
  return { messageId: accepted.messageId, postedAt, acceptedAt, enqueuedAt: enqueues(accepted.messageId) };
}

async function receivedTimes(receiver: ThreadReceiver, messageId: string, expected: number, timeoutMs: number): Promise<number[]> {
  let times: number[] = [];
  await until(
    async () => {
      times = (await receiver.receipts()).filter((r) => r.webhookId === messageId).map((r) => r.at);
      return times.length >= expected;
    },
    timeoutMs,
    `${expected} requests for ${messageId}`,
    100,
  );
  return times;
}

async function measure(): Promise<Record<string, unknown>> {
  const subscriptions = envInt('BENCH_SUBSCRIPTIONS', isQuick() ? 100 : 1000);
  const receiver = await startThreadReceiver({ record: true });
  onCleanup(() => receiver.close());
  const local = await startInProcessLocal();
  const enqueues = watchEnqueues(local);

  const setupStarted = Date.now();
  await subscribe(local, receiver, 'warm-up', WARMUP_SUBSCRIPTIONS);
  await subscribe(local, receiver, 'one', 1);
  await subscribe(local, receiver, 'fan-out', subscriptions);
  const setupMs = Date.now() - setupStarted;
  progress(`fan-out: ${subscriptions} subscriptions created in ${setupMs} ms`);

  const warm = await fanOutOnce(local, enqueues, 'warm-up', WARMUP_SUBSCRIPTIONS);
  await receivedTimes(receiver, warm.messageId, WARMUP_SUBSCRIPTIONS, 60_000);
  const oneToOneMs: number[] = [];
  for (let i = 0; i < ONE_TO_ONE_RUNS; i++) {
    const one = await fanOutOnce(local, enqueues, 'one', 1);
    oneToOneMs.push(one.acceptedAt - one.postedAt);
    await receivedTimes(receiver, one.messageId, 1, 60_000);
  }
  const oneToOneAcceptedMs = median(oneToOneMs);

  const run = await fanOutOnce(local, enqueues, 'fan-out', subscriptions);
  await until(() => run.enqueuedAt.size >= subscriptions, 120_000, `${subscriptions} tasks enqueued`, 20);
  const received = await receivedTimes(receiver, run.messageId, subscriptions, 300_000);
  const enqueued = [...run.enqueuedAt.values()].sort((a, b) => a - b);
  received.sort((a, b) => a - b);
  const unique = new Set((await receiver.receipts()).filter((r) => r.webhookId === run.messageId).map((r) => r.path));
  if (unique.size !== subscriptions) throw new Error(`${unique.size} distinct subscriptions received the event, expected ${subscriptions}`);

  const since = (t: number | undefined) => (t === undefined ? Number.NaN : Math.round(t - run.postedAt));
  const firstPage = Math.min(500, subscriptions);
  const allReceivedMs = since(received.at(-1));
  return {
    subscriptions,
    fanoutPageSize: 500,
    subscriptionSetupMs: setupMs,
    acceptedMs: since(run.acceptedAt),
    oneToOneAcceptedMs,
    acceptedRatio: round(since(run.acceptedAt) / oneToOneAcceptedMs, 1),
    oneToOneUncachedAcceptedMs: oneToOneMs[0],
    acceptedRatioUncached: round(since(run.acceptedAt) / oneToOneMs[0]!, 1),
    firstPageEnqueuedMs: since(enqueued[firstPage - 1]),
    allEnqueuedMs: since(enqueued.at(-1)),
    firstReceivedMs: since(received[0]),
    halfReceivedMs: since(received[Math.floor(received.length / 2)]),
    allReceivedMs,
    deliveriesPerSecond: round(subscriptions / (allReceivedMs / 1000), 0),
    duplicateRequests: received.length - subscriptions,
    runtimeErrors: local.errors.length,
  };
}

await runBenchmark('fan-out', measure);
