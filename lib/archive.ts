/**
 * The attempt archive: the attempt log group (the worker's log group) → CloudWatch Logs
 * subscription filter → Firehose → S3 (`attempts/YYYY/MM/DD/`, gzip NDJSON of the original
 * lines). The same bucket holds large payloads under `payloads/`. Server access logs go to a
 * separate bucket.
 */
import { ArnFormat, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledgeWildcardResources } from './nag.js';
import type { HooklineSettings } from './props.js';
import { serviceRole } from './service-role.js';

export const ATTEMPT_FILTER_PATTERN = '{ $.kind = "hookline.attempt" }';
export const ATTEMPTS_PREFIX = 'attempts/!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/';
export const ATTEMPT_ERRORS_PREFIX =
  'attempt-errors/!{firehose:error-output-type}/!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/';
export const PAYLOADS_PREFIX = 'payloads/';

export class Archive extends Construct {
  readonly bucket: s3.Bucket;
  readonly accessLogBucket: s3.Bucket;
  /** The worker writes its attempt lines here (it is the worker's log group). */
  readonly attemptLogGroup: logs.LogGroup;
  readonly deliveryStream: firehose.CfnDeliveryStream;

  constructor(scope: Construct, id: string, settings: HooklineSettings) {
    super(scope, id);
    const stack = Stack.of(this);

    this.accessLogBucket = new s3.Bucket(this, 'AccessLogBucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: s3.BucketEncryption.S3_MANAGED,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(settings.logRetentionDays) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.accessLogBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the server access log destination; logging it into itself would loop.',
    });

    this.bucket = new s3.Bucket(this, 'Bucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: s3.BucketEncryption.S3_MANAGED,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.accessLogBucket,
      serverAccessLogsPrefix: 'archive/',
      lifecycleRules: [
        {
          id: 'archive',
          transitions: [
            { storageClass: s3.StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(settings.archiveTransitionDays) },
          ],
          expiration: Duration.days(settings.archiveExpiryDays),
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
        // Large payloads live as long as the deliveries that point at them (DynamoDB TTL).
        { id: 'payloads', prefix: PAYLOADS_PREFIX, expiration: Duration.days(settings.attemptRetentionDays) },
      ],
      // The archive is the audit trail: deleting the stack must not delete it.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.attemptLogGroup = new logs.LogGroup(this, 'AttemptLogs', {
      retention: settings.attemptRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const firehoseErrors = new logs.LogGroup(this, 'FirehoseErrors', {
      retention: settings.logRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const firehoseErrorStream = new logs.LogStream(this, 'FirehoseErrorStream', {
      logGroup: firehoseErrors,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    // Firehose → S3: exactly the documented S3 actions, on the two prefixes it writes.
    const objectArns = [this.bucket.arnForObjects('attempts/*'), this.bucket.arnForObjects('attempt-errors/*')];
    const firehoseRole = serviceRole(this, 'FirehoseRole', {
      service: 'firehose.amazonaws.com',
      description: 'Hookline attempt archive: Firehose writes to the archive bucket',
      policyName: 'archive',
      statements: [
        new iam.PolicyStatement({
          actions: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'],
          resources: [this.bucket.bucketArn],
        }),
        new iam.PolicyStatement({
          actions: ['s3:AbortMultipartUpload', 's3:GetObject', 's3:PutObject'],
          resources: objectArns,
        }),
        new iam.PolicyStatement({
          actions: ['logs:PutLogEvents'],
          resources: [
            stack.formatArn({
              service: 'logs',
              resource: 'log-group',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
              resourceName: `${firehoseErrors.logGroupName}:log-stream:${firehoseErrorStream.logStreamName}`,
            }),
          ],
        }),
      ],
    });
    acknowledgeWildcardResources(
      firehoseRole,
      objectArns,
      'Firehose writes new, date-named objects; the wildcard is limited to its own two prefixes.',
    );

    this.deliveryStream = new firehose.CfnDeliveryStream(this, 'DeliveryStream', {
      deliveryStreamType: 'DirectPut',
      deliveryStreamEncryptionConfigurationInput: { keyType: 'AWS_OWNED_CMK' },
      extendedS3DestinationConfiguration: {
        bucketArn: this.bucket.bucketArn,
        roleArn: firehoseRole.roleArn,
        prefix: ATTEMPTS_PREFIX,
        errorOutputPrefix: ATTEMPT_ERRORS_PREFIX,
        compressionFormat: 'GZIP',
        bufferingHints: { intervalInSeconds: 300, sizeInMBs: 5 },
        // Objects are encrypted by the bucket's default SSE-S3.
        encryptionConfiguration: { noEncryptionConfig: 'NoEncryption' },
        cloudWatchLoggingOptions: {
          enabled: true,
          logGroupName: firehoseErrors.logGroupName,
          logStreamName: firehoseErrorStream.logStreamName,
        },
        processingConfiguration: {
          enabled: true,
          // Subscription records arrive gzip'd and wrapped; these two steps leave the raw lines, and
          // the third ends each with a newline (Firehose concatenates records as they are): NDJSON.
          processors: [
            { type: 'Decompression', parameters: [{ parameterName: 'CompressionFormat', parameterValue: 'GZIP' }] },
            {
              type: 'CloudWatchLogProcessing',
              parameters: [{ parameterName: 'DataMessageExtraction', parameterValue: 'true' }],
            },
            { type: 'AppendDelimiterToRecord' },
          ],
        },
      },
    });

    // CloudWatch Logs → Firehose: put records into this one stream only.
    const logsRole = serviceRole(this, 'SubscriptionRole', {
      service: 'logs.amazonaws.com',
      conditions: { StringLike: { 'aws:SourceArn': stack.formatArn({ service: 'logs', resource: '*' }) } },
      description: 'Hookline attempt archive: CloudWatch Logs sends attempt lines to Firehose',
      policyName: 'firehose',
      statements: [
        new iam.PolicyStatement({
          actions: ['firehose:PutRecord', 'firehose:PutRecordBatch'],
          resources: [this.deliveryStream.attrArn],
        }),
      ],
    });

    const filter = new logs.CfnSubscriptionFilter(this, 'AttemptFilter', {
      logGroupName: this.attemptLogGroup.logGroupName,
      filterPattern: ATTEMPT_FILTER_PATTERN,
      destinationArn: this.deliveryStream.attrArn,
      roleArn: logsRole.roleArn,
    });
    filter.node.addDependency(logsRole);
  }
}
