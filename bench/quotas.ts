/**
 * AWS quotas used by the capacity benchmark: ONE table, default values in the primary Regions
 * (us-east-1 and the like), checked against the documentation pages named in `source` in
 * December 2026. Update the numbers here and nowhere else. Where two AWS pages disagree, the
 * lower figure is used and `note` says so.
 */

export interface Quota {
  limit: number;
  unit: string;
  /** Whether Service Quotas (or a support case) can raise it. */
  adjustable: boolean;
  source: string;
  note?: string;
}

export const QUOTAS = {
  apiAccountRps: {
    limit: 10_000,
    unit: 'requests/s per account and Region, all APIs together (burst 5,000)',
    adjustable: true,
    source: 'https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html',
    note: '2,500 rps in the newer Regions',
  },
  lambdaConcurrency: {
    limit: 1_000,
    unit: 'concurrent executions per account and Region',
    adjustable: true,
    source: 'https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html',
    note: 'each function scales by 1,000 environments per 10 s; new accounts may start lower',
  },
  sqsEsmConcurrency: {
    limit: 1_000,
    unit: 'concurrent batches of one SQS event source mapping (MaximumConcurrency ≤ 1,000)',
    adjustable: false,
    source: 'https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html',
    note: 'grows by up to 300 per minute; provisioned mode lifts the ceiling',
  },
  sqsEsmProvisionedPollers: {
    limit: 2_000,
    unit: 'pollers of one provisioned-mode SQS event source mapping, each up to 10 concurrent invokes',
    adjustable: false,
    source: 'https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-parameters.html',
  },
  sqsInFlight: {
    limit: 120_000,
    unit: 'in-flight messages per standard queue (received, not deleted)',
    adjustable: true,
    source: 'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-queues.html',
  },
  dynamoTableWrites: {
    limit: 40_000,
    unit: 'write request units/s per on-demand table (table quota)',
    adjustable: true,
    source: 'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html',
    note: 'a new on-demand table serves 4,000 WRU at once and up to 2× its previous peak within 30 min',
  },
  dynamoTableReads: {
    limit: 40_000,
    unit: 'read request units/s per on-demand table (table quota)',
    adjustable: true,
    source: 'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html',
  },
  dynamoPartitionWrites: {
    limit: 1_000,
    unit: 'write request units/s per partition (one key with a rising sort key cannot split)',
    adjustable: false,
    source: 'https://repost.aws/knowledge-center/on-demand-table-throttling-dynamodb',
  },
  schedulerCreate: {
    limit: 1_000,
    unit: 'CreateSchedule requests/s per account and Region',
    adjustable: true,
    source: 'https://docs.aws.amazon.com/scheduler/latest/UserGuide/scheduler-quotas.html',
    note: 'the current English page says 5,000 in the primary Regions, older and translated pages 1,000; 250 elsewhere',
  },
  schedulerInvocations: {
    limit: 1_000,
    unit: 'schedule invocations/s per account and Region',
    adjustable: true,
    source: 'https://docs.aws.amazon.com/scheduler/latest/UserGuide/scheduler-quotas.html',
  },
  schedulerSchedules: {
    limit: 10_000_000,
    unit: 'schedules per account and Region',
    adjustable: true,
    source: 'https://docs.aws.amazon.com/scheduler/latest/UserGuide/scheduler-quotas.html',
  },
  firehoseBytes: {
    limit: 5 * 1024 * 1024,
    unit: 'bytes/s into one Firehose stream (us-east-1, us-west-2, eu-west-1; 1 MiB/s elsewhere)',
    adjustable: true,
    source: 'https://docs.aws.amazon.com/firehose/latest/dev/limits.html',
  },
} as const satisfies Record<string, Quota>;

export type QuotaName = keyof typeof QUOTAS;
