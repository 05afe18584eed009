/** Retry names are deterministic per (delivery, attempt, generation): a repeated create is a no-op. */
import type { DeliveryTask } from '../../core/model.js';

/**
 * The name of one retry: the sort key of its retry-task item (`TASK#{name}`, ≤ 1,024 bytes), never
 * an EventBridge schedule name (schedules are per bucket: `bucketScheduleName`). Delivery ids are
 * 56 characters, so a name is about 66.
 */
export function scheduleNameFor(task: Pick<DeliveryTask, 'deliveryId' | 'attempt' | 'generation'>): string {
  return `${task.deliveryId}-a${task.attempt}-g${task.generation}`;
}
