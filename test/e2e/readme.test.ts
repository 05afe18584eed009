/**
 * Issue 10: every README command runs in CI. README.md is parsed at run time, and each command
 * of its ```bash blocks is run for real under `bash -c` against one local instance on a free
 * port (README addresses rewritten: 127.0.0.1:3000 → the instance, 127.0.0.1:4000 and the
 * example subscriber URL → a loopback receiver). A command that cannot work as written fails
 * its own test, named by the command.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTEXT_KEYS, resolveSettings, settingsFromContext } from '../../lib/props.js';
import { READY_PREFIX } from '../../local/how-to.js';
import { localProgram, parseLocalOptions } from '../../local/options.js';
import { findFreePort } from '../../local/engines.js';
import { eventually, startLocal, startReceiver, type LocalInstance, type Receiver } from './harness.js';
import {
  allCommands, bashBlocks, cdkContext, commandsOf, curlRoute, nonLoopbackUrls, npmScripts, readReadme, routePromise, section, startOptions,
} from './support/readme-commands.js';
import { describeRun, runShell, startShell, type ShellProcess, type ShellResult } from './support/readme-shell.js';

const readme = readReadme();
const quickStartCommands = bashBlocks(section(readme, 'Quick start')).flatMap(commandsOf);
/** The quick start's receiver (`npx hookline listen`), started before its curl commands and left running. */
const LISTEN = /^npx hookline listen\b/;
const quickStartListen = quickStartCommands.filter((c) => LISTEN.test(c));
const quickStart = quickStartCommands.filter((c) => !LISTEN.test(c));
const commands = allCommands(readme);
const cliCommands = commands.filter((c) => /^npx hookline\b/.test(c) && !quickStartListen.includes(c));
const cdkCommands = commands.filter((c) => /^npx cdk\b/.test(c));
const setupCommands = commands.filter((c) => /^npm\b/.test(c));
const packageScripts = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> }).scripts;

/** The README's local-mode address and its example receiver's. */
const README_API = '127.0.0.1:3000';
const README_RECEIVER = '127.0.0.1:4000';
/** Subscriber URLs of the CLI examples point at the internet; the test sends them to the receiver instead. */
const SUBSCRIBER_URL = /(--url\s+['"]?)https?:\/\/[^/\s'"]+/g;

let local: LocalInstance;
let receiver: Receiver;
let cliEnv: Record<string, string>;
/** The demo starts early and runs alongside the quick start (each npm/tsx start costs seconds). */
let demo: ShellProcess;
/** `npx hookline tail` runs until stopped (Ctrl-C); stopped here too if its test failed early. */
let tail: ShellProcess | undefined;

beforeAll(async () => {
  [local, receiver] = await Promise.all([startLocal({ timeScale: 100 }), startReceiver()]);
  cliEnv = { HOOKLINE_ENDPOINT: local.baseUrl };
  demo = startShell('npm run demo', { HOOKLINE_URL: local.baseUrl }, 80_000);
});

afterAll(async () => {
  // Both have normally ended by now; this only stops them after a failure.
  await Promise.all([demo?.interrupt(), tail?.interrupt()]);
  await receiver?.close();
  if (local) expect((await local.stop()).pids.length).toBeGreaterThan(0);
});

/** A README command with its addresses pointed at this test's instance and receiver; refuses anything not on loopback. */
function localized(command: string, receiverHost = new URL(receiver.url).host): string {
  const rewritten = command
    .replaceAll(README_API, new URL(local.baseUrl).host)
    .replaceAll(README_RECEIVER, receiverHost)
    .replace(/(--port\s+)4000\b/, `$1${receiverHost.split(':')[1]}`)
    .replace(SUBSCRIBER_URL, `$1${receiver.url}`);
  expect(nonLoopbackUrls(rewritten), `README command would leave the machine: ${command}`).toEqual([]);
  return rewritten;
}

/**
 * Waits for `tail` to print a successful attempt made after it started. An attempt made before tail's
 * first poll only sets its starting point, and that poll takes a while: so a fresh event goes
 * out every few seconds until tail prints the attempt of one of them.
 */
async function followedAttempt(tail: ShellProcess): Promise<true> {
  await tail.waitForOutput('Following new attempts');
  const ids: string[] = [];
  // Other subscriptions to order.created (the quick start's, whose receiver has stopped) get these
  // events too: wait for the successful first attempt the test then checks, not just any line.
  const printed = () => Promise.resolve(tail.stdout().split('\n').some((line) => ids.some((id) => line.includes(id)) && /#1\s+200\s+success\b/.test(line)));
  for (const end = Date.now() + 60_000; Date.now() < end; ) {
    const sent = await local.api('POST', '/v1/events', { type: 'order.created', payload: { orderId: 43 } });
    expect(sent.status, JSON.stringify(sent.body)).toBe(202);
    const message = await eventually(() => local.api('GET', `/v1/messages/${sent.body.messageId}`), (m) => m.body.deliveries?.length > 0);
    ids.push(...message.body.deliveries.map((d: { id: string }) => d.id));
    if (await eventually(printed, (p) => p, 3_000).catch(() => false)) return true;
  }
  throw new Error('tail printed none of the attempts made while it ran');
}

function expectSuccess(command: string, r: ShellResult): void {
  expect(r.code, `README command failed as written:\n${describeRun(command, r)}`).toBe(0);
}

describe('README lists only commands this test knows how to run', () => {
  it('every command of a bash block is a quick-start curl, an npm script, a hookline or a cdk command', () => {
    const known = new Set([...quickStartCommands, ...cliCommands, ...cdkCommands, ...setupCommands]);
    expect(commands.length).toBeGreaterThan(0);
    expect(commands.filter((c) => !known.has(c)), 'README commands no test runs').toEqual([]);
    expect(quickStart.filter((c) => !/^curl\s/.test(c)), 'quick-start commands that are not curl').toEqual([]);
    expect(quickStartListen, 'the quick start runs one `npx hookline listen --port 4000` receiver').toEqual([expect.stringMatching(/--port 4000\b/)]);
  });
});

describe('Set-up and npm start', () => {
  it('every npm script the README names exists; npm start runs local mode', () => {
    const named = npmScripts(readme);
    expect(named).toEqual(expect.arrayContaining(['start', 'test', 'demo']));
    expect(named.filter((n) => packageScripts[n] === undefined), 'npm scripts named in the README but missing').toEqual([]);
    // The harness boots local/main.ts, which is what `npm start` runs.
    expect(packageScripts.start).toMatch(/\blocal\/main\.ts$/);
    expect(packageScripts.test).toMatch(/\bvitest run\b/);
  });

  it('npm start prints the ready line the README quotes, with its default address', () => {
    const defaults = parseLocalOptions([], {});
    expect(readme).toContain(`\`npm start\` prints \`${READY_PREFIX}http://${defaults.host}:${defaults.port}\``);
    expect(local.output()).toContain(`${READY_PREFIX}${local.baseUrl}`);
  });

  it('every npm start option the README lists exists, with its HOOKLINE_ variable and documented default', () => {
    const documented = startOptions(readme);
    expect(documented.length).toBeGreaterThan(0);
    const options = new Map(localProgram().options.map((o) => [o.long, o]));
    const defaults = parseLocalOptions([], {}) as unknown as Record<string, unknown>;
    const wrong: string[] = [];
    for (const { flag, documentedDefault } of documented) {
      const option = options.get(flag);
      const envVar = `HOOKLINE_${flag.slice(2).toUpperCase().replaceAll('-', '_')}`;
      if (option === undefined) wrong.push(`${flag}: no such option`);
      else if (option.envVar !== envVar) wrong.push(`${flag}: variable is ${option.envVar}, README says ${envVar}`);
      // A parenthesis without spaces is a default ("3000"); with spaces it is a description.
      else if (documentedDefault !== undefined && !/\s/.test(documentedDefault)) {
        const actual = String(defaults[option.attributeName()]);
        if (actual !== documentedDefault.replace(/\/$/, '')) wrong.push(`${flag}: default is ${actual}, README says ${documentedDefault}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});

describe('Quick start: its receiver and curl commands, run as written against local mode', () => {
  let messageId: string | undefined;
  /** `npx hookline listen --port 4000`, on a free port instead of 4000. */
  let listener: ShellProcess | undefined;
  let listenerHost: string;

  beforeAll(async () => {
    const curl = await runShell('command -v curl');
    expect(curl.code, 'curl is not installed: add it to the apt-get list of .ci/run').toBe(0);
    listenerHost = `127.0.0.1:${await findFreePort()}`;
    listener = startShell(localized(quickStartListen[0]!, listenerHost), cliEnv, 300_000);
    await listener.waitForOutput(`Listening on http://${listenerHost}`, 30_000);
  });

  afterAll(async () => {
    const r = await listener?.interrupt();
    if (r !== undefined) expect(r.code === 0 || r.code === 130 || r.signal === 'SIGINT', describeRun(quickStartListen[0]!, r)).toBe(true);
  });

  for (const command of quickStart) {
    it(command, async () => {
      const { method, path } = curlRoute(command);
      const promise = routePromise(readme, method, path);
      expect(promise, `README's API table has no row for ${method} ${path}`).toBeDefined();
      // curl prints the status after the body: an addition for the test, not a change of the request.
      const run = () => runShell(localized(command, listenerHost).replace(/^curl /, `curl -w '\\n%{http_code}' `));
      const answer = async () => {
        const r = await run();
        expectSuccess(command, r);
        const lines = r.stdout.trimEnd().split('\n');
        const status = Number(lines.pop());
        try {
          return { status, body: JSON.parse(lines.join('\n')) as Record<string, any> };
        } catch {
          throw new Error(`README command did not answer JSON:\n${describeRun(command, r)}`);
        }
      };

      if (method === 'GET' && path === '/v1/deliveries') {
        expect(messageId, 'the quick start posts an event before listing deliveries').toBeDefined();
        // Wait on the cheap message route until the delivery is done (the unfiltered list walks
        // many hour partitions per call), then the README's command must show that success.
        await eventually(() => local.api('GET', `/v1/messages/${messageId}`), (m) => m.body.deliveries?.[0]?.status === 'succeeded', 30_000, 'the delivery to succeed');
        const { status, body } = await answer();
        expect(status, JSON.stringify(body)).toBe(200);
        expect(body.items, JSON.stringify(body)).toContainEqual(expect.objectContaining({ messageId, status: 'succeeded' }));
        // The newcomer's first delivery, as `hookline listen` printed it.
        expect(listener!.stdout()).toMatch(new RegExp(`POST /hooks order\\.created #1 ${messageId} → 200 · signed \\(standard-webhooks\\)`));
        return;
      }

      const { status, body } = await answer();
      expect(status, JSON.stringify(body)).toBe(promise!.status ?? 200);
      for (const field of promise!.fields) expect(body, `README promises "${field}" (${promise!.text})`).toHaveProperty(field);
      if (method === 'POST' && path === '/v1/subscriptions') {
        expect(body.secret, 'README: 201 with the signing secret').toEqual(expect.any(String));
        expect(body.url).toBe(`http://${listenerHost}/hooks`);
      }
      if (method === 'POST' && path === '/v1/events') {
        expect(body.deliveryCount).toBeGreaterThanOrEqual(1);
        messageId = body.messageId;
      }
    }, 60_000);
  }
});

describe('npm run demo', () => {
  it('delivers one webhook whose signature the demo receiver verifies, then exits 0', async () => {
    expect(readme).toContain('`npm run demo`');
    const r = await demo.done;
    expectSuccess('npm run demo', r);
    expect(r.stdout).toContain(`Hookline: ${local.baseUrl}`);
    expect(r.stdout).toContain('signature VALID (standardwebhooks)');
    expect(r.stdout).toMatch(/Attempt log of \S+ \(status succeeded\)/);
  }, 60_000);
});

describe('CLI: every `npx hookline` line, run as written against local mode (HOOKLINE_ENDPOINT)', () => {
  it('the README has CLI lines', () => {
    expect(cliCommands.length).toBeGreaterThan(0);
  });

  for (const command of cliCommands) {
    if (/^npx hookline tail\b/.test(command)) {
      it(command, async () => {
        tail = startShell(localized(command), cliEnv, 90_000);
        const shown = await followedAttempt(tail).catch((error: unknown) => error as Error);
        const r = await tail.interrupt();
        expect(shown instanceof Error ? shown.message : shown, `tail did not show a new attempt:\n${describeRun(command, r)}`).toBe(true);
        // Ctrl-C: hookline itself exits 0; npm, its parent, may end by the same SIGINT.
        expect(r.code === 0 || r.code === 130 || r.signal === 'SIGINT', `Ctrl-C should end tail cleanly:\n${describeRun(command, r)}`).toBe(true);
        expect(r.stdout).toMatch(/#1\s+200\s+success\b/);
      }, 100_000);
      continue;
    }

    it(command, async () => {
      const r = await runShell(localized(command), cliEnv, 50_000);
      expectSuccess(command, r);
      if (/\bsubscriptions create\b/.test(command)) expect(r.stdout).toMatch(/Signing secret \(shown once, store it now\): \S+/);
      if (/\bevents send\b/.test(command)) {
        expect(r.stdout).toMatch(/Message:?\s+msg_\S+/);
        // The subscription the README created through the CLI gets it (its URL went to the receiver).
        const path = /--url\s+['"]?https?:\/\/[^/\s'"]+(\/[^\s'"]*)/.exec(cliCommands.join('\n'))?.[1];
        if (path !== undefined) await eventually(async () => receiver.requests.filter((q) => q.url === path).length, (n) => n > 0, 20_000, `a delivery to ${path}`);
      }
      if (/\bdeliveries list\b/.test(command)) expect(r.stdout).toMatch(/^ID\s+STATUS\b[\s\S]*\border\.created\b/m);
    }, 60_000);
  }
});

describe('Deploying: the -c context of every `npx cdk` line is accepted by the stack props parser', () => {
  it('the README has cdk lines', () => {
    expect(cdkCommands.length).toBeGreaterThan(0);
  });

  for (const command of cdkCommands.filter((c) => /\s(-c|--context)\s/.test(c))) {
    it(command, () => {
      const context = cdkContext(command);
      expect(Object.keys(context).length).toBeGreaterThan(0);
      // settingsFromContext ignores unknown keys, so a misspelt one would silently do nothing.
      expect(Object.keys(context).filter((k) => !(CONTEXT_KEYS as string[]).includes(k)), 'context keys the stack does not read').toEqual([]);
      const settings = resolveSettings(settingsFromContext((key) => context[key])) as unknown as Record<string, unknown>;
      for (const [key, value] of Object.entries(context)) expect(String(settings[key]), key).toBe(value);
    });
  }
});
