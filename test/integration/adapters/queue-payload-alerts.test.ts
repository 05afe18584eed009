import { createHash } from 'node:crypto';
import { CreateQueueCommand, DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { SubscribeCommand } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3ObjectClient } from '../../../lambdas/adapters/aws-clients.js';
import { S3PayloadStore } from '../../../lambdas/adapters/s3/payload-store.js';
import { SnsAlertPublisher } from '../../../lambdas/adapters/sns/alert-publisher.js';
import { SqsTaskQueue } from '../../../lambdas/adapters/sqs/task-queue.js';
import { DependencyError } from '../../../lambdas/adapters/errors.js';
import { parseQueueTask } from '../../../lambdas/core/tasks.js';
import type { DeliveryTask, SubscriptionId } from '../../../lambdas/core/model.js';
import { deliveryTask } from '../../support/tasks.js';
import { testEngines, uniquePrefix, type TestEngines } from '../../support/engines.js';

let engines: TestEngines;
beforeAll(async () => {
  engines = await testEngines('queue');
});
afterAll(() => engines.close());

async function drain(queueUrl: string, expected: number, waitSeconds = 1): Promise<string[]> {
  const bodies: string[] = [];
  for (let round = 0; round < 20 && bodies.length < expected; round++) {
    const out = await engines.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: waitSeconds }));
    for (const m of out.Messages ?? []) {
      bodies.push(m.Body ?? '');
      await engines.sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }));
    }
  }
  return bodies;
}

describe('SqsTaskQueue on the SQS emulator', () => {
  it('sends 25 tasks in batches of 10 and every one arrives intact', async () => {
    const { QueueUrl } = await engines.sqs.send(new CreateQueueCommand({ QueueName: uniquePrefix('q') }));
    const queue = new SqsTaskQueue({ client: engines.sqs, queueUrl: QueueUrl! });
    const tasks = Array.from({ length: 25 }, (_, i) => deliveryTask(i));
    await queue.sendMany(tasks.map((task) => ({ task, delaySeconds: 0 })));
    const received = (await drain(QueueUrl!, 25)).map(parseQueueTask);
    expect(received.map((t) => (t as DeliveryTask).deliveryId).sort()).toEqual(tasks.map((t) => t.deliveryId).sort());
  });

  it('honours the delay, clamped to the 15-minute maximum', async () => {
    const { QueueUrl } = await engines.sqs.send(new CreateQueueCommand({ QueueName: uniquePrefix('q') }));
    const queue = new SqsTaskQueue({ client: engines.sqs, queueUrl: QueueUrl! });
    await queue.sendMany([{ task: deliveryTask(1), delaySeconds: 2 }, { task: deliveryTask(2), delaySeconds: 5000 }]);
    const immediately = await engines.sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
    expect(immediately.Messages ?? []).toHaveLength(0);
    const attrs = await engines.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessagesDelayed'] }));
    expect(attrs.Attributes?.ApproximateNumberOfMessagesDelayed).toBe('2');
    const later = await drain(QueueUrl!, 1, 3);
    expect(later.map((b) => (parseQueueTask(b) as DeliveryTask).deliveryId)).toEqual([deliveryTask(1).deliveryId]);
  });

  it('fails loudly (a domain error) when the queue does not exist, never silently', async () => {
    const queue = new SqsTaskQueue({ client: engines.sqs, queueUrl: `${engines.engines.sqsEndpoint}/000000000000/${uniquePrefix('missing')}` });
    await expect(queue.sendMany([{ task: deliveryTask(1), delaySeconds: 0 }])).rejects.toBeInstanceOf(DependencyError);
  });
});

describe('S3PayloadStore on the S3 emulator', () => {
  it('round-trips a large UTF-8 payload byte for byte', async () => {
    const store = new S3PayloadStore({ client: createS3ObjectClient(engines.fauxqsConfig), bucket: engines.names.bucket });
    const body = JSON.stringify({ text: 'é✓🚀'.repeat(50_000) });
    await store.put('payloads/msg_x.json', body);
    expect(await store.get('payloads/msg_x.json')).toBe(body);
    await expect(store.get('payloads/absent.json')).rejects.toBeInstanceOf(DependencyError);
  });

  it('stores keys that need escaping under the exact key (the SDK client reads what it wrote and back), with their SHA-256', async () => {
    const store = new S3PayloadStore({ client: createS3ObjectClient(engines.fauxqsConfig), bucket: engines.names.bucket });
    const keys = ["payloads/a b+c%d~e!'()*&=$@,;:.json", 'payloads/é✓🚀 ü.json', 'payloads/x//y.json'];
    for (const [i, key] of keys.entries()) {
      const ours = JSON.stringify({ i, by: 'S3ObjectClient' });
      await store.put(key, ours);
      const read = await engines.s3.send(new GetObjectCommand({ Bucket: engines.names.bucket, Key: key, ChecksumMode: 'ENABLED' }));
      expect(await read.Body?.transformToString('utf8')).toBe(ours);
      expect(read.ChecksumSHA256).toBe(createHash('sha256').update(ours).digest('base64'));
      // The SDK stores a CRC32 with what it writes, which the store's read then checks.
      const theirs = JSON.stringify({ i, by: 'client-s3' });
      await engines.s3.send(new PutObjectCommand({ Bucket: engines.names.bucket, Key: key, Body: theirs }));
      expect(await store.get(key)).toBe(theirs);
    }
    const listed = await engines.s3.send(new ListObjectsV2Command({ Bucket: engines.names.bucket, Prefix: 'payloads/' }));
    expect(listed.Contents?.map((o) => o.Key)).toEqual(expect.arrayContaining(keys));
  });
});

describe('SnsAlertPublisher on the SNS emulator', () => {
  it('publishes an alert that a subscribed queue receives with its attributes', async () => {
    const { QueueUrl } = await engines.sqs.send(new CreateQueueCommand({ QueueName: uniquePrefix('alerts') }));
    const attrs = await engines.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
    await engines.sns.send(new SubscribeCommand({ TopicArn: engines.names.alertTopicArn, Protocol: 'sqs', Endpoint: attrs.Attributes!.QueueArn }));
    const alerts = new SnsAlertPublisher({ client: engines.sns, topicArn: engines.names.alertTopicArn });
    await alerts.publish({ subject: 'Hookline: endpoint disabled ✓', message: 'sub_1 disabled after 50 failures', subscriptionId: 'sub_1' as SubscriptionId, kind: 'disabled' });
    const [body] = await drain(QueueUrl!, 1);
    const envelope = JSON.parse(body!) as { Message: string; Subject?: string; MessageAttributes?: Record<string, { Value: string }> };
    expect(envelope.Message).toBe('sub_1 disabled after 50 failures');
    expect(envelope.Subject).toBe('Hookline: endpoint disabled ?');
    expect(envelope.MessageAttributes?.kind?.Value).toBe('disabled');
  });
});
