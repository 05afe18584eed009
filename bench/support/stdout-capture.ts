/**
 * Swallows what in-process local mode writes to stdout (the attempt log, the receiver's intake
 * lines, Powertools logs and the EMF metrics of rare events: in Lambda all of it goes to
 * CloudWatch Logs) so the benchmark's stdout keeps its one
 * JSON line, and measures it: bytes and lines, attempt lines apart.
 */
import { ATTEMPT_LOG_KIND } from '../../lambdas/core/attempt-log.js';

export interface CapturedOutput {
  bytes: number;
  lines: number;
  attemptLines: number;
  attemptBytes: number;
}

export interface StdoutCapture {
  /** Totals since the last reset. */
  totals(): CapturedOutput;
  /** Every attempt line seen since the last reset, parsed. */
  attempts(): Record<string, unknown>[];
  reset(): void;
  restore(): void;
}

export function captureStdout(): StdoutCapture {
  const original = process.stdout.write;
  let totals: CapturedOutput = { bytes: 0, lines: 0, attemptLines: 0, attemptBytes: 0 };
  let attempts: Record<string, unknown>[] = [];
  let partial = '';
  const marker = `"kind":"${ATTEMPT_LOG_KIND}"`;
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    const lines = (partial + text).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      const size = Buffer.byteLength(line) + 1;
      totals.bytes += size;
      totals.lines += 1;
      if (line.includes(marker)) {
        totals.attemptLines += 1;
        totals.attemptBytes += size;
        attempts.push(JSON.parse(line) as Record<string, unknown>);
      }
    }
    const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    callback?.();
    return true;
  }) as typeof process.stdout.write;
  return {
    totals: () => ({ ...totals }),
    attempts: () => attempts,
    reset: () => {
      totals = { bytes: 0, lines: 0, attemptLines: 0, attemptBytes: 0 };
      attempts = [];
    },
    restore: () => {
      process.stdout.write = original;
    },
  };
}
