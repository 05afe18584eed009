/** successRecords log-only (issue 19 item 6): first-attempt successes live in the attempt log only, and the API says so. */
import { describe, expect, it } from 'vitest';
import type { AttemptLogLine } from '../../../lambdas/core/attempt-log.js';
import { NotFoundError, ValidationError } from '../../../lambdas/core/errors.js';
import { deliveryIdFor } from '../../../lambdas/core/ids.js';
import type { MessageId, SubscriptionId } from '../../../lambdas/core/model.js';
import { processBatch } from '../../../lambdas/core/services/dispatch.js';
import { getDelivery, getMessageWithDeliveries, listDeliveries } from '../../../lambdas/core/services/delivery-log.js';
import { acceptEvent } from '../../../lambdas/core/services/intake.js';
import { createSubscription } from '../../../lambdas/core/services/subscriptions.js';
import type { SuccessRecords } from '../../../lambdas/core/ports.js';
import { respond } from '../../support/memory-ports.js';
import { memoryServiceDeps } from '../../support/service-world.js';

function world(successRecords: SuccessRecords, statuses: number[]) {
  const lines: AttemptLogLine[] = [];
  const { deps: base, clock, subscriptionDeps } = memoryServiceDeps({
    script: (_, i) => respond(statuses[Math.min(i, statuses.length - 1)]!),
    attemptLog: { write: (line) => lines.push(line) },
  });
  const deps = { ...base, successRecords };
  let n = 0;
  const drain = async () => {
    const tasks = deps.queue.sent.splice(0);
    return processBatch(deps, tasks.map((t) => ({ id: `r${n++}`, body: JSON.stringify(t.task) })));
  };
  const send = async () => {
    const sub = await createSubscription(subscriptionDeps, { url: 'https://hooks.example.com/in', eventTypes: ['order.created'] });
    const { messageId } = await acceptEvent(deps, { type: 'order.created', payload: { orderId: 1 } });
    return { subscriptionId: sub.id as SubscriptionId, messageId: messageId as MessageId };
  };
  return { deps, clock, lines, drain, send };
}

describe('successRecords', () => {
  it('log-only: a first-attempt success writes no delivery record, only its attempt-log line; the API says what it cannot show', async () => {
    const w = world('log-only', [200]);
    const { subscriptionId, messageId } = await w.send();
    expect(await w.drain()).toEqual([]);

    expect(w.deps.deliveries.items.size).toBe(0);
    expect(w.lines).toHaveLength(1);
    expect(w.lines[0]).toMatchObject({ messageId, subscriptionId, status: 'succeeded' });

    const status = await listDeliveries(w.deps, { status: 'succeeded' }).catch((e: unknown) => e);
    expect(status).toBeInstanceOf(ValidationError);
    expect((status as ValidationError).errors).toEqual([{ field: 'status', message: expect.stringContaining('successRecords=log-only') }]);
    expect(await listDeliveries(w.deps, {})).toMatchObject({ items: [], notListed: expect.stringContaining('first attempt') });
    const view = await getMessageWithDeliveries(w.deps, messageId);
    expect(view.deliveries).toEqual([{ id: deliveryIdFor(messageId, subscriptionId), subscriptionId, status: 'pending', attemptCount: 0, recorded: false }]);
    await expect(getDelivery(w.deps, deliveryIdFor(messageId, subscriptionId))).rejects.toThrow(NotFoundError);
    await expect(getDelivery(w.deps, deliveryIdFor(messageId, subscriptionId))).rejects.toThrow(/log-only/);
  });

  it('log-only: a delivery that failed first keeps its record, brought up to date by the success', async () => {
    const w = world('log-only', [503, 200]);
    const { messageId, subscriptionId } = await w.send();
    await w.drain();
    const id = deliveryIdFor(messageId, subscriptionId);
    expect(w.deps.deliveries.items.get(id)).toMatchObject({ status: 'pending', attemptCount: 1 });

    const retry = w.deps.retryScheduler.scheduled.shift()!;
    w.clock.t = retry.dueAt;
    expect(await processBatch(w.deps, [{ id: 'retry', body: JSON.stringify(retry.task) }])).toEqual([]);
    expect(w.deps.deliveries.items.get(id)).toMatchObject({ status: 'succeeded', attemptCount: 2 });
    expect((await listDeliveries(w.deps, { status: 'pending' })).items).toEqual([]);
  });

  it('all (the default): every success has its record and the API lists it without notListed', async () => {
    const w = world('all', [200]);
    const { messageId, subscriptionId } = await w.send();
    await w.drain();
    expect(w.deps.deliveries.items.get(deliveryIdFor(messageId, subscriptionId))).toMatchObject({ status: 'succeeded', attemptCount: 1 });
    const page = await listDeliveries(w.deps, { status: 'succeeded' });
    expect(page.items).toHaveLength(1);
    expect(page).not.toHaveProperty('notListed');
    expect((await getMessageWithDeliveries(w.deps, messageId)).deliveries[0]).not.toHaveProperty('recorded');
  });
});
