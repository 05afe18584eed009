/**
 * `npm run bench [-- [--quick] NAME...]`: runs each benchmark in its own Node process (so one's engines,
 * pools and JIT state never colour another's figures), forwards its one JSON line to stdout and
 * its progress to stderr, and exits non-zero if any benchmark failed or broke the one-line rule.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** In run order: the in-process ones first, then the ones that start local mode. */
const BENCHMARKS = ['engine-vs-raw', 'bundle', 'payload-codec', 'e2e-local', 'fan-out', 'retry-timing', 'isolation', 'cost', 'capacity'] as const;

/** A benchmark still running after this is stopped (its process group is killed). @default 10 min */
const TIMEOUT_MS = 10 * 60 * 1000;

/** Flags passed on to every benchmark. */
const FLAGS = ['--quick'] as const;

function runOne(name: string, flags: readonly string[]): Promise<{ ok: boolean; line?: string }> {
  const file = fileURLToPath(new URL(`./${name}.ts`, import.meta.url));
  return new Promise((resolve) => {
    // Own process group, so a timeout can stop the benchmark and anything it started.
    const child = spawn(process.execPath, ['--import', 'tsx', file, ...flags], { stdio: ['ignore', 'pipe', 'inherit'], detached: true });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    const timer = setTimeout(() => {
      process.stderr.write(`[bench] ${name}: timed out after ${TIMEOUT_MS / 1000} s, stopping it\n`);
      try {
        process.kill(-(child.pid as number), 'SIGTERM');
        setTimeout(() => {
          try {
            process.kill(-(child.pid as number), 'SIGKILL');
          } catch {
            // already gone
          }
        }, 15_000).unref();
      } catch {
        // already gone
      }
    }, TIMEOUT_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      const lines = out.split('\n').filter((l) => l.trim() !== '');
      const line = lines.length === 1 ? lines[0] : undefined;
      let valid = false;
      try {
        valid = line !== undefined && typeof JSON.parse(line) === 'object';
      } catch {
        valid = false;
      }
      if (code === 0 && !valid) process.stderr.write(`[bench] ${name}: expected one JSON line on stdout, got ${lines.length} line(s)\n`);
      resolve({ ok: code === 0 && valid, ...(line !== undefined && { line }) });
    });
  });
}

async function main(argv: readonly string[]): Promise<void> {
  const flags = argv.filter((a) => (FLAGS as readonly string[]).includes(a));
  const names = argv.filter((a) => !flags.includes(a));
  const unknown = names.filter((a) => !(BENCHMARKS as readonly string[]).includes(a));
  if (unknown.length > 0) {
    process.stderr.write(`unknown benchmark(s) or flag(s): ${unknown.join(', ')}; benchmarks: ${BENCHMARKS.join(', ')}; flags: ${FLAGS.join(', ')}\n`);
    process.exit(2);
  }
  const selected = names.length > 0 ? names : BENCHMARKS;
  const failed: string[] = [];
  for (const name of selected) {
    process.stderr.write(`[bench] ${name}: starting\n`);
    const { ok, line } = await runOne(name, flags);
    if (ok && line !== undefined) process.stdout.write(`${line}\n`);
    else failed.push(name);
  }
  if (failed.length > 0) {
    process.stderr.write(`[bench] failed: ${failed.join(', ')}\n`);
    process.exit(1);
  }
}

await main(process.argv.slice(2));
