/** Benchmark knobs from the environment (`BENCH_*`), validated. */

export function envInt(name: string, fallback: number, min = 1): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer ≥ ${min}, got ${raw}`);
  return n;
}

/** A share in (0, 1] from `name`, else `fallback`. */
export function envFraction(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!(n > 0 && n <= 1)) throw new Error(`${name} must be a number in (0, 1], got ${raw}`);
  return n;
}

/**
 * `--quick` (or `BENCH_QUICK=1`): a smaller run of the same code path, seconds instead of minutes,
 * for checking that a benchmark still works. Its figures are not the benchmark's result.
 */
export function isQuick(): boolean {
  return process.argv.includes('--quick') || process.env.BENCH_QUICK === '1';
}
