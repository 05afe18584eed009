/**
 * `npm start`: Hookline on this machine, on real engines, in one process tree.
 * Prints exactly one `Hookline local ready on http://HOST:PORT` line when everything is up.
 * SIGINT, SIGTERM, SIGHUP or the exit of whoever launched it (npm, tsx, a terminal) stop every
 * part in order and exit 0 with no child left behind. A taken port or a data dir another
 * instance holds is refused before anything starts, with the fix.
 */
import { CommanderError } from 'commander';
import { consoleAttemptLog } from './attempt-lines.js';
import { lockDataDir, type DataDirLock } from './data-dir-lock.js';
import { parseLocalOptions, type LocalOptions } from './options.js';
import { howTo, READY_PREFIX } from './how-to.js';
import { watchLaunchers } from './parent-watch.js';
import { assertPortFree, explainListenError } from './port-check.js';
import { startLocalRuntime, type LocalRuntime } from './runtime.js';

const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

function logError(error: unknown, where: string): void {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`${JSON.stringify({ level: 'ERROR', message: `local mode: ${where}`, error: message })}\n`);
}

function fail(error: unknown): never {
  process.stderr.write(`Hookline local failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}

function parseOrExit(argv: readonly string[]): LocalOptions {
  try {
    return parseLocalOptions(argv);
  } catch (error) {
    if (error instanceof CommanderError) process.exit(error.exitCode);
    throw error;
  }
}

/** The human console keeps to one line per attempt: no metric lines (intake counts, EMF), only warnings from the handlers' logger. */
function quietHandlers(options: LocalOptions): void {
  if (options.logFormat !== 'human') return;
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
}

/** Lock (a persistent data dir only) and port, before the engines take seconds to start. */
async function preflight(options: LocalOptions): Promise<DataDirLock | undefined> {
  const ownsDataDir = !options.memory && options.dynamoEndpoint === undefined;
  const lock = ownsDataDir ? lockDataDir(options.dataDir) : undefined;
  // Released on any exit; after a SIGKILL the next start finds the pid gone and takes over.
  if (lock !== undefined) process.once('exit', () => lock.release());
  await assertPortFree(options.host, options.port);
  return lock;
}

export async function main(argv: readonly string[]): Promise<void> {
  const options = parseOrExit(argv);
  quietHandlers(options);
  try {
    await preflight(options);
  } catch (error) {
    fail(error);
  }
  let stopping = false;
  const starting: Promise<LocalRuntime | undefined> = startLocalRuntime(options, {
    onError: logError,
    attemptLog: consoleAttemptLog(options.logFormat),
  }).catch((error: unknown) => fail(explainListenError(error, options.host, options.port)));
  const shutdown = async (why: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`\n${why}: stopping Hookline local…\n`);
    // A stop during startup waits for it, so nothing half-started is left behind.
    await (await starting)?.stop();
    process.stderr.write('stopped.\n');
    process.exit(0);
  };
  for (const signal of STOP_SIGNALS) process.on(signal, () => void shutdown(signal));
  watchLaunchers((pid) => void shutdown(`launcher ${pid} exited`));

  const runtime = await starting;
  if (runtime === undefined || stopping) return;
  process.stdout.write(`${READY_PREFIX}${runtime.url}\n`);
  process.stdout.write(`${howTo(runtime.url, options, runtime.startupMs)}\n`);
  if (runtime.legacyKeying.length > 0) {
    process.stderr.write(`Warning: ${runtime.legacyKeying.length} subscription(s) keep the old keying and their deliveries are refused until rotate-secret: ${runtime.legacyKeying.join(', ')}\n`);
  }
  if (runtime.migratedDeliveries > 0) process.stdout.write(`Re-keyed ${runtime.migratedDeliveries} delivery records written by an earlier version (by subscription, with new ids).\n`);
  if (runtime.recovery.enqueued > 0) process.stdout.write(`Recovered ${runtime.recovery.enqueued} pending deliveries.\n`);
}

await main(process.argv.slice(2));
