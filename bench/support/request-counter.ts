/**
 * Counts AWS API calls by `service:Operation` through an SDK middleware added to every client's
 * stack on its first call. It sits in the `initialize` step, so one logical call counts once
 * however many times the SDK retries it (throttled requests are not billed). Independent of the
 * trace's `send` wrapper, it cross-checks what the trace attributes.
 */
import { sdkClientPrototypes } from './aws-trace.js';

interface MiddlewareStack {
  add(middleware: unknown, options: { step: 'initialize'; name: string; override?: boolean }): void;
}

const counts = new Map<string, number>();
const stacksWithCounter = new WeakSet<MiddlewareStack>();

function countingMiddleware(next: (args: unknown) => Promise<unknown>, context: { clientName?: string; commandName?: string }) {
  return async (args: unknown) => {
    // `DynamoDBClient` → `dynamodb`; lib-dynamodb commands run as their low-level command.
    const service = (context.clientName ?? 'Unknown').replace(/Client$/, '').toLowerCase();
    const key = `${service}:${(context.commandName ?? 'Unknown').replace(/Command$/, '')}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    return next(args);
  };
}

let uninstall: (() => void) | undefined;

/** Starts counting calls of every SDK client in this process (idempotent). */
export function installRequestCounter(): void {
  if (uninstall !== undefined) return;
  const originals = new Map(sdkClientPrototypes().map((p) => [p, p.send] as const));
  for (const [proto, original] of originals) {
    proto.send = function countedSend(this: object, ...args: unknown[]) {
      const stack = (this as { middlewareStack: MiddlewareStack }).middlewareStack;
      if (!stacksWithCounter.has(stack)) {
        stack.add(countingMiddleware, { step: 'initialize', name: 'benchRequestCounter', override: true });
        stacksWithCounter.add(stack);
      }
      return original.apply(this, args);
    };
  }
  uninstall = () => {
    for (const [proto, original] of originals) proto.send = original;
  };
}

export function uninstallRequestCounter(): void {
  uninstall?.();
  uninstall = undefined;
}

/** Calls counted since the last reset, keyed `service:Operation`. */
export function getRequestCounts(): Record<string, number> {
  return Object.fromEntries([...counts.entries()].sort(([a], [b]) => a.localeCompare(b)));
}

export function resetRequestCounts(): void {
  counts.clear();
}
