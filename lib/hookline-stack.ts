/**
 * HooklineStack: every resource of DESIGN §3, one construct per concern, and each function's
 * exact environment and permissions (least privilege: only what that handler uses).
 */
import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { AlertTopic, Alarms } from './alarms.js';
import { Api, ROUTES } from './api.js';
import { API_POLICIES, ApiPolicies, type ApiPolicyName } from './api-policies.js';
import { Archive, PAYLOADS_PREFIX } from './archive.js';
import { Delivery } from './delivery.js';
import { HooklineFunction } from './functions.js';
import { LogMetrics } from './log-metrics.js';
import { SecretsKey } from './secrets-key.js';
import { acknowledgeWildcardResources } from './nag.js';
import { type HooklineSettings, type HooklineSettingsInput, resolveSettings } from './props.js';
import { RECEIVER_TIMEOUT_SECONDS } from '../lambdas/core/services/intake.js';
import { READ_WRITE_TABLE_ACTIONS, RECEIVER_TABLE_ACTIONS, Store } from './store.js';
import { INTAKE_KEY_PREFIXES } from '../lambdas/adapters/dynamodb/table-schema.js';

export interface HooklineStackProps extends StackProps, HooklineSettingsInput {}

export class HooklineStack extends Stack {
  readonly settings: HooklineSettings;
  readonly store: Store;
  readonly archive: Archive;
  readonly alerts: AlertTopic;
  readonly secretsKey: SecretsKey;
  readonly delivery: Delivery;
  readonly receiver: HooklineFunction;
  readonly admin: HooklineFunction;
  readonly api: Api;
  readonly alarms: Alarms;

  constructor(scope: Construct, id: string, props: HooklineStackProps = {}) {
    // Validate before creating anything (and before any bundling runs).
    const settings = resolveSettings(props);
    super(scope, id, {
      description: 'Hookline: self-hosted webhook delivery',
      ...props,
    });
    this.settings = settings;

    this.store = new Store(this, 'Store');
    this.archive = new Archive(this, 'Archive', settings);
    this.alerts = new AlertTopic(this, 'Alerts', { alertEmail: settings.alertEmail });
    this.secretsKey = new SecretsKey(this, 'SecretsKey');
    // Admin and worker seal and open subscription secrets; the receiver never sees them.
    const secrets = { SECRETS_KEY_ARN: this.secretsKey.key.keyArn };

    // Every handler reads these (lambdas/handlers/config.ts; QUEUE_URL, also required, joins with the queue).
    const common = {
      TABLE_NAME: this.store.table.tableName,
      PAYLOAD_BUCKET: this.archive.bucket.bucketName,
      RETENTION_DAYS: String(settings.attemptRetentionDays),
      // Receiver, worker and admin all write delivery records; admin searches them.
      DELIVERY_INDEX_SHARDS: String(settings.deliveryIndexShards),
    };

    // The delivery construct creates the queue before the functions that need its URL.
    this.delivery = new Delivery(this, 'Delivery', {
      settings,
      attemptLogGroup: this.archive.attemptLogGroup,
      environment: {
        ...common,
        ...secrets,
        ALERT_TOPIC_ARN: this.alerts.topic.topicArn,
        ALLOWED_PORTS: settings.allowedPorts.join(','),
        UNIQUE_TENANT_EVENT: String(settings.uniqueTenantEvent),
        SUCCESS_RECORDS: settings.successRecords,
        SHOP_DOMAIN: settings.shopDomain,
        // Replay tasks fan out again under the same intake limits.
        MAX_PAYLOAD_BYTES: String(settings.maxPayloadBytes),
      },
    });
    const queueUrl = this.delivery.queue.queueUrl;

    this.receiver = new HooklineFunction(this, 'Receiver', {
      name: 'receiver',
      description: 'Hookline receiver: validates, stores and fans out events',
      memoryMb: settings.receiverMemoryMb,
      // Kept for intake: a worker scaling out on a backlog can never take the receiver's share.
      reservedConcurrency: settings.receiverReservedConcurrency,
      timeout: Duration.seconds(RECEIVER_TIMEOUT_SECONDS),
      logRetentionDays: settings.logRetentionDays,
      environment: {
        ...common,
        QUEUE_URL: queueUrl,
        MAX_PAYLOAD_BYTES: String(settings.maxPayloadBytes),
      },
    });

    this.admin = new HooklineFunction(this, 'Admin', {
      name: 'admin',
      description: 'Hookline admin: subscriptions, delivery log, replay',
      memoryMb: settings.adminMemoryMb,
      // Under API Gateway's 30 s integration limit; long replays continue asynchronously.
      timeout: Duration.seconds(29),
      logRetentionDays: settings.logRetentionDays,
      environment: {
        ...common,
        ...secrets,
        QUEUE_URL: queueUrl,
        MAX_PAYLOAD_BYTES: String(settings.maxPayloadBytes),
        UNIQUE_TENANT_EVENT: String(settings.uniqueTenantEvent),
        SUCCESS_RECORDS: settings.successRecords,
        SHOP_DOMAIN: settings.shopDomain,
        ALLOWED_PORTS: settings.allowedPorts.join(','),
        // The retry scheduler is built only with all three; admin uses it to cancel pending retries.
        QUEUE_ARN: this.delivery.queue.queueArn,
        SCHEDULE_GROUP: this.delivery.scheduleGroupName,
        SCHEDULER_ROLE_ARN: this.delivery.schedulerRole.roleArn,
      },
    });

    this.grantAccess();

    this.api = new Api(this, 'Api', { settings, receiver: this.receiver.fn, admin: this.admin.fn });

    this.alarms = new Alarms(this, 'Alarms', {
      topic: this.alerts.topic,
      queue: this.delivery.queue,
      deadLetterQueue: this.delivery.deadLetterQueue,
      schedulerDeadLetterQueue: this.delivery.schedulerDeadLetterQueue,
      worker: this.delivery.worker.fn,
      receiver: this.receiver.fn,
      admin: this.admin.fn,
    });

    this.alerts.allowAlarms(this.alarms.alarms);
    new LogMetrics(this, 'LogMetrics', { workerLogGroup: this.archive.attemptLogGroup, receiverLogGroup: this.receiver.logGroup });

    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'Hookline API base URL (SigV4, execute-api)' });
    const callers = new ApiPolicies(this, 'ApiPolicies', { httpApi: this.api.httpApi, routes: ROUTES });
    for (const [name, { description }] of Object.entries(API_POLICIES)) {
      new CfnOutput(this, `${name}Arn`, { value: callers.policies[name as ApiPolicyName].managedPolicyArn, description: `${description} (attach to a user or role)` });
    }
    new CfnOutput(this, 'ArchiveBucketName', { value: this.archive.bucket.bucketName });
    new CfnOutput(this, 'TableName', { value: this.store.table.tableName });
    new CfnOutput(this, 'QueueUrl', { value: queueUrl });
    new CfnOutput(this, 'AlertTopicArn', { value: this.alerts.topic.topicArn });
    new CfnOutput(this, 'DashboardName', { value: this.alarms.dashboard.dashboardName });
    new CfnOutput(this, 'AttemptLogGroupName', {
      value: this.archive.attemptLogGroup.logGroupName,
      description: "The worker's log group: one JSON line per attempt (docs/attempt-log.md)",
    });
  }

  /** The permission table of the brief; each line is one thing the handler does. */
  private grantAccess(): void {
    const { store, delivery, archive, alerts } = this;
    const payloads = archive.bucket.arnForObjects(`${PAYLOADS_PREFIX}*`);
    const payloadReason = 'Large payloads are stored per message under payloads/; the wildcard is limited to that prefix.';
    const s3 = (role: iam.Role, actions: string[]) => {
      role.addToPrincipalPolicy(new iam.PolicyStatement({ actions, resources: [payloads] }));
      acknowledgeWildcardResources(role, [payloads], payloadReason);
    };

    // receiver: store the message and its deliveries, enqueue tasks, spill big payloads.
    store.grant(this.receiver.role, RECEIVER_TABLE_ACTIONS, { indexes: false, leadingKeyPrefixes: INTAKE_KEY_PREFIXES });
    delivery.grantSend(this.receiver.role);
    s3(this.receiver.role, ['s3:PutObject']);

    // admin: subscriptions and log reads/writes, replay/retry enqueue, read big payloads for the
    // log. Cancelling a pending retry removes it from its bucket: no scheduler permission at all.
    store.grant(this.admin.role, READ_WRITE_TABLE_ACTIONS, { indexes: true });
    // Uniqueness: a typed claim checks, in its transaction, that nobody holds the tenant's `*`.
    store.grant(this.admin.role, ['dynamodb:ConditionCheckItem'], { indexes: false });
    delivery.grantSend(this.admin.role);
    s3(this.admin.role, ['s3:GetObject']);

    // worker: record attempts, read big payloads, warn by SNS (queue and scheduler grants are in Delivery).
    const worker = delivery.worker.role;
    store.grant(worker, READ_WRITE_TABLE_ACTIONS, { indexes: true });
    s3(worker, ['s3:GetObject']);
    alerts.grantPublish(worker);

    // admin and worker: seal and open subscription secrets (data keys under the secrets key).
    this.secretsKey.allowUse([this.admin.role, worker]);
  }
}
