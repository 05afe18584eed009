/** The deliveries queue: batched sends (10 per call), failed entries retried, never silently dropped. */
import { setTimeout as sleep } from 'node:timers/promises';
import { SendMessageBatchCommand, type SendMessageBatchRequestEntry, type SQSClient } from '@aws-sdk/client-sqs';
import { TransientDependencyError } from '../../core/errors.js';
import type { QueuedTask, TaskQueue } from '../../core/ports.js';
import { MAX_QUEUE_DELAY_SECONDS } from '../../core/retry-route.js';
import { mapErrors } from '../errors.js';

const BATCH_SIZE = 10;
const ENTRY_RETRIES = 4;

/**
 * The task as an SQS message body. SQS refuses U+FFFE, U+FFFF and (in emulators) surrogates,
 * which a JSON payload may carry raw; JSON may escape any character, so those are written as
 * `\uXXXX` and the body parses back to the very same task.
 */
export function taskBody(task: QueuedTask['task']): string {
  return JSON.stringify(task).replace(/[\ud800-\udfff\ufffe\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export interface SqsTaskQueueOptions {
  client: SQSClient;
  queueUrl: string;
}

export class SqsTaskQueue implements TaskQueue {
  constructor(private readonly options: SqsTaskQueueOptions) {}

  async sendMany(tasks: readonly QueuedTask[]): Promise<void> {
    const batches: SendMessageBatchRequestEntry[][] = [];
    tasks.forEach((queued, i) => {
      const entry = {
        Id: String(i),
        MessageBody: taskBody(queued.task),
        DelaySeconds: Math.max(0, Math.min(MAX_QUEUE_DELAY_SECONDS, Math.floor(queued.delaySeconds))),
      };
      const last = batches.at(-1);
      if (last === undefined || last.length >= BATCH_SIZE) batches.push([entry]);
      else last.push(entry);
    });
    await Promise.all(batches.map((entries) => this.sendBatch(entries)));
  }

  private async sendBatch(entries: SendMessageBatchRequestEntry[]): Promise<void> {
    let pending = entries;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 0) await sleep(Math.min(1000, 50 * 2 ** attempt));
      const out = await mapErrors('sqs', 'SendMessageBatch', () =>
        this.options.client.send(new SendMessageBatchCommand({ QueueUrl: this.options.queueUrl, Entries: pending })),
      );
      const failed = new Set((out.Failed ?? []).map((f) => f.Id));
      const permanent = (out.Failed ?? []).filter((f) => f.SenderFault === true);
      if (permanent.length > 0 || attempt >= ENTRY_RETRIES) {
        const detail = (out.Failed ?? []).map((f) => `${f.Code}: ${f.Message ?? ''}`).join('; ');
        throw new TransientDependencyError(`sqs SendMessageBatch could not send ${failed.size} of ${entries.length} tasks (${detail})`);
      }
      pending = pending.filter((e) => failed.has(e.Id));
    }
  }
}
