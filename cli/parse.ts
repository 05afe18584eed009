/** Flag value parsers. Each throws `UsageError` naming the flag, so bad input never reaches the API. */
import { readFile } from 'node:fs/promises';
import { UsageError } from './errors.js';

/** `a,b , c` → `['a','b','c']`. */
export function parseList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

export function parseInteger(flag: string, value: string, min = 0, max?: number): number {
  const n = Number(value);
  if (!/^-?\d+$/.test(value.trim()) || n < min || (max !== undefined && n > max)) {
    throw new UsageError(`${flag} expects an integer ${max === undefined ? `≥ ${min}` : `from ${min} to ${max}`}, got "${value}"`);
  }
  return n;
}

export function parsePositiveNumber(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${flag} expects a positive number, got "${value}"`);
  return n;
}

/** `200,401,2xx,200-299` → `[200, 401, '2xx', '200-299']` (ranges stay strings, as the API takes them). */
export function parseStatuses(value: string): Array<number | string> {
  return parseList(value).map((s) => (/^\d{3}$/.test(s) ? Number(s) : s));
}

/** Repeated `--header X-K=v` / `--metadata k=v` into an object; `X-K: v` is accepted too. */
export function parsePairs(flag: string, entries: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of entries) {
    const m = /^([^=:]+?)\s*[=:]\s?(.*)$/s.exec(entry);
    if (!m) throw new UsageError(`${flag} expects KEY=VALUE, got "${entry}"`);
    out[m[1]!.trim()] = m[2]!;
  }
  return out;
}

export function parseJson(flag: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${flag} is not valid JSON: ${(err as Error).message}`);
  }
}

export function parseJsonObject(flag: string, text: string): Record<string, unknown> {
  const value = parseJson(flag, text);
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new UsageError(`${flag} must be a JSON object`);
  return value as Record<string, unknown>;
}

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** ISO-8601 (or anything `Date.parse` reads), or a relative age such as `30m`, `2h`, `7d`. */
export function parseTime(flag: string, value: string, now: Date): string {
  const rel = /^(\d+)([smhd])$/.exec(value.trim());
  if (rel) return new Date(now.getTime() - Number(rel[1]) * UNIT_MS[rel[2] as keyof typeof UNIT_MS]).toISOString();
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new UsageError(`${flag} expects an ISO-8601 time or an age like 30m, 2h, 7d; got "${value}"`);
  return new Date(t).toISOString();
}

async function readStream(stream: AsyncIterable<string | Buffer>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** `'{"k":1}'` inline, `@file.json`, or `-` for stdin. */
export async function readJsonArgument(flag: string, value: string, stdin: AsyncIterable<string | Buffer>): Promise<unknown> {
  let text: string;
  if (value === '-') {
    text = await readStream(stdin);
    if (text.trim() === '') throw new UsageError(`${flag}: nothing on stdin`);
  } else if (value.startsWith('@')) {
    try {
      text = await readFile(value.slice(1), 'utf8');
    } catch (err) {
      throw new UsageError(`${flag}: cannot read ${value.slice(1)}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  } else text = value;
  return parseJson(flag, text);
}
