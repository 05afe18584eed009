import { describe, expect, it } from 'vitest';
import { acceptEventBatch, MAX_BATCH_EVENTS } from '../../../lambdas/core/services/intake-batch.js';
import { PayloadTooLargeError, TransientDependencyError, ValidationError } from '../../../lambdas/core/errors.js';
import { startReplay } from '../../../lambdas/core/services/replay.js';
import { serviceWorld, T0 } from '../../support/service-world.js';

const world = () => serviceWorld();

describe('acceptEventBatch', () => {
  it('answers one result per event in order: accepted entries and the problem of each refused one', async () => {
    // Prepare
    const w = world();
    await w.subscribe({ tenant: 'shop_1' });
    // Act
    const batch = await acceptEventBatch(w.deps, {
      events: [
        { type: 'order.created', tenant: 'shop_1', payload: { n: 1 } },
        { type: 'bad type', payload: {} },
        { type: 'order.created', tenant: 'shop_1', payload: { n: 3 } },
        { type: 'order.unknown', payload: {} },
        { type: 'order.created', payload: 'x'.repeat(5000) },
        { type: 'order.created', tenant: 't'.repeat(3000), payload: {} },
      ],
    });
    // Assess
    expect(batch.allAccepted).toBe(false);
    expect(batch.results).toHaveLength(6);
    expect(batch.results[5]).toMatchObject({ status: 400, errors: [expect.objectContaining({ field: 'events.5.tenant' })] });
    expect(batch.results[0]).toEqual({ messageId: expect.stringMatching(/^msg_/), routing: 'tenant', deliveryCount: 1 });
    expect(batch.results[1]).toMatchObject({ status: 400, title: 'Invalid request', errors: [expect.objectContaining({ field: 'events.1.type' })] });
    expect(batch.results[2]).toMatchObject({ routing: 'tenant', deliveryCount: 1 });
    expect(batch.results[3]).toMatchObject({ routing: 'unrouted', deliveryCount: 0 });
    expect(batch.results[4]).toMatchObject({ status: 413, detail: expect.stringContaining('event 4') });
    expect(w.deps.messages.items.size).toBe(3);
    await w.drain();
    expect(w.deps.sender.requests.map((r) => JSON.parse(r.body ?? '{}'))).toEqual([{ n: 1 }, { n: 3 }]);
  });

  it('reads the routes of each (tenant, type) once and sends every task of the batch after every store', async () => {
    const w = world();
    await w.subscribe({ tenant: 'shop_1' });
    let routeReads = 0;
    const routes = w.deps.subscriptions.routes.bind(w.deps.subscriptions);
    w.deps.subscriptions.routes = async (...args) => (routeReads++, routes(...args));
    const order: string[] = [];
    const put = w.deps.messages.put.bind(w.deps.messages);
    w.deps.messages.put = async (...args) => (order.push('put'), put(...args));
    const send = w.deps.queue.sendMany.bind(w.deps.queue);
    w.deps.queue.sendMany = async (tasks) => (order.push(`send ${tasks.length}`), send(tasks));

    const batch = await acceptEventBatch(w.deps, { events: Array.from({ length: 30 }, (_, n) => ({ type: 'order.created', tenant: 'shop_1', payload: { n } })) });

    expect(batch).toMatchObject({ allAccepted: true, accepted: 30, duplicates: 0 });
    expect(routeReads).toBe(1);
    expect(order).toEqual([...Array(30).fill('put'), 'send 30']);
  });

  it('keeps each event idempotent by its own key, also within one batch', async () => {
    const w = world();
    await w.subscribe({});
    const first = await acceptEventBatch(w.deps, { events: [{ type: 'order.created', payload: {}, idempotencyKey: 'e-1' }] });
    const again = await acceptEventBatch(w.deps, {
      events: [
        { type: 'order.created', payload: {}, idempotencyKey: 'e-1' },
        { type: 'order.created', payload: {}, idempotencyKey: 'e-2' },
        { type: 'order.created', payload: {}, idempotencyKey: 'e-2' },
        { type: 'order.created', payload: {}, idempotencyKey: '' },
      ],
    });
    expect(again.results[0]).toEqual(first.results[0]);
    expect(again.results[2]).toEqual(again.results[1]);
    expect(again.results[3]).toMatchObject({ status: 400, errors: [expect.objectContaining({ field: 'events.3.idempotencyKey' })] });
    expect(again.duplicates).toBe(2);
    await w.drain();
    expect(w.deps.sender.requests).toHaveLength(2);
  });

  it('refuses the whole request for a bad envelope or more than 100 events', async () => {
    const w = world();
    await expect(acceptEventBatch(w.deps, { events: [] })).rejects.toBeInstanceOf(ValidationError);
    await expect(acceptEventBatch(w.deps, [{ type: 'x', payload: {} }])).rejects.toBeInstanceOf(ValidationError);
    const tooMany = Array.from({ length: MAX_BATCH_EVENTS + 1 }, () => ({ type: 'x', payload: {} }));
    await expect(acceptEventBatch(w.deps, { events: tooMany })).rejects.toBeInstanceOf(PayloadTooLargeError);
    expect(w.deps.messages.items.size).toBe(0);
  });

  it('fails the request with nothing sent when a store fails (the producer retries the batch)', async () => {
    const w = world();
    await w.subscribe({});
    const put = w.deps.messages.put.bind(w.deps.messages);
    let n = 0;
    w.deps.messages.put = async (...args) => {
      if (++n === 3) throw new TransientDependencyError('dynamodb PutItem throttled');
      return put(...args);
    };
    const events = Array.from({ length: 5 }, (_, i) => ({ type: 'order.created', payload: { i }, idempotencyKey: `k-${i}` }));
    await expect(acceptEventBatch(w.deps, { events })).rejects.toBeInstanceOf(TransientDependencyError);
    expect(w.deps.queue.sent).toEqual([]);
  });

  it('marks every stored event without a key as not accepted when the send fails, unrouted ones included; keyed ones stay for their retry', async () => {
    const w = world();
    await w.subscribe({ tenant: 'shop_1' });
    const restoreQueue = w.deps.queue.refuseSends(new TransientDependencyError('sqs SendMessageBatch throttled'));
    const events = [
      { type: 'order.created', tenant: 'shop_1', payload: { i: 0 } },
      { type: 'order.created', tenant: 'shop_1', payload: { i: 1 }, idempotencyKey: 'b-1' },
      { type: 'nothing.routes', payload: { i: 2 } },
    ];
    await expect(acceptEventBatch(w.deps, { events })).rejects.toBeInstanceOf(TransientDependencyError);
    const marked = [...w.deps.messages.items.values()].map((m) => `${m.type} key=${m.idempotencyKey ?? '-'} failed=${m.intakeFailed !== undefined}`);
    expect(marked.sort()).toEqual(['nothing.routes key=- failed=true', 'order.created key=- failed=true', 'order.created key=b-1 failed=false']);
    // The unrouted one is not given to a subscription that matches it later: its producer posts the batch again.
    const late = await w.subscribe({ eventTypes: ['nothing.routes'] });
    restoreQueue();
    await startReplay(w.deps, late, { since: new Date(T0 - 1000).toISOString(), until: new Date(T0 + 1000).toISOString() });
    await w.drain();
    expect(w.deps.sender.requests).toHaveLength(0);
    expect((await w.deps.jobs.get([...w.deps.jobs.items.keys()][0]!))?.status).toBe('done');
  });
});
