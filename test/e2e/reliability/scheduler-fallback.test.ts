/**
 * Fault: EventBridge Scheduler refuses every CreateSchedule (mocked: it has no local engine).
 * The AWS retry scheduler keeps each retry in its due-minute bucket (real DynamoDB) and, for a
 * bucket whose schedule is refused, puts ONE sweep task on the real queue that hops (≤ 15
 * minutes at a time) to the bucket's time; the sweep and the worker's top-up carry each retry to
 * its due time: never dropped, never early, and one create per bucket, not per retry.
 * The 40-minute retry runs on compressed time (clock and queue delays 300× faster).
 */
import { ConflictException, CreateScheduleCommand, SchedulerClient, ServiceQuotaExceededException } from '@aws-sdk/client-scheduler';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoRetryBucketStore } from '../../../lambdas/adapters/dynamodb/retry-bucket-store.js';
import { AwsRetryScheduler } from '../../../lambdas/adapters/scheduler/aws-retry-scheduler.js';
import { bucketFor } from '../../../lambdas/core/retry-buckets.js';
import { SqsTaskQueue } from '../../../lambdas/adapters/sqs/task-queue.js';
import { MAX_QUEUE_DELAY_SECONDS } from '../../../lambdas/core/retry-route.js';
import type { DeliveryTask } from '../../../lambdas/core/model.js';
import { CompressedQueue, VirtualClock } from '../../support/fault-clock.js';
import { startFaultReceiver, type FaultReceiver } from '../../support/fault-receiver.js';
import { expectNothingLost, reconcile, report, statusReader } from '../../support/fault-reconcile.js';
import { scenarioApi, startInProcess, type InProcessHookline } from '../../support/fault-runtime.js';
import { publish, subscribe, waitAllSucceeded, type Api } from '../../support/fault-scenario.js';
import { uniquePrefix } from '../../support/engines.js';

const SPEED = 300;
const RETRY_SECONDS = 2400;
const EVENTS = 20;
const schedulerMock = mockClient(SchedulerClient);
const refusal = () => new ServiceQuotaExceededException({ message: 'schedule quota reached (injected)', Message: 'schedule quota reached (injected)', $metadata: { httpStatusCode: 402 } });

let receiver: FaultReceiver;
let h: InProcessHookline;
let queue: CompressedQueue;
const fallbacks: DeliveryTask[] = [];

beforeAll(async () => {
  receiver = await startFaultReceiver({ decide: ({ attempt }) => (attempt === 1 ? { kind: '5xx' } : { kind: 'ok' }) });
  const clock = new VirtualClock(SPEED);
  h = await startInProcess({
    label: 'sched-fallback',
    overrides: (base) => {
      queue = new CompressedQueue(base.queue, SPEED);
      const retryScheduler = new AwsRetryScheduler({
        queue,
        buckets: base.retryBuckets,
        client: new SchedulerClient({ region: 'us-east-1' }),
        groupName: 'hookline-retries',
        roleArn: 'arn:aws:iam::000000000000:role/hookline-scheduler',
        queueUrl: base.config.queueUrl,
        now: () => clock.now(),
        onFallback: (_error, task) => void fallbacks.push(task),
      });
      return { clock, queue, retryScheduler };
    },
  });
}, 60_000);

beforeEach(() => {
  schedulerMock.reset();
  schedulerMock.on(CreateScheduleCommand).rejects(refusal());
});

afterAll(async () => {
  await h?.stop();
  await receiver?.close();
  schedulerMock.restore();
});

const task = (dueAt: number): DeliveryTask => ({
  v: 1,
  deliveryId: `dlv_${'F'.repeat(26)}` as DeliveryTask['deliveryId'],
  messageId: 'msg_01M8000000000000000000000A' as DeliveryTask['messageId'],
  subscriptionId: 'sub_01M8000000000000000000000A' as DeliveryTask['subscriptionId'],
  eventType: 'order.created',
  eventTime: new Date().toISOString(),
  messageCreatedAt: Date.now(),
  attempt: 2,
  generation: 0,
  dueAt,
  trigger: 'retry',
});

describe('AWS retry scheduler fallback on the real queue', () => {
  async function freshQueue() {
    const { QueueUrl } = await h.engines.sqs.send(new CreateQueueCommand({ QueueName: uniquePrefix('sched') }));
    const scheduler = new AwsRetryScheduler({
      queue: new SqsTaskQueue({ client: h.engines.sqs, queueUrl: QueueUrl! }),
      buckets: new DynamoRetryBucketStore({ client: h.engines.doc, tableName: h.engines.names.table }),
      client: new SchedulerClient({ region: 'us-east-1' }),
      groupName: 'hookline-retries',
      roleArn: 'arn:aws:iam::000000000000:role/hookline-scheduler',
      queueUrl: QueueUrl!,
    });
    const counts = async () => {
      const out = await h.engines.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesDelayed'] }));
      return { visible: Number(out.Attributes?.ApproximateNumberOfMessages), delayed: Number(out.Attributes?.ApproximateNumberOfMessagesDelayed) };
    };
    return { queueUrl: QueueUrl!, scheduler, counts };
  }

  it('puts the sweep of a bucket it cannot schedule on the queue, 15 minutes away, instead of dropping it', async () => {
    const { queueUrl, scheduler, counts } = await freshQueue();
    const retry = task(Date.now() + 2 * 3_600_000);
    await scheduler.schedule(retry, retry.dueAt);
    expect(schedulerMock.commandCalls(CreateScheduleCommand)).toHaveLength(1);
    expect(await counts()).toEqual({ visible: 0, delayed: 1 });
    const early = await h.engines.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 0 }));
    expect(early.Messages ?? []).toEqual([]);
  });

  it('treats an existing schedule (ConflictException) as done: no fallback hop', async () => {
    schedulerMock.on(CreateScheduleCommand).rejects(new ConflictException({ message: 'exists', Message: 'exists', $metadata: { httpStatusCode: 409 } }));
    const { scheduler, counts } = await freshQueue();
    const retry = task(Date.now() + 2 * 3_600_000);
    await scheduler.schedule(retry, retry.dueAt);
    expect(await counts()).toEqual({ visible: 0, delayed: 0 });
  });
});

describe('retries through the fallback', () => {
  it(`delivers every ${RETRY_SECONDS / 60}-minute retry through 15-minute hops and top-ups, never early`, async () => {
    const startedAt = Date.now();
    const api = scenarioApi(h);
    const subs = await subscribe(api, receiver.url, ['late'], { retryPolicy: { type: 'fixed', delays: [RETRY_SECONDS] } });
    const pairs = await publish(api, EVENTS, subs);
    expect(await waitAllSucceeded(api, pairs, 90_000)).toEqual([]);

    const result = await reconcile(pairs, receiver.arrivals, statusReader(api), { scenario: 'scheduler refuses, SQS fallback', startedAt });
    const hops = queue.sent.filter((s) => s.delaySeconds === MAX_QUEUE_DELAY_SECONDS).length;
    // Delayed sends beyond the fallbacks themselves: the worker topping up early tasks.
    const topUps = queue.sent.filter((s) => s.delaySeconds > 0).length - fallbacks.length;
    report(result);
    console.log(`[reliability] scheduler fallback: ${schedulerMock.commandCalls(CreateScheduleCommand).length} CreateSchedule refused, ${fallbacks.length} fallbacks, ${hops} 15-minute hops, ${topUps} worker top-ups`);

    const buckets = new Set<string>();
    for (const pair of pairs) {
      const message = await api('GET', `/v1/messages/${pair.messageId}`);
      const deliveryId = message.body.deliveries[0].id as DeliveryTask['deliveryId'];
      const delivery = (await api('GET', `/v1/deliveries/${deliveryId}`)).body as { attempts: { startedAt: string; nextAttemptAt?: string }[] };
      expect(delivery.attempts).toHaveLength(2);
      expect(Date.parse(delivery.attempts[1]!.startedAt)).toBeGreaterThanOrEqual(Date.parse(delivery.attempts[0]!.nextAttemptAt!));
      buckets.add(bucketFor({ deliveryId }, Date.parse(delivery.attempts[0]!.nextAttemptAt!)).id);
    }
    // One refused create and one sweep on the queue per bucket, however many retries it holds. A
    // claim goes stale after 30 s of this test's 300× clock (0.1 s real): a claim slowed down by
    // the machine's load may be taken over, so a bucket can see a second create, never more.
    const creates = schedulerMock.commandCalls(CreateScheduleCommand).map((c) => String(c.args[0].input.Name));
    expect(new Set(creates).size).toBe(buckets.size);
    expect(creates.length).toBeLessThanOrEqual(buckets.size + 2);
    expect(fallbacks.length).toBe(creates.length);
    expect(topUps).toBeGreaterThanOrEqual(pairs.length);
    expectNothingLost(result, pairs.length);
  }, 120_000);
});
