/**
 * The local stand-in for EventBridge Scheduler, behind the same `RetryScheduler` port as the AWS
 * adapter and with the same decisions: near retries go to the queue with a delay, far ones become
 * schedules that fire a little early into the queue. Schedules are `SCHED#…` items in the table,
 * so a restart of local mode loses none. `timeScale` shrinks the 15-minute and lead thresholds
 * like every other delay, so scaled demos and tests take the same paths as production.
 */
import { DeleteCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DeliveryTask } from '../../core/model.js';
import type { RetryScheduler, TaskQueue } from '../../core/ports.js';
import { queueDelaySeconds, retryRoute } from '../../core/retry-route.js';
import { parseQueueTask } from '../../core/tasks.js';
import { batchGet } from '../dynamodb/batch.js';
import { walkIndex } from '../dynamodb/index-pages.js';
import { type Key, type StoreOptions } from '../dynamodb/table-access.js';
import { SCHEDULE_LEAD_MS } from './aws-retry-scheduler.js';
import { scheduleNameFor } from './schedule-name.js';

export interface LocalRetrySchedulerOptions {
  doc: DynamoDBDocumentClient;
  tableName: string;
  queue: TaskQueue;
  /** @default 1 */
  timeScale?: number;
  /** How often due schedules are looked for. @default 100 */
  pollMs?: number;
  now?: () => number;
  onError?: (error: unknown) => void;
}

const SCHEDULES_PARTITION = 'SCHED';
const DEFAULT_POLL_MS = 100;
/** Schedules fire at least this many polls before they are due (well inside the worker's 1 s wait). */
const MIN_LEAD_POLLS = 5;
const scheduleKey = (name: string): Key => ({ pk: `SCHED#${name}`, sk: 'META' });

export class LocalRetryScheduler implements RetryScheduler {
  private readonly queue: TaskQueue;
  private readonly store: StoreOptions;
  private readonly now: () => number;
  private readonly scale: number;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;

  constructor(private readonly options: LocalRetrySchedulerOptions) {
    this.queue = options.queue;
    this.store = { client: options.doc, tableName: options.tableName, retentionDays: 1 };
    this.now = options.now ?? Date.now;
    this.scale = options.timeScale ?? 1;
  }

  async schedule(task: DeliveryTask, dueAt: number): Promise<void> {
    const route = retryRoute(dueAt, this.now(), this.scale);
    if (route.via === 'queue') {
      await this.queue.sendMany([{ task, delaySeconds: route.delaySeconds }]);
      return;
    }
    const name = scheduleNameFor(task);
    // At a large time scale the scaled lead (120 s / N) can be shorter than one poll: the schedule
    // would then fire late. A few polls of lead keep it early; the worker waits out the rest.
    const fireAt = dueAt - Math.max(SCHEDULE_LEAD_MS / this.scale, MIN_LEAD_POLLS * (this.options.pollMs ?? DEFAULT_POLL_MS));
    await this.options.doc.send(
      new PutCommand({
        TableName: this.options.tableName,
        Item: {
          ...scheduleKey(name),
          kind: 'schedule',
          deliveryId: task.deliveryId,
          task: JSON.stringify(task),
          dueAt,
          gsi3pk: SCHEDULES_PARTITION,
          gsi3sk: `${new Date(fireAt).toISOString()}#${name}`,
        },
      }),
    );
  }

  async cancel(task: DeliveryTask): Promise<void> {
    await this.options.doc.send(new DeleteCommand({ TableName: this.options.tableName, Key: scheduleKey(scheduleNameFor(task)) }));
  }

  async start(): Promise<void> {
    await this.fireDue();
    const tick = () => {
      this.polling = this.fireDue()
        .then(() => undefined)
        .catch((error: unknown) => this.options.onError?.(error))
        .finally(() => {
          if (this.timer !== undefined) this.timer = setTimeout(tick, this.options.pollMs ?? DEFAULT_POLL_MS);
        });
    };
    this.timer = setTimeout(tick, this.options.pollMs ?? DEFAULT_POLL_MS);
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.polling;
  }

  /** Sends every schedule whose fire time has come to the queue, then deletes it (at least once). */
  async fireDue(): Promise<number> {
    const now = this.now();
    const keys: Key[] = [];
    for await (const { key } of walkIndex(this.store, { index: 'gsi3', partition: SCHEDULES_PARTITION, to: `${new Date(now).toISOString()}#~`, ascending: true }, 100)) {
      keys.push(key);
      if (keys.length >= 500) break;
    }
    if (keys.length === 0) return 0;
    const items = await batchGet(this.store, keys);
    for (const item of items) {
      const task = parseQueueTask(String(item.task)) as DeliveryTask;
      await this.queue.sendMany([{ task, delaySeconds: queueDelaySeconds(Number(item.dueAt) - this.now()) }]);
      await this.options.doc.send(new DeleteCommand({ TableName: this.options.tableName, Key: { pk: String(item.pk), sk: String(item.sk) } }));
    }
    return items.length;
  }
}
