/**
 * Stops local mode when whoever started it is gone. Under `npm start` the chain is
 * npm → sh → tsx → this process: killing npm (a process manager, a closed terminal) can leave
 * sh and tsx behind or orphan this process without any signal reaching it. So the whole launcher
 * chain is watched: every ancestor that runs the npm script (its environment carries
 * `npm_lifecycle_event`), and npm itself above them; without npm, the direct parent.
 */
import { readFileSync } from 'node:fs';

/** @default 500 ms between checks */
const WATCH_INTERVAL_MS = 500;

function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 4 (ppid) follows the parenthesised command, which may itself contain spaces.
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

function runsNpmScript(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').some((v) => v.startsWith('npm_lifecycle_event='));
  } catch {
    return false;
  }
}

/** Alive and not a zombie (an exited child nobody has reaped yet). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** This process's launchers, nearest first (see the module comment). */
export function launcherChain(pid = process.pid): number[] {
  const chain: number[] = [];
  let current = parentOf(pid);
  while (current !== undefined && current > 1 && chain.length < 16) {
    chain.push(current);
    if (!runsNpmScript(current)) break;
    current = parentOf(current);
  }
  return chain;
}

/** Calls `onGone` once, as soon as any launcher has exited (or this process was re-parented). */
export function watchLaunchers(onGone: (pid: number) => void, chain = launcherChain()): () => void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    const gone = process.ppid !== parent ? parent : chain.find((pid) => !running(pid));
    if (gone === undefined) return;
    clearInterval(timer);
    onGone(gone);
  }, WATCH_INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
