/**
 * The worker loop: Lambda's SQS event source mapping, locally. Several pollers long-poll the
 * deliveries queue, hand each batch to the very worker handler as an `SQSEvent`, delete what
 * succeeded and leave reported failures for the visibility timeout (ReportBatchItemFailures).
 * A batch still running after `patienceMs` (it waits on a slow endpoint) no longer holds its
 * poller: the poller goes on receiving while the batch finishes and settles by itself, up to
 * `maxBatches` batches in flight (the event source's `MaximumConcurrency`), so one slow request
 * never stops a poller's other work for its whole timeout.
 */
import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { toSqsRecord } from './sqs-event.js';

export type SqsBatchHandler = (event: SQSEvent) => Promise<SQSBatchResponse | void>;

export interface WorkerLoopOptions {
  sqs: SQSClient;
  queueUrl: string;
  queueArn: string;
  region: string;
  handler: SqsBatchHandler;
  /**
   * Concurrent pollers (each handles one batch at a time). A batch holding a near-due task waits
   * for it (up to 1 s), so a few more pollers than busy batches keep other tasks on time. @default 8
   */
  pollers?: number;
  /** @default 10 */
  batchSize?: number;
  /** How long a poller waits for its batch before it receives again. @default 250 */
  patienceMs?: number;
  /** Batches in flight at most (those left running by their pollers included). @default pollers × 4 */
  maxBatches?: number;
  /** Short, so a stop never waits long for an empty poll. @default 1 */
  waitTimeSeconds?: number;
  /** Pause after a failed ReceiveMessage before polling again. @default 500 */
  errorBackoffMs?: number;
  /** Handler crashes and queue errors; the loop keeps going. */
  onError?: (error: unknown, context: string) => void;
}

/**
 * Ids of the records to keep on the queue. Lambda treats a throw, or a response naming an id
 * that is not in the batch (or an empty one), as a failure of the whole batch.
 */
export function failedMessageIds(messages: readonly Message[], response: SQSBatchResponse | void): Set<string> {
  const all = new Set(messages.map((m) => m.MessageId ?? ''));
  const failures = response?.batchItemFailures ?? [];
  const ids = new Set<string>();
  for (const f of failures) {
    if (typeof f?.itemIdentifier !== 'string' || !all.has(f.itemIdentifier)) return all;
    ids.add(f.itemIdentifier);
  }
  return ids;
}

export class WorkerLoop {
  private readonly pollers: number;
  private readonly batchSize: number;
  private readonly waitTimeSeconds: number;
  private readonly errorBackoffMs: number;
  private running = false;
  private abort = new AbortController();
  private loops: Promise<void>[] = [];
  private readonly patienceMs: number;
  private readonly maxBatches: number;
  private readonly inFlight = new Set<Promise<void>>();
  /** Batches handled so far (for logs and tests). */
  batches = 0;

  constructor(private readonly options: WorkerLoopOptions) {
    this.pollers = options.pollers ?? 8;
    this.batchSize = options.batchSize ?? 10;
    this.waitTimeSeconds = options.waitTimeSeconds ?? 1;
    this.errorBackoffMs = options.errorBackoffMs ?? 500;
    this.patienceMs = options.patienceMs ?? 250;
    this.maxBatches = options.maxBatches ?? this.pollers * 4;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.abort = new AbortController();
    this.loops = Array.from({ length: this.pollers }, () => this.poll());
  }

  /** Stops polling (an in-progress receive is aborted) and waits for in-flight batches to finish. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.abort.abort();
    await Promise.all(this.loops);
    await Promise.all([...this.inFlight]);
    this.loops = [];
  }

  private async poll(): Promise<void> {
    while (this.running) {
      let messages: Message[];
      try {
        const out = await this.options.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: this.options.queueUrl,
            MaxNumberOfMessages: this.batchSize,
            WaitTimeSeconds: this.waitTimeSeconds,
            MessageSystemAttributeNames: ['All'],
            AttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
          // A long poll may wait longer than the clients' 10 s request timeout.
          { abortSignal: this.abort.signal, requestTimeout: (this.waitTimeSeconds + 10) * 1000 },
        );
        messages = out.Messages ?? [];
      } catch (error) {
        if (!this.running) return;
        this.options.onError?.(error, 'receive');
        await new Promise((r) => setTimeout(r, this.errorBackoffMs));
        continue;
      }
      // Once received, a batch is always handled and settled, even during stop.
      if (messages.length > 0) await this.hold(this.handleBatch(messages));
    }
  }

  /** Waits for `batch` up to the patience, then only while the loop is at its batch limit. */
  private async hold(batch: Promise<void>): Promise<void> {
    const tracked = batch.finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
    let timer: NodeJS.Timeout | undefined;
    const patience = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.patienceMs)));
    await Promise.race([tracked, patience]);
    clearTimeout(timer);
    while (this.inFlight.size >= this.maxBatches) await Promise.race([...this.inFlight]);
  }

  private async handleBatch(messages: Message[]): Promise<void> {
    const { queueArn, region } = this.options;
    const event: SQSEvent = { Records: messages.map((m) => toSqsRecord(m, queueArn, region)) };
    let response: SQSBatchResponse | void;
    let failed: Set<string>;
    try {
      response = await this.options.handler(event);
      failed = failedMessageIds(messages, response);
    } catch (error) {
      this.options.onError?.(error, 'handler');
      failed = new Set(messages.map((m) => m.MessageId ?? ''));
    }
    this.batches += 1;
    const done = messages.filter((m) => !failed.has(m.MessageId ?? ''));
    if (done.length === 0) return;
    try {
      const out = await this.options.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.options.queueUrl,
          Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
        }),
      );
      if ((out.Failed ?? []).length > 0) this.options.onError?.(new Error(`${out.Failed?.length} deletes failed`), 'delete');
    } catch (error) {
      // The messages come back after the visibility timeout: at-least-once, as in Lambda.
      this.options.onError?.(error, 'delete');
    }
  }
}
