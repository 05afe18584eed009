/**
 * Reads README.md at test time: the shell commands of its ```bash blocks, the API table's
 * promised answers, the `npm start` options and the `cdk -c` context pairs, so the README test
 * keeps up with every README edit.
 */
import { readFileSync } from 'node:fs';

export const README_URL = new URL('../../../README.md', import.meta.url);

export function readReadme(): string {
  return readFileSync(README_URL, 'utf8');
}

/** The text from the `## ` heading that starts with `title` to the next `## ` heading. */
export function section(readme: string, title: string): string {
  const start = readme.search(new RegExp(`^## ${escapeRegExp(title)}`, 'm'));
  if (start < 0) throw new Error(`README has no "## ${title}" section`);
  const next = readme.slice(start + 3).search(/^## /m);
  return next < 0 ? readme.slice(start) : readme.slice(start, start + 3 + next);
}

/** The bodies of the fenced ```bash blocks of `text`. */
export function bashBlocks(text: string): string[] {
  return [...text.matchAll(/^```bash\n([\s\S]*?)^```/gm)].map((m) => m[1]!);
}

/**
 * The commands of a bash block: continuation lines joined, whole-line comments dropped,
 * trailing `# comments` (outside quotes) cut.
 */
export function commandsOf(block: string): string[] {
  return block
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .map((line) => withoutTrailingComment(line).trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

function withoutTrailingComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]!))) return line.slice(0, i);
  }
  return line;
}

/** Every command of every ```bash block in the README. */
export function allCommands(readme: string): string[] {
  return bashBlocks(readme).flatMap(commandsOf);
}

/** Hosts a README command may talk to once rewritten: loopback only (the tests never leave the machine). */
export function nonLoopbackUrls(command: string): string[] {
  return [...command.matchAll(/https?:\/\/([^/\s'":]+|\[[^\]]+\])/g)]
    .filter((m) => !/^(127(\.\d{1,3}){3}|localhost|\[::1\])$/i.test(m[1]!))
    .map((m) => m[0]);
}

/** `curl ... [-X METHOD] ... URL`: the method and the URL path (without query). */
export function curlRoute(command: string): { method: string; path: string } {
  const method = /\s-X\s+([A-Z]+)/.exec(command)?.[1] ?? (/\s(-d|--data\S*)\s/.test(command) ? 'POST' : 'GET');
  const url = /['"]?(https?:\/\/[^\s'"]+)/.exec(command)?.[1];
  if (url === undefined) throw new Error(`no URL in: ${command}`);
  return { method, path: new URL(url).pathname };
}

export interface RoutePromise {
  /** The status the README's API table states, when it states one. */
  status?: number;
  /** Field names the table lists in `{…}` right after that status. */
  fields: string[];
  text: string;
}

/** What the README's API table promises for `method path` (`{id}` templates match any segment). */
export function routePromise(readme: string, method: string, path: string): RoutePromise | undefined {
  for (const row of section(readme, 'The API').split('\n').filter((l) => l.startsWith('| `'))) {
    const [, route = '', does = ''] = row.split('|').map((c) => c.trim());
    const methods: string[] = route.match(/\b(GET|POST|PUT|PATCH|DELETE)\b/g) ?? [];
    const template = /\/v1\/[^\s`]*/.exec(route)?.[0];
    if (template === undefined || !methods.includes(method)) continue;
    if (!new RegExp(`^${template.split(/\{[^}]+\}/).map(escapeRegExp).join('[^/]+')}$`).test(path)) continue;
    // `{request} … → `202 {answer}``: only what follows the arrow describes the answer.
    const answer = does.includes('→') ? does.slice(does.lastIndexOf('→')) : does;
    const status = /`([1-5]\d\d)\b/.exec(answer)?.[1];
    const fields = /`[1-5]\d\d \{([^}]*)\}/.exec(answer)?.[1]?.split(',').map((f) => f.trim().replace(/\?$/, '')) ?? [];
    return { ...(status !== undefined && { status: Number(status) }), fields, text: does };
  }
  return undefined;
}

/** `--name` flags of the "Options of `npm start`" paragraph, with the default in parentheses if given. */
export function startOptions(readme: string): { flag: string; documentedDefault?: string }[] {
  const at = readme.indexOf('Options of `npm start`');
  if (at < 0) throw new Error('README has no "Options of `npm start`" paragraph');
  const paragraph = readme.slice(at, readme.indexOf('\n\n', at));
  return [...paragraph.matchAll(/`(--[a-z-]+)(?: [^`]*)?`(?: \(`?([^)`]*)`?\))?/g)].map((m) => ({
    flag: m[1]!,
    ...(m[2] !== undefined && { documentedDefault: m[2] }),
  }));
}

/** `-c key=value` pairs of a `cdk` command. */
export function cdkContext(command: string): Record<string, string> {
  return Object.fromEntries([...command.matchAll(/(?:^|\s)(?:-c|--context)[\s=]+([^=\s]+)=(\S*)/g)].map((m) => [m[1]!, unquote(m[2]!)]));
}

/** `npm run X` / `npm X` scripts named anywhere in the README (code spans and blocks). */
export function npmScripts(readme: string): string[] {
  const names = [...readme.matchAll(/\bnpm (?:run )?([a-z][\w:-]*)/g)].map((m) => m[1]!);
  return [...new Set(names)].filter((n) => !['ci', 'install', 'exec'].includes(n));
}

function unquote(value: string): string {
  return /^(['"]).*\1$/.test(value) ? value.slice(1, -1) : value;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
