/**
 * Metrics from log lines (lib/log-metrics.ts): each metric filter's pattern, as CDK renders it,
 * evaluated against real attempt and intake lines; and the filters in the template, on the right
 * log groups, with the names, namespace and dimensions the dashboard and alarms read.
 */
import { describe, expect, it } from 'vitest';
import { intakeLogLine } from '../../lambdas/adapters/cloudwatch-logs/intake-line.js';
import { attemptLogLine } from '../../lambdas/core/attempt-log.js';
import type { Attempt, Delivery } from '../../lambdas/core/model.js';
import { ATTEMPT_METRICS, filterPattern, INTAKE_METRICS, type LogMetric } from '../../lib/log-metrics.js';
import { beforeAllSynths, type Synth } from './support.js';

let synth: Synth;
beforeAllSynths((loaded) => ({ defaults: synth } = loaded));

type Line = Record<string, unknown>;

/**
 * Evaluates a rendered JSON filter pattern of the form CDK writes, `{ (c1) && (c2) ... }` or `{ c1 }`, each
 * condition `$.field OP value` on a top-level field, with CloudWatch's meaning: a quoted "*"
 * matches any present value, `IS TRUE` only the JSON literal true, numbers compare numerically.
 */
function matches(pattern: string, line: Line): boolean {
  const body = /^\{ (.*) \}$/.exec(pattern)?.[1];
  if (body === undefined) throw new Error(`not a JSON pattern: ${pattern}`);
  return body.split(' && ').every((part) => {
    const m = /^\(\$\.(\w+) (=|!=|>=|>|IS) (.+)\)$/.exec(part) ?? /^\$\.(\w+) (=|!=|>=|>|IS) (.+)$/.exec(part);
    if (m === null) throw new Error(`condition not understood: ${part}`);
    const [, field, op, raw] = m as unknown as [string, string, string, string];
    const value = line[field];
    if (op === 'IS') return raw === 'TRUE' && value === true;
    if (raw.startsWith('"')) {
      const expected = JSON.parse(raw) as string;
      if (expected === '*') return op === '=' && value !== undefined;
      return op === '=' ? value === expected : value !== undefined && value !== expected;
    }
    if (typeof value !== 'number') return false;
    return op === '>=' ? value >= Number(raw) : op === '>' ? value > Number(raw) : value === Number(raw);
  });
}

/** What a metric filter publishes for one line: nothing, or its value and dimensions. */
function published(metric: LogMetric, line: Line): { value: unknown; dimensions: Record<string, unknown> } | undefined {
  if (!matches(filterPattern(metric).logPatternString, line)) return undefined;
  return {
    value: metric.valueField !== undefined ? line[metric.valueField] : 1,
    dimensions: Object.fromEntries(Object.entries(metric.dimensions).map(([name, field]) => [name, line[field]])),
  };
}

const delivery = (status: Delivery['status']): Delivery =>
  ({ id: 'dlv_1', messageId: 'msg_1', subscriptionId: 'sub_1', tenant: 'shop-1', eventType: 'order.created', status }) as Delivery;
const attempt = (extra: Partial<Attempt>): Attempt => ({
  attempt: 1,
  trigger: 'event',
  startedAt: '2026-12-06T14:00:00.000Z',
  endedAt: '2026-12-06T14:00:00.120Z',
  durationMs: 120,
  urlHost: 'hooks.example.com',
  statusCode: 200,
  outcome: 'success',
  ...extra,
});
/** The line as CloudWatch Logs receives it: JSON text, parsed. */
const asLogged = (line: object): Line => JSON.parse(JSON.stringify(line)) as Line;
const intake = Date.parse('2026-12-06T13:59:59.920Z');

const success = asLogged(attemptLogLine(delivery('succeeded'), attempt({}), intake));
const failedWithRetry = asLogged(
  attemptLogLine(delivery('pending'), attempt({ statusCode: 503, outcome: '5xx', reason: 'HTTP 503', nextAttemptAt: '2026-12-06T14:05:00.000Z' }), intake),
);
const timedOutLast = asLogged(attemptLogLine(delivery('failed'), attempt({ statusCode: undefined, outcome: 'timeout', reason: 'timed out' }), intake));
const acknowledged401 = asLogged(attemptLogLine(delivery('succeeded'), attempt({ statusCode: 401, acknowledgedNon2xx: true }), intake));

const worker = (metricName: string) => ATTEMPT_METRICS.find((m) => m.metricName === metricName)!;
const receiver = (metricName: string) => INTAKE_METRICS.find((m) => m.metricName === metricName)!;
const names = (line: Line) => ATTEMPT_METRICS.filter((m) => published(m, line) !== undefined).map((m) => m.metricName);

describe('metric filter patterns against the lines', () => {
  it('a first-attempt success: attempted, succeeded and its end-to-end latency, under service=worker', () => {
    expect(names(success)).toEqual(['DeliveryAttempted', 'DeliverySucceeded', 'EndToEndLatency']);
    expect(published(worker('EndToEndLatency'), success)).toEqual({ value: 200, dimensions: { service: 'worker' } });
    expect(published(worker('DeliveryAttempted'), success)).toEqual({ value: 1, dimensions: { service: 'worker' } });
  });

  it('a failure with a retry: attempted, failed, failed by class (its outcome) and retry scheduled; no latency', () => {
    expect(names(failedWithRetry)).toEqual(['DeliveryAttempted', 'DeliveryFailed', 'DeliveryFailedByClass', 'RetryScheduled']);
    expect(published(worker('DeliveryFailedByClass'), failedWithRetry)).toEqual({ value: 1, dimensions: { service: 'worker', FailureClass: '5xx' } });
    expect(names(timedOutLast)).toEqual(['DeliveryAttempted', 'DeliveryFailed', 'DeliveryFailedByClass']);
    expect(published(worker('DeliveryFailedByClass'), timedOutLast)?.dimensions).toEqual({ service: 'worker', FailureClass: 'timeout' });
  });

  it('a success acknowledged by a non-2xx status also counts in DeliveryAcknowledgedNon2xx', () => {
    expect(names(acknowledged401)).toEqual(['DeliveryAttempted', 'DeliverySucceeded', 'DeliveryAcknowledgedNon2xx', 'EndToEndLatency']);
  });

  it('the intake line: accepted and duplicate events as their counts; nothing for a zero, no line for nothing', () => {
    expect(published(receiver('EventAccepted'), asLogged(intakeLogLine(1, 0)!))).toEqual({ value: 1, dimensions: {} });
    expect(published(receiver('EventDuplicate'), asLogged(intakeLogLine(1, 0)!))).toBeUndefined();
    const batch = asLogged(intakeLogLine(7, 3)!);
    expect([published(receiver('EventAccepted'), batch)?.value, published(receiver('EventDuplicate'), batch)?.value]).toEqual([7, 3]);
    expect(published(receiver('EventAccepted'), asLogged(intakeLogLine(0, 2)!))).toBeUndefined();
    expect(intakeLogLine(0, 0)).toBeUndefined();
  });

  it('no line of one kind feeds the other kind’s metrics, and the handlers’ own log lines feed none', () => {
    const workerLog = { level: 'WARN', message: 'circuit breaker open', service: 'worker', outcome: 'success' };
    const receiverLog = { level: 'DEBUG', message: 'event accepted', service: 'receiver', deliveryCount: 1, duplicate: false };
    for (const line of [asLogged(intakeLogLine(1, 1)!), workerLog, receiverLog]) expect(names(line)).toEqual([]);
    for (const line of [success, failedWithRetry, workerLog, receiverLog]) expect(INTAKE_METRICS.filter((m) => published(m, line) !== undefined)).toEqual([]);
  });
});

describe('metric filters in the template', () => {
  const filters = () => Object.values(synth.ofType('AWS::Logs::MetricFilter')).map((r) => r.Properties as Record<string, unknown>);

  it('one per metric, on the worker (attempt) and receiver log groups, in the dashboard’s namespace and dimension (none for the receiver’s)', () => {
    const byName = new Map(filters().map((f) => [(f.MetricTransformations as { MetricName: string }[])[0]!.MetricName, f]));
    expect([...byName.keys()].sort()).toEqual([...ATTEMPT_METRICS, ...INTAKE_METRICS].map((m) => m.metricName).sort());
    for (const metric of ATTEMPT_METRICS) expect(byName.get(metric.metricName)!.LogGroupName, metric.metricName).toEqual(synth.ref('Archive/AttemptLogs'));
    for (const metric of INTAKE_METRICS) expect(byName.get(metric.metricName)!.LogGroupName, metric.metricName).toEqual(synth.ref('Receiver/Logs'));
    expect(byName.get('DeliverySucceeded')).toMatchObject({
      FilterPattern: '{ ($.kind = "hookline.attempt") && ($.service = "worker") && ($.outcome = "success") }',
      MetricTransformations: [{ MetricNamespace: 'Hookline', MetricName: 'DeliverySucceeded', MetricValue: '1', Unit: 'Count', Dimensions: [{ Key: 'service', Value: '$.service' }] }],
    });
    expect(byName.get('EndToEndLatency')).toMatchObject({
      FilterPattern: '{ ($.kind = "hookline.attempt") && ($.service = "worker") && ($.latencyMs >= 0) }',
      MetricTransformations: [{ MetricValue: '$.latencyMs', Unit: 'Milliseconds' }],
    });
    expect(byName.get('DeliveryFailedByClass')).toMatchObject({
      MetricTransformations: [{ Dimensions: [{ Key: 'service', Value: '$.service' }, { Key: 'FailureClass', Value: '$.outcome' }] }],
    });
    expect((byName.get('EventDuplicate')!.MetricTransformations as object[])[0]).not.toHaveProperty('Dimensions');
    expect(byName.get('EventAccepted')).toMatchObject({
      FilterPattern: '{ $.EventAccepted > 0 }',
      MetricTransformations: [{ MetricNamespace: 'Hookline', MetricValue: '$.EventAccepted', Unit: 'Count' }],
    });
  });
});
