/**
 * Runs an example receiver the way docs/subscribers.md tells subscribers to
 * (`npx tsx examples/receivers/<file>.ts <port>`, secrets in the environment), as one node
 * process on a free loopback port, and stops it with SIGTERM.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { READY_LINE_PREFIX } from '../../../examples/receivers/common.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export interface ExampleProcess {
  /** `http://127.0.0.1:PORT/` from the ready line. */
  url: string;
  /** stdout lines so far (the examples print `<webhook-id> <event type> <body>` per verified webhook). */
  lines(): string[];
  stderr(): string;
  /** SIGTERM, then the exit status. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export async function startExample(file: string, env: Record<string, string>, timeoutMs = 15_000): Promise<ExampleProcess> {
  // `--import tsx` keeps it one process (npx/tsx would add two parents), so SIGTERM reaches the server.
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', `examples/receivers/${file}`, '0'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr!.on('data', (c: Buffer) => (err += c.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.once('exit', (code, signal) => r({ code, signal })));

  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => fail(new Error(`${file} did not start in ${timeoutMs} ms: ${err}`)), timeoutMs);
    const fail = (e: Error): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(e);
    };
    child.stdout!.on('data', () => {
      const line = out.split('\n').find((l) => l.startsWith(READY_LINE_PREFIX));
      if (line) {
        clearTimeout(timer);
        resolveUrl(line.slice(READY_LINE_PREFIX.length).trim());
      }
    });
    void exited.then((s) => fail(new Error(`${file} exited (${s.code ?? s.signal}) before listening: ${err}`)));
  });

  return {
    url,
    lines: () => out.split('\n').filter((l) => l !== '' && !l.startsWith(READY_LINE_PREFIX)),
    stderr: () => err,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
