/**
 * Regenerates docs/scaling.md's tables from a `capacity` run (not a benchmark: it measures nothing).
 *   npm run bench -- capacity > /tmp/capacity.out && npx tsx bench/capacity-doc.ts < /tmp/capacity.out
 * The prose (binding limits, quota notes, the run's date) is for the reader to update from the same line.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { capacityTables, replaceTables, type CapacityLine } from './support/capacity-tables.js';

const line = readFileSync(0, 'utf8')
  .split('\n')
  .find((l) => l.startsWith('{"benchmark":"capacity"'));
if (line === undefined) throw new Error('stdin holds no line of the capacity benchmark');
const doc = fileURLToPath(new URL('../docs/scaling.md', import.meta.url));
writeFileSync(doc, replaceTables(readFileSync(doc, 'utf8'), capacityTables(JSON.parse(line) as CapacityLine)));
process.stderr.write(`docs/scaling.md: tables from the run of ${(JSON.parse(line) as { at: string }).at}\n`);
