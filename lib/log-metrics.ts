/**
 * Metrics from log lines: CloudWatch Logs metric filters on the attempt line (the worker's log
 * group) and on the receiver's count line publish the per-delivery and per-event metrics, so a
 * delivery writes no EMF document. Same namespace and names as the EMF documents before, and the
 * worker's `service` dimension, so the dashboard and alarms (lib/alarms.ts) read them unchanged;
 * the receiver's two counts have no dimension now (lambdas/adapters/cloudwatch-logs/intake-line.ts).
 * Rare events (breakers, deferrals, disabled subscriptions, redeliveries) stay EMF
 * (lambdas/handlers/observability.ts).
 *
 * A metric filter's dimension can only take its value from a field of the line (no fixed
 * value), hence the lines' `service` field; each metric's pattern checks it, and checks any
 * field the metric reads its value from, as CloudWatch requires.
 */
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ATTEMPT_LOG_KIND, ATTEMPT_LOG_SERVICE } from '../lambdas/core/attempt-log.js';
import { METRICS_NAMESPACE } from './alarms.js';

/** One condition of a JSON filter pattern on a top-level field of the line. */
export type Condition =
  | { field: string; op: '=' | '!='; value: string }
  | { field: string; op: '>=' | '>'; value: number }
  | { field: string; op: 'IS TRUE' | 'EXISTS' };

export interface LogMetric {
  metricName: string;
  /** All must hold. */
  when: readonly Condition[];
  /** A numeric field of the line (which `when` checks); absent: 1 per matching line. */
  valueField?: string;
  unit: cloudwatch.Unit;
  /** Dimension name → the field it takes its value from. */
  dimensions: Readonly<Record<string, string>>;
}

const is = (field: string, value: string): Condition => ({ field, op: '=', value });
const ATTEMPT = [is('kind', ATTEMPT_LOG_KIND), is('service', ATTEMPT_LOG_SERVICE)];
const SERVICE = { service: 'service' };
const count = (metricName: string, ...when: Condition[]): LogMetric => ({ metricName, when: [...ATTEMPT, ...when], unit: cloudwatch.Unit.COUNT, dimensions: SERVICE });
const FAILED: Condition = { field: 'outcome', op: '!=', value: 'success' };

/** From the attempt line (lambdas/core/attempt-log.ts, docs/attempt-log.md). */
export const ATTEMPT_METRICS: readonly LogMetric[] = [
  count('DeliveryAttempted'),
  count('DeliverySucceeded', is('outcome', 'success')),
  count('DeliveryFailed', FAILED),
  { ...count('DeliveryFailedByClass', FAILED), dimensions: { ...SERVICE, FailureClass: 'outcome' } },
  count('DeliveryAcknowledgedNon2xx', { field: 'acknowledgedNon2xx', op: 'IS TRUE' }),
  count('RetryScheduled', { field: 'nextAttemptAt', op: 'EXISTS' }),
  {
    metricName: 'EndToEndLatency',
    when: [...ATTEMPT, { field: 'latencyMs', op: '>=', value: 0 }],
    valueField: 'latencyMs',
    unit: cloudwatch.Unit.MILLISECONDS,
    dimensions: SERVICE,
  },
];

/** From the receiver's count line (lambdas/adapters/cloudwatch-logs/intake-line.ts), keyed by the metric's name; no dimension. */
export const INTAKE_METRICS: readonly LogMetric[] = (['EventAccepted', 'EventDuplicate'] as const).map((metricName) => ({
  metricName,
  when: [{ field: metricName, op: '>', value: 0 }],
  valueField: metricName,
  unit: cloudwatch.Unit.COUNT,
  dimensions: {},
}));

function jsonPattern(c: Condition): logs.JsonPattern {
  const field = `$.${c.field}`;
  switch (c.op) {
    case '=':
    case '!=':
      return logs.FilterPattern.stringValue(field, c.op, c.value);
    case '>=':
    case '>':
      return logs.FilterPattern.numberValue(field, c.op, c.value);
    case 'IS TRUE':
      return logs.FilterPattern.booleanValue(field, true);
    case 'EXISTS':
      return logs.FilterPattern.exists(field);
  }
}

/** The metric's CloudWatch Logs filter pattern. */
export function filterPattern(metric: LogMetric): logs.JsonPattern {
  return logs.FilterPattern.all(...metric.when.map(jsonPattern));
}

export interface LogMetricsProps {
  /** Where the worker writes its attempt lines (the attempt log group). */
  readonly workerLogGroup: logs.ILogGroup;
  readonly receiverLogGroup: logs.ILogGroup;
}

export class LogMetrics extends Construct {
  constructor(scope: Construct, id: string, props: LogMetricsProps) {
    super(scope, id);
    const add = (logGroup: logs.ILogGroup, metrics: readonly LogMetric[]) => {
      for (const metric of metrics) {
        new logs.MetricFilter(this, metric.metricName, {
          logGroup,
          metricNamespace: METRICS_NAMESPACE,
          metricName: metric.metricName,
          filterPattern: filterPattern(metric),
          metricValue: metric.valueField !== undefined ? `$.${metric.valueField}` : '1',
          unit: metric.unit,
          ...(Object.keys(metric.dimensions).length > 0 && {
            dimensions: Object.fromEntries(Object.entries(metric.dimensions).map(([name, field]) => [name, `$.${field}`])),
          }),
        });
      }
    };
    add(props.workerLogGroup, ATTEMPT_METRICS);
    add(props.receiverLogGroup, INTAKE_METRICS);
  }
}
