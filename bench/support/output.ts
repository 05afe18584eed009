/**
 * The benchmark contract: exactly one JSON line of figures on stdout, progress on stderr, and a
 * non-zero exit (with the error on stderr) when the benchmark could not measure what it claims.
 * Cleanups registered here run on success, failure and SIGINT/SIGTERM alike.
 */
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { isQuick } from './env.js';

const cleanups: (() => Promise<void> | void)[] = [];

/** Bound before anything (in-process local mode, the attempt log) can replace `process.stdout.write`. */
const writeFiguresLine = process.stdout.write.bind(process.stdout);

/** Runs `fn` at exit, newest first. */
export function onCleanup(fn: () => Promise<void> | void): void {
  cleanups.push(fn);
}

async function runCleanups(): Promise<void> {
  while (cleanups.length > 0) {
    const fn = cleanups.pop() as () => Promise<void> | void;
    try {
      await fn();
    } catch (error) {
      progress(`cleanup failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

export function progress(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

/** Runs one benchmark: prints `{ benchmark: name, ...figures }` as one line, cleans up, exits. */
export async function runBenchmark(name: string, measure: () => Promise<Record<string, unknown>>): Promise<void> {
  let interrupted = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      interrupted = true;
      progress(`${name}: ${signal}, cleaning up`);
      void runCleanups().finally(() => process.exit(130));
    });
  }
  const started = performance.now();
  // Other work on the machine colours every timing; the load average says how much.
  const loadAtStart = loadavg()[0] as number;
  let code = 0;
  try {
    const figures = await measure();
    if (!interrupted) {
      const machine = { cpus: availableParallelism(), load1mStart: round1(loadAtStart), load1mEnd: round1(loadavg()[0] as number) };
      const line = { benchmark: name, ...(isQuick() && { quick: true }), ...figures, machine, wallSeconds: Math.round((performance.now() - started) / 100) / 10, at: new Date().toISOString() };
      writeFiguresLine(`${JSON.stringify(line)}\n`);
    }
  } catch (error) {
    code = 1;
    progress(`${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  } finally {
    await runCleanups();
  }
  // Engines and pools may hold handles open; the figures are out, so leave now.
  process.exit(code);
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

/** Whether the module at `moduleUrl` is the script Node was started with (not imported by another benchmark). */
export function isEntryPoint(moduleUrl: string): boolean {
  return process.argv[1] !== undefined && fileURLToPath(moduleUrl) === process.argv[1];
}
