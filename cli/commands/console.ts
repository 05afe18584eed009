/**
 * `hookline console [--port P]`: the operator console on 127.0.0.1, its API calls signed here
 * with your AWS credentials (console/server/proxy.ts). Runs until Ctrl-C.
 */
import type { Command } from 'commander';
import { startConsoleServer } from '../../console/server/proxy.js';
import { CommandContext, type CliDeps, type CliIo } from '../context.js';
import { EnvironmentError } from '../errors.js';
import { parseInteger } from '../parse.js';
import { resolveTarget } from '../target.js';

/** @default port of `hookline console` */
export const DEFAULT_CONSOLE_PORT = 4321;

function untilAborted(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal === undefined) return;
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

export function registerConsole(program: Command, io: CliIo, deps: CliDeps): void {
  program
    .command('console')
    .description('serve the operator console on 127.0.0.1, signing its API calls with your AWS credentials')
    .option('--port <port>', 'loopback port (0 picks a free one)', String(DEFAULT_CONSOLE_PORT))
    .action(async (flags: { port: string }, cmd: Command) => {
      const c = CommandContext.of(cmd, io, deps);
      const port = parseInteger('--port', flags.port, 0, 65535);
      const target = await resolveTarget(c.globals, io.env, deps);
      const server = await startConsoleServer({ target, port, ...(deps.fetch && { fetch: deps.fetch }) }).catch((cause: unknown) => {
        throw new EnvironmentError(`cannot listen on 127.0.0.1:${port} (${(cause as Error).message}); pass --port`, { cause });
      });
      c.out(`Hookline console on ${server.url}\n`);
      c.note(`API: ${target.baseUrl} (${target.signing ? `SigV4-signed, ${target.signing.region}` : 'unsigned local mode'}). Ctrl-C stops.`);
      await untilAborted(io.signal);
      await server.close();
    });
}
