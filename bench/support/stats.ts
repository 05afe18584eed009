/** Small, dependency-free statistics for benchmark figures. */

/** Nearest-rank percentile (p in 0..100) of `values`; NaN when empty. Does not mutate `values`. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] as number;
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** `digits` decimals, so the JSON line stays readable. */
export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export interface Distribution {
  n: number;
  p50: number;
  p99: number;
  max: number;
  min: number;
}

/** p50/p99/min/max of `values` rounded to `digits` decimals. */
export function distribution(values: readonly number[], digits = 2): Distribution {
  if (values.length === 0) return { n: 0, p50: Number.NaN, p99: Number.NaN, max: Number.NaN, min: Number.NaN };
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return {
    n: values.length,
    p50: round(percentile(values, 50), digits),
    p99: round(percentile(values, 99), digits),
    max: round(max, digits),
    min: round(min, digits),
  };
}
