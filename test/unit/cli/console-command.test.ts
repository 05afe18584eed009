/** `hookline console`'s flags and lifecycle, in-process (the pages themselves: test/e2e/console.test.ts). */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../../cli/main.js';
import { captureIo } from './io.js';

let taken: Server | undefined;
afterEach(async () => {
  await new Promise<void>((r) => (taken ? taken.close(() => r()) : r()));
  taken = undefined;
});

describe('hookline console', () => {
  it('rejects a port that is not one, before resolving any endpoint', async () => {
    const io = captureIo({ env: {} });
    expect(await runCli(['console', '--port', '70000'], io)).toBe(2);
    expect(io.err()).toContain('--port expects an integer from 0 to 65535');
  });

  it('reports a taken port as an environment problem (exit 3) with the fix', async () => {
    taken = createServer();
    await new Promise<void>((r) => taken?.listen(0, '127.0.0.1', r));
    const port = (taken.address() as AddressInfo).port;
    const io = captureIo({ env: { HOOKLINE_ENDPOINT: 'http://127.0.0.1:9' } });
    expect(await runCli(['console', '--port', String(port)], io)).toBe(3);
    expect(io.err()).toContain(`cannot listen on 127.0.0.1:${port}`);
  });

  it('serves until its signal aborts, then exits 0 and stops listening', async () => {
    const stop = new AbortController();
    const io = captureIo({ env: { HOOKLINE_ENDPOINT: 'http://127.0.0.1:9' }, signal: stop.signal });
    const running = runCli(['console', '--port', '0'], io);
    for (let i = 0; i < 100 && !io.out().includes('Hookline console on'); i++) await new Promise((r) => setTimeout(r, 20));
    const url = /on (\S+)/.exec(io.out())?.[1] ?? '';
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/console$/);
    expect(io.err()).toContain('unsigned local mode');
    expect((await fetch(url)).status).toBe(200);
    stop.abort();
    expect(await running).toBe(0);
    await expect(fetch(url)).rejects.toThrow();
  });
});
