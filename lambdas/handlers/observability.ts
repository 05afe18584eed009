/**
 * Powertools logger and metrics for the three functions. Logs are structured JSON with correlation
 * ids; nothing secret is ever passed to them (subscriptions are logged by id only, requests never).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { DispatchEvent } from '../core/services/dispatch.js';

export { MetricUnit };

export interface Observability {
  logger: Logger;
  metrics: Metrics;
}

export function createObservability(serviceName: 'receiver' | 'admin' | 'worker'): Observability {
  return {
    logger: new Logger({ serviceName }),
    metrics: new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'Hookline', serviceName }),
  };
}

/** The worker's observer: `observe` each dispatch event, `publish` once at the end of the invocation. */
export interface DispatchObserver {
  observe(event: DispatchEvent): void;
  /** One EMF document for the invocation's counts (plus one per failure class seen), then reset. */
  publish(): void;
}

/**
 * Turns the worker's dispatch events into EMF metrics and correlated log lines. Counts are summed
 * over the invocation and published once, as one value each: a batch of 10 deliveries writes the
 * same metric document as a batch of one (only `EndToEndLatency` keeps a value per delivery, for
 * its percentiles). Alarms read `Sum`, which is unchanged by the aggregation.
 */
export function dispatchObserver({ logger, metrics }: Observability): DispatchObserver {
  const counts = new Map<string, number>();
  const failuresByClass = new Map<string, number>();
  const count = (name: string, n = 1): void => void counts.set(name, (counts.get(name) ?? 0) + n);
  const observe = (event: DispatchEvent): void => {
    switch (event.type) {
      case 'attempt': {
        count('DeliveryAttempted');
        if (event.attempt.outcome === 'success') {
          count('DeliverySucceeded');
          // Published only when non-zero (a zero is ~75 bytes of every invocation's document); the
          // alarm reads a missing value as 0.
          if (event.attempt.acknowledgedNon2xx === true) count('DeliveryAcknowledgedNon2xx');
          if (event.latencyMs !== undefined) metrics.addMetric('EndToEndLatency', MetricUnit.Milliseconds, event.latencyMs);
        } else {
          count('DeliveryFailed');
          failuresByClass.set(event.attempt.outcome, (failuresByClass.get(event.attempt.outcome) ?? 0) + 1);
        }
        return;
      }
      case 'retry-scheduled':
        count('RetryScheduled');
        return;
      case 'subscription':
        if (event.action !== 'warn') count('SubscriptionDisabled');
        logger.warn('failure policy applied', { subscriptionId: event.subscriptionId, action: event.action, failures: event.failures });
        return;
      case 'skipped':
        logger.debug('task skipped', {
          deliveryId: event.task.deliveryId,
          messageId: event.task.messageId,
          subscriptionId: event.task.subscriptionId,
          reason: event.reason,
        });
        return;
      case 'control-deferred':
        count('ControlTaskDeferred');
        logger.info('control task deferred to the next invocation', { recordId: event.recordId, kind: event.kind });
        return;
      case 'deferred':
        count('DeliveryDeferred');
        logger.debug('task deferred', { deliveryId: event.task.deliveryId, subscriptionId: event.task.subscriptionId, reason: event.reason, until: event.until });
        return;
      case 'breaker':
        count(event.state === 'open' ? 'CircuitBreakerOpened' : 'CircuitBreakerClosed');
        logger.warn(`circuit breaker ${event.state}`, { subscriptionId: event.subscriptionId, failures: event.failures, until: event.until });
        return;
      case 'invalid-task':
        logger.error('invalid task dropped', { recordId: event.recordId, reason: event.reason });
        return;
      case 'task-error':
        count('TaskRedelivered');
        logTaskError(logger, event);
        return;
    }
  };
  const publish = (): void => {
    for (const [name, n] of counts) metrics.addMetric(name, MetricUnit.Count, n);
    for (const [failureClass, n] of failuresByClass) {
      const byClass = metrics.singleMetric();
      byClass.addDimension('FailureClass', failureClass);
      byClass.addMetric('DeliveryFailedByClass', MetricUnit.Count, n);
    }
    counts.clear();
    failuresByClass.clear();
    // A batch of skipped tasks records nothing; publishing nothing would log a Powertools warning.
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  };
  return { observe, publish };
}

/** Redelivered either way; an unknown error is logged as an error so it is looked at. */
function logTaskError(logger: Observability['logger'], event: Extract<DispatchEvent, { type: 'task-error' }>): void {
  const context = {
    recordId: event.recordId,
    errorClass: event.errorClass,
    deliveryId: event.task?.deliveryId,
    subscriptionId: event.task?.subscriptionId,
    attempt: event.task?.attempt,
    error: event.error,
  };
  if (event.errorClass === 'unknown') logger.error('task failed: redelivered', context);
  else logger.warn('task failed transiently: redelivered', context);
}
