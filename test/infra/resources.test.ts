/** DESIGN §3 resource by resource: each exists with the properties that make it safe and correct. */
import { describe, expect, it } from 'vitest';
import { tableSchema } from '../../lambdas/adapters/dynamodb/table-schema.js';
import { ATTEMPT_LOG_KIND } from '../../lambdas/core/attempt-log.js';
import { beforeAllSynths, type Synth } from './support.js';

let synth: Synth;
let defaults: Synth;

beforeAllSynths((loaded) => ({ configured: synth, defaults } = loaded));

type Props = Record<string, unknown>;
const DAY = 86_400;

/** The statement a `enforceSSL` resource policy carries. */
const denyInsecureTransport = expect.objectContaining({
  Effect: 'Deny',
  Principal: { AWS: '*' },
  Condition: { Bool: { 'aws:SecureTransport': 'false' } },
});
const policyStatements = (s: Synth, path: string) => (s.props(path).PolicyDocument as { Statement: Props[] }).Statement;

describe('DynamoDB table', () => {
  it('is on-demand, point-in-time recoverable, encrypted, protected and retained', () => {
    const table = synth.resource('Store/Table');
    expect(Object.keys(synth.ofType('AWS::DynamoDB::Table'))).toHaveLength(1);
    expect(table.Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
      DeletionProtectionEnabled: true,
    });
    expect(table.DeletionPolicy).toBe('Retain');
  });

  it('has the keys, TTL attribute and GSIs of lambdas/adapters/dynamodb/table-schema.ts', () => {
    const props = synth.props('Store/Table');
    expect(props.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
    expect(tableSchema.timeToLiveAttribute).toBe('expiresAt');
    expect(props.KeySchema).toEqual([
      { AttributeName: tableSchema.partitionKey, KeyType: 'HASH' },
      { AttributeName: tableSchema.sortKey, KeyType: 'RANGE' },
    ]);
    const indexes = (props.GlobalSecondaryIndexes as { IndexName: string; KeySchema: unknown; Projection: unknown }[]).map(
      ({ IndexName, KeySchema, Projection }) => ({ IndexName, KeySchema, Projection }),
    );
    expect(indexes).toEqual(
      tableSchema.globalSecondaryIndexes.map((index) => ({
        IndexName: index.indexName,
        KeySchema: [
          { AttributeName: index.partitionKey, KeyType: 'HASH' },
          { AttributeName: index.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'KEYS_ONLY' },
      })),
    );
    expect(indexes.length).toBeGreaterThanOrEqual(3);
  });
});

describe('SQS queues', () => {
  const QUEUES = ['Delivery/Queue', 'Delivery/DeadLetterQueue', 'Delivery/SchedulerDeadLetterQueue'];

  it('are exactly the deliveries queue, its DLQ and the scheduler DLQ, all encrypted and SSL-only', () => {
    expect(Object.keys(synth.ofType('AWS::SQS::Queue')).sort()).toEqual(QUEUES.map((q) => synth.id(q)).sort());
    for (const queue of QUEUES) {
      expect([queue, synth.props(queue).SqsManagedSseEnabled]).toEqual([queue, true]);
      const policy = Object.values(synth.ofType('AWS::SQS::QueuePolicy')).find(
        (p) => JSON.stringify(p.Properties.Queues) === JSON.stringify([synth.ref(queue)]),
      );
      expect(policy, `${queue} has a queue policy`).toBeDefined();
      expect((policy!.Properties.PolicyDocument as { Statement: unknown[] }).Statement).toContainEqual(denyInsecureTransport);
    }
  });

  it('dead-letters a task after 5 receives and keeps tasks 14 days', () => {
    expect(synth.props('Delivery/Queue')).toMatchObject({
      RedrivePolicy: { deadLetterTargetArn: synth.getAtt('Delivery/DeadLetterQueue'), maxReceiveCount: 5 },
      MessageRetentionPeriod: 14 * DAY,
      VisibilityTimeout: 6 * 45,
    });
    expect(synth.props('Delivery/DeadLetterQueue').MessageRetentionPeriod).toBe(14 * DAY);
    expect(synth.props('Delivery/SchedulerDeadLetterQueue').MessageRetentionPeriod).toBe(14 * DAY);
    expect(defaults.props('Delivery/Queue').VisibilityTimeout).toBe(6 * 60);
  });
});

describe('EventBridge Scheduler', () => {
  it('has one schedule group named after the stack', () => {
    const groups = Object.values(synth.ofType('AWS::Scheduler::ScheduleGroup'));
    expect(groups.map((g) => g.Properties)).toEqual([{ Name: 'Hookline-retries' }]);
    // Schedules are created at run time, never by the stack.
    expect(Object.keys(synth.ofType('AWS::Scheduler::Schedule'))).toEqual([]);
  });

  it('has a role only the Scheduler service of this account can assume', () => {
    const trust = (synth.props('Delivery/SchedulerRole').AssumeRolePolicyDocument as { Statement: Props[] }).Statement;
    expect(trust).toEqual([
      {
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Principal: { Service: 'scheduler.amazonaws.com' },
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      },
    ]);
  });
});

describe('archive bucket', () => {
  it('blocks public access, is encrypted, SSL-only, owner-enforced, retained and logs access', () => {
    const bucket = synth.resource('Archive/Bucket');
    expect(bucket.Properties).toMatchObject({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      LoggingConfiguration: { DestinationBucketName: synth.ref('Archive/AccessLogBucket'), LogFilePrefix: 'archive/' },
    });
    expect(bucket.DeletionPolicy).toBe('Retain');
    expect(policyStatements(synth, 'Archive/Bucket/Policy')).toContainEqual(denyInsecureTransport);
  });

  it('moves objects to Standard-IA and expires them as configured; payloads live as long as deliveries', () => {
    const rules = (synth.props('Archive/Bucket').LifecycleConfiguration as { Rules: Props[] }).Rules;
    expect(rules).toContainEqual(
      expect.objectContaining({
        Status: 'Enabled',
        Transitions: [{ StorageClass: 'STANDARD_IA', TransitionInDays: 60 }],
        ExpirationInDays: 400,
      }),
    );
    expect(rules).toContainEqual(expect.objectContaining({ Status: 'Enabled', Prefix: 'payloads/', ExpirationInDays: 14 }));
    const defaultRules = (defaults.props('Archive/Bucket').LifecycleConfiguration as { Rules: Props[] }).Rules;
    expect(defaultRules).toContainEqual(
      expect.objectContaining({ Transitions: [{ StorageClass: 'STANDARD_IA', TransitionInDays: 30 }], ExpirationInDays: 365 }),
    );
  });

  it('has a locked-down access log bucket that only the S3 logging service writes to', () => {
    expect(Object.keys(synth.ofType('AWS::S3::Bucket'))).toHaveLength(2);
    expect(synth.props('Archive/AccessLogBucket')).toMatchObject({
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      LifecycleConfiguration: { Rules: [expect.objectContaining({ ExpirationInDays: 90 })] },
    });
    const statements = policyStatements(synth, 'Archive/AccessLogBucket/Policy');
    expect(statements).toContainEqual(denyInsecureTransport);
    const allows = statements.filter((s) => s.Effect === 'Allow');
    expect(allows).toEqual([expect.objectContaining({ Action: 's3:PutObject', Principal: { Service: 'logging.s3.amazonaws.com' } })]);
  });
});

describe('attempt archive: log group → subscription filter → Firehose → S3', () => {
  it('filters the attempt lines of the worker log group into the delivery stream', () => {
    const filters = Object.values(synth.ofType('AWS::Logs::SubscriptionFilter')).map((f) => f.Properties);
    expect(filters).toEqual([
      {
        LogGroupName: synth.ref('Archive/AttemptLogs'),
        FilterPattern: `{ $.kind = "${ATTEMPT_LOG_KIND}" }`,
        DestinationArn: synth.getAtt('Archive/DeliveryStream'),
        RoleArn: synth.getAtt('Archive/SubscriptionRole'),
      },
    ]);
    expect(synth.props('Delivery/Worker/Function').LoggingConfig).toMatchObject({ LogGroup: synth.ref('Archive/AttemptLogs') });
    expect(synth.resource('Archive/AttemptLogs')).toMatchObject({ Properties: { RetentionInDays: 14 }, DeletionPolicy: 'Retain' });
  });

  it('writes gzip objects under attempts/YYYY/MM/DD/ in the archive bucket, raw lines extracted', () => {
    const stream = synth.props('Archive/DeliveryStream');
    expect(stream.DeliveryStreamType).toBe('DirectPut');
    expect(stream.DeliveryStreamEncryptionConfigurationInput).toEqual({ KeyType: 'AWS_OWNED_CMK' });
    const s3 = stream.ExtendedS3DestinationConfiguration as Props;
    expect(s3).toMatchObject({
      BucketARN: synth.getAtt('Archive/Bucket'),
      RoleARN: synth.getAtt('Archive/FirehoseRole'),
      Prefix: 'attempts/!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/',
      CompressionFormat: 'GZIP',
      CloudWatchLoggingOptions: { Enabled: true },
    });
    expect(String(s3.ErrorOutputPrefix)).toMatch(/^attempt-errors\//);
    const processors = (s3.ProcessingConfiguration as { Enabled: boolean; Processors: { Type: string; Parameters: Props[] }[] }).Processors;
    expect(processors.map((p) => p.Type)).toEqual(['Decompression', 'CloudWatchLogProcessing', 'AppendDelimiterToRecord']);
    expect(processors[1]!.Parameters).toEqual([{ ParameterName: 'DataMessageExtraction', ParameterValue: 'true' }]);
  });

  it('lets only CloudWatch Logs and Firehose of this account assume the pipeline roles', () => {
    const trust = (path: string) => (synth.props(path).AssumeRolePolicyDocument as { Statement: Props[] }).Statement;
    expect(trust('Archive/SubscriptionRole')).toEqual([
      expect.objectContaining({ Principal: { Service: 'logs.amazonaws.com' }, Condition: { StringLike: { 'aws:SourceArn': expect.anything() } } }),
    ]);
    expect(trust('Archive/FirehoseRole')).toEqual([
      expect.objectContaining({
        Principal: { Service: 'firehose.amazonaws.com' },
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      }),
    ]);
  });
});

describe('alerts', () => {
  it('has an SSL-only, KMS-encrypted alert topic with the configured email subscribed', () => {
    expect(synth.props('Alerts/Topic').KmsMasterKeyId).toEqual(synth.getAtt('Alerts/Key'));
    expect(synth.props('Alerts/Key').EnableKeyRotation).toBe(true);
    expect(policyStatements(synth, 'Alerts/Topic/Policy')).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Principal: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
    const subscriptions = Object.values(synth.ofType('AWS::SNS::Subscription')).map((s) => s.Properties);
    expect(subscriptions).toEqual([{ Protocol: 'email', Endpoint: 'ops@example.com', TopicArn: synth.ref('Alerts/Topic') }]);
  });

  it('subscribes nobody without alertEmail', () => {
    expect(Object.keys(defaults.ofType('AWS::SNS::Topic'))).toHaveLength(1);
    expect(Object.keys(defaults.ofType('AWS::SNS::Subscription'))).toEqual([]);
  });

  it('lets CloudWatch alarms of this account use the topic key', () => {
    const keyPolicy = (synth.props('Alerts/Key').KeyPolicy as { Statement: Props[] }).Statement;
    expect(keyPolicy).toContainEqual(
      expect.objectContaining({
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      }),
    );
  });
});

describe('alarms and dashboard', () => {
  const alarm = (name: string) => synth.props(`Alarms/${name}`);
  const dimension = (props: Props) => (props.Dimensions as { Name: string; Value: unknown }[])[0];

  it('alarm on DLQ depth, schedule failures, worker errors, oldest task age, failure ratio and non-2xx acknowledgements, notifying the topic', () => {
    const alarms = Object.values(synth.ofType('AWS::CloudWatch::Alarm')).map((a) => a.Properties);
    expect(alarms).toHaveLength(6);
    for (const props of alarms) {
      expect(props.AlarmActions).toEqual([synth.ref('Alerts/Topic')]);
      expect(props.OKActions).toEqual([synth.ref('Alerts/Topic')]);
    }
  });

  it('watches the right metrics', () => {
    expect(alarm('DeadLetterQueueDepth')).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    expect(dimension(alarm('DeadLetterQueueDepth'))).toEqual({ Name: 'QueueName', Value: synth.getAtt('Delivery/DeadLetterQueue', 'QueueName') });
    expect(dimension(alarm('ScheduleFailures'))).toEqual({
      Name: 'QueueName',
      Value: synth.getAtt('Delivery/SchedulerDeadLetterQueue', 'QueueName'),
    });
    expect(alarm('WorkerErrors')).toMatchObject({ Namespace: 'AWS/Lambda', MetricName: 'Errors', Threshold: 0 });
    expect(dimension(alarm('WorkerErrors'))).toEqual({ Name: 'FunctionName', Value: synth.ref('Delivery/Worker/Function') });
    expect(alarm('OldestMessageAge')).toMatchObject({ Namespace: 'AWS/SQS', MetricName: 'ApproximateAgeOfOldestMessage' });
    expect(dimension(alarm('OldestMessageAge'))).toEqual({ Name: 'QueueName', Value: synth.getAtt('Delivery/Queue', 'QueueName') });
    const ratio = JSON.stringify(alarm('FailureRatio').Metrics);
    expect(ratio).toContain('DeliveryFailed');
    expect(ratio).toContain('DeliveryAttempted');
  });

  it('pages when over half of 15 min of successes were acknowledged by a non-2xx status', () => {
    const props = alarm('Non2xxAcknowledgedRatio');
    expect(props).toMatchObject({ Threshold: 50, ComparisonOperator: 'GreaterThanThreshold', EvaluationPeriods: 1, TreatMissingData: 'notBreaching' });
    const metrics = props.Metrics as { Id: string; Expression?: string; ReturnData?: boolean; MetricStat?: { Metric: { MetricName: string; Namespace: string }; Period: number; Stat: string } }[];
    const expression = metrics.find((m) => m.Expression !== undefined)!;
    expect(expression.Expression).toBe('IF(succeeded >= 10, 100 * FILL(acknowledgedNon2xx, 0) / succeeded, 0)');
    const stats = Object.fromEntries(metrics.filter((m) => m.MetricStat).map((m) => [m.Id, m.MetricStat!]));
    expect(stats.acknowledgedNon2xx).toMatchObject({ Metric: { MetricName: 'DeliveryAcknowledgedNon2xx', Namespace: 'Hookline' }, Period: 900, Stat: 'Sum' });
    expect(stats.succeeded).toMatchObject({ Metric: { MetricName: 'DeliverySucceeded', Namespace: 'Hookline' }, Period: 900, Stat: 'Sum' });
  });

  it('has a dashboard over delivery, retries, queues and functions', () => {
    const dashboards = Object.values(synth.ofType('AWS::CloudWatch::Dashboard'));
    expect(dashboards).toHaveLength(1);
    const body = JSON.stringify(dashboards[0]!.Properties.DashboardBody);
    const metrics = ['DeliveryAttempted', 'DeliverySucceeded', 'DeliveryAcknowledgedNon2xx', 'RetryScheduled', 'ApproximateAgeOfOldestMessage', 'Errors'];
    // Isolation: deferrals and circuit breakers (DESIGN §6).
    metrics.push('DeliveryDeferred', 'CircuitBreakerOpened', 'CircuitBreakerClosed');
    for (const metric of metrics) {
      expect(body).toContain(metric);
    }
  });
});
