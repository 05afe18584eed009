import { describe, expect, it } from 'vitest';
import { processBatch, type DispatchEvent } from '../../../lambdas/core/services/dispatch.js';
import { CONTROL_TASK_MIN_REMAINING_MS, CONTROL_TASKS_PER_INVOCATION } from '../../../lambdas/core/services/dispatch/control.js';
import { firstTask } from '../../../lambdas/core/services/intake.js';
import type { FanoutTask, Message, MessageId, QueueTask, SubscriptionId } from '../../../lambdas/core/model.js';
import type { QueuedTask } from '../../../lambdas/core/ports.js';
import { memoryServiceDeps, T0 } from '../../support/service-world.js';

/** A world with `count` stored messages, each routed to one subscription, and a fan-out task per message. */
async function fanOutWorld(count: number) {
  const events: DispatchEvent[] = [];
  const { deps } = memoryServiceDeps({ observe: (e) => events.push(e) });
  const fanouts: FanoutTask[] = [];
  for (let i = 0; i < count; i++) {
    const message: Message = {
      id: `msg_${i}` as MessageId,
      type: 'order.created',
      eventTime: new Date(T0).toISOString(),
      createdAt: new Date(T0).toISOString(),
      routing: 'tenant',
      subscriptionIds: [`sub_${i}` as SubscriptionId],
      payload: { i },
      payloadBytes: 7,
    };
    await deps.messages.put(message);
    fanouts.push({ v: 1, kind: 'fanout', messageId: message.id, offset: 0 });
  }
  const records = (tasks: readonly QueueTask[]) => tasks.map((task, i) => ({ id: `r${i}`, body: JSON.stringify(task) }));
  /** Messages whose fan-out ran (their delivery task is on the queue) and whose fan-out went back on it. */
  const outcome = (sent: readonly QueuedTask[]) => ({
    ran: sent.flatMap((s) => ('kind' in s.task ? [] : [s.task.messageId as string])),
    deferred: sent.filter((s) => 'kind' in s.task && s.task.kind === 'fanout').map((s) => [(s.task as FanoutTask).messageId as string, s.delaySeconds]),
  });
  return { deps, events, fanouts, records, outcome };
}

describe('control tasks per invocation', () => {
  it(`runs at most ${CONTROL_TASKS_PER_INVOCATION} and puts the rest back on the queue, acknowledged`, async () => {
    // Prepare
    const w = await fanOutWorld(5);
    // Act
    const failed = await processBatch(w.deps, w.records(w.fanouts));
    // Assess: the first three ran, the other two wait on the queue, due now; no record is redelivered.
    expect(failed).toEqual([]);
    expect(w.outcome(w.deps.queue.sent)).toEqual({
      ran: ['msg_0', 'msg_1', 'msg_2'],
      deferred: [
        ['msg_3', 0],
        ['msg_4', 0],
      ],
    });
    expect(w.events.filter((e) => e.type === 'control-deferred').map((e) => e.type === 'control-deferred' && e.recordId)).toEqual(['r3', 'r4']);
  });

  it('starts no control task with less than the reserve of the invocation left, and still runs the delivery tasks', async () => {
    // Prepare: two fan-outs and the first task of a third message, in one batch near the timeout.
    const w = await fanOutWorld(3);
    const message = (await w.deps.messages.get('msg_2' as MessageId))!;
    const delivery = firstTask(message, 'sub_2' as SubscriptionId, T0, 0);
    // Act
    const failed = await processBatch(w.deps, w.records([w.fanouts[0]!, w.fanouts[1]!, delivery]), {
      remainingMs: () => CONTROL_TASK_MIN_REMAINING_MS - 1,
    });
    // Assess: both fan-outs deferred, the delivery attempted (the subscription does not exist: dropped).
    expect(failed).toEqual([]);
    expect(w.outcome(w.deps.queue.sent)).toEqual({ ran: [], deferred: [['msg_0', 0], ['msg_1', 0]] });
    expect(w.events.some((e) => e.type === 'skipped' && e.task.deliveryId === delivery.deliveryId)).toBe(true);
  });

  it('stops starting control tasks once the remaining time falls below the reserve', async () => {
    // Prepare: the first page leaves the invocation with less than the reserve.
    const w = await fanOutWorld(3);
    const remaining = [CONTROL_TASK_MIN_REMAINING_MS + 5_000, CONTROL_TASK_MIN_REMAINING_MS - 5_000];
    // Act
    await processBatch(w.deps, w.records(w.fanouts), { remainingMs: () => remaining.shift() ?? 0 });
    // Assess
    expect(w.outcome(w.deps.queue.sent)).toEqual({ ran: ['msg_0'], deferred: [['msg_1', 0], ['msg_2', 0]] });
  });

  it('redelivers the deferred records when putting them back on the queue fails', async () => {
    // Prepare: the queue refuses every send after the first three pages' sends.
    const w = await fanOutWorld(4);
    const send = w.deps.queue.sendMany.bind(w.deps.queue);
    let sends = 0;
    w.deps.queue.sendMany = async (tasks) => {
      if (++sends > CONTROL_TASKS_PER_INVOCATION) throw new Error('queue unavailable');
      return send(tasks);
    };
    // Act
    const failed = await processBatch(w.deps, w.records(w.fanouts));
    // Assess: the deferred record is not acknowledged, so SQS brings it back.
    expect(failed).toEqual(['r3']);
    expect(w.outcome(w.deps.queue.sent).ran).toEqual(['msg_0', 'msg_1', 'msg_2']);
  });
});
