/**
 * `npm start`: Hookline on this machine, on real engines, in one process tree.
 * Prints exactly one `Hookline local ready on http://HOST:PORT` line when everything is up;
 * SIGINT/SIGTERM stop every part in order and exit 0 with no child left behind.
 */
import { CommanderError } from 'commander';
import { parseLocalOptions, type LocalOptions } from './options.js';
import { howTo, READY_PREFIX } from './how-to.js';
import { startLocalRuntime, type LocalRuntime } from './runtime.js';

function logError(error: unknown, where: string): void {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`${JSON.stringify({ level: 'ERROR', message: `local mode: ${where}`, error: message })}\n`);
}

export async function main(argv: readonly string[]): Promise<void> {
  // Node 20 is supported with the pinned SDK (README); its future-support notice is noise here.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  let options: LocalOptions;
  try {
    options = parseLocalOptions(argv);
  } catch (error) {
    if (error instanceof CommanderError) process.exit(error.exitCode);
    throw error;
  }
  let stopping = false;
  const starting: Promise<LocalRuntime | undefined> = startLocalRuntime(options, { onError: logError }).catch((error: unknown) => {
    process.stderr.write(`Hookline local failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`\n${signal}: stopping Hookline local…\n`);
    // A signal during startup waits for it, so nothing half-started is left behind.
    await (await starting)?.stop();
    process.stderr.write('stopped.\n');
    process.exit(0);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void shutdown(signal));

  const runtime = await starting;
  if (runtime === undefined || stopping) return;
  process.stdout.write(`${READY_PREFIX}${runtime.url}\n`);
  process.stdout.write(`${howTo(runtime.url, options, runtime.startupMs)}\n`);
  if (runtime.recovery.enqueued > 0) process.stdout.write(`Recovered ${runtime.recovery.enqueued} pending deliveries.\n`);
}

await main(process.argv.slice(2));
