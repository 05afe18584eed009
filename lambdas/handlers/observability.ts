/**
 * Powertools logger and metrics for the three functions. Logs are structured JSON with correlation
 * ids; nothing secret is ever passed to them (subscriptions are logged by id only, requests never).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { intakeLogLine, writeIntakeLine } from '../adapters/cloudwatch-logs/intake-line.js';
import type { DispatchEvent } from '../core/services/dispatch.js';


export interface Observability {
  logger: Logger;
  metrics: Metrics;
  /**
   * Writes the receiver's count line (the source of `EventAccepted` / `EventDuplicate`), unless
   * metrics are off (`POWERTOOLS_METRICS_DISABLED`, which local mode's human console sets).
   */
  countIntake(accepted: number, duplicates: number): void;
}

const metricsDisabled = (): boolean => ['1', 'true', 'yes', 'on'].includes((process.env.POWERTOOLS_METRICS_DISABLED ?? '').trim().toLowerCase());

export function createObservability(serviceName: 'receiver' | 'admin' | 'worker'): Observability {
  const quiet = metricsDisabled();
  return {
    logger: new Logger({ serviceName }),
    metrics: new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'Hookline', serviceName }),
    countIntake: (accepted, duplicates) => (quiet ? undefined : writeIntakeLine(intakeLogLine(accepted, duplicates))),
  };
}

/** The worker's observer: `observe` each dispatch event, `publish` once at the end of the invocation. */
export interface DispatchObserver {
  observe(event: DispatchEvent): void;
  /** One EMF document for the invocation's rare counts, if any, then reset. */
  publish(): void;
}

/**
 * Turns the worker's rare dispatch events into EMF metrics and correlated log lines. Attempts
 * publish nothing here: their counts and latencies (`DeliveryAttempted`, `DeliverySucceeded`,
 * `DeliveryFailed`, `DeliveryFailedByClass`, `DeliveryAcknowledgedNon2xx`, `RetryScheduled`,
 * `EndToEndLatency`) come from the attempt line through CloudWatch Logs metric filters
 * (lib/log-metrics.ts), so an invocation of successes writes no metric document at all.
 * Rare counts are summed over the invocation and published once.
 */
export function dispatchObserver({ logger, metrics }: Observability): DispatchObserver {
  const counts = new Map<string, number>();
  const count = (name: string, n = 1): void => void counts.set(name, (counts.get(name) ?? 0) + n);
  const observe = (event: DispatchEvent): void => {
    switch (event.type) {
      case 'attempt':
      case 'retry-scheduled':
        return; // counted from the attempt line
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
    counts.clear();
    // Nothing rare happened: publishing nothing would log a Powertools warning.
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
