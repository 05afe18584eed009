/**
 * Local mode inside the benchmark's own process (`local/runtime.ts` `startLocalRuntime`), for
 * benchmarks that need to see what the handlers do: every AWS SDK call is traced (who made it,
 * timing, sizes, consumed capacity) and what the handlers write to stdout is measured and kept
 * off the benchmark's stdout. Spoken to through the same public HTTP API as the child process.
 */
import { parseLocalOptions } from '../../local/options.js';
import { startLocalRuntime, type LocalRuntime } from '../../local/runtime.js';
import { installAwsTrace, type AwsTrace } from './aws-trace.js';
import { installRequestCounter, uninstallRequestCounter } from './request-counter.js';
import { createApiClient, type ApiClient } from './local-api.js';
import { onCleanup, progress } from './output.js';
import { captureStdout, type StdoutCapture } from './stdout-capture.js';

export interface InProcessLocal extends ApiClient {
  runtime: LocalRuntime;
  /** One trace and one stdout capture per process, shared by every runtime started in it. */
  trace: AwsTrace;
  stdout: StdoutCapture;
  /** Errors the runtime's loops reported (queue hiccups, handler crashes). */
  errors: { where: string; message: string }[];
  /** Stops this runtime (also done at exit). */
  stop(): Promise<void>;
}

let instruments: { trace: AwsTrace; stdout: StdoutCapture } | undefined;

function instrument(): { trace: AwsTrace; stdout: StdoutCapture } {
  if (instruments === undefined) {
    installRequestCounter();
    const created = { trace: installAwsTrace({ consumedCapacity: true }), stdout: captureStdout() };
    instruments = created;
    onCleanup(() => {
      created.stdout.restore();
      created.trace.uninstall();
      uninstallRequestCounter();
    });
  }
  return instruments;
}

/**
 * `args`: extra local-mode flags, e.g. `['--time-scale', '600']`. Always in memory, any free
 * port. Several may run one after another (each with its own engines), not at once: the
 * handlers read their configuration from `process.env`, which each start rewrites.
 */
export async function startInProcessLocal(args: string[] = []): Promise<InProcessLocal> {
  const { trace, stdout } = instrument();
  // What the stack sets on every function (lib/functions.ts), so logs and metrics are as deployed.
  process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
  process.env.POWERTOOLS_METRICS_NAMESPACE = 'Hookline';
  const errors: InProcessLocal['errors'] = [];
  const started = performance.now();
  const runtime = await startLocalRuntime(parseLocalOptions(['--memory', '--port', '0', '--archive-interval-ms', '1000', ...args], {}), {
    onError: (error, where) => errors.push({ where, message: error instanceof Error ? error.message : String(error) }),
  });
  progress(`in-process local mode ready on ${runtime.url} in ${Math.round(performance.now() - started)} ms`);
  const client = createApiClient(runtime.url);
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      await client.close();
      await runtime.stop();
      progress('in-process local mode stopped');
    })();
    return stopping;
  };
  onCleanup(stop);
  return { ...client, runtime, trace, stdout, errors, stop };
}
