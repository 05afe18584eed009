/**
 * Checks the whole `cdk -c key=value` / cdk.json context before anything is built, so a typo never
 * deploys a default and every bad value is reported at once, one line each.
 */
import { InvalidStackPropError } from './errors.js';
import { CONTEXT_KEYS, resolveSettings, settingsFromContext, type HooklineSettingsInput } from './props.js';

/** Context keys Hookline reads besides the stack properties. */
const OTHER_KEYS = ['stackName'] as const;
const KNOWN_KEYS: readonly string[] = [...CONTEXT_KEYS, ...OTHER_KEYS];

/** Raised with every problem found; `lines` are what synth prints. */
export class InvalidContextError extends Error {
  constructor(readonly lines: readonly string[]) {
    super(lines.join('\n'));
    this.name = 'InvalidContextError';
  }
}

/**
 * One line per problem: unknown keys (with the nearest known one) and invalid values. Keys with
 * `:` or `@` belong to the CDK (feature flags, `aws:cdk:*` settings) and are not ours to judge.
 */
export function contextProblems(context: Record<string, unknown>, stackNameCheck: (get: (key: string) => unknown) => unknown): string[] {
  const problems: string[] = [];
  for (const key of Object.keys(context)) {
    if (/[:@]/.test(key) || KNOWN_KEYS.includes(key)) continue;
    const nearest = nearestKey(key);
    problems.push(`Unknown context key "${key}"${nearest === undefined ? '' : `: did you mean "${nearest}"?`} (known: see lib/props.ts)`);
  }
  const get = (key: string): unknown => context[key];
  collect(problems, () => stackNameCheck(get));
  const parsed: Record<string, unknown> = {};
  for (const key of CONTEXT_KEYS) collect(problems, () => Object.assign(parsed, settingsFromContext((k) => (k === key ? get(k) : undefined))));
  // resolveSettings stops at the first bad value: set each aside and go on, so each gets its line.
  for (let left = CONTEXT_KEYS.length; left > 0; left--) {
    const property = collect(problems, () => resolveSettings(parsed as HooklineSettingsInput));
    if (property === undefined || !(property in parsed)) break;
    delete parsed[property];
  }
  return problems;
}

/** Runs `check`; a bad stack property becomes a line, and its name is returned. */
function collect(problems: string[], check: () => unknown): string | undefined {
  try {
    check();
    return undefined;
  } catch (error) {
    if (!(error instanceof InvalidStackPropError)) throw error;
    problems.push(error.message);
    return error.property;
  }
}

/** The known key closest in edit distance, when it is close enough to be a typo. */
function nearestKey(key: string): string | undefined {
  let best: { key: string; distance: number } | undefined;
  for (const known of KNOWN_KEYS) {
    const distance = editDistance(key.toLowerCase(), known.toLowerCase());
    if (best === undefined || distance < best.distance) best = { key: known, distance };
  }
  return best !== undefined && best.distance <= Math.max(2, Math.floor(key.length / 3)) ? best.key : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
