/**
 * The queue's wire format. Every body is JSON with `v: 1`; readers reject other versions so a
 * future format change can never be half-understood.
 */
import * as z from 'zod';
import { problemError } from './errors.js';
import { deliveryIdFor } from './ids.js';
import type { Delivery, DeliveryTask, Message, QueueTask } from './model.js';

const deliveryTaskSchema = z.object({
  v: z.literal(1),
  kind: z.literal('delivery').optional(),
  deliveryId: z.string().startsWith('dlv_'),
  messageId: z.string().startsWith('msg_'),
  subscriptionId: z.string().startsWith('sub_'),
  eventType: z.string(),
  tenant: z.string().optional(),
  eventTime: z.string(),
  messageCreatedAt: z.number(),
  attempt: z.number().int().min(1),
  generation: z.number().int().min(0),
  dueAt: z.number(),
  replayJobId: z.string().min(1).optional(),
  trigger: z.enum(['event', 'retry', 'manual', 'replay', 'test']),
  payload: z.unknown().optional(),
  deferrals: z.number().int().min(1).optional(),
  paced: z.literal(true).optional(),
});

const queueTaskSchema = z.union([
  deliveryTaskSchema,
  z.object({
    v: z.literal(1),
    kind: z.literal('fanout'),
    messageId: z.string().startsWith('msg_'),
    offset: z.number().int().min(0),
    check: z.string().min(1).max(64).optional(),
    onlyMissing: z.literal(true).optional(),
  }),
  z.object({ v: z.literal(1), kind: z.literal('replay'), jobId: z.string().min(1) }),
  z.object({ v: z.literal(1), kind: z.literal('sweep'), bucket: z.string().min(1), sweepAt: z.number() }),
]);

/** A queue body that can never be processed (not JSON, not a v1 task): acknowledged, never retried. */
export class InvalidTaskError extends problemError(400, 'Invalid task') {}

/**
 * Parses a queue message body; throws `InvalidTaskError` for anything that is not a v1 task. A
 * delivery task's id is derived from its (message, subscription) again: tasks, retry items and
 * schedules written by an earlier version carry the previous id format and still run.
 */
export function parseQueueTask(body: string): QueueTask {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (cause) {
    throw new InvalidTaskError('task body is not JSON', { cause });
  }
  const parsed = queueTaskSchema.safeParse(json);
  if (!parsed.success) throw new InvalidTaskError(`not a v1 task: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  const task = parsed.data as QueueTask;
  return isDeliveryTask(task) ? { ...task, deliveryId: deliveryIdFor(task.messageId, task.subscriptionId) } : task;
}

export function isDeliveryTask(task: QueueTask): task is DeliveryTask {
  return !('kind' in task) || task.kind === undefined || task.kind === 'delivery';
}

/** The task of `delivery`'s next attempt (its attempt count + 1, its generation), due at `dueAt`. */
export function nextTaskFor(delivery: Delivery, message: Pick<Message, 'eventTime' | 'createdAt'>, dueAt: number, trigger: DeliveryTask['trigger']): DeliveryTask {
  return {
    v: 1,
    deliveryId: delivery.id,
    messageId: delivery.messageId,
    subscriptionId: delivery.subscriptionId,
    eventType: delivery.eventType,
    ...(delivery.tenant !== undefined && { tenant: delivery.tenant }),
    eventTime: message.eventTime,
    messageCreatedAt: Date.parse(message.createdAt),
    attempt: delivery.attemptCount + 1,
    generation: delivery.generation,
    dueAt,
    trigger,
    ...(trigger === 'replay' && delivery.replayJobId !== undefined && { replayJobId: delivery.replayJobId }),
  };
}
