/**
 * The startup recovery sweep. fauxqs keeps queues in memory only, so after a restart every
 * task that was on the queue is gone; DynamoDB still knows which deliveries are `pending`.
 * Each pending delivery whose next attempt is not persisted to reach the queue by itself (a
 * bucketed retry whose sweep has not fired: the local scheduler fires it) is enqueued again, due
 * when it was due: the worker tops up the delay of an early task and ignores a stale one, so an
 * extra task is harmless. A delivery is recorded only when its first
 * attempt ends, so a message's routes without a record get their first task again too. A
 * local-only Scan: AWS never needs this.
 */
import { ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { deliveryIdFor } from '../lambdas/core/ids.js';
import { parseJsonOrUndefined } from '../lambdas/core/json.js';
import type { Delivery, DeliveryId, DeliveryTask, Message, MessageId } from '../lambdas/core/model.js';
import { firstTask } from '../lambdas/core/services/intake.js';
import type { DeliveryStore, MessageStore, TaskQueue } from '../lambdas/core/ports.js';
import { nextTaskFor } from '../lambdas/core/tasks.js';
import { KEY_PREFIX } from '../lambdas/adapters/dynamodb/table-schema.js';

const RETRY_PREFIX = 'RETRY#';

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

/** A retry's identity: the delivery, its generation and the attempt the task makes. */
type RetryRef = { deliveryId: string; generation: number; attempt: number };
const retryKey = (r: RetryRef): string => `${r.deliveryId}#${r.generation}#${r.attempt}`;

/** A persisted task, its delivery id derived again (one written by an earlier version carries the previous format). */
function taskOf(item: Record<string, unknown>): Record<string, unknown> | undefined {
  const task = typeof item.task === 'string' ? parseJsonOrUndefined(item.task) : item.task;
  if (typeof task !== 'object' || task === null) return undefined;
  const { messageId, subscriptionId } = task as Record<string, unknown>;
  return typeof messageId === 'string' && typeof subscriptionId === 'string' ? { ...task, deliveryId: deliveryIdFor(messageId, subscriptionId) } : (task as Record<string, unknown>);
}

const isRetryRef = (task: Record<string, unknown> | undefined): task is RetryRef =>
  typeof task?.deliveryId === 'string' && typeof task.generation === 'number' && typeof task.attempt === 'number';

/**
 * The retries that still reach the queue by themselves after a restart (`retryKey`s): a task in
 * a due-minute bucket (`RETRY#…` `TASK#…` item) whose sweep is still a persisted schedule
 * (`SCHED#…` item, deleted once fired) and not marked swept, or a per-retry schedule. Bucket task
 * items outlive their sweep (they expire a day later): once the sweep fired, its tasks went to
 * the queue that was lost, so such an item proves nothing.
 */
export function persistedRetries(items: readonly Record<string, unknown>[]): Set<string> {
  const pendingSweeps = new Set<string>();
  const swept = new Set<string>();
  const bucketed: { bucket: string; task: RetryRef }[] = [];
  const keys = new Set<string>();
  for (const item of items) {
    const pk = String(item.pk ?? '');
    const task = taskOf(item);
    if (pk.startsWith(KEY_PREFIX.schedule)) {
      if (task?.kind === 'sweep' && typeof task.bucket === 'string') pendingSweeps.add(task.bucket);
      else if (isRetryRef(task)) keys.add(retryKey(task));
    } else if (pk.startsWith(RETRY_PREFIX)) {
      const bucket = pk.slice(RETRY_PREFIX.length);
      if (item.sk === 'META' && item.swept === true) swept.add(bucket);
      else if (isRetryRef(task)) bucketed.push({ bucket, task });
    }
  }
  for (const { bucket, task } of bucketed) if (pendingSweeps.has(bucket) && !swept.has(bucket)) keys.add(retryKey(task));
  return keys;
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
      ProjectionExpression: 'messageId, subscriptionId',
    }),
    // Schedules, and the retry buckets' task and META items (retries past 15 minutes).
    scanAll(deps, {
      FilterExpression: 'begins_with(pk, :sched) OR begins_with(pk, :retry)',
      ExpressionAttributeValues: { ':sched': KEY_PREFIX.schedule, ':retry': RETRY_PREFIX },
    }),
  ]);
  const persisted = persistedRetries(scheduleItems);
  const ids = pendingItems.map((item) => deliveryIdFor(String(item.messageId), String(item.subscriptionId)));
  let enqueued = 0;
  let scheduled = 0;
  for (let i = 0; i < ids.length; i += 100) {
    const pending = [...(await deps.deliveries.getMany(ids.slice(i, i + 100))).values()].filter((d) => d.status === 'pending');
    // Only a persisted task for the attempt the delivery waits for counts (an older one is stale).
    const lost = pending.filter((d) => !persisted.has(retryKey({ deliveryId: d.id, generation: d.generation, attempt: d.attemptCount + 1 })));
    scheduled += pending.length - lost.length;
    const messages = await deps.messages.getMany([...new Set(lost.map((d) => d.messageId))] as MessageId[]);
    const tasks = lost.flatMap((d) => {
      const message = messages.get(d.messageId);
      return message === undefined ? [] : [{ task: recoveryTask(d, message, now), delaySeconds: 0 }];
    });
    if (tasks.length > 0) await deps.queue.sendMany(tasks);
    enqueued += tasks.length;
  }
  const unrecorded = await recoverUnrecordedFirstAttempts(deps, now);
  return { pending: pendingItems.length, scheduled, enqueued, unrecorded };
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
