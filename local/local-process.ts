/**
 * Runs `local/main.ts` as a child process in its own process group: the e2e harness and the
 * demo use it. Waits for the ready line; `stop()` sends SIGTERM, waits for a clean exit and
 * proves the whole process tree is gone.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { READY_PREFIX } from './how-to.js';
import { LocalModeError } from './errors.js';

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export interface SpawnLocalOptions {
  /** Extra `local/main.ts` flags, e.g. `['--port', '0', '--memory']`. */
  args: readonly string[];
  /** Added to the parent's environment. */
  env?: Record<string, string>;
  /** @default 90000 (engines may take up to 60 s on a loaded machine) */
  readyTimeoutMs?: number;
  /** Every line the child writes (stdout and stderr). */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
}

export interface LocalProcess {
  /** `http://host:port` from the ready line. */
  baseUrl: string;
  pid: number;
  /** Everything the child printed so far. */
  output(): string;
  /**
   * SIGTERM to local mode itself (it stops its parts in order, engines last), wait for exit
   * (SIGKILL to the whole group after `graceMs`), then check no process of the tree is left.
   */
  stop(graceMs?: number): Promise<StopResult>;
}

export interface StopResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Pids of the tree seen just before stopping, all verified gone. */
  pids: number[];
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** `pid` and all its descendants, read from /proc (Linux). */
export function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Field 4 (ppid) follows the parenthesised command, which may itself contain spaces.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // The process ended while we looked.
    }
  }
  const tree: number[] = [];
  const visit = (p: number): void => {
    tree.push(p);
    for (const c of children.get(p) ?? []) visit(c);
  };
  visit(pid);
  return tree;
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function spawnLocal(options: SpawnLocalOptions): Promise<LocalProcess> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'local/main.ts', ...options.args], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...options.env },
    // Its own process group, so stop() can reach every descendant.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid;
  if (pid === undefined) throw new LocalModeError('could not spawn local mode');
  let output = '';
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      done(exited);
    }),
  );
  let resolveReady: (url: string) => void = () => undefined;
  const ready = new Promise<string>((r) => (resolveReady = r));
  const pipe = (stream: NodeJS.ReadableStream | null, name: 'stdout' | 'stderr'): void => {
    let partial = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      output += chunk;
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        options.onLine?.(line, name);
        if (name === 'stdout' && line.startsWith(READY_PREFIX)) resolveReady(line.slice(READY_PREFIX.length).trim());
      }
    });
  };
  pipe(child.stdout, 'stdout');
  pipe(child.stderr, 'stderr');

  const killGroup = (signal: NodeJS.Signals): void => {
    try {
      process.kill(-pid, signal);
    } catch {
      // already gone
    }
  };

  const stop = async (graceMs = 20_000): Promise<StopResult> => {
    const pids = exited === undefined ? processTree(pid) : [pid];
    if (exited === undefined) child.kill('SIGTERM');
    const timer = setTimeout(() => killGroup('SIGKILL'), graceMs);
    const result = await exit;
    clearTimeout(timer);
    for (let i = 0; i < 200 && (pids.some(isAlive) || groupAlive(pid)); i++) await sleep(25);
    const left = pids.filter(isAlive);
    if (left.length > 0 || groupAlive(pid)) {
      killGroup('SIGKILL');
      throw new LocalModeError(`processes left after stop: ${left.join(', ') || `group ${pid}`}`);
    }
    return { ...result, pids };
  };

  const timeoutMs = options.readyTimeoutMs ?? 90_000;
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    ready.then((url) => ({ url })),
    exit.then((e) => ({ exited: e })),
    new Promise<{ timeout: true }>((r) => (timer = setTimeout(() => r({ timeout: true }), timeoutMs))),
  ]);
  clearTimeout(timer);
  if (!('url' in outcome)) {
    await stop(2_000).catch(() => undefined);
    const why = 'exited' in outcome ? `exited (${outcome.exited.code ?? outcome.exited.signal})` : `not ready in ${timeoutMs} ms`;
    throw new LocalModeError(`local mode ${why}:\n${output.slice(-4000)}`);
  }
  return { baseUrl: outcome.url, pid, output: () => output, stop };
}
