import { describe, expect, it } from 'vitest';
import { acceptEvent, RECEIVER_TIMEOUT_SECONDS } from '../../../lambdas/core/services/intake.js';
import { processBatch } from '../../../lambdas/core/services/dispatch.js';
import { retryDelivery, runReplayPage, startReplay } from '../../../lambdas/core/services/replay.js';
import { getMessageWithDeliveries } from '../../../lambdas/core/services/delivery-log.js';
import { PayloadTooLargeError, ValidationError } from '../../../lambdas/core/errors.js';
import type { Delivery, DeliveryTask } from '../../../lambdas/core/model.js';
import { ScriptedSender, respond } from '../../support/memory-ports.js';

import { serviceWorld as world, T0 } from '../../support/service-world.js';

describe('acceptEvent', () => {
  it('routes to the tenant, else to fallback subscriptions, else stores the event unrouted', async () => {
    const w = world();
    const direct = await w.subscribe({ tenant: 'shop_1' });
    const fallback = await w.subscribe({ fallback: true });

    const toTenant = await acceptEvent(w.deps, { type: 'order.created', tenant: 'shop_1', payload: {} });
    const toFallback = await acceptEvent(w.deps, { type: 'order.created', tenant: 'shop_unknown', payload: {} });
    const unrouted = await acceptEvent(w.deps, { type: 'order.deleted', tenant: 'shop_1', payload: {} });

    expect(toTenant).toMatchObject({ routing: 'tenant', deliveryCount: 1 });
    expect(toFallback).toMatchObject({ routing: 'fallback', deliveryCount: 1 });
    expect(unrouted).toMatchObject({ routing: 'unrouted', deliveryCount: 0 });
    expect((await w.deps.messages.get(toTenant.messageId))?.subscriptionIds).toEqual([direct]);
    expect((await w.deps.messages.get(toFallback.messageId))?.subscriptionIds).toEqual([fallback]);
    expect(w.deps.messages.items.get(unrouted.messageId)?.routing).toBe('unrouted');
  });

  it('returns the original message for a repeated Idempotency-Key and enqueues no delivery twice', async () => {
    const w = world();
    await w.subscribe({});
    const first = await acceptEvent(w.deps, { type: 'order.created', payload: { a: 1 } }, { idempotencyKey: 'k-1' });
    const queued = w.deps.queue.sent.length;
    w.clock.t += 2_000;
    const again = await acceptEvent(w.deps, { type: 'order.created', payload: { a: 1 } }, { idempotencyKey: 'k-1' });
    expect(again).toEqual({ ...first, duplicate: true });
    // The first request recorded its tasks as queued: the duplicate sends nothing, not even a check.
    expect(w.deps.queue.sent.slice(queued)).toEqual([]);
    expect(w.deps.messages.items.size).toBe(1);
    await w.drain();
    expect(w.deps.sender.requests).toHaveLength(1);

    // An unrouted event has nothing to complete: its duplicate enqueues nothing at all.
    await acceptEvent(w.deps, { type: 'order.unrouted', payload: {} }, { idempotencyKey: 'k-2' });
    await acceptEvent(w.deps, { type: 'order.unrouted', payload: {} }, { idempotencyKey: 'k-2' });
    expect(w.deps.queue.sent).toEqual([]);
  });

  it('writes nothing after its tasks are sent that could fail the request', async () => {
    const w = world();
    await w.subscribe({});
    const order: string[] = [];
    const put = w.deps.messages.put.bind(w.deps.messages);
    const send = w.deps.queue.sendMany.bind(w.deps.queue);
    w.deps.messages.put = async (...args) => (order.push('put'), put(...args));
    w.deps.queue.sendMany = async (tasks) => (order.push('send'), send(tasks));
    w.deps.messages.markQueued = async () => {
      order.push('mark');
      throw new Error('ProvisionedThroughputExceeded');
    };
    // A throttled mark after the send must not turn into a 5xx (and a producer retry).
    const result = await acceptEvent(w.deps, { type: 'order.created', payload: {} }, { idempotencyKey: 'k-throttled' });
    expect(result).toMatchObject({ deliveryCount: 1, duplicate: false });
    expect(order).toEqual(['put', 'send', 'mark']);
    expect(w.deps.deliveries.items.size).toBe(0); // recorded when the attempt ends, not before
  });

  it('sends nothing twice when duplicates arrive while the first request is still sending', async () => {
    const w = world();
    for (let i = 0; i < 4; i++) await w.subscribe({});
    const send = w.deps.queue.sendMany.bind(w.deps.queue);
    let first = true;
    w.deps.queue.sendMany = async (tasks) => {
      // Message stored, tasks not sent yet: the window a naive resume would re-send in.
      if (first) {
        first = false;
        await Promise.all(Array.from({ length: 5 }, () => acceptEvent(w.deps, { type: 'order.created', payload: {} }, { idempotencyKey: 'k-burst' })));
      }
      return send(tasks);
    };

    await acceptEvent(w.deps, { type: 'order.created', payload: {} }, { idempotencyKey: 'k-burst' });
    w.deps.queue.sendMany = send;
    w.clock.t += RECEIVER_TIMEOUT_SECONDS * 1000 + 1_000;
    await w.drain();

    expect(w.deps.deliveries.items.size).toBe(4);
    expect(w.deps.sender.requests).toHaveLength(4);
    expect([...w.deps.deliveries.items.values()].map((d) => d.attemptCount)).toEqual([1, 1, 1, 1]);
  });

  it('completes a fan-out whose first request failed to send (5xx), through one deferred check, once', async () => {
    const w = world();
    for (let i = 0; i < 5; i++) await w.subscribe({});
    const restoreQueue = w.deps.queue.refuseSends(new Error('SQS unavailable'));
    await expect(acceptEvent(w.deps, { type: 'order.created', payload: {} }, { idempotencyKey: 'k-died' })).rejects.toThrow('SQS unavailable');
    restoreQueue();
    expect(w.deps.queue.sent).toEqual([]);

    // Each producer retry defers a check due once the first request has surely ended.
    w.clock.t += 1_000;
    const early = await acceptEvent(w.deps, { type: 'order.created', payload: {} }, { idempotencyKey: 'k-died' });
    w.clock.t += RECEIVER_TIMEOUT_SECONDS * 1000;
    const late = await acceptEvent(w.deps, { type: 'order.created', payload: {} }, { idempotencyKey: 'k-died' });
    expect(late).toEqual(early);
    const checks = w.deps.queue.sent.map((t) => t.task);
    expect(checks).toHaveLength(2);
    expect(checks.every((t) => 'kind' in t && t.kind === 'fanout' && typeof t.check === 'string')).toBe(true);
    expect(w.deps.queue.sent[0]?.delaySeconds).toBe(RECEIVER_TIMEOUT_SECONDS - 1 + 1);
    await w.drain();

    // Two checks, one fan-out: every subscription receives the event exactly once.
    expect(w.deps.deliveries.items.size).toBe(5);
    expect(w.deps.sender.requests).toHaveLength(5);
    expect([...w.deps.deliveries.items.values()].every((d) => d.status === 'succeeded' && d.attemptCount === 1)).toBe(true);
  });

  it('marks a message without an Idempotency-Key as not accepted when its send fails: nothing pending', async () => {
    // Prepare
    const w = world();
    await w.subscribe({ tenant: 'shop_1' });
    const restoreQueue = w.deps.queue.refuseSends(new Error('SQS unavailable'));
    // Act
    await expect(acceptEvent(w.deps, { type: 'order.created', tenant: 'shop_1', payload: {} })).rejects.toThrow('SQS unavailable');
    restoreQueue();
    // Assess
    const [stored] = [...w.deps.messages.items.values()];
    expect(stored!.intakeFailed).toEqual({ at: new Date(w.clock.t).toISOString(), reason: 'its tasks could not be queued: SQS unavailable' });
    const view = await getMessageWithDeliveries(w.deps, stored!.id);
    expect(view).toMatchObject({ id: stored!.id, intakeFailed: stored!.intakeFailed, deliveries: [] });
  });

  it('leaves a keyed message unmarked when its send fails (the retry with the key completes it), and answers with the send\'s error even when the mark fails too', async () => {
    const w = world();
    await w.subscribe({});
    w.deps.queue.refuseSends(new Error('SQS unavailable'));
    w.deps.messages.markIntakeFailed = async () => {
      throw new Error('DynamoDB unavailable');
    };
    await expect(acceptEvent(w.deps, { type: 'order.created', payload: {} }, { idempotencyKey: 'k-kept' })).rejects.toThrow('SQS unavailable');
    await expect(acceptEvent(w.deps, { type: 'order.created', payload: {} })).rejects.toThrow('SQS unavailable');
    const keyed = [...w.deps.messages.items.values()].find((m) => m.idempotencyKey === 'k-kept');
    expect(keyed?.intakeFailed).toBeUndefined();
  });

  it('hands fan-outs beyond one batch to the worker and delivers to every subscription exactly once', async () => {
    const w = world();
    for (let i = 0; i < 12; i++) await w.subscribe({});
    const result = await acceptEvent(w.deps, { type: 'order.created', payload: { big: true } });
    expect(result.deliveryCount).toBe(12);
    expect(w.deps.deliveries.items.size).toBe(0);
    // One task: the whole fan-out continues in the worker, in pages of `fanoutPageSize` (3).
    expect(w.deps.queue.sent).toEqual([{ task: { v: 1, kind: 'fanout', messageId: result.messageId, offset: 0 }, delaySeconds: 0 }]);
    const pending = await getMessageWithDeliveries(w.deps, result.messageId);
    expect(pending.deliveries.map((d) => d.status)).toEqual(Array(12).fill('pending'));
    await w.drain();
    expect(w.deps.deliveries.items.size).toBe(12);
    expect(w.deps.sender.requests).toHaveLength(12);
    expect(new Set(w.deps.sender.requests.map((r) => r.url)).size).toBe(1);
  });

  it('sends a small fan-out from intake in one batch', async () => {
    const w = world();
    for (let i = 0; i < 8; i++) await w.subscribe({});
    const result = await acceptEvent(w.deps, { type: 'order.created', payload: {} });
    expect(w.deps.queue.sent.map((t) => ('kind' in t.task ? t.task.kind : 'delivery'))).toEqual(Array(8).fill('delivery'));
    await w.drain();
    expect((await getMessageWithDeliveries(w.deps, result.messageId)).deliveries.every((d) => d.status === 'succeeded')).toBe(true);
  });

  it('stores payloads over the inline limit in the payload store and still delivers them', async () => {
    const w = world();
    await w.subscribe({});
    const payload = { blob: 'x'.repeat(2000) };
    const { messageId } = await acceptEvent(w.deps, { type: 'order.created', payload });
    expect(w.deps.messages.items.get(messageId)?.payload).toBeUndefined();
    expect(w.deps.payloads.items.get(`payloads/${messageId}.json`)).toBe(JSON.stringify(payload));
    await w.drain();
    expect(JSON.parse(w.deps.sender.requests[0]?.body ?? '{}')).toEqual(payload);
  });

  it.each([
    [{ payload: {} }, 'type'],
    [{ type: 'a b', payload: {} }, 'type'],
    [{ type: 'x' }, 'payload'],
    [{ type: 'x', payload: {}, extra: 1 }, 'extra'],
    [{ type: 'x', payload: {}, eventTime: 'yesterday' }, 'eventTime'],
  ])('rejects %j naming %s', async (body, field) => {
    const w = world();
    const error = await acceptEvent(w.deps, body).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).errors.map((e) => e.field)).toContain(field);
  });

  it('refuses payloads over the maximum size', async () => {
    const w = world();
    await expect(acceptEvent(w.deps, { type: 'x', payload: 'y'.repeat(5000) })).rejects.toBeInstanceOf(PayloadTooLargeError);
  });
});

describe('replay and manual retry', () => {
  it('replays only failed deliveries of the window once, even when a page runs twice', async () => {
    const w = world(500);
    const id = await w.subscribe({ retryOn: ['timeout'] }); // a 500 ends the delivery
    for (let i = 0; i < 5; i++) {
      await acceptEvent(w.deps, { type: 'order.created', payload: { i } });
      w.clock.t += 1000;
    }
    await w.drain();
    expect([...w.deps.deliveries.items.values()].every((d) => d.status === 'failed')).toBe(true);

    w.deps.sender = new ScriptedSender(() => respond(200));
    const job = await startReplay(w.deps, id, { since: new Date(T0 - 1000).toISOString(), onlyFailed: true });
    const replayTask = w.deps.queue.sent.splice(0);
    await runReplayPage(w.deps, job.id);
    // A duplicate of the same page task finds nothing new to enqueue.
    await processBatch(w.deps, replayTask.map((t, i) => ({ id: `dup${i}`, body: JSON.stringify(t.task) })));
    await w.drain();

    const finished = await w.deps.jobs.get(job.id);
    expect(finished).toMatchObject({ status: 'done', matched: 5, enqueued: 5 });
    expect(w.deps.sender.requests).toHaveLength(5);
    expect([...w.deps.deliveries.items.values()].every((d) => d.status === 'succeeded' && d.generation === 1)).toBe(true);
  });

  it('gives unrouted events in the window to a subscription that matches them now', async () => {
    const w = world();
    const { messageId } = await acceptEvent(w.deps, { type: 'order.created', tenant: 'shop_9', payload: { late: true } });
    const id = await w.subscribe({ tenant: 'shop_9' });
    await startReplay(w.deps, id, { since: new Date(T0 - 1000).toISOString(), until: new Date(T0 + 1000).toISOString() });
    await w.drain();
    expect(w.deps.sender.requests).toHaveLength(1);
    expect(w.deps.sender.requests[0]?.headers['webhook-id']).toBe(messageId);
    // The message's page lists its late delivery.
    const message = await getMessageWithDeliveries(w.deps, messageId);
    expect(message.deliveries).toEqual([expect.objectContaining({ subscriptionId: id, status: 'succeeded', attemptCount: 1 })]);
  });

  it('an unrouted page stopped before its send sends on the re-run, once', async () => {
    const w = world();
    await acceptEvent(w.deps, { type: 'order.created', tenant: 'shop_9', payload: {} });
    const id = await w.subscribe({ tenant: 'shop_9' });
    const send = w.deps.queue.sendMany.bind(w.deps.queue);
    let interrupted = false;
    w.deps.queue.sendMany = async (tasks) => {
      if (!interrupted && tasks.some((t) => 'deliveryId' in t.task && t.task.trigger === 'replay')) {
        interrupted = true;
        throw new Error('SQS unavailable');
      }
      return send(tasks);
    };
    const job = await startReplay(w.deps, id, { since: new Date(T0 - 1000).toISOString(), until: new Date(T0 + 1000).toISOString() });
    await w.drain(); // the unrouted page stops at its send
    expect(interrupted).toBe(true);
    expect(w.deps.sender.requests).toHaveLength(0);
    await runReplayPage(w.deps, job.id); // SQS redelivers the page's task
    await runReplayPage(w.deps, job.id); // and once more: nothing new
    await w.drain();
    expect(w.deps.sender.requests).toHaveLength(1);
    expect([...w.deps.deliveries.items.values()]).toEqual([expect.objectContaining({ status: 'succeeded', attemptCount: 1, replayJobId: job.id })]);
  });

  describe('a deliveries page stopped after its send, before its records', () => {
    async function interruptedReplay() {
      const w = world(500);
      const id = await w.subscribe({ retryOn: ['timeout'] }); // a 500 ends the delivery
      for (let i = 0; i < 3; i++) await acceptEvent(w.deps, { type: 'order.created', payload: { i } });
      await w.drain();
      w.clock.t += 1000;
      w.deps.sender = new ScriptedSender(() => respond(200));
      const open = w.deps.deliveries.openGenerations.bind(w.deps.deliveries);
      let interrupted = false;
      w.deps.deliveries.openGenerations = async (deliveries) => {
        if (!interrupted) {
          interrupted = true;
          throw new Error('DynamoDB unavailable');
        }
        return open(deliveries);
      };
      const job = await startReplay(w.deps, id, { since: new Date(T0 - 1000).toISOString(), onlyFailed: true });
      const pageTask = w.deps.queue.sent.splice(0);
      await expect(runReplayPage(w.deps, job.id)).rejects.toThrow('DynamoDB unavailable');
      expect(w.deps.queue.sent.filter((t) => 'deliveryId' in t.task)).toHaveLength(3); // sent, not recorded
      expect([...w.deps.deliveries.items.values()].map((d) => [d.status, d.generation])).toEqual(Array(3).fill(['failed', 0]));
      return { w, job, pageTask };
    }

    it('the worker opens the generation with the job id, and the re-run replays nothing twice', async () => {
      const { w, job } = await interruptedReplay();
      await w.drain(); // the tasks run before SQS redelivers the page
      await runReplayPage(w.deps, job.id);
      await w.drain();
      expect(w.deps.sender.requests).toHaveLength(3);
      expect([...w.deps.deliveries.items.values()]).toEqual(
        Array(3).fill(expect.objectContaining({ status: 'succeeded', generation: 1, attemptCount: 2, replayJobId: job.id })),
      );
    });

    it('a re-run before the tasks ran sends them again as the same attempt, made once', async () => {
      const { w, job } = await interruptedReplay();
      await runReplayPage(w.deps, job.id);
      await w.drain();
      expect(w.deps.sender.requests).toHaveLength(3);
      expect([...w.deps.deliveries.items.values()]).toEqual(
        Array(3).fill(expect.objectContaining({ status: 'succeeded', generation: 1, attemptCount: 2, replayJobId: job.id })),
      );
      expect(await w.deps.jobs.get(job.id)).toMatchObject({ status: 'done', matched: 3 });
    });
  });

  describe('a manual retry whose record lands after the worker ran its task', () => {
    /** A failed delivery, retried by hand; the retry's record is held back until `release`. */
    async function lateRecord() {
      const w = world(500);
      const id = await w.subscribe({ retryOn: ['timeout'] }); // a 500 ends the delivery
      await acceptEvent(w.deps, { type: 'order.created', payload: {} });
      await w.drain();
      const [failed] = [...w.deps.deliveries.items.values()];
      expect(failed).toMatchObject({ status: 'failed', generation: 0, attemptCount: 1 });
      w.deps.sender = new ScriptedSender(() => respond(200));
      const open = w.deps.deliveries.openGenerations.bind(w.deps.deliveries);
      const heldBack: Delivery[] = [];
      w.deps.deliveries.openGenerations = async (deliveries) => void heldBack.push(...deliveries);
      await retryDelivery(w.deps, failed!.id);
      expect(heldBack).toEqual([expect.objectContaining({ status: 'pending', generation: 1, attemptCount: 1 })]);
      return { w, id, deliveryId: failed!.id, release: () => open(heldBack) };
    }

    it('is made, and the late record does not roll the outcome back', async () => {
      const { w, deliveryId, release } = await lateRecord();
      await w.drain(); // the worker runs the retry before its record exists
      const retried = { status: 'succeeded', generation: 1, attemptCount: 2 };
      expect(w.deps.deliveries.items.get(deliveryId)).toMatchObject(retried);
      await release();
      expect(w.deps.deliveries.items.get(deliveryId)).toMatchObject(retried);
      expect(w.deps.sender.requests).toHaveLength(1);
    });

    it('settled without an attempt (subscription disabled) stays settled, not pending with no task', async () => {
      const { w, id, deliveryId, release } = await lateRecord();
      Object.assign(w.deps.subscriptions.items.get(id)!, { status: 'disabled', disabledReason: 'disabled by an operator' });
      await w.drain();
      const paused = { status: 'paused', generation: 1, attemptCount: 1, reason: 'disabled by an operator' };
      expect(w.deps.deliveries.items.get(deliveryId)).toMatchObject(paused);
      await release();
      expect(w.deps.deliveries.items.get(deliveryId)).toMatchObject(paused);
      expect(w.deps.sender.requests).toHaveLength(0);
    });
  });

  it('retries one delivery now in a new generation and cancels its scheduled retry', async () => {
    const w = world(500);
    await w.subscribe({ preset: 'tiktok-shop' });
    await acceptEvent(w.deps, { type: 'order.created', payload: {} });
    await w.drain();
    const [delivery] = [...w.deps.deliveries.items.values()];
    const scheduled = w.deps.retryScheduler.scheduled[0]!.task;

    w.deps.sender = new ScriptedSender(() => respond(200));
    await retryDelivery(w.deps, delivery!.id);
    expect(w.deps.retryScheduler.cancelled).toEqual([expect.objectContaining({ deliveryId: delivery!.id, attempt: 2, generation: 0 })]);
    await w.drain();
    expect(w.deps.deliveries.items.get(delivery!.id)).toMatchObject({ status: 'succeeded', generation: 1, attemptCount: 2 });

    // The old scheduled retry fires anyway: it is stale and sends nothing.
    w.clock.t = scheduled.dueAt;
    await processBatch(w.deps, [{ id: 'late', body: JSON.stringify(scheduled satisfies DeliveryTask) }]);
    expect(w.deps.sender.requests).toHaveLength(1);
  });
});
