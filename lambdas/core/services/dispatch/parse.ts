/** Step 1, parse: a batch's records become delivery tasks, control tasks, or permanent rejects. */
import { isDeliveryTask, parseQueueTask } from '../../tasks.js';
import type { DeliveryTask, QueueTask } from '../../model.js';
import type { QueueRecord } from './types.js';

export interface ParsedBatch {
  deliveries: { recordId: string; task: DeliveryTask }[];
  controls: { recordId: string; task: QueueTask }[];
  /** Records whose body failed to parse, with the error (classified by the caller). */
  unparsable: { recordId: string; error: unknown }[];
}

export function parseBatch(records: readonly QueueRecord[]): ParsedBatch {
  const batch: ParsedBatch = { deliveries: [], controls: [], unparsable: [] };
  for (const record of records) {
    let task: QueueTask;
    try {
      task = parseQueueTask(record.body);
    } catch (error) {
      batch.unparsable.push({ recordId: record.id, error });
      continue;
    }
    if (isDeliveryTask(task)) batch.deliveries.push({ recordId: record.id, task });
    else batch.controls.push({ recordId: record.id, task });
  }
  return batch;
}
