/** Deliveries per outcome over time as stacked-looking bars (uPlot), with a table twin for screen readers. */
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import type { DeliveryStatus } from './model.js';
import { html } from './ui.js';

export interface Buckets {
  /** Bucket start times, seconds since the epoch. */
  starts: number[];
  counts: Record<DeliveryStatus, number[]>;
}

/** Colours chosen for contrast on white and for telling the series apart without colour (legend, table). */
const SERIES: { status: DeliveryStatus; colour: string }[] = [
  { status: 'succeeded', colour: '#1a7f37' },
  { status: 'failed', colour: '#cf222e' },
  { status: 'pending', colour: '#9a6700' },
  { status: 'dropped', colour: '#57606a' },
  { status: 'paused', colour: '#8250df' },
];

/** Running sums over the series, so each bar shows its own segment on top of the ones before it. */
function stacked(buckets: Buckets): number[][] {
  const sums = new Array<number>(buckets.starts.length).fill(0);
  return SERIES.map((s) => buckets.counts[s.status].map((v, i) => (sums[i] = (sums[i] ?? 0) + v)));
}

export function OutcomeChart({ title, buckets }: { title: string; buckets: Buckets }) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (el.current === null) return undefined;
    const bars = uPlot.paths.bars?.({ size: [0.8, 40] });
    // Drawn tallest first: every later (shorter) stack covers all but its own segment.
    const order = [...SERIES.keys()].reverse();
    const sums = stacked(buckets);
    const plot = new uPlot(
      {
        width: Math.min(640, el.current.clientWidth || 640),
        height: 220,
        legend: { show: false },
        series: [{}, ...order.map((i) => ({ label: SERIES[i]?.status, stroke: SERIES[i]?.colour, fill: SERIES[i]?.colour, points: { show: false }, ...(bars && { paths: bars }) }))],
        axes: [{}, { label: 'deliveries' }],
        scales: { x: { time: true } },
      },
      [buckets.starts, ...order.map((i) => sums[i] ?? [])],
      el.current,
    );
    return () => plot.destroy();
  }, [buckets]);
  const totals = SERIES.map((s) => ({ ...s, total: buckets.counts[s.status].reduce((a, b) => a + b, 0) }));
  return html`<figure class="chart">
    <figcaption>${title}</figcaption>
    <div ref=${el} aria-hidden="true"></div>
    <table class="totals">
      <caption class="sr-only">${title}: totals per outcome</caption>
      <thead><tr>${totals.map((t) => html`<th scope="col"><span class="swatch" style=${{ background: t.colour }}></span>${t.status}</th>`)}</tr></thead>
      <tbody><tr>${totals.map((t) => html`<td data-outcome=${t.status}>${t.total}</td>`)}</tr></tbody>
    </table>
  </figure>`;
}

/** Counts deliveries by creation time into `n` buckets of `bucketMs` ending at `now`. */
export function bucketise(items: { createdAt: string; status: DeliveryStatus }[], now: number, bucketMs: number, n: number): Buckets {
  const start = now - bucketMs * n;
  const starts = Array.from({ length: n }, (_, i) => Math.floor((start + i * bucketMs) / 1000));
  const counts = Object.fromEntries(SERIES.map((s) => [s.status, new Array<number>(n).fill(0)])) as Record<DeliveryStatus, number[]>;
  for (const d of items) {
    const i = Math.floor((Date.parse(d.createdAt) - start) / bucketMs);
    const row = counts[d.status];
    if (i >= 0 && i < n && row !== undefined) row[i] = (row[i] ?? 0) + 1;
  }
  return { starts, counts };
}
