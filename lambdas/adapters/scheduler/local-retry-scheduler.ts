/**
 * The local stand-in for EventBridge Scheduler, behind the same `RetryScheduler` port as the AWS
 * adapter and with the same design (bucketed-retry-scheduler.ts): near retries go to the queue
 * with a delay, far ones wait in due-minute buckets whose one-shot schedules put a sweep task on
 * the queue. Schedules are `SCHED#…` items in the table, so a restart of local mode loses none.
 * `timeScale` shrinks the 15-minute threshold, the minute and the lead like every other delay,
 * so scaled demos and tests take the same paths as production.
 */
import { DeleteCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { QueueTask } from '../../core/model.js';
import type { OneShotSchedules, TaskQueue } from '../../core/ports.js';
import { parseQueueTask } from '../../core/tasks.js';
import { DynamoRetryBucketStore } from '../dynamodb/retry-bucket-store.js';
import { batchGet } from '../dynamodb/batch.js';
import { walkIndex } from '../dynamodb/index-pages.js';
import type { Key, StoreOptions } from '../dynamodb/table-access.js';
import { BucketedRetryScheduler } from './bucketed-retry-scheduler.js';

export interface LocalRetrySchedulerOptions {
  doc: DynamoDBDocumentClient;
  tableName: string;
  queue: TaskQueue;
  /** @default 1 */
  timeScale?: number;
  /** Buckets per due minute. @default RETRY_SHARDS */
  shards?: number;
  /** How often due schedules are looked for. @default 100 */
  pollMs?: number;
  now?: () => number;
  onError?: (error: unknown) => void;
  /** Called when a bucket's schedule could not be created and its sweep went on the queue instead. */
  onFallback?: (error: unknown) => void;
}

const SCHEDULES_PARTITION = 'SCHED';
const DEFAULT_POLL_MS = 100;
/**
 * Schedules fire this much before their time: at a large time scale the scaled lead is shorter
 * than a poll plus a worker hop. Inside the sweep's one-second tolerance, so nothing bounces.
 */
const EXTRA_LEAD_MS = 500;
const scheduleKey = (name: string): Key => ({ pk: `SCHED#${name}`, sk: 'META' });

/** One-shot schedules as table items, fired by polling: EventBridge Scheduler's part in local mode. */
export class LocalOneShotSchedules implements OneShotSchedules {
  private readonly store: StoreOptions;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  /** Schedules created (items written), as CreateSchedule calls would be counted in AWS. */
  created = 0;

  constructor(private readonly options: LocalRetrySchedulerOptions & { now: () => number }) {
    this.store = { client: options.doc, tableName: options.tableName, retentionDays: 1 };
  }

  async create(name: string, fireAt: number, task: QueueTask): Promise<void> {
    const at = new Date(fireAt - EXTRA_LEAD_MS).toISOString();
    await this.options.doc.send(
      new PutCommand({
        TableName: this.options.tableName,
        Item: { ...scheduleKey(name), kind: 'schedule', task: JSON.stringify(task), gsi3pk: SCHEDULES_PARTITION, gsi3sk: `${at}#${name}` },
      }),
    );
    this.created++;
  }

  async start(): Promise<void> {
    await this.fireDue();
    const pollMs = this.options.pollMs ?? DEFAULT_POLL_MS;
    const tick = () => {
      this.polling = this.fireDue()
        .then(() => undefined)
        .catch((error: unknown) => this.options.onError?.(error))
        .finally(() => {
          if (this.timer !== undefined) this.timer = setTimeout(tick, pollMs);
        });
    };
    this.timer = setTimeout(tick, pollMs);
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.polling;
  }

  /** Sends every schedule whose time has come to the queue, then deletes it (at least once). */
  async fireDue(): Promise<number> {
    const keys: Key[] = [];
    const to = `${new Date(this.options.now()).toISOString()}#~`;
    for await (const { key } of walkIndex(this.store, { index: 'gsi3', partition: SCHEDULES_PARTITION, to, ascending: true }, 100)) {
      keys.push(key);
      if (keys.length >= 500) break;
    }
    if (keys.length === 0) return 0;
    const items = await batchGet(this.store, keys);
    for (const item of items) {
      await this.options.queue.sendMany([{ task: parseQueueTask(String(item.task)), delaySeconds: 0 }]);
      await this.options.doc.send(new DeleteCommand({ TableName: this.options.tableName, Key: { pk: String(item.pk), sk: String(item.sk) } }));
    }
    return items.length;
  }
}

export class LocalRetryScheduler extends BucketedRetryScheduler {
  readonly schedules: LocalOneShotSchedules;

  constructor(options: LocalRetrySchedulerOptions) {
    const now = options.now ?? Date.now;
    const schedules = new LocalOneShotSchedules({ ...options, now });
    super({
      queue: options.queue,
      buckets: new DynamoRetryBucketStore({ client: options.doc, tableName: options.tableName }),
      schedules,
      now,
      ...(options.timeScale !== undefined && { timeScale: options.timeScale }),
      ...(options.shards !== undefined && { shards: options.shards }),
      ...(options.onFallback !== undefined && { onFallback: options.onFallback }),
    });
    this.schedules = schedules;
  }

  start(): Promise<void> {
    return this.schedules.start();
  }

  stop(): Promise<void> {
    return this.schedules.stop();
  }

  fireDue(): Promise<number> {
    return this.schedules.fireDue();
  }
}
