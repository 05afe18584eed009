/**
 * docs/scaling.md's tables, rendered from the `capacity` benchmark's JSON line: the knobs per
 * load, the sized table, the quota increases and the defaults table. `replaceTables` swaps each
 * table under its heading and leaves the prose around them alone.
 */

export interface CapacityCell {
  load: number;
  shape: string;
  condition: string;
  binding: string;
  headroom: number;
  exceeded: string[];
  usdPerMonth: number;
  deliveryIndexShards: number;
  largestSubscriptionShareMax: number;
}

export interface CapacityLine {
  knobsByLoad: Record<string, Record<string, number>>;
  sized: CapacityCell[];
  defaults: CapacityCell[];
  quotaIncreases: Record<string, { default: number; needed: number; adjustable: boolean }>;
}

const count = (n: number) => n.toLocaleString('en-US');
const usd = (n: number) => (n >= 1e6 ? `$${(n / 1e6).toFixed(2)} M` : `$${(n / 1e3).toFixed(1)} k`);
const percent = (share: number) => `${Number((share * 100).toFixed(2))} %`;
const table = (header: readonly string[], rows: readonly (readonly (string | number)[])[]) =>
  [`| ${header.join(' | ')} |`, `|${header.map(() => '---|').join('')}`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');

const KNOBS = ['throttleRateLimit', 'receiverReservedConcurrency', 'workerBatchSize', 'workerBatchingWindowSeconds', 'workerInFlight', 'workerConcurrency', 'workerPollers', 'deliveryIndexShards'];
const ROW_HEADER = ['load', 'shape', 'condition', 'binding limit', 'headroom', 'exceeded', '$/month'];

function rowCells(c: CapacityCell): string[] {
  return [`${count(c.load)}/s`, c.shape, c.condition, c.binding, `${c.headroom}×`, c.exceeded.length > 0 ? c.exceeded.join(', ') : '—', usd(c.usdPerMonth)];
}

/** Each table keyed by the heading (a line's start) it stands under in docs/scaling.md. */
export function capacityTables(line: CapacityLine): Record<string, string> {
  return {
    'Sized by `sizeKnobs`': table(
      ['load', ...KNOBS.map((k) => `\`${k}\``)],
      Object.entries(line.knobsByLoad).map(([load, knobs]) => [`${count(Number(load))}/s`, ...KNOBS.map((k) => knobs[k] ?? '—')]),
    ),
    '## The table (knobs sized per load)': table(
      [...ROW_HEADER, 'index shards', 'largest subscription ≤'],
      line.sized.map((c) => [...rowCells(c), c.deliveryIndexShards, percent(c.largestSubscriptionShareMax)]),
    ),
    '## Quota increases an operator must request': table(
      ['quota', 'default', 'needed', 'adjustable'],
      Object.entries(line.quotaIncreases).map(([name, q]) => [name, count(q.default), count(q.needed), q.adjustable ? 'yes' : 'no']),
    ),
    "## With the stack's defaults": table(ROW_HEADER, line.defaults.map(rowCells)),
  };
}

/** `doc` with the first table after each heading replaced; throws when a heading or its table is missing. */
export function replaceTables(doc: string, tables: Record<string, string>): string {
  let out = doc;
  for (const [heading, rendered] of Object.entries(tables)) {
    const at = out.indexOf(`\n${heading}`);
    if (at < 0) throw new Error(`docs/scaling.md has no line starting "${heading}"`);
    const start = out.indexOf('\n|', at) + 1;
    if (start === 0) throw new Error(`no table under "${heading}"`);
    let end = start;
    while (out.startsWith('|', end)) end = out.indexOf('\n', end) + 1;
    out = `${out.slice(0, start)}${rendered}\n${out.slice(end)}`;
  }
  return out;
}
