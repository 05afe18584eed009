/** Intake, worker and replay over the in-memory ports: a world the service tests drive by hand. */
import { processBatch, type DispatchDeps } from '../../lambdas/core/services/dispatch.js';
import type { IntakeDeps } from '../../lambdas/core/services/intake.js';
import { createSubscription, type SubscriptionDeps } from '../../lambdas/core/services/subscriptions.js';
import type { SubscriptionId } from '../../lambdas/core/model.js';
import {
  ManualClock,
  MemoryAlerts,
  MemoryDeliveries,
  MemoryJobs,
  MemoryMessages,
  MemoryPayloads,
  MemoryQueue,
  MemoryScheduler,
  MemorySubscriptions,
  ScriptedSender,
  respond,
} from './memory-ports.js';

export const T0 = Date.parse('2026-11-23T10:00:00.000Z');

/** Endpoints answer `status`; `fanoutPageSize` is 3 so paging shows with a few subscriptions; `drain` runs the queue to empty. */
export function serviceWorld(status = 200) {
  const clock = new ManualClock(T0);
  const deps = {
    subscriptions: new MemorySubscriptions(),
    messages: new MemoryMessages(clock.now),
    deliveries: new MemoryDeliveries(),
    payloads: new MemoryPayloads(),
    queue: new MemoryQueue(),
    retryScheduler: new MemoryScheduler(),
    alerts: new MemoryAlerts(),
    jobs: new MemoryJobs(),
    sender: new ScriptedSender(() => respond(status)),
    clock,
    version: 'test',
    attemptLog: { write: () => undefined },
    limits: { maxPayloadBytes: 4096, inlinePayloadBytes: 1024, taskPayloadBytes: 256, fanoutPageSize: 3, retentionDays: 30 },
    timeScale: 1,
    concurrency: 4,
    uniqueTenantEvent: false,
  } satisfies DispatchDeps & IntakeDeps;
  const subs: SubscriptionDeps = { ...deps, policy: { allowHttpLoopback: false, allowedPorts: [] }, uniqueTenantEvent: false };
  const subscribe = async (body: Record<string, unknown>) =>
    (await createSubscription(subs, { url: 'https://hooks.example.com/in', eventTypes: ['order.created'], ...body })).id as SubscriptionId;
  let n = 0;
  const drain = async () => {
    while (deps.queue.sent.length > 0) {
      const batch = deps.queue.sent.splice(0, 10);
      await processBatch(deps, batch.map((t) => ({ id: `r${n++}`, body: JSON.stringify(t.task) })));
    }
  };
  return { deps, clock, subscribe, drain };
}
