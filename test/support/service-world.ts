/** Intake, worker and replay over the in-memory ports: a world the service tests drive by hand. */
import type { AttemptLog } from '../../lambdas/core/attempt-log.js';
import { processBatch, type DispatchDeps, type DispatchEvent } from '../../lambdas/core/services/dispatch.js';
import type { IntakeDeps, IntakeLimits } from '../../lambdas/core/services/intake.js';
import type { OutboundRequest, SendResult } from '../../lambdas/core/ports.js';
import { EndpointLoad } from '../../lambdas/core/endpoint-load.js';
import { createSubscription, type SubscriptionDeps } from '../../lambdas/core/services/subscriptions.js';
import type { SubscriptionId } from '../../lambdas/core/model.js';
import { ManualClock, ScriptedSender, memoryPorts, respond } from './memory-ports.js';

export const T0 = Date.parse('2026-11-23T10:00:00.000Z');

export interface MemoryServiceOptions {
  /** What endpoints answer, request by request. @default 200 for every request */
  script?: (request: OutboundRequest, index: number) => SendResult;
  limits?: IntakeLimits;
  version?: string;
  attemptLog?: AttemptLog;
  observe?: (event: DispatchEvent) => void;
}

/** Intake, worker and subscription dependencies over the in-memory ports, on a manual clock at `T0`. */
export function memoryServiceDeps(options: MemoryServiceOptions = {}) {
  const clock = new ManualClock(T0);
  const deps = {
    ...memoryPorts(clock.now),
    endpointLoad: new EndpointLoad(),
    sender: new ScriptedSender(options.script ?? (() => respond(200))),
    clock,
    version: options.version ?? 'test',
    attemptLog: options.attemptLog ?? { write: () => undefined },
    limits: options.limits ?? { maxPayloadBytes: 4096, inlinePayloadBytes: 1024, taskPayloadBytes: 256, fanoutPageSize: 3, retentionDays: 30 },
    timeScale: 1,
    concurrency: 4,
    uniqueTenantEvent: false,
    ...(options.observe !== undefined && { observe: options.observe }),
  } satisfies DispatchDeps & IntakeDeps;
  const subscriptionDeps: SubscriptionDeps = { ...deps, policy: { allowHttpLoopback: false, allowedPorts: [] }, uniqueTenantEvent: false };
  return { deps, clock, subscriptionDeps };
}

/** Endpoints answer `status`; `fanoutPageSize` is 3 so paging shows with a few subscriptions; `drain` runs the queue to empty. */
export function serviceWorld(status = 200) {
  const { deps, clock, subscriptionDeps: subs } = memoryServiceDeps({ script: () => respond(status) });
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
