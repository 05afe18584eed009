/** Replay jobs: one item each, expiring with the deliveries they replay. */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { ReplayJob, ReplayJobId } from '../../core/model.js';
import type { JobStore } from '../../core/ports.js';
import { dynamo, expiryAfter, getRecord, withoutKeys, type Key, type StoreOptions } from './table-access.js';

const jobKey = (id: string): Key => ({ pk: `JOB#${id}`, sk: 'META' });

export class DynamoJobStore implements JobStore {
  constructor(private readonly options: StoreOptions) {}

  async put(job: ReplayJob): Promise<void> {
    const Item = { ...jobKey(job.id), kind: 'replay-job', expiresAt: expiryAfter(job.createdAt, this.options.retentionDays), ...job };
    await dynamo('PutItem', () => this.options.client.send(new PutCommand({ TableName: this.options.tableName, Item })));
  }

  get(id: ReplayJobId): Promise<ReplayJob | undefined> {
    return getRecord(this.options, jobKey(id), (item) => (item.kind === 'replay-job' ? withoutKeys<ReplayJob>(item) : undefined));
  }
}
