/**
 * Issue 22: `npm run demo` leaves nothing behind and prints only hints that still work: against a
 * running instance it deletes its subscription and its curl hint answers; on its own instance
 * (nothing on 127.0.0.1:3000) it stops that instance and points at `npm start` instead.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive, PROJECT_ROOT, processTree } from '../../local/local-process.js';
import { outputUntilExit, type ChildOutput } from './support/child-output.js';
import { portFree } from './support/ports.js';
import { startLocal, type LocalInstance } from './harness.js';

let local: LocalInstance;
beforeAll(async () => {
  local = await startLocal();
});
afterAll(async () => {
  if (local !== undefined) await local.stop();
});

interface DemoRun extends ChildOutput {
  /** Every process of the demo's tree seen while it ran. */
  seen: number[];
}

/** `npm run demo` with `env` (HOOKLINE_URL removed unless given). */
async function runDemo(env: Record<string, string>): Promise<DemoRun> {
  const { HOOKLINE_URL: _ignored, ...base } = process.env;
  const child = spawn('npm', ['run', 'demo'], { cwd: PROJECT_ROOT, env: { ...base, npm_config_update_notifier: 'false', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const seen = new Set<number>();
  const watch = setInterval(() => processTree(child.pid!).forEach((p) => seen.add(p)), 200);
  try {
    return { ...(await outputUntilExit(child, 150_000)), seen: [...seen] };
  } finally {
    clearInterval(watch);
  }
}

describe('npm run demo', () => {
  it('against a running instance: deletes its subscription; its curl hint still answers', { timeout: 120_000 }, async () => {
    const run = await runDemo({ HOOKLINE_URL: local.baseUrl });
    expect(run.code, run.stderr).toBe(0);
    const subscription = /Created subscription (sub_\S+)/.exec(run.stdout)?.[1];
    expect(subscription, run.stdout).toBeDefined();
    expect(run.stdout).toContain(`Deleted the demo's subscription ${subscription}: nothing is left behind.`);
    expect((await local.api('GET', `/v1/subscriptions/${subscription}`)).status).toBe(404);
    const hint = /See it yourself: curl -s (\S+)/.exec(run.stdout)?.[1];
    expect(hint, run.stdout).toBeDefined();
    const res = await fetch(hint!);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'succeeded' });
  });

  it('on its own instance: stops it (no process left) and hints at npm start, not at the stopped address', { timeout: 150_000 }, async () => {
    expect(await portFree(3000), 'port 3000 is taken: the demo would use whatever listens there').toBe(true);
    const run = await runDemo({});
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('No Hookline at http://127.0.0.1:3000; starting local mode');
    expect(run.stdout).toContain('signature VALID (standardwebhooks)');
    const own = /^Hookline: (\S+)/m.exec(run.stdout)?.[1];
    expect(own, run.stdout).toBeDefined();
    expect(run.stdout).not.toContain(`curl -s ${own}`);
    expect(run.stdout).toContain('start one with `npm start` and run `npm run demo` again');
    expect(run.seen.filter(isAlive)).toEqual([]);
  });
});
