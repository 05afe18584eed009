/** In-memory streams for running the CLI in-process. */
import { Readable } from 'node:stream';
import type { CliIo } from '../../../cli/main.js';

export interface CapturedIo extends CliIo {
  out: () => string;
  err: () => string;
}

export function captureIo(
  options: { stdin?: string; stdinIsTty?: boolean; env?: Record<string, string | undefined>; signal?: AbortSignal } = {},
): CapturedIo {
  let out = '';
  let err = '';
  return {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    stdin: Object.assign(Readable.from([Buffer.from(options.stdin ?? '')]), options.stdinIsTty ? { isTTY: true } : {}),
    env: options.env ?? {},
    ...(options.signal ? { signal: options.signal } : {}),
    out: () => out,
    err: () => err,
  };
}
