/**
 * The benchmark's own in-memory world: the ports the worker's delivery path uses, over maps,
 * for one subscription. Stored items are copied in and out (`structuredClone`), as a real
 * store's serialisation would, so the bookkeeping cost stays in what engine-vs-raw measures.
 * Anything off the success path throws: a benchmark that strays there is broken, not slow.
 */
import type { Delivery, DeliveryId, Subscription, SubscriptionId } from '../../lambdas/core/model.js';
import type { DeliveryStore, QueuedTask, SubscriptionStore } from '../../lambdas/core/ports.js';
import type { DispatchDeps } from '../../lambdas/core/services/dispatch.js';

const offPath = (port: string) => (): never => {
  throw new Error(`${port} is off the benchmarked delivery path`);
};

/** The stores and queues of `DispatchDeps`, plus what the benchmark reads back. */
export type DeliveryWorld = Pick<DispatchDeps, 'subscriptions' | 'messages' | 'deliveries' | 'payloads' | 'queue' | 'retryScheduler' | 'alerts' | 'jobs' | 'endpointHealth'> & {
  /** Every task sent to the queue, in order. */
  sent: QueuedTask[];
  /** The stored deliveries, by id. */
  stored: Map<DeliveryId, Delivery>;
};

export function deliveryWorld(subscription: Subscription): DeliveryWorld {
  const stored = new Map<DeliveryId, Delivery>();
  const sent: QueuedTask[] = [];
  const one = (id: SubscriptionId) => (id === subscription.id ? structuredClone(subscription) : undefined);
  const subscriptions: SubscriptionStore = {
    get: async (id) => one(id),
    getMany: async (ids) => new Map(ids.flatMap((id) => (id === subscription.id ? [[id, structuredClone(subscription)] as const] : []))),
    resetFailures: async () => undefined,
    recordFailure: offPath('subscriptions.recordFailure'),
    create: offPath('subscriptions.create'),
    replace: offPath('subscriptions.replace'),
    delete: offPath('subscriptions.delete'),
    claimHolder: offPath('subscriptions.claimHolder'),
    list: offPath('subscriptions.list'),
    routes: offPath('subscriptions.routes'),
    fallbackRoutes: offPath('subscriptions.fallbackRoutes'),
  };
  const deliveries: DeliveryStore = {
    get: async (id) => structuredClone(stored.get(id)),
    getMany: async (ids) => new Map(ids.flatMap((id) => (stored.has(id) ? [[id, structuredClone(stored.get(id)!)] as const] : []))),
    createMany: async (items) => items.forEach((d) => stored.has(d.id) || stored.set(d.id, structuredClone(d))),
    putMany: async (items) => items.forEach((d) => stored.set(d.id, structuredClone(d))),
    openGenerations: async (items) => items.forEach((d) => stored.set(d.id, structuredClone(d))),
    list: offPath('deliveries.list'),
  };
  return {
    subscriptions,
    deliveries,
    // No message is stored: the tasks carry their payloads, so the worker's look-up finds none.
    messages: {
      get: async () => undefined,
      getMany: async () => new Map(),
      put: offPath('messages.put'),
      markQueued: offPath('messages.markQueued'),
      markIntakeFailed: offPath('messages.markIntakeFailed'),
      claimQueued: offPath('messages.claimQueued'),
      listUnrouted: offPath('messages.listUnrouted'),
      addRoute: offPath('messages.addRoute'),
    },
    payloads: { put: offPath('payloads.put'), get: offPath('payloads.get') },
    queue: { sendMany: async (tasks) => void sent.push(...structuredClone(tasks)) },
    retryScheduler: { schedule: offPath('retryScheduler.schedule'), cancel: offPath('retryScheduler.cancel') },
    alerts: { publish: offPath('alerts.publish') },
    jobs: { put: offPath('jobs.put'), get: offPath('jobs.get') },
    // Off the path: a healthy delivery never touches the breaker's state (it comes with the subscription read).
    endpointHealth: {
      recordTransportFailure: offPath('endpointHealth.recordTransportFailure'),
      open: offPath('endpointHealth.open'),
      claimProbe: offPath('endpointHealth.claimProbe'),
      close: offPath('endpointHealth.close'),
      reserveSlot: offPath('endpointHealth.reserveSlot'),
    },
    sent,
    stored,
  };
}
