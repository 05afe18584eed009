import { describe, expect, it } from 'vitest';
import { ATTEMPT_LOG_KIND, type AttemptLogLine } from '../../../lambdas/core/attempt-log.js';
import { formatAttemptLine } from '../../../local/attempt-lines.js';

const base: AttemptLogLine = {
  kind: ATTEMPT_LOG_KIND,
  v: 1,
  service: 'worker',
  deliveryId: 'dlv_1',
  messageId: 'msg_1',
  subscriptionId: 'sub_1',
  eventType: 'order.created',
  attempt: 1,
  trigger: 'event',
  startedAt: '2026-12-06T14:02:03.120Z',
  endedAt: '2026-12-06T14:02:03.132Z',
  durationMs: 12,
  urlHost: '127.0.0.1:4000',
  statusCode: 200,
  outcome: 'success',
  status: 'succeeded',
};

describe('formatAttemptLine', () => {
  it('a success: time, mark, status code, event type, host, duration, attempt, delivery and its status', () => {
    expect(formatAttemptLine(base)).toBe('14:02:03 ✓ 200 order.created → 127.0.0.1:4000 12ms · attempt 1 · dlv_1 succeeded');
  });

  it('a failure adds its class, reason and when the next attempt is due; a manual trigger is named', () => {
    const line = formatAttemptLine({
      ...base,
      attempt: 2,
      trigger: 'manual',
      statusCode: undefined,
      outcome: 'network',
      reason: 'ECONNREFUSED',
      nextAttemptAt: '2026-12-06T14:03:03.000Z',
      status: 'pending',
    });
    expect(line).toBe('14:02:03 ✗ --- order.created → 127.0.0.1:4000 12ms · attempt 2 (manual) · dlv_1 pending · network: ECONNREFUSED · next at 14:03:03');
    expect(line).not.toContain('\n');
  });

  it('a success acknowledged outside 2xx says so', () => {
    expect(formatAttemptLine({ ...base, statusCode: 401, acknowledgedNon2xx: true })).toBe(
      '14:02:03 ✓ 401 order.created → 127.0.0.1:4000 12ms · attempt 1 · dlv_1 succeeded · acknowledged non-2xx (acceptStatuses)',
    );
  });
});
