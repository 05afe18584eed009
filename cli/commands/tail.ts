/**
 * `hookline tail`: polls `GET /v1/deliveries` (newest first) and prints every attempt made
 * after it started, until Ctrl-C. A delivery whose `attemptCount` grew is read in full
 * (`GET /v1/deliveries/{id}`) unless the list already carries its attempts.
 * Only the newest page is watched (`--limit`): tail follows current traffic.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import { CommandContext, obj, pageItems, type CliDeps, type CliIo, type Obj } from '../context.js';
import { cell, duration } from '../format.js';
import { NetworkError } from '../errors.js';
import { parseInteger, parsePositiveNumber } from '../parse.js';

interface TailFlags {
  subscription?: string;
  tenant?: string;
  eventType?: string;
  interval: string;
  limit: string;
}

/** One line per attempt: time, delivery, subscription, type, attempt number, status, outcome, duration, next. */
export function renderAttemptLine(d: Obj, a: Obj): string {
  const parts = [
    cell(a.endedAt ?? a.startedAt),
    cell(d.id),
    cell(d.subscriptionId),
    cell(d.eventType),
    `#${cell(a.attempt)}`,
    cell(a.statusCode),
    cell(a.outcome),
    cell(duration(a.durationMs)),
  ];
  if (a.nextAttemptAt) parts.push(`next ${cell(a.nextAttemptAt)}`);
  else if (a.reason) parts.push(cell(a.reason));
  return `${parts.join('  ')}\n`;
}

async function attemptsOf(c: CommandContext, d: Obj): Promise<Obj[]> {
  if (Array.isArray(d.attempts)) return d.attempts.map(obj);
  const res = await c.request('GET', `/v1/deliveries/${encodeURIComponent(String(d.id))}`);
  const attempts = obj(res.body).attempts;
  return Array.isArray(attempts) ? attempts.map(obj) : [];
}

export function registerTail(program: Command, io: CliIo, deps: CliDeps): void {
  program
    .command('tail')
    .description('follow new delivery attempts as they happen (Ctrl-C to stop)')
    .option('--subscription <id>', 'only this subscription')
    .option('--tenant <tenant>', 'only this tenant')
    .option('--event-type <type>', 'only this event type')
    .option('--interval <seconds>', 'poll interval', '2')
    .option('--limit <n>', 'newest deliveries watched per poll', '50')
    .action(async (f: TailFlags, cmd: Command) => {
      const c = CommandContext.of(cmd, io, deps);
      const intervalMs = parsePositiveNumber('--interval', f.interval) * 1000;
      const limit = parseInteger('--limit', f.limit, 1);
      const query = { subscriptionId: f.subscription, tenant: f.tenant, eventType: f.eventType, limit };
      /** Attempts already shown (or present at start), per delivery id. */
      let seen: Map<string, number> | undefined;
      if (!c.json) c.note('Following new attempts (Ctrl-C to stop)…');
      while (!io.signal?.aborted) {
        let items: Obj[];
        try {
          items = pageItems((await c.request('GET', '/v1/deliveries', { query })).body);
        } catch (err) {
          // A blip should not end a long-running tail; API errors (auth, bad filter) do.
          if (!(err instanceof NetworkError)) throw err;
          c.note(`warning: ${err.message}; retrying`);
          items = [];
        }
        const next = new Map<string, number>();
        // Oldest first, so lines come out in the order the attempts happened.
        for (const d of items.reverse()) {
          const id = String(d.id);
          const count = typeof d.attemptCount === 'number' ? d.attemptCount : 0;
          const shown = seen === undefined ? count : (seen.get(id) ?? 0);
          next.set(id, Math.max(shown, count));
          if (count <= shown) continue;
          for (const a of (await attemptsOf(c, d)).filter((x) => typeof x.attempt === 'number' && x.attempt > shown)) {
            c.out(
              c.json
                ? `${JSON.stringify({ deliveryId: d.id, messageId: d.messageId, subscriptionId: d.subscriptionId, eventType: d.eventType, tenant: d.tenant, attempt: a })}\n`
                : renderAttemptLine(d, a),
            );
          }
        }
        seen = next;
        try {
          await sleep(intervalMs, undefined, io.signal ? { signal: io.signal } : {});
        } catch {
          break; // aborted: Ctrl-C
        }
      }
    });
}
