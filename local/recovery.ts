/**
 * The startup recovery sweep. fauxqs keeps queues in memory only, so after a restart every
 * task that was on the queue is gone; DynamoDB still knows which deliveries are `pending`.
 * Each pending delivery without a persisted schedule (the local scheduler fires those itself)
 * is enqueued again, due when it was due: the worker tops up the delay of an early task and
 * ignores a stale one, so an extra task is harmless. A delivery is recorded only when its first
 * attempt ends, so a message's routes without a record get their first task again too. A
 * local-only Scan: AWS never needs this.
 */
import { ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { deliveryIdFor } from '../lambdas/core/ids.js';
import type { Delivery, DeliveryId, DeliveryTask, Message, MessageId } from '../lambdas/core/model.js';
import { firstTask } from '../lambdas/core/services/intake.js';
import type { DeliveryStore, MessageStore, TaskQueue } from '../lambdas/core/ports.js';
import { nextTaskFor } from '../lambdas/core/tasks.js';

export interface RecoveryDeps {
  doc: DynamoDBDocumentClient;
  tableName: string;
  deliveries: Pick<DeliveryStore, 'getMany'>;
  messages: Pick<MessageStore, 'getMany'>;
  queue: TaskQueue;
  /** @default Date.now */
  now?: () => number;
}

export interface RecoveryResult {
  pending: number;
  scheduled: number;
  enqueued: number;
  /** First attempts re-sent: routes of a message with no delivery record yet. */
  unrecorded: number;
}

async function scanAll(deps: RecoveryDeps, input: Omit<ConstructorParameters<typeof ScanCommand>[0], 'TableName' | 'ExclusiveStartKey'>) {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await deps.doc.send(new ScanCommand({ ...input, TableName: deps.tableName, ...(start !== undefined && { ExclusiveStartKey: start }) }));
    items.push(...((out.Items ?? []) as Record<string, unknown>[]));
    start = out.LastEvaluatedKey as Record<string, unknown> | undefined;
  } while (start !== undefined);
  return items;
}

/** Delivery ids that have a persisted schedule (`SCHED#…` items) or a retry waiting in a bucket (`RETRY#…` task items). */
export function scheduledDeliveryIds(items: readonly Record<string, unknown>[]): Set<string> {
  const ids = new Set<string>();
  for (const item of items) {
    const task = (typeof item.task === 'string' ? safeJson(item.task) : item.task) as { deliveryId?: unknown } | undefined;
    const id = item.deliveryId ?? task?.deliveryId;
    if (typeof id === 'string') ids.add(id);
    else if (typeof item.pk === 'string') {
      // Fall back to the name, which embeds the delivery id (`SCHED#dlv_…-a2-g0`).
      const match = /(dlv_[A-Za-z0-9]+)/.exec(item.pk);
      if (match?.[1] !== undefined) ids.add(match[1]);
    }
  }
  return ids;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function recoveryTask(delivery: Delivery, message: { eventTime: string; createdAt: string }, now: number): DeliveryTask {
  const due = delivery.nextAttemptAt !== undefined ? Date.parse(delivery.nextAttemptAt) : now;
  return nextTaskFor(delivery, message, Number.isFinite(due) ? due : now, delivery.attemptCount > 0 ? 'retry' : 'event');
}

export async function recoverPendingDeliveries(deps: RecoveryDeps): Promise<RecoveryResult> {
  const now = (deps.now ?? Date.now)();
  const [pendingItems, scheduleItems] = await Promise.all([
    scanAll(deps, {
      FilterExpression: 'begins_with(pk, :dlv) AND #status = :pending',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':dlv': 'DLV#', ':pending': 'pending' },
      ProjectionExpression: 'pk',
    }),
    // Retries past 15 minutes wait as `RETRY#…` bucket items (their task names the delivery).
    scanAll(deps, {
      FilterExpression: 'begins_with(pk, :sched) OR (begins_with(pk, :retry) AND begins_with(sk, :task))',
      ExpressionAttributeValues: { ':sched': 'SCHED#', ':retry': 'RETRY#', ':task': 'TASK#' },
    }),
  ]);
  const scheduled = scheduledDeliveryIds(scheduleItems);
  const ids = pendingItems
    .map((item) => String(item.pk).slice('DLV#'.length) as DeliveryId)
    .filter((id) => !scheduled.has(id));
  let enqueued = 0;
  for (let i = 0; i < ids.length; i += 100) {
    const deliveries = [...(await deps.deliveries.getMany(ids.slice(i, i + 100))).values()].filter((d) => d.status === 'pending');
    const messages = await deps.messages.getMany([...new Set(deliveries.map((d) => d.messageId))] as MessageId[]);
    const tasks = deliveries.flatMap((d) => {
      const message = messages.get(d.messageId);
      return message === undefined ? [] : [{ task: recoveryTask(d, message, now), delaySeconds: 0 }];
    });
    if (tasks.length > 0) await deps.queue.sendMany(tasks);
    enqueued += tasks.length;
  }
  const unrecorded = await recoverUnrecordedFirstAttempts(deps, now);
  return { pending: pendingItems.length, scheduled: pendingItems.length - ids.length, enqueued, unrecorded };
}

/** Messages whose first tasks were on the lost queue: each route without a record gets its first task. */
async function recoverUnrecordedFirstAttempts(deps: RecoveryDeps, now: number): Promise<number> {
  const items = await scanAll(deps, {
    FilterExpression: 'begins_with(pk, :msg) AND #kind = :message AND size(subscriptionIds) > :none',
    ExpressionAttributeNames: { '#kind': 'kind' },
    ExpressionAttributeValues: { ':msg': 'MSG#', ':message': 'message', ':none': 0 },
    ProjectionExpression: 'pk',
  });
  const ids = items.map((item) => String(item.pk).slice('MSG#'.length) as MessageId);
  let enqueued = 0;
  for (let i = 0; i < ids.length; i += 100) {
    const messages = [...(await deps.messages.getMany(ids.slice(i, i + 100))).values()];
    for (const message of messages) enqueued += await resendUnrecorded(deps, message, now);
  }
  return enqueued;
}

async function resendUnrecorded(deps: RecoveryDeps, message: Message, now: number): Promise<number> {
  const recorded = await deps.deliveries.getMany(message.subscriptionIds.map((s) => deliveryIdFor(message.id, s)));
  const tasks = message.subscriptionIds
    .filter((s) => !recorded.has(deliveryIdFor(message.id, s)))
    .map((s) => ({ task: firstTask(message, s, now, 0), delaySeconds: 0 }));
  if (tasks.length > 0) await deps.queue.sendMany(tasks);
  return tasks.length;
}
