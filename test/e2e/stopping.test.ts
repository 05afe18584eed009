/**
 * Issue 22, black box: `npm start` run as a user runs it (npm → sh → tsx → node → Java) stops
 * its whole tree on SIGINT, SIGTERM or SIGHUP to the npm process and when npm itself dies
 * (SIGKILL: no signal reaches anyone below it), leaving the port free; a taken port and a data
 * dir another instance holds are refused up front with the fix.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LOCK_FILE } from '../../local/data-dir-lock.js';
import { READY_PREFIX } from '../../local/how-to.js';
import { isAlive, PROJECT_ROOT, processTree, spawnLocal } from '../../local/local-process.js';
import { useTempDir } from '../support/temp-dir.js';
import { portFree } from './support/ports.js';
import { eventually } from './harness.js';

interface NpmStart {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

/** `npm start -- ARGS` in its own process group (so a failed test can still kill the group). */
function npmStart(args: readonly string[]): NpmStart {
  const child = spawn('npm', ['start', '--', ...args], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, npm_config_update_notifier: 'false', NO_COLOR: '1' },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (output += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (output += s));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

const started: NpmStart[] = [];
afterAll(() => {
  for (const s of started) {
    try {
      process.kill(-s.child.pid!, 'SIGKILL');
    } catch {
      // already gone, as it should be
    }
  }
});

describe('npm start stops every process it started', () => {
  const cases: Array<[string, NodeJS.Signals]> = [
    ['SIGINT to npm', 'SIGINT'],
    ['SIGTERM to npm', 'SIGTERM'],
    ['SIGHUP to npm (a closed terminal)', 'SIGHUP'],
    ['npm killed outright (SIGKILL: its children are orphaned)', 'SIGKILL'],
  ];
  for (const [name, signal] of cases) {
    it(name, { timeout: 150_000 }, async () => {
      const run = npmStart(['--memory', '--port', '0']);
      started.push(run);
      const ready = await eventually(async () => run.output(), (o) => o.includes(READY_PREFIX), 120_000, 'the ready line', 200);
      const url = new URL(/Hookline local ready on (\S+)/.exec(ready)![1]!);
      const tree = processTree(run.child.pid!);
      const names = tree.map((pid) => commandLine(pid));
      expect(names.filter((c) => /DynamoDBLocal/.test(c)), names.join('\n')).toHaveLength(1);
      expect(names.filter((c) => /local\/main\.ts/.test(c)).length, names.join('\n')).toBeGreaterThanOrEqual(1);

      process.kill(run.child.pid!, signal);
      const left = await eventually(async () => tree.filter(isAlive), (alive) => alive.length === 0, 15_000, 'every process to exit', 100).catch(
        () => tree.filter(isAlive).map((pid) => `${pid} ${commandLine(pid)}`),
      );
      expect(left, `still running after ${signal}:\n${run.output().slice(-2000)}`).toEqual([]);
      expect(await portFree(Number(url.port)), `port ${url.port} still taken`).toBe(true);
      if (signal !== 'SIGKILL') expect(run.output()).toContain('stopping Hookline local');
    });
  }
});

describe('npm start refuses what would go wrong, before starting anything', () => {
  const dataDir = useTempDir('hookline-e2e-lock-');

  it('a taken port is named, with the --port fix; exit 1', { timeout: 60_000 }, async () => {
    const taken = createServer();
    await new Promise<void>((r) => taken.listen({ host: '127.0.0.1', port: 0 }, r));
    const port = (taken.address() as { port: number }).port;
    try {
      const run = npmStart(['--memory', '--port', String(port)]);
      started.push(run);
      expect(await run.exited).toBe(1);
      expect(run.output()).toContain(`port ${port} on 127.0.0.1 is already in use`);
      expect(run.output()).toContain(`npm start -- --port ${port + 1}`);
      expect(run.output()).not.toContain(READY_PREFIX);
    } finally {
      taken.close();
    }
  });

  it('a second instance on the same data dir is refused naming the first; the lock goes with the first', { timeout: 150_000 }, async () => {
    const first = await spawnLocal({ args: ['--data-dir', dataDir(), '--port', '0'] });
    try {
      expect(readFileSync(join(dataDir(), LOCK_FILE), 'utf8').trim()).toBe(String(first.pid));
      const second = npmStart(['--data-dir', dataDir(), '--port', '0']);
      started.push(second);
      expect(await second.exited).toBe(1);
      expect(second.output()).toContain(`another Hookline local (pid ${first.pid}) is using the data dir`);
      expect(second.output()).toContain('--data-dir');
      // The first one is untouched.
      expect((await fetch(`${first.baseUrl}/v1/subscriptions?limit=1`)).status).toBe(200);
    } finally {
      await first.stop();
    }
    expect(existsSync(join(dataDir(), LOCK_FILE))).toBe(false);
  });
});
