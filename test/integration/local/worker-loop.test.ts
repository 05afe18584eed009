import { CreateQueueCommand, GetQueueAttributesCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { failedMessageIds, WorkerLoop, type SqsBatchHandler, type WorkerLoopOptions } from '../../../local/worker-loop.js';
import { beforeAllEngines, uniquePrefix } from '../../support/engines.js';

const region = 'us-east-1';
let sqs: SQSClient;
beforeAllEngines('worker-loop', (engines) => (sqs = engines.sqs));

/** A fresh queue on the run's fauxqs with a short visibility timeout, so failed messages return quickly. */
async function newQueue(visibilityTimeout = '1'): Promise<{ queueUrl: string; queueArn: string }> {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: uniquePrefix('wl'), Attributes: { VisibilityTimeout: visibilityTimeout } }));
  const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  return { queueUrl: QueueUrl!, queueArn: attrs.Attributes!.QueueArn! };
}

/** A worker loop on the run's fauxqs polling `q`. */
function loopOn(q: { queueUrl: string; queueArn: string }, options: Omit<WorkerLoopOptions, 'sqs' | 'queueUrl' | 'queueArn' | 'region'>): WorkerLoop {
  return new WorkerLoop({ sqs, queueUrl: q.queueUrl, queueArn: q.queueArn, region, ...options });
}

async function visibleAndInFlight(queueUrl: string): Promise<number> {
  const out = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return Number(out.Attributes?.ApproximateNumberOfMessages) + Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible);
}

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('failedMessageIds', () => {
  const batch = [{ MessageId: 'a' }, { MessageId: 'b' }];
  it.each([
    ['no response', undefined, []],
    ['empty failures', { batchItemFailures: [] }, []],
    ['one failure', { batchItemFailures: [{ itemIdentifier: 'b' }] }, ['b']],
    ['an unknown id (whole batch)', { batchItemFailures: [{ itemIdentifier: 'zzz' }] }, ['a', 'b']],
    ['an empty id (whole batch)', { batchItemFailures: [{ itemIdentifier: '' }] }, ['a', 'b']],
  ])('%s', (_name, response, expected) => {
    expect([...failedMessageIds(batch, response)].sort()).toEqual(expected);
  });
});

describe('WorkerLoop', () => {
  let loop: WorkerLoop | undefined;
  afterEach(async () => {
    await loop?.stop();
    loop = undefined;
  });

  it('hands Lambda-shaped SQS events to the handler and deletes handled messages', async () => {
    // Prepare
    const q = await newQueue();
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: q.queueUrl,
        MessageBody: '{"v":1}',
        MessageAttributes: { trace: { DataType: 'String', StringValue: 't-1' } },
      }),
    );
    const events: SQSEvent[] = [];
    loop = loopOn(q, { pollers: 2, handler: async (e) => void events.push(e) });
    // Act
    loop.start();
    await until(() => events.length === 1, 'the batch');
    await until(async () => (await visibleAndInFlight(q.queueUrl)) === 0, 'the delete');
    // Assess
    const record = events[0]!.Records[0]!;
    expect(record).toMatchObject({
      body: '{"v":1}',
      eventSource: 'aws:sqs',
      eventSourceARN: q.queueArn,
      awsRegion: region,
      messageAttributes: { trace: { dataType: 'String', stringValue: 't-1', stringListValues: [], binaryListValues: [] } },
    });
    expect(record.messageId).toMatch(/.+/);
    expect(record.receiptHandle).toMatch(/.+/);
    expect(record.md5OfBody).toMatch(/^[0-9a-f]{32}$/);
    expect(record.attributes.ApproximateReceiveCount).toBe('1');
    expect(Number(record.attributes.SentTimestamp)).toBeGreaterThan(0);
  });

  it('batches up to 10 messages and keeps only the reported failures, which come back after the visibility timeout', async () => {
    const q = await newQueue('1');
    for (let i = 0; i < 10; i += 1) await sqs.send(new SendMessageCommand({ QueueUrl: q.queueUrl, MessageBody: `m${i}` }));
    const receives = new Map<string, string[]>();
    const handler: SqsBatchHandler = async (event) => {
      for (const r of event.Records) receives.set(r.body, [...(receives.get(r.body) ?? []), r.attributes.ApproximateReceiveCount]);
      // m3 fails on its first receive only.
      const fail = event.Records.filter((r) => r.body === 'm3' && r.attributes.ApproximateReceiveCount === '1');
      return { batchItemFailures: fail.map((r) => ({ itemIdentifier: r.messageId })) };
    };
    loop = loopOn(q, { pollers: 1, handler });
    loop.start();
    await until(() => receives.get('m3')?.length === 2, 'the redelivery of m3');
    await until(async () => (await visibleAndInFlight(q.queueUrl)) === 0, 'an empty queue');
    expect(receives.size).toBe(10);
    expect(receives.get('m3')).toEqual(['1', '2']);
    for (const [body, counts] of receives) if (body !== 'm3') expect(counts).toEqual(['1']);
  });

  it('treats a throwing handler as a failed batch and keeps polling', async () => {
    const q = await newQueue('1');
    await sqs.send(new SendMessageCommand({ QueueUrl: q.queueUrl, MessageBody: 'once' }));
    let calls = 0;
    const errors: string[] = [];
    loop = loopOn(q, {
      pollers: 1,
      onError: (_e, where) => errors.push(where),
      handler: async () => {
        calls += 1;
        if (calls === 1) throw new Error('crash');
      },
    });
    loop.start();
    await until(() => calls === 2, 'the second delivery');
    await until(async () => (await visibleAndInFlight(q.queueUrl)) === 0, 'the delete');
    expect(errors).toEqual(['handler']);
  });

  it('waits for in-flight batches on stop and polls no more', async () => {
    const q = await newQueue('30');
    await sqs.send(new SendMessageCommand({ QueueUrl: q.queueUrl, MessageBody: 'slow' }));
    let release!: () => void;
    let started = false;
    let finished = false;
    loop = loopOn(q, {
      pollers: 3,
      handler: async () => {
        started = true;
        await new Promise<void>((r) => (release = r));
        finished = true;
      },
    });
    loop.start();
    await until(() => started, 'the batch to start');
    const stopping = loop.stop();
    setTimeout(() => release(), 50);
    await stopping;
    expect(finished).toBe(true);
    // The finished batch was settled (deleted) before stop resolved.
    expect(await visibleAndInFlight(q.queueUrl)).toBe(0);
    await sqs.send(new SendMessageCommand({ QueueUrl: q.queueUrl, MessageBody: 'after stop' }));
    await new Promise((r) => setTimeout(r, 300));
    expect(await visibleAndInFlight(q.queueUrl)).toBe(1);
  });

  it('a batch waiting on a slow request does not hold its poller: the next batch is handled meanwhile, up to maxBatches', async () => {
    // Prepare: one poller; the first batch hangs until released
    const q = await newQueue('30');
    let release: () => void = () => undefined;
    const hanging = new Promise<void>((resolve) => (release = resolve));
    const handled: string[] = [];
    const handler: SqsBatchHandler = async (e) => {
      const body = e.Records[0]!.body;
      handled.push(body);
      if (body === 'slow') await hanging;
    };
    loop = loopOn(q, { pollers: 1, batchSize: 1, patienceMs: 50, maxBatches: 2, handler });
    loop.start();
    await sqs.send(new SendMessageCommand({ QueueUrl: q.queueUrl, MessageBody: 'slow' }));
    await until(() => handled.length === 1, 'the slow batch');
    // Act: two more; the loop may hold two batches, so one of them waits for the slow batch
    await sqs.send(new SendMessageCommand({ QueueUrl: q.queueUrl, MessageBody: 'fast-1' }));
    await until(() => handled.length === 2, 'the batch after the slow one');
    await sqs.send(new SendMessageCommand({ QueueUrl: q.queueUrl, MessageBody: 'fast-2' }));
    await until(() => handled.length === 3, 'the third batch');
    // Assess: handled while the slow one still runs; all three settle once it ends
    expect(handled).toEqual(['slow', 'fast-1', 'fast-2']);
    expect(await visibleAndInFlight(q.queueUrl)).toBe(1); // only the slow one is left, still in flight
    release();
    await until(async () => (await visibleAndInFlight(q.queueUrl)) === 0, 'the slow batch settled');
  });

  it('at maxBatches, a poller waits for a batch to end before it receives again', async () => {
    // Prepare
    const q = await newQueue('30');
    let release: () => void = () => undefined;
    const hanging = new Promise<void>((resolve) => (release = resolve));
    const handled: string[] = [];
    loop = loopOn(q, {
      pollers: 1,
      batchSize: 1,
      patienceMs: 50,
      maxBatches: 1,
      handler: async (e) => {
        handled.push(e.Records[0]!.body);
        await hanging;
      },
    });
    loop.start();
    await sqs.send(new SendMessageCommand({ QueueUrl: q.queueUrl, MessageBody: 'slow' }));
    await until(() => handled.length === 1, 'the slow batch');
    // Act
    await sqs.send(new SendMessageCommand({ QueueUrl: q.queueUrl, MessageBody: 'next' }));
    await new Promise((r) => setTimeout(r, 500));
    // Assess: not received while the one batch allowed is running; received after it ends
    expect(handled).toEqual(['slow']);
    release();
    await until(() => handled.length === 2, 'the next batch');
  });
});
