/** `hookline deliveries list|get|retry` and `hookline replay`: the delivery log and recovery. */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import { addPageFlags, addRequestCommand, CommandContext, obj, pageItems, pageQuery, type CliDeps, type CliIo, type Obj } from '../context.js';
import { cell, columns, duration, fieldsOf, renderFields, renderTable } from '../format.js';
import { parseTime } from '../parse.js';
import { checkChoice } from '../request-checks.js';

const DELIVERY_STATUSES = ['pending', 'succeeded', 'failed', 'paused', 'dropped'] as const;

/** @default 500 ms between polls of a replay job with `--wait` */
const REPLAY_POLL_MS = 500;

export function renderDeliveryList(body: unknown): string {
  return renderTable(
    pageItems(body),
    columns({
      ID: 'id', STATUS: 'status', 'EVENT TYPE': 'eventType', TENANT: 'tenant', SUBSCRIPTION: 'subscriptionId',
      ATTEMPTS: 'attemptCount', LAST: 'lastOutcome', 'NEXT ATTEMPT': 'nextAttemptAt', CREATED: 'createdAt',
    }),
  );
}

export function renderAttempts(attempts: readonly Obj[]): string {
  return renderTable(
    attempts,
    columns({
      '#': 'attempt',
      STARTED: 'startedAt',
      DURATION: (a) => duration(a.durationMs),
      STATUS: 'statusCode',
      // A success only acceptStatuses made one (TikTok Shop's 401) is named as such.
      OUTCOME: (a) => (a.acknowledgedNon2xx === true ? `${String(a.outcome)} (non-2xx ack)` : a.outcome),
      REASON: 'reason',
      'NEXT ATTEMPT': 'nextAttemptAt',
    }),
  );
}

export function renderDelivery(body: unknown): string {
  const d = obj(body);
  const attempts = Array.isArray(d.attempts) ? d.attempts.map(obj) : [];
  let text = renderFields(
    fieldsOf(d, {
      ID: 'id', Status: 'status', Message: 'messageId', Subscription: 'subscriptionId', 'Event type': 'eventType', Tenant: 'tenant',
      Attempts: () => d.attemptCount ?? attempts.length, 'Next attempt': 'nextAttemptAt', Reason: 'reason',
    }),
  );
  text += `\n${renderAttempts(attempts)}`;
  // The item keeps only the newest attempts (STORED_ATTEMPTS_MAX): say so rather than look complete.
  if (attempts.length > 0 && typeof d.attemptCount === 'number' && d.attemptCount > attempts.length) {
    text += `(the newest ${attempts.length} of ${d.attemptCount} attempts; the attempt log keeps every one)\n`;
  }
  const last = attempts.at(-1);
  if (last?.responseExcerpt) text += `\nLast response: ${cell(last.responseExcerpt)}\n`;
  return text;
}

/** A replay job (`POST …/replay`, `GET /v1/replays/{id}`). */
export function renderReplayJob(body: unknown): string {
  const window = (j: Obj) => (j.since === undefined ? undefined : `${String(j.since)} → ${String(j.until ?? 'now')}`);
  return renderFields(
    fieldsOf(obj(body), {
      ID: 'id', Status: 'status', Subscription: 'subscriptionId', Window: window, 'Only failed': 'onlyFailed',
      Matched: 'matched', Enqueued: 'enqueued', Created: 'createdAt', Updated: 'updatedAt',
    }),
  );
}

interface ListFlags {
  subscription?: string;
  tenant?: string;
  eventType?: string;
  status?: string;
  since?: string;
  until?: string;
  limit?: string;
  cursor?: string;
}

export function registerDeliveries(program: Command, io: CliIo, deps: CliDeps): void {
  const ctx = (cmd: Command): CommandContext => CommandContext.of(cmd, io, deps);
  const group = program.command('deliveries').description('search the delivery log, inspect attempts, retry');

  addPageFlags(
    group
      .command('list')
      .description('search deliveries, newest first')
      .option('--subscription <id>', 'only this subscription')
      .option('--tenant <tenant>', 'only this tenant')
      .option('--event-type <type>', 'only this event type')
      .option('--status <status>', 'pending, succeeded, failed, paused or dropped')
      .option('--since <time>', 'created at or after (ISO-8601, or an age like 2h)')
      .option('--until <time>', 'created before (ISO-8601, or an age like 10m)'),
  ).action(async (f: ListFlags, cmd: Command) => {
    const c = ctx(cmd);
    const res = await c.request('GET', '/v1/deliveries', {
      query: {
        subscriptionId: f.subscription,
        tenant: f.tenant,
        eventType: f.eventType,
        status: checkChoice('--status', f.status, DELIVERY_STATUSES),
        since: f.since === undefined ? undefined : parseTime('--since', f.since, c.now()),
        until: f.until === undefined ? undefined : parseTime('--until', f.until, c.now()),
        ...pageQuery(f),
      },
    });
    c.printPage(res, renderDeliveryList);
  });

  const path = (id: string, suffix = ''): string => `/v1/deliveries/${encodeURIComponent(id)}${suffix}`;
  addRequestCommand(group, ctx, 'get <id>', 'a delivery with all its attempts', (id) => ['GET', path(id)], renderDelivery);
  addRequestCommand(group, ctx, 'retry <id>', 'redeliver now', (id) => ['POST', path(id, '/retry')], renderDelivery);

  program
    .command('replay <subscriptionId>')
    .description("redeliver a subscription's messages of a time window")
    .requiredOption('--since <time>', 'window start (ISO-8601, or an age like 6h)')
    .option('--until <time>', 'window end (ISO-8601, or an age); default: now')
    .option('--only-failed', 'only deliveries that did not succeed')
    .option('--wait', 'wait until the replay job has enqueued everything, then print the final job')
    .action(async (id: string, f: { since: string; until?: string; onlyFailed?: boolean; wait?: boolean }, cmd: Command) => {
      const c = ctx(cmd);
      const body = {
        since: parseTime('--since', f.since, c.now()),
        ...(f.until !== undefined ? { until: parseTime('--until', f.until, c.now()) } : {}),
        onlyFailed: f.onlyFailed === true,
      };
      let res = await c.request('POST', `/v1/subscriptions/${encodeURIComponent(id)}/replay`, { body });
      // The job pages through the window asynchronously; `--wait` polls it until done.
      while (f.wait && obj(res.body).status === 'running' && typeof obj(res.body).id === 'string' && !io.signal?.aborted) {
        await sleep(REPLAY_POLL_MS);
        res = await c.request('GET', `/v1/replays/${encodeURIComponent(String(obj(res.body).id))}`);
      }
      c.print(res, renderReplayJob);
    });
}
