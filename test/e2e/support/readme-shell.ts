/**
 * Runs README commands as a reader would: `bash -c` from the project root, in its own process
 * group (so a timeout or a Ctrl-C reaches npx, npm and node alike), output captured.
 */
import { spawn } from 'node:child_process';
import { PROJECT_ROOT, isAlive, processTree } from '../../../local/local-process.js';

/**
 * Added to every command's environment: npm never reaches a registry, and any AWS call the
 * command might make by mistake goes to a closed loopback port instead of AWS.
 */
const SAFE_ENV: Record<string, string> = {
  npm_config_offline: 'true',
  npm_config_update_notifier: 'false',
  npm_config_fund: 'false',
  npm_config_audit: 'false',
  NO_COLOR: '1',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'readme-test',
  AWS_SECRET_ACCESS_KEY: 'readme-test',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
};

export interface ShellResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface ShellProcess {
  stdout(): string;
  stderr(): string;
  /** Resolves once stdout+stderr contain `text` (rejects if the command ends first or after `timeoutMs`). */
  waitForOutput(text: string, timeoutMs?: number): Promise<void>;
  /** Ctrl-C: SIGINT to the whole process group, then the exit. */
  interrupt(timeoutMs?: number): Promise<ShellResult>;
  done: Promise<ShellResult>;
}

/** Starts `command` under `bash -c`; the process group is SIGKILLed after `timeoutMs`. */
export function startShell(command: string, env: Record<string, string> = {}, timeoutMs = 60_000): ShellProcess {
  const child = spawn('bash', ['-c', command], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...SAFE_ENV, ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid!;
  let stdout = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  child.stdout.setEncoding('utf8').on('data', (s: string) => {
    stdout += s;
    for (const l of listeners) l();
  });
  child.stderr.setEncoding('utf8').on('data', (s: string) => {
    stderr += s;
    for (const l of listeners) l();
  });
  const signalGroup = (signal: NodeJS.Signals): void => {
    try {
      process.kill(-pid, signal);
    } catch {
      // the group is gone
    }
  };
  const killer = setTimeout(() => signalGroup('SIGKILL'), timeoutMs);
  const done = new Promise<ShellResult>((resolve) =>
    child.once('close', (code, signal) => {
      clearTimeout(killer);
      for (const l of listeners) l();
      resolve({ code, signal, stdout, stderr });
    }),
  );
  let ended = false;
  void done.then(() => (ended = true));

  return {
    stdout: () => stdout,
    stderr: () => stderr,
    done,
    waitForOutput(text, waitMs = 30_000) {
      return new Promise<void>((resolve, reject) => {
        const check = (): void => {
          if (stdout.includes(text) || stderr.includes(text)) finish(resolve);
          else if (ended) finish(() => reject(new Error(`"${command}" ended before printing "${text}":\n${stdout}\n${stderr}`)));
        };
        const timer = setTimeout(() => finish(() => reject(new Error(`"${command}" did not print "${text}" in ${waitMs} ms:\n${stdout}\n${stderr}`))), waitMs);
        const finish = (then: () => void): void => {
          clearTimeout(timer);
          listeners.delete(check);
          then();
        };
        listeners.add(check);
        check();
      });
    },
    async interrupt(waitMs = 15_000) {
      const tree = processTree(pid);
      signalGroup('SIGINT');
      const timer = setTimeout(() => signalGroup('SIGKILL'), waitMs);
      const result = await done;
      clearTimeout(timer);
      // The shell closes first; what it started gets a few seconds to finish exiting (issue 22).
      let left = tree.filter(isAlive);
      for (const until = Date.now() + 3000; left.length > 0 && Date.now() < until; left = left.filter(isAlive)) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      if (left.length > 0) {
        signalGroup('SIGKILL');
        throw new Error(`"${command}" left processes behind after Ctrl-C: ${left.join(', ')}`);
      }
      return result;
    },
  };
}

/** Runs `command` to its end. */
export function runShell(command: string, env: Record<string, string> = {}, timeoutMs = 60_000): Promise<ShellResult> {
  return startShell(command, env, timeoutMs).done;
}

/** One line for a failure message: the command, how it ended, and the end of its output. */
export function describeRun(command: string, r: ShellResult): string {
  const tail = (s: string): string => s.trim().split('\n').slice(-15).join('\n    ');
  return `${command}\n  → exit ${r.code ?? r.signal}\n  stdout:\n    ${tail(r.stdout)}\n  stderr:\n    ${tail(r.stderr)}`;
}
