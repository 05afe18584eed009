/**
 * The three handlers wired over in-memory ports, with everything they print captured: the attempt
 * and intake lines the metrics are derived from are there (no EMF for a delivery), and no secret,
 * credential or signature is.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, SQSEvent } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAdminHandler } from '../../../lambdas/handlers/admin.js';
import { loadConfig, type Dependencies } from '../../../lambdas/handlers/dependencies.js';
import { createReceiverHandler } from '../../../lambdas/handlers/receiver.js';
import { createWorkerHandler } from '../../../lambdas/handlers/worker.js';
import { stdoutAttemptLog } from '../../../lambdas/adapters/cloudwatch-logs/attempt-log-writer.js';
import { systemClock } from '../../../lambdas/core/ports.js';
import type { Attempt, Delivery, DeliveryTask, SubscriptionId } from '../../../lambdas/core/model.js';
import { createObservability, dispatchObserver } from '../../../lambdas/handlers/observability.js';
import { MemoryRetryBuckets, ScriptedSender, memoryPorts, respond } from '../../support/memory-ports.js';

function apiEvent(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQueryString: '',
    headers: { 'content-type': 'application/json', ...headers },
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'api.example.com',
      domainPrefix: 'api',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
      requestId: 'req-1',
      routeKey: `${method} ${path}`,
      stage: '$default',
      time: '23/Nov/2026:10:00:00 +0000',
      timeEpoch: Date.now(),
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
    isBase64Encoded: false,
  };
}

let output: string[] = [];
const originals = { out: process.stdout.write, err: process.stderr.write };
beforeEach(() => {
  output = [];
  const capture = (chunk: unknown) => {
    output.push(String(chunk));
    return true;
  };
  process.stdout.write = capture as typeof process.stdout.write;
  process.stderr.write = capture as typeof process.stderr.write;
});
afterEach(() => {
  process.stdout.write = originals.out;
  process.stderr.write = originals.err;
});

describe('handlers: what they print', () => {
  it('emits the intake and attempt lines the metric filters read, no EMF, and never a secret, credential or signature', async () => {
    const sender = new ScriptedSender((_req, i) => (i === 0 ? respond(503) : respond(200)));
    const ports = memoryPorts();
    const { queue, retryScheduler: scheduler } = ports;
    const deps: Dependencies = {
      config: loadConfig({ TABLE_NAME: 't', QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/q', PAYLOAD_BUCKET: 'b' }),
      clock: systemClock,
      ...ports,
      retryBuckets: new MemoryRetryBuckets(),
      sender,
      attemptLog: stdoutAttemptLog,
    };
    const admin = createAdminHandler(deps);
    const receiver = createReceiverHandler(deps);
    const worker = createWorkerHandler(deps);

    const created = (await admin(
      apiEvent('POST', '/v1/subscriptions', {
        url: 'https://hooks.example.com/orders',
        eventTypes: ['order.created'],
        tenant: 'shop-1',
        auth: { type: 'bearer', token: 'tok_live_SENSITIVE_123' },
        customHeaders: { 'X-Team-Key': 'team-SENSITIVE-456' },
      }),
    )) as APIGatewayProxyStructuredResultV2;
    expect(created.statusCode).toBe(201);
    const secret = (JSON.parse(String(created.body)) as { secret: string }).secret;
    expect(secret).toMatch(/^whsec_/);

    const accepted = (await receiver(apiEvent('POST', '/v1/events', { type: 'order.created', tenant: 'shop-1', payload: { orderId: 42 } }))) as APIGatewayProxyStructuredResultV2;
    expect(accepted.statusCode).toBe(202);

    const sqsEvent = (bodies: unknown[]): SQSEvent => ({
      Records: bodies.map((body, i) => ({ messageId: `m${i}`, body: JSON.stringify(body) }) as SQSEvent['Records'][number]),
    });
    // First attempt fails (503) and schedules a retry; the retry succeeds.
    expect((await worker(sqsEvent(queue.sent.map((q) => q.task)))).batchItemFailures).toEqual([]);
    expect(scheduler.scheduled).toHaveLength(1);
    const retry = { ...scheduler.scheduled[0]!.task, dueAt: Date.now() };
    expect((await worker(sqsEvent([retry]))).batchItemFailures).toEqual([]);
    expect(sender.requests).toHaveLength(2);

    const printed = output.join('');
    const lines = printed.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    // Per-event and per-attempt metrics come from these lines through metric filters (lib/log-metrics.ts)...
    expect(lines.filter((l) => l.EventAccepted !== undefined || l.EventDuplicate !== undefined)).toEqual([{ EventAccepted: 1 }]);
    const attempts = lines.filter((l) => l.kind === 'hookline.attempt');
    expect(attempts.map((l) => [l.service, l.outcome, typeof l.nextAttemptAt, typeof l.latencyMs])).toEqual([
      ['worker', '5xx', 'string', 'undefined'],
      ['worker', 'success', 'undefined', 'number'],
    ]);
    expect(attempts[1]!.latencyMs).toBeGreaterThanOrEqual(0);
    // ...so this event, its failure, retry and success wrote no EMF document at all.
    expect(lines.filter((l) => l._aws !== undefined)).toEqual([]);

    // What was actually sent carried the credentials and signatures; none of it was printed.
    const sentHeaders = sender.requests.flatMap((r) => Object.values(r.headers));
    const sensitive = [
      secret,
      secret.slice('whsec_'.length),
      'tok_live_SENSITIVE_123',
      'team-SENSITIVE-456',
      ...sentHeaders.filter((v) => v.startsWith('v1,') || v.startsWith('Bearer ')),
    ];
    expect(sensitive.length).toBeGreaterThanOrEqual(5);
    for (const value of sensitive) expect(printed, `printed ${value.slice(0, 12)}…`).not.toContain(value);
  });

  it('publishes nothing for attempts; rare events in one metric document per invocation, counts summed', () => {
    const observer = dispatchObserver(createObservability('worker'));
    const attempt: Attempt = {
      attempt: 1,
      startedAt: '2026-12-06T14:00:00.000Z',
      endedAt: '2026-12-06T14:00:00.010Z',
      durationMs: 10,
      statusCode: 401,
      outcome: 'success',
      acknowledgedNon2xx: true,
      trigger: 'event',
    };
    const delivery = { id: 'dlv_1' } as Delivery;
    const task = { deliveryId: 'dlv_1', subscriptionId: 'sub_1' } as DeliveryTask;
    observer.observe({ type: 'attempt', delivery, attempt });
    observer.observe({ type: 'retry-scheduled', task, delayMs: 1000 });
    observer.publish();
    expect(output.join('')).toBe('');

    observer.observe({ type: 'breaker', subscriptionId: 'sub_1' as SubscriptionId, state: 'open', failures: 3, until: Date.now() + 30_000 });
    for (let i = 0; i < 3; i++) observer.observe({ type: 'deferred', task, until: Date.now() + 1000, reason: 'breaker open' });
    observer.observe({ type: 'attempt', delivery, attempt });
    observer.publish();
    observer.publish(); // nothing new: nothing printed

    const docs = output.join('').split('\n').filter((l) => l.includes('"_aws"')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(docs).toHaveLength(1);
    expect(docs[0]).toMatchObject({ service: 'worker', CircuitBreakerOpened: 1, DeliveryDeferred: 3 });
    for (const name of ['DeliveryAttempted', 'DeliverySucceeded', 'DeliveryAcknowledgedNon2xx', 'RetryScheduled', 'EndToEndLatency']) expect(docs[0]).not.toHaveProperty(name);
  });
});
