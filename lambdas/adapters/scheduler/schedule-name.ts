/** Schedule names are deterministic per (delivery, attempt, generation): a repeated create is a no-op. */
import type { DeliveryTask } from '../../core/model.js';

export function scheduleNameFor(task: Pick<DeliveryTask, 'deliveryId' | 'attempt' | 'generation'>): string {
  // ≤ 64 characters of [0-9A-Za-z-_.]: delivery ids are `dlv_` + 26 base64url characters.
  return `${task.deliveryId}-a${task.attempt}-g${task.generation}`;
}
