/**
 * The attempt log line: one JSON object per attempt, written to the worker's log group and
 * archived to S3 by Firehose (`attempts/YYYY/MM/DD/`, gzip NDJSON). Versioned by `v`; fields are
 * only ever added. Never carries secrets, auth headers, signatures or the full URL.
 * Documented in docs/attempt-log.md.
 */
import type { Attempt, Delivery, DeliveryStatus } from './model.js';

export const ATTEMPT_LOG_KIND = 'hookline.attempt';
/**
 * The line's `service`: the dimension of the metrics CloudWatch Logs metric filters derive from
 * it (lib/log-metrics.ts). A metric filter's dimension can only take its value from the line.
 */
export const ATTEMPT_LOG_SERVICE = 'worker';

export interface AttemptLogLine {
  kind: typeof ATTEMPT_LOG_KIND;
  v: 1;
  service: typeof ATTEMPT_LOG_SERVICE;
  deliveryId: string;
  messageId: string;
  subscriptionId: string;
  tenant?: string;
  eventType: string;
  attempt: number;
  trigger: Attempt['trigger'];
  startedAt: string;
  endedAt: string;
  durationMs: number;
  urlHost?: string;
  statusCode?: number;
  outcome: Attempt['outcome'];
  /** true when a non-2xx status was acknowledged as success (the subscription's `acceptStatuses`). */
  acknowledgedNon2xx?: true;
  reason?: string;
  responseExcerpt?: string;
  nextAttemptAt?: string;
  /** Times the attempt was put back before it was made (circuit breaker, in-flight cap, pacing). */
  deferrals?: number;
  /** true for the half-open circuit breaker's probe. */
  breakerProbe?: true;
  /** The delivery's status after this attempt. */
  status: DeliveryStatus;
  /** Successes: ms from the event's intake to the end of this attempt (the metric `EndToEndLatency`). */
  latencyMs?: number;
}

/** Where attempt lines go: the worker's log group in AWS (adapters/cloudwatch-logs), local mode's console and archive. */
export interface AttemptLog {
  write(line: AttemptLogLine): void;
}

/** `messageCreatedAt` (epoch ms): the event's intake, for a success's `latencyMs`. */
export function attemptLogLine(delivery: Delivery, attempt: Attempt, messageCreatedAt?: number): AttemptLogLine {
  return {
    kind: ATTEMPT_LOG_KIND,
    v: 1,
    service: ATTEMPT_LOG_SERVICE,
    deliveryId: delivery.id,
    messageId: delivery.messageId,
    subscriptionId: delivery.subscriptionId,
    ...(delivery.tenant !== undefined && { tenant: delivery.tenant }),
    eventType: delivery.eventType,
    attempt: attempt.attempt,
    trigger: attempt.trigger,
    startedAt: attempt.startedAt,
    endedAt: attempt.endedAt,
    durationMs: attempt.durationMs,
    ...(attempt.urlHost !== undefined && { urlHost: attempt.urlHost }),
    ...(attempt.statusCode !== undefined && { statusCode: attempt.statusCode }),
    outcome: attempt.outcome,
    ...(attempt.acknowledgedNon2xx === true && { acknowledgedNon2xx: true as const }),
    ...(attempt.reason !== undefined && { reason: attempt.reason }),
    ...(attempt.responseExcerpt !== undefined && { responseExcerpt: attempt.responseExcerpt }),
    ...(attempt.nextAttemptAt !== undefined && { nextAttemptAt: attempt.nextAttemptAt }),
    ...(attempt.deferrals !== undefined && { deferrals: attempt.deferrals }),
    ...(attempt.breakerProbe === true && { breakerProbe: true as const }),
    status: delivery.status,
    ...(attempt.outcome === 'success' && messageCreatedAt !== undefined && { latencyMs: Date.parse(attempt.endedAt) - messageCreatedAt }),
  };
}
