/**
 * Local mode's console: one readable line per delivery attempt (the default), or the raw
 * attempt-log JSON lines a deployment writes to CloudWatch (`--log-format json`).
 */
import type { AttemptLog, AttemptLogLine } from '../lambdas/core/attempt-log.js';
import { stdoutAttemptLog } from '../lambdas/adapters/cloudwatch-logs/attempt-log-writer.js';

export type LogFormat = 'human' | 'json';
export const LOG_FORMATS: readonly LogFormat[] = ['human', 'json'];

/** `HH:MM:SS` of an ISO time, in UTC like every time the API returns. */
function clock(iso: string): string {
  return iso.slice(11, 19);
}

/**
 * `14:02:03 ✓ 200 order.created → 127.0.0.1:4000 12ms · attempt 1 · dlv_… succeeded`;
 * a failure adds its class and reason, and when the next attempt is due; a success on a status
 * outside 2xx (TikTok Shop's 401) says so.
 */
export function formatAttemptLine(line: AttemptLogLine): string {
  const ok = line.outcome === 'success';
  const parts = [
    `${clock(line.startedAt)} ${ok ? '✓' : '✗'} ${line.statusCode ?? '---'} ${line.eventType} → ${line.urlHost ?? '?'} ${line.durationMs}ms`,
    `attempt ${line.attempt}${line.trigger === 'event' || line.trigger === 'retry' ? '' : ` (${line.trigger})`}`,
    `${line.deliveryId} ${line.status}`,
  ];
  if (line.acknowledgedNon2xx === true) parts.push('acknowledged non-2xx (acceptStatuses)');
  if (!ok) parts.push(`${line.outcome}${line.reason !== undefined ? `: ${line.reason}` : ''}`);
  if (line.nextAttemptAt !== undefined) parts.push(`next at ${clock(line.nextAttemptAt)}`);
  return parts.join(' · ');
}

export function consoleAttemptLog(format: LogFormat): AttemptLog {
  if (format === 'json') return stdoutAttemptLog;
  return { write: (line) => void process.stdout.write(`${formatAttemptLine(line)}\n`) };
}
