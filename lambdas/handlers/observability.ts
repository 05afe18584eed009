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

/** Turns the worker's dispatch events into EMF metrics and correlated log lines. */
export function dispatchObserver({ logger, metrics }: Observability): (event: DispatchEvent) => void {
  return (event) => {
    switch (event.type) {
      case 'attempt': {
        metrics.addMetric('DeliveryAttempted', MetricUnit.Count, 1);
        if (event.attempt.outcome === 'success') {
          metrics.addMetric('DeliverySucceeded', MetricUnit.Count, 1);
          // Always emitted (0 or 1) so the alarm's share is defined for every window with successes.
          metrics.addMetric('DeliveryAcknowledgedNon2xx', MetricUnit.Count, event.attempt.acknowledgedNon2xx === true ? 1 : 0);
          if (event.latencyMs !== undefined) metrics.addMetric('EndToEndLatency', MetricUnit.Milliseconds, event.latencyMs);
        } else {
          metrics.addMetric('DeliveryFailed', MetricUnit.Count, 1);
          const byClass = metrics.singleMetric();
          byClass.addDimension('FailureClass', event.attempt.outcome);
          byClass.addMetric('DeliveryFailedByClass', MetricUnit.Count, 1);
        }
        return;
      }
      case 'retry-scheduled':
        metrics.addMetric('RetryScheduled', MetricUnit.Count, 1);
        return;
      case 'subscription':
        if (event.action !== 'warn') metrics.addMetric('SubscriptionDisabled', MetricUnit.Count, 1);
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
      case 'invalid-task':
        logger.error('invalid task dropped', { recordId: event.recordId, reason: event.reason });
        return;
      case 'task-error': {
        // Redelivered either way; an unknown error is logged as an error so it is looked at.
        const context = {
          recordId: event.recordId,
          errorClass: event.errorClass,
          deliveryId: event.task?.deliveryId,
          subscriptionId: event.task?.subscriptionId,
          attempt: event.task?.attempt,
          error: event.error,
        };
        metrics.addMetric('TaskRedelivered', MetricUnit.Count, 1);
        if (event.errorClass === 'unknown') logger.error('task failed: redelivered', context);
        else logger.warn('task failed transiently: redelivered', context);
        return;
      }
    }
  };
}
