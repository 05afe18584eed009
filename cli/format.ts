/** Human output: aligned tables and `label: value` blocks. `--json` bypasses all of this. */

export interface Column<T> {
  header: string;
  value: (row: T) => unknown;
}

/** One line, never empty: `-` for missing values, lists comma-joined, objects as JSON. */
export function cell(value: unknown): string {
  if (value === undefined || value === null || value === '') return '-';
  if (Array.isArray(value)) return value.length ? value.map((v) => cell(v)).join(',') : '-';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value).replace(/[\r\n\t]+/g, ' ');
}

/** Columns padded to their widest cell, two spaces apart; no trailing spaces. */
export function renderTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  if (rows.length === 0) return '(none)\n';
  const grid = [columns.map((c) => c.header), ...rows.map((r) => columns.map((c) => cell(c.value(r))))];
  const widths = columns.map((_, i) => Math.max(...grid.map((line) => line[i]!.length)));
  return grid.map((line) => line.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n';
}

type Row = Record<string, unknown>;
/** What a column or a field shows: the row's field of that name, or a value computed from the row. */
export type Shown = string | ((row: Row) => unknown);

const show = (row: Row, what: Shown): unknown => (typeof what === 'string' ? row[what] : what(row));

/** Columns in order, from `{ HEADER: 'field' or (row) => value }`. */
export function columns(spec: Record<string, Shown>): Column<Row>[] {
  return Object.entries(spec).map(([header, what]) => ({ header, value: (row) => show(row, what) }));
}

/** `[label, value]` pairs of one object in order, from `{ Label: 'field' or (row) => value }`, for `renderFields`. */
export function fieldsOf(row: Row, spec: Record<string, Shown>): Array<readonly [string, unknown]> {
  return Object.entries(spec).map(([label, what]) => [label, show(row, what)] as const);
}

/** `label:  value` lines with the values aligned. */
export function renderFields(fields: ReadonlyArray<readonly [string, unknown]>): string {
  const width = Math.max(...fields.map(([label]) => label.length)) + 1;
  return fields.map(([label, value]) => `${`${label}:`.padEnd(width)}  ${cell(value)}`).join('\n') + '\n';
}

/** `1234` → `1.2s`, `87` → `87ms`. */
export function duration(ms: unknown): string | undefined {
  if (typeof ms !== 'number') return undefined;
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.round(ms)}ms`;
}
