/**
 * `hookline`: the operator's command-line client for the Hookline API.
 *
 *   hookline [--endpoint URL] [--region R] [--profile P] [--stack-name Hookline] [--json] <group> <command>
 *
 * Exit codes: 0 ok, 1 API error (problem+json printed to stderr), 2 usage error,
 * 3 network or credentials, 4 a `subscriptions test` delivery that did not succeed.
 * `runCli` never calls `process.exit`, so tests run it in-process.
 */
import { Command, CommanderError } from 'commander';
import { registerConsole } from './commands/console.js';
import { registerDeliveries } from './commands/deliveries.js';
import { registerEvents } from './commands/events.js';
import { registerListen } from './commands/listen.js';
import { registerSubscriptions } from './commands/subscriptions.js';
import { registerTail } from './commands/tail.js';
import type { CliDeps, CliIo } from './context.js';
import { ApiError, CliError, ExitCode } from './errors.js';

export type { CliDeps, CliIo } from './context.js';
export { ExitCode } from './errors.js';

/** @default version shown by `--version` */
const VERSION = '0.1.0';

export function buildProgram(io: CliIo, deps: CliDeps = {}): Command {
  const program = new Command('hookline')
    .description('Operate a Hookline deployment: subscriptions, events, the delivery log')
    .version(VERSION)
    .option('--endpoint <url>', 'API base URL (default: $HOOKLINE_ENDPOINT, else the stack output ApiUrl)')
    .option('--region <region>', 'AWS region (default: from the endpoint host, $AWS_REGION, or the profile)')
    .option('--profile <profile>', 'AWS profile for credentials and region')
    .option('--stack-name <name>', 'CloudFormation stack to discover the endpoint from', 'Hookline')
    .option('--json', "print the API's JSON unchanged")
    .option('--sign', 'SigV4-sign even a local endpoint (local mode ignores signatures)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .showHelpAfterError('(run with --help for usage)');
  registerSubscriptions(program, io, deps);
  registerEvents(program, io, deps);
  registerDeliveries(program, io, deps);
  registerTail(program, io, deps);
  registerConsole(program, io, deps);
  registerListen(program, io, deps);
  return program;
}

/** Prints a problem+json answer: `title: detail`, then one line per field error. */
function reportApiError(err: ApiError, io: CliIo): void {
  const { title, detail, errors } = err.problem;
  const fields = Array.isArray(errors) ? errors : [];
  // A validation problem's detail is its field errors joined: print them once, one per line.
  const repeats = fields.length > 0 && detail === fields.map((e) => `${e.field}: ${e.message}`).join('; ');
  io.stderr.write(`${title ?? `HTTP ${err.status}`}${detail && !repeats ? `: ${detail}` : ''}\n`);
  for (const e of fields) io.stderr.write(`  ${e.field}: ${e.message}\n`);
}

/** Runs the CLI with `argv` (the user's arguments, without `node` and the script). Resolves to the exit code. */
export async function runCli(argv: readonly string[], io: CliIo, deps: CliDeps = {}): Promise<number> {
  const program = buildProgram(io, deps);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return ExitCode.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version end "successfully"; everything else commander rejects is usage.
      return err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0
        ? ExitCode.ok
        : ExitCode.usage;
    }
    if (err instanceof ApiError) {
      reportApiError(err, io);
      return err.exitCode;
    }
    if (err instanceof CliError) {
      io.stderr.write(`error: ${err.message}\n`);
      return err.exitCode;
    }
    // A bug, not the user's doing: show the stack to report it.
    io.stderr.write(`internal error: ${(err as Error).stack ?? String(err)}\n`);
    return ExitCode.api;
  }
}
