/**
 * Local mode for benchmarks: started as a child process through `local/local-process.ts` (the
 * same launcher as the e2e tests and the demo), spoken to through its public HTTP API only.
 */
import { Agent, request } from 'undici';
import { spawnLocal, type LocalProcess } from '../../local/local-process.js';
import { onCleanup, progress } from './output.js';

/** JSON over the public HTTP API of a local-mode instance. */
export interface ApiClient {
  baseUrl: string;
  /** JSON request; throws on a status outside `expect`. */
  call<T = unknown>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown, expect?: number[]): Promise<T>;
  close(): Promise<void>;
}

export interface LocalApi extends ApiClient {
  process: LocalProcess;
}

export interface StartOptions {
  /** @default 1 */
  timeScale?: number;
  args?: string[];
}

export function createApiClient(baseUrl: string): ApiClient {
  const agent = new Agent({ keepAliveTimeout: 10_000, connections: 64 });
  return {
    baseUrl,
    async call<T>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown, expect = [200, 201, 202, 204]): Promise<T> {
      const res = await request(`${baseUrl}${path}`, {
        method,
        dispatcher: agent,
        ...(body !== undefined && { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
      });
      const text = await res.body.text();
      if (!expect.includes(res.statusCode)) throw new Error(`${method} ${path} → ${res.statusCode}: ${text.slice(0, 500)}`);
      return (text === '' ? undefined : JSON.parse(text)) as T;
    },
    close: () => agent.close(),
  };
}

/** Local mode as a child process (its own engines, in memory), stopped at exit. */
export async function startLocalMode(options: StartOptions = {}): Promise<LocalApi> {
  const started = performance.now();
  const child = await spawnLocal({
    args: ['--port', '0', '--memory', '--time-scale', String(options.timeScale ?? 1), '--archive-interval-ms', '1000', ...(options.args ?? [])],
    // The per-event INFO lines would only cost CPU both sides of the pipe; attempts are still logged.
    env: { POWERTOOLS_LOG_LEVEL: 'WARN' },
    readyTimeoutMs: 90_000,
  });
  progress(`local mode ready on ${child.baseUrl} in ${Math.round(performance.now() - started)} ms`);
  const client = createApiClient(child.baseUrl);
  onCleanup(async () => {
    await client.close();
    const stopped = await child.stop();
    progress(`local mode stopped (${stopped.pids.length} processes, all gone)`);
  });
  return { ...client, process: child };
}

export interface Page<T> {
  items: T[];
  nextCursor?: string;
}

/** Every delivery of a subscription (optionally of one status), page by page. */
export async function allDeliveries<T = { id: string; status: string; attemptCount: number }>(
  api: ApiClient,
  subscriptionId: string,
  status?: string,
): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 10_000; pages++) {
    const q = new URLSearchParams({ subscriptionId, limit: '100', ...(status !== undefined && { status }), ...(cursor !== undefined && { cursor }) });
    const page = await api.call<Page<T>>('GET', `/v1/deliveries?${q.toString()}`);
    out.push(...page.items);
    if (page.nextCursor === undefined) return out;
    cursor = page.nextCursor;
  }
  throw new Error('too many pages');
}

/** Runs `fn` over `0..count-1` with at most `concurrency` in flight. */
export async function forEachConcurrent(count: number, concurrency: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) await fn(next++);
    }),
  );
}

/** Polls until `done()`; throws after `timeoutMs`. Bounded by construction. */
export async function until(done: () => boolean | Promise<boolean>, timeoutMs: number, what: string, everyMs = 50): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
