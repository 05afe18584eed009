/** `hookline events send|get`: post an event as a producer would, and follow it to its deliveries. */
import type { Command } from 'commander';
import { addRequestCommand, CommandContext, obj, type CliDeps, type CliIo, type Obj } from '../context.js';
import { ApiError, UsageError } from '../errors.js';
import { columns, fieldsOf, renderFields, renderTable } from '../format.js';
import { eventRequestSchema, IDEMPOTENCY_KEY_PATTERN } from '../../lambdas/core/event-schema.js';
import { readJsonArgument, parseJson, parseTime } from '../parse.js';
import { checkBody } from '../request-checks.js';
import { readFile } from 'node:fs/promises';

/** Events per `POST /v1/events/batch` (the API's limit). */
const BATCH_SIZE = 100;

interface SendFlags {
  type?: string;
  file?: string;
  tenant?: string;
  payload?: string;
  eventTime?: string;
  idempotencyKey?: string;
}

/** @default 200 characters of the payload in the human view (`--json` has all of it) */
const PAYLOAD_PREVIEW_CHARS = 200;

function preview(payload: unknown): string | undefined {
  const text = payload === undefined ? undefined : JSON.stringify(payload);
  return text !== undefined && text.length > PAYLOAD_PREVIEW_CHARS ? `${text.slice(0, PAYLOAD_PREVIEW_CHARS)}… (--json for all)` : text;
}

const notAccepted = (failure: Obj) =>
  ['Accepted', `no: intake failed at ${String(failure.at)}, ${String(failure.reason)}; nothing of it is pending`] as const;

/** `GET /v1/messages/{id}`: the message, then one row per delivery it fanned out to. */
export function renderMessage(body: unknown): string {
  const m = obj(body);
  const deliveries = Array.isArray(m.deliveries) ? m.deliveries.map(obj) : [];
  const fields = renderFields([
    ...fieldsOf(m, { Message: 'id', Type: 'type', Tenant: 'tenant', 'Event time': 'eventTime', Received: 'createdAt', Routing: 'routing' }),
    // Only for a message whose intake failed (GET /v1/messages/{id}'s intakeFailed).
    ...(m.intakeFailed !== undefined ? [notAccepted(obj(m.intakeFailed))] : []),
    ['Payload', preview(m.payload)],
  ]);
  const table = renderTable(deliveries, columns({ DELIVERY: 'id', SUBSCRIPTION: 'subscriptionId', STATUS: 'status', ATTEMPTS: 'attemptCount', 'NEXT ATTEMPT': 'nextAttemptAt' }));
  return `${fields}\n${table}`;
}

/** `--file`: NDJSON events in batches of 100; one row per event; exit 1 when any was refused. */
async function sendFile(c: CommandContext, f: SendFlags): Promise<void> {
  if (f.type !== undefined || f.payload !== undefined || f.tenant !== undefined || f.eventTime !== undefined || f.idempotencyKey !== undefined) {
    throw new UsageError('--file carries every field per line: do not combine it with --type, --tenant, --payload, --event-time or --idempotency-key');
  }
  const events = await readEventsFile(f.file as string);
  const rows: Obj[] = [];
  for (let i = 0; i < events.length; i += BATCH_SIZE) {
    const res = await c.request('POST', '/v1/events/batch', { body: { events: events.slice(i, i + BATCH_SIZE) } });
    if (c.json) c.out(res.text.endsWith('\n') ? res.text : `${res.text}\n`);
    const results = Array.isArray(obj(res.body).results) ? (obj(res.body).results as unknown[]).map(obj) : [];
    results.forEach((r, j) => rows.push({ line: i + j + 1, ...r }));
  }
  if (!c.json) {
    c.out(
      renderTable(
        rows,
        columns({ LINE: 'line', MESSAGE: (r) => r.messageId ?? `refused (${String(r.status)})`, ROUTING: 'routing', DELIVERIES: (r) => r.deliveryCount ?? r.detail }),
      ),
    );
  }
  const refused = rows.filter((r) => r.messageId === undefined);
  if (refused.length > 0) {
    const problem = { title: 'Some events were refused', detail: `${refused.length} of ${rows.length} events (lines ${refused.map((r) => r.line).join(', ')})` };
    throw new ApiError(207, problem, JSON.stringify(problem));
  }
}

async function readEventsFile(path: string): Promise<unknown[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new UsageError(`--file: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const events = text
    .split('\n')
    .map((line, i) => ({ line: line.trim(), n: i + 1 }))
    .filter(({ line }) => line !== '')
    .map(({ line, n }) => parseJson(`--file line ${n}`, line));
  if (events.length === 0) throw new UsageError(`--file: ${path} holds no events`);
  return events;
}

export function registerEvents(program: Command, io: CliIo, deps: CliDeps): void {
  const group = program.command('events').description('send events and see where they went');
  group
    .command('send')
    .description('post an event (or, with --file, many through POST /v1/events/batch); each is routed to matching subscriptions')
    .option('--type <type>', 'event type, e.g. order.created (required without --file)')
    .option('--file <events.ndjson>', 'one event per line: {"type","tenant"?,"payload","eventTime"?,"idempotencyKey"?}; sent 100 per request')
    .option('--tenant <tenant>', 'tenant the event belongs to')
    .option('--payload <json>', 'payload: inline JSON, @file.json, or - for stdin (default: stdin when piped)')
    .option('--event-time <time>', 'when the event happened (ISO-8601); default: intake time')
    .option('--idempotency-key <key>', 'the same key within 24 h returns the original message')
    .action(async (f: SendFlags, cmd: Command) => {
      const c = CommandContext.of(cmd, io, deps);
      if (f.file !== undefined) return sendFile(c, f);
      if (f.type === undefined) throw new UsageError('--type is required (or --file events.ndjson)');
      // Without --payload, a pipe is the payload; a terminal would wait forever, so refuse.
      if (f.payload === undefined && io.stdin.isTTY) throw new UsageError('--payload is required (inline JSON, @file.json), or pipe the payload on stdin');
      const payload = await readJsonArgument('--payload', f.payload ?? '-', io.stdin);
      const body = {
        type: f.type,
        ...(f.tenant !== undefined ? { tenant: f.tenant } : {}),
        payload,
        ...(f.eventTime !== undefined ? { eventTime: parseTime('--event-time', f.eventTime, c.now()) } : {}),
      };
      checkBody(eventRequestSchema, body, 'event');
      if (f.idempotencyKey !== undefined && !IDEMPOTENCY_KEY_PATTERN.test(f.idempotencyKey)) {
        throw new UsageError('--idempotency-key must be 1-255 printable ASCII characters without spaces');
      }
      const headers = f.idempotencyKey ? { 'idempotency-key': f.idempotencyKey } : undefined;
      const res = await c.request('POST', '/v1/events', { body, ...(headers ? { headers } : {}) });
      const duplicate = res.headers.get('idempotent-replayed') === 'true';
      c.print(res, (b) => {
        const r = obj(b);
        return renderFields([
          ...fieldsOf(r, { Message: 'messageId', Routing: 'routing', Deliveries: 'deliveryCount' }),
          ...(duplicate ? ([['Duplicate', 'yes: this Idempotency-Key was used before; the original message, nothing new sent']] as const) : []),
        ]);
      });
      if (duplicate && c.json) c.note('duplicate: this Idempotency-Key was used before; the API answered with the original message and sent nothing new');
    });

  const ctx = (cmd: Command): CommandContext => CommandContext.of(cmd, io, deps);
  addRequestCommand(group, ctx, 'get <messageId>', 'a sent event (message) with the deliveries it fanned out to', (id) => ['GET', `/v1/messages/${encodeURIComponent(id)}`], renderMessage);
}
