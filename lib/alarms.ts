/**
 * Alerts and observability: the SNS alert topic (endpoint-disabled warnings and alarms), the
 * alarms that notify it, and the operator dashboard over the worker's EMF metrics
 * (namespace `Hookline`, dimension `service=worker`, see lambdas/handlers/observability.ts).
 */
import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export const METRICS_NAMESPACE = 'Hookline';

/**
 * The alert topic. Encrypted with a customer managed key because CloudWatch alarms cannot
 * publish to a topic under the AWS managed `alias/aws/sns` key (its key policy cannot admit them).
 */
export class AlertTopic extends Construct {
  readonly topic: sns.Topic;
  readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: { alertEmail: string | undefined }) {
    super(scope, id);
    this.key = new kms.Key(this, 'Key', {
      description: 'Hookline alert topic',
      enableKeyRotation: true,
    });
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'Hookline alerts',
      enforceSSL: true,
      masterKey: this.key,
    });
    if (props.alertEmail) this.topic.addSubscription(new subscriptions.EmailSubscription(props.alertEmail));
  }

  /**
   * CloudWatch publishes alarm notifications as the `cloudwatch.amazonaws.com` service principal,
   * which needs an Allow in the topic policy: only for these alarms of this account.
   */
  allowAlarms(alarms: readonly cloudwatch.IAlarm[]): void {
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': Stack.of(this).account },
          ArnLike: { 'aws:SourceArn': alarms.map((alarm) => alarm.alarmArn) },
        },
      }),
    );
  }

  /** sns:Publish plus the two KMS actions publishing to an encrypted topic needs (no `kms:GenerateDataKey*`). */
  grantPublish(role: iam.IRole): void {
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [this.topic.topicArn] }));
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [this.key.keyArn] }),
    );
  }
}

export interface AlarmsProps {
  readonly topic: sns.ITopic;
  readonly queue: sqs.IQueue;
  readonly deadLetterQueue: sqs.IQueue;
  readonly schedulerDeadLetterQueue: sqs.IQueue;
  readonly worker: lambda.IFunction;
  readonly receiver: lambda.IFunction;
  readonly admin: lambda.IFunction;
  /** Oldest visible task age that pages, seconds. Retries ≤ 900 s wait on the queue with DelaySeconds. @default 1200 */
  readonly oldestMessageAgeSeconds?: number;
  /** Failed / attempted deliveries (percent, 15 min) that pages. @default 25 */
  readonly failureRatioPercent?: number;
  /** Successes acknowledged by a non-2xx status (TikTok Shop's 401) / successes (percent, 15 min) that pages. @default 50 */
  readonly non2xxAckRatioPercent?: number;
}

const workerMetric = (metricName: string, statistic = 'Sum', period = Duration.minutes(5)) =>
  new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { service: 'worker' },
    statistic,
    period,
  });

export class Alarms extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);
    const notify = new actions.SnsAction(props.topic);
    // Every alarm pages above its threshold, and a window without data is healthy (metrics published only when non-zero).
    type PagingAlarmProps = Omit<cloudwatch.AlarmProps, 'comparisonOperator' | 'treatMissingData' | 'evaluationPeriods'> & { evaluationPeriods?: number };
    const add = (alarmId: string, alarmProps: PagingAlarmProps): cloudwatch.Alarm => {
      const alarm = new cloudwatch.Alarm(this, alarmId, {
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        ...alarmProps,
      });
      alarm.addAlarmAction(notify);
      alarm.addOkAction(notify);
      this.alarms.push(alarm);
      return alarm;
    };
    const minute = Duration.minutes(1);

    const dlqDepth = props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', period: minute });
    add('DeadLetterQueueDepth', {
      alarmDescription: 'Delivery tasks reached the dead-letter queue (poison tasks); inspect and redrive.',
      metric: dlqDepth,
      threshold: 0,
    });

    const schedulerDlqDepth = props.schedulerDeadLetterQueue.metricApproximateNumberOfMessagesVisible({
      statistic: 'Maximum',
      period: minute,
    });
    add('ScheduleFailures', {
      alarmDescription: 'EventBridge Scheduler could not deliver a retry to the queue; those retries are in its DLQ.',
      metric: schedulerDlqDepth,
      threshold: 0,
    });

    add('WorkerErrors', {
      alarmDescription: 'The worker function failed (crash or timeout): its whole batch returns to the queue.',
      metric: props.worker.metricErrors({ statistic: 'Sum', period: Duration.minutes(5) }),
      threshold: 0,
    });

    const oldest = props.queue.metricApproximateAgeOfOldestMessage({ statistic: 'Maximum', period: minute });
    add('OldestMessageAge', {
      alarmDescription: 'Delivery tasks wait longer than expected: the worker is behind or failing.',
      metric: oldest,
      threshold: props.oldestMessageAgeSeconds ?? 1200,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
    });

    const fifteen = Duration.minutes(15);
    const failureRatio = new cloudwatch.MathExpression({
      // Below 10 attempts a ratio is noise; count those windows as healthy.
      expression: 'IF(attempted >= 10, 100 * failed / attempted, 0)',
      usingMetrics: {
        failed: workerMetric('DeliveryFailed', 'Sum', fifteen),
        attempted: workerMetric('DeliveryAttempted', 'Sum', fifteen),
      },
      label: 'Failed deliveries (%)',
      period: fifteen,
    });
    add('FailureRatio', {
      alarmDescription: 'Many delivery attempts fail (subscriber outages or a bad release).',
      metric: failureRatio,
      threshold: props.failureRatioPercent ?? 25,
      evaluationPeriods: 2,
    });

    const non2xxAckRatio = new cloudwatch.MathExpression({
      // A receiver answering 401 to every signature still "succeeds" under TikTok Shop's contract.
      // The worker publishes the count only when non-zero: a window without one is 0.
      expression: 'IF(succeeded >= 10, 100 * FILL(acknowledgedNon2xx, 0) / succeeded, 0)',
      usingMetrics: {
        acknowledgedNon2xx: workerMetric('DeliveryAcknowledgedNon2xx', 'Sum', fifteen),
        succeeded: workerMetric('DeliverySucceeded', 'Sum', fifteen),
      },
      label: 'Successes acknowledged by a non-2xx status (%)',
      period: fifteen,
    });
    add('Non2xxAcknowledgedRatio', {
      alarmDescription:
        'Many successful deliveries were acknowledged by a non-2xx status (e.g. TikTok Shop 401): receivers may reject every signature; see attempts with acknowledgedNon2xx.',
      metric: non2xxAckRatio,
      threshold: props.non2xxAckRatioPercent ?? 50,
    });

    const successRatio = new cloudwatch.MathExpression({
      expression: 'IF(attempted > 0, 100 * succeeded / attempted)',
      usingMetrics: {
        succeeded: workerMetric('DeliverySucceeded'),
        attempted: workerMetric('DeliveryAttempted'),
      },
      label: 'Success ratio (%)',
      period: Duration.minutes(5),
    });

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.hours(3),
      widgets: [
        [
          new cloudwatch.GraphWidget({ title: 'Delivery success ratio (%)', left: [successRatio], leftYAxis: { min: 0, max: 100 }, width: 8 }),
          new cloudwatch.GraphWidget({
            title: 'Attempts',
            left: [
              workerMetric('DeliveryAttempted'),
              workerMetric('DeliverySucceeded'),
              workerMetric('DeliveryFailed'),
              workerMetric('DeliveryAcknowledgedNon2xx'),
            ],
            width: 8,
          }),
          new cloudwatch.GraphWidget({ title: 'Retries scheduled', left: [workerMetric('RetryScheduled')], width: 8 }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Dead-letter queues',
            left: [dlqDepth.with({ label: 'Delivery DLQ' }), schedulerDlqDepth.with({ label: 'Scheduler DLQ' })],
            width: 8,
          }),
          new cloudwatch.GraphWidget({ title: 'Oldest task age (s)', left: [oldest], width: 8 }),
          new cloudwatch.GraphWidget({ title: 'Subscriptions disabled', left: [workerMetric('SubscriptionDisabled')], width: 8 }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'End-to-end latency (ms, event intake → success)',
            left: [
              workerMetric('EndToEndLatency', 'p50').with({ label: 'p50' }),
              workerMetric('EndToEndLatency', 'p99').with({ label: 'p99' }),
            ],
            width: 8,
          }),
          new cloudwatch.GraphWidget({
            title: 'Function duration p99 (ms)',
            left: [props.receiver, props.admin, props.worker].map((fn) => fn.metricDuration({ statistic: 'p99' })),
            width: 8,
          }),
          new cloudwatch.GraphWidget({
            title: 'Function errors',
            left: [props.receiver, props.admin, props.worker].map((fn) => fn.metricErrors({ statistic: 'Sum' })),
            width: 8,
          }),
        ],
        [
          // Isolation (DESIGN §6): deferred tasks are not attempts; a breaker opening names a slow or dead endpoint in the worker's log.
          new cloudwatch.GraphWidget({ title: 'Tasks deferred (breaker, in-flight cap, pacing)', left: [workerMetric('DeliveryDeferred')], width: 12 }),
          new cloudwatch.GraphWidget({
            title: 'Circuit breakers opened / closed',
            left: [workerMetric('CircuitBreakerOpened'), workerMetric('CircuitBreakerClosed')],
            width: 12,
          }),
        ],
        [new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24 })],
      ],
    });
  }
}
