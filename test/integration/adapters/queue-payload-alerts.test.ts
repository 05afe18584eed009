import { CreateQueueCommand, DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { SubscribeCommand } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
    const store = new S3PayloadStore({ client: engines.s3, bucket: engines.names.bucket });
    const body = JSON.stringify({ text: 'é✓🚀'.repeat(50_000) });
    await store.put('payloads/msg_x.json', body);
    expect(await store.get('payloads/msg_x.json')).toBe(body);
    await expect(store.get('payloads/absent.json')).rejects.toBeInstanceOf(DependencyError);
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
