/**
 * The receiver's count line: one compact JSON line per intake request, from which CloudWatch
 * Logs metric filters publish `EventAccepted` and `EventDuplicate` (lib/log-metrics.ts). Raw on
 * stdout like the attempt line: 60 bytes where a Powertools EMF document with one count is ~200.
 */
export const INTAKE_LOG_KIND = 'hookline.intake';
/** The metrics' `service` dimension (a metric filter's dimension can only take its value from the line). */
export const INTAKE_LOG_SERVICE = 'receiver';

export interface IntakeLogLine {
  kind: typeof INTAKE_LOG_KIND;
  service: typeof INTAKE_LOG_SERVICE;
  /** New events accepted (duplicates apart). */
  accepted: number;
  /** Events answered with an earlier message (same idempotency key); left out when none. */
  duplicates?: number;
}

export function intakeLogLine(accepted: number, duplicates: number): IntakeLogLine {
  return { kind: INTAKE_LOG_KIND, service: INTAKE_LOG_SERVICE, accepted, ...(duplicates > 0 && { duplicates }) };
}

export function writeIntakeLine(line: IntakeLogLine): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}
