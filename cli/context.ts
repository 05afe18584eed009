/** What every command action gets: global options, I/O, the API client, output helpers. */
import type { Command } from 'commander';
import { ApiClient, type ApiResponse, type FetchLike } from './client.js';
import { parseInteger } from './parse.js';
import { resolveTarget, type GlobalOptions, type TargetDeps } from './target.js';

/** The process's streams and environment, injectable so tests run the CLI in-process. */
export interface CliIo {
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown };
  /** `isTTY` (as on `process.stdin`) tells a terminal from a pipe. */
  stdin: AsyncIterable<string | Buffer> & { isTTY?: boolean };
  env: Record<string, string | undefined>;
  /** Aborted on Ctrl-C; ends `tail`. */
  signal?: AbortSignal;
}

export interface CliDeps extends TargetDeps {
  fetch?: FetchLike;
  /** @default () => new Date() */
  now?: () => Date;
}

export class CommandContext {
  private clientPromise?: Promise<ApiClient>;

  constructor(
    readonly globals: GlobalOptions,
    readonly io: CliIo,
    private readonly deps: CliDeps,
  ) {}

  static of(cmd: Command, io: CliIo, deps: CliDeps): CommandContext {
    return new CommandContext(cmd.optsWithGlobals<GlobalOptions>(), io, deps);
  }

  get json(): boolean {
    return this.globals.json === true;
  }

  now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /** Resolved on first use, so usage errors are reported before any AWS call. */
  client(): Promise<ApiClient> {
    this.clientPromise ??= resolveTarget(this.globals, this.io.env, this.deps).then(
      (target) => new ApiClient(target, this.deps.fetch ? { fetch: this.deps.fetch } : {}),
    );
    return this.clientPromise;
  }

  async request(...args: Parameters<ApiClient['request']>): Promise<ApiResponse> {
    return (await this.client()).request(...args);
  }

  out(text: string): void {
    this.io.stdout.write(text);
  }

  /** Notes for humans (pagination hints, progress): stderr, so stdout stays parseable. */
  note(text: string): void {
    this.io.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /** `--json`: the API's body unchanged; otherwise the human rendering. */
  print(res: ApiResponse, human: (body: unknown) => string): void {
    if (this.json) {
      if (res.text !== '') this.out(res.text.endsWith('\n') ? res.text : `${res.text}\n`);
      return;
    }
    this.out(human(res.body));
  }

  /** A page `{ items, nextCursor }`, as `print` does, then (for humans) the flag that continues it. */
  printPage(res: ApiResponse, human: (body: unknown) => string): void {
    this.print(res, human);
    const next = obj(res.body).nextCursor;
    if (!this.json && typeof next === 'string') this.note(`More: --cursor ${next}`);
  }
}

/** Builds a command's context from the command commander hands its action. */
export type ContextOf = (cmd: Command) => CommandContext;

/**
 * A command that sends one request made from its arguments and prints the answer (`get <id>`,
 * `retry <id>`, `remove <tenant> <event-type>`, …).
 */
export function addRequestCommand(
  group: Command,
  ctx: ContextOf,
  usage: string,
  description: string,
  request: (...args: string[]) => readonly [method: string, path: string],
  render: (body: unknown, args: string[]) => string,
): void {
  group
    .command(usage)
    .description(description)
    .action(async (...actionArgs: unknown[]) => {
      // commander passes the arguments, then the options, then the command.
      const args = actionArgs.slice(0, -2) as string[];
      const c = ctx(actionArgs.at(-1) as Command);
      c.print(await c.request(...request(...args)), (body) => render(body, args));
    });
}

/** `--limit` and `--cursor`, the paging flags of every list command. */
export function addPageFlags(cmd: Command): Command {
  return cmd.option('--limit <n>', 'page size').option('--cursor <cursor>', 'continue from a previous page');
}

/** The query fields of the paging flags. */
export function pageQuery(flags: { limit?: string; cursor?: string }): { limit: number | undefined; cursor: string | undefined } {
  return { limit: flags.limit === undefined ? undefined : parseInteger('--limit', flags.limit, 1), cursor: flags.cursor };
}

export type Obj = Record<string, unknown>;

/** Narrows an API body to an object (the API returns objects; anything else renders empty). */
export function obj(value: unknown): Obj {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Obj) : {};
}

/** The items of a page `{ items, nextCursor }` (a bare array is accepted too). */
export function pageItems(body: unknown): Obj[] {
  const items = Array.isArray(body) ? body : obj(body).items;
  return Array.isArray(items) ? items.map(obj) : [];
}
