/**
 * One due task from gate to stored outcome. Each task writes its own record as soon as its attempt
 * ends (no wait for the rest of the batch), so a retry due moments later rarely finds the record
 * of the attempt before it missing.
 */
import type { Delivery, DeliveryTask } from '../../model.js';
import { attemptStep, type AttemptOutcome } from './attempt-step.js';
import { redeliverAfter } from './error-class.js';
import { gateTask } from './gate.js';
import { deferTasks, isolate } from './isolation.js';
import { recordOutcome, settle } from './record.js';
import { sleep, type BatchContext, type DispatchDeps } from './types.js';

export async function runTask(deps: DispatchDeps, context: BatchContext, received: DeliveryTask): Promise<void> {
  const gate = await gateTask(deps, context, received);
  switch (gate.kind) {
    case 'skip':
      deps.observe?.({ type: 'skipped', task: gate.task, reason: gate.reason });
      return;
    case 'requeue':
      await deps.queue.sendMany([{ task: gate.task, delaySeconds: 1 }]);
      deps.observe?.({ type: 'skipped', task: gate.task, reason: gate.reason });
      return;
    case 'settle':
      return settle(deps, gate.delivery, gate.task, gate.status, gate.reason);
    case 'run':
      break;
  }
  const isolation = await isolate(deps, gate.task, gate.subscription);
  if (isolation.kind === 'defer') return deferTasks(deps, [{ task: gate.task, deferral: isolation }]);
  await waitUntil(deps, Math.max(gate.task.dueAt, isolation.startAt ?? 0));
  const payload = await payloadOf(deps, context, gate.task);
  if (payload === MISSING) return settle(deps, gate.delivery, gate.task, 'dropped', 'message has expired');
  const end = deps.endpointLoad.begin(gate.subscription.id, deps.clock.now());
  let outcome: AttemptOutcome;
  try {
    outcome = await attemptStep(deps, context, gate, payload);
  } finally {
    end();
  }
  if (gate.task.deferrals !== undefined) outcome.attempt.deferrals = gate.task.deferrals;
  if (isolation.probe) outcome.attempt.breakerProbe = true;
  await recordOutcome(deps, context, outcome, isolation.probe);
  if (outcome.retry?.inline === true) await retryInline(deps, context, outcome.next, outcome.retry.task);
}

/**
 * Makes a retry due within a second here, waiting out the interval like an early task: a trip
 * through the queue (send, receive, reads) would take about as long as such an interval.
 */
async function retryInline(deps: DispatchDeps, context: BatchContext, delivery: Delivery, retry: DeliveryTask): Promise<void> {
  // The batch's view of the subscription already carries what the failure policy just did.
  context.deliveries.set(delivery.id, delivery);
  try {
    await runTask(deps, context, retry);
  } catch (error) {
    // Through the queue instead; if even that fails, the task that failed is redelivered (it is
    // not acknowledged) and makes the retry (`lostInlineRetry`), as after a crash.
    redeliverAfter(deps, error, { task: retry });
    await deps.retryScheduler.schedule(retry, retry.dueAt);
  }
}

const MISSING = Symbol('missing');

async function payloadOf(deps: DispatchDeps, context: BatchContext, task: DeliveryTask): Promise<unknown> {
  if (task.payload !== undefined) return task.payload;
  let pending = context.payloads.get(task.messageId);
  if (pending === undefined) {
    pending = (async () => {
      const message = context.messages.get(task.messageId) ?? (await deps.messages.get(task.messageId));
      if (message === undefined) return MISSING;
      if (message.payloadRef !== undefined) return JSON.parse(await deps.payloads.get(message.payloadRef)) as unknown;
      return message.payload;
    })();
    context.payloads.set(task.messageId, pending);
  }
  return pending;
}

/** Timers can fire a millisecond early: a retry never starts before its due time. */
async function waitUntil(deps: DispatchDeps, at: number): Promise<void> {
  for (let tries = 0; tries < 3; tries++) {
    const left = at - deps.clock.now();
    if (left <= 0) return;
    await sleep(Math.ceil(left));
  }
}
