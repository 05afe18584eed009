/**
 * The receiver's count line: one compact JSON line per intake request, from which CloudWatch
 * Logs metric filters publish `EventAccepted` and `EventDuplicate` (lib/log-metrics.ts). Raw on
 * stdout like the attempt line, and shaped like an EMF document reduced to its values (the metric
 * names as keys): 20 bytes where a Powertools EMF document with one count is ~200. No other line
 * of the receiver has these keys. No `service` field, so these two metrics have no dimension
 * (a metric filter's dimension can only take its value from the line): nothing in the stack
 * reads them by dimension, and a single-event delivery stays under 800 log bytes.
 */
export interface IntakeLogLine {
  /** New events accepted (duplicates apart); left out when none. */
  EventAccepted?: number;
  /** Events answered with an earlier message (same idempotency key); left out when none. */
  EventDuplicate?: number;
}

/** The request's line; undefined when it accepted nothing (every event refused). */
export function intakeLogLine(accepted: number, duplicates: number): IntakeLogLine | undefined {
  if (accepted <= 0 && duplicates <= 0) return undefined;
  return { ...(accepted > 0 && { EventAccepted: accepted }), ...(duplicates > 0 && { EventDuplicate: duplicates }) };
}

export function writeIntakeLine(line: IntakeLogLine | undefined): void {
  if (line !== undefined) process.stdout.write(`${JSON.stringify(line)}\n`);
}
