/**
 * Batch intake (`POST /v1/events/batch`): up to 100 events in one request, one result per event
 * in order. Amortises what every event otherwise pays alone: the API request, the receiver
 * invocation, route reads (one lookup per (tenant, type) in the batch) and the task sends (all
 * tasks of the batch in shared `SendMessageBatch` calls, after every message is stored).
 */
import * as z from 'zod';
import { forEachLimited } from '../concurrency.js';
import { HooklineError, PayloadTooLargeError, type FieldError } from '../errors.js';
import { parseOrThrow } from '../validation.js';
import { EVENT_TYPE_PATTERN, eventRequestSchema } from '../event-schema.js';
import {
  acceptedResult,
  markQueued,
  prepareEvent,
  routeLookup,
  sendTasks,
  storeEvent,
  type IntakeDeps,
  type IntakeResult,
  type PreparedEvent,
  type RouteLookup,
} from './intake.js';

/** Events per batch request (DESIGN §4). */
export const MAX_BATCH_EVENTS = 100;
/** Events of one batch prepared and stored at once. */
const BATCH_CONCURRENCY = 8;

const batchEnvelopeSchema = z.object({ events: z.array(z.unknown()).min(1, 'must hold at least one event') }).strict();

/** A refused event's entry: the problem (RFC 9457 fields) a single `POST /v1/events` would answer. */
export interface EventProblem {
  status: number;
  title: string;
  detail: string;
  errors?: FieldError[];
}

export type BatchEntry = Omit<IntakeResult, 'duplicate'> | EventProblem;

export interface BatchResult {
  results: BatchEntry[];
  /** Whether every event was accepted (202) or some were refused (207). */
  allAccepted: boolean;
  accepted: number;
  duplicates: number;
}

/**
 * Accepts each valid event of the batch; an invalid one gets its problem in its place and the
 * others go ahead. A store that fails (throttled) fails the whole request before any task is
 * sent: the producer retries the batch, and events with an `idempotencyKey` are not repeated.
 */
export async function acceptEventBatch(deps: IntakeDeps, body: unknown): Promise<BatchResult> {
  const { events } = parseOrThrow(batchEnvelopeSchema, body);
  if (events.length > MAX_BATCH_EVENTS) throw new PayloadTooLargeError(`a batch holds at most ${MAX_BATCH_EVENTS} events; this one has ${events.length}`);
  const routesFor = sharedLookups(routeLookup(deps));
  // Each (tenant, type) pair read once, up front, in the request's own order of calls.
  for (const { tenant, type } of routedPairs(events)) await routesFor(tenant, type);
  const entries: (BatchEntry | PreparedEvent)[] = new Array(events.length);
  let duplicates = 0;
  await forEachLimited([...events.keys()], BATCH_CONCURRENCY, async (i) => {
    const outcome = await acceptOne(deps, events[i], i, routesFor);
    if ('duplicate' in outcome) {
      if (outcome.duplicate) duplicates++;
      const { duplicate: _, ...entry } = outcome;
      entries[i] = entry;
    } else {
      entries[i] = outcome;
    }
  });
  const stored = entries.filter((e): e is PreparedEvent => 'message' in e);
  await sendTasks(deps, stored);
  await Promise.all(stored.flatMap((p) => (p.claim !== undefined ? [markQueued(deps, p.claim.key)] : [])));
  const results = entries.map((e) => ('message' in e ? withoutDuplicate(acceptedResult(e)) : e));
  const refused = results.filter((r) => 'status' in r).length;
  return { results, allAccepted: refused === 0, accepted: results.length - refused, duplicates };
}

/** Stores one event: its prepared form (tasks still to send), a duplicate's result, or its problem. */
async function acceptOne(deps: IntakeDeps, event: unknown, index: number, routesFor: RouteLookup): Promise<PreparedEvent | IntakeResult | EventProblem> {
  try {
    const { idempotencyKey, ...rest } = splitKey(event);
    const prepared = await prepareEvent(deps, rest, idempotencyKey, routesFor, `events.${index}.idempotencyKey`);
    return (await storeEvent(deps, prepared)) ?? prepared;
  } catch (error) {
    // Only what the event itself got wrong is its result; a failing dependency fails the request.
    if (error instanceof HooklineError && error.status < 500) return problemOf(error, index);
    throw error;
  }
}

function splitKey(event: unknown): { idempotencyKey?: string } & Record<string, unknown> {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) return { payload: undefined, type: event };
  const { idempotencyKey, ...rest } = event as Record<string, unknown>;
  if (idempotencyKey === undefined) return rest;
  return typeof idempotencyKey === 'string' ? { ...rest, idempotencyKey } : { ...rest, idempotencyKey: String(idempotencyKey) };
}

function problemOf(error: HooklineError, index: number): EventProblem {
  const errors = 'errors' in error && Array.isArray(error.errors) ? (error.errors as FieldError[]) : undefined;
  return {
    status: error.status,
    title: error.title,
    detail: `event ${index}: ${error.message}`,
    ...(errors !== undefined && { errors: errors.map((e) => ({ ...e, field: e.field.startsWith('events.') ? e.field : `events.${index}.${e.field}` })) }),
  };
}

const withoutDuplicate = ({ duplicate: _, ...entry }: IntakeResult): BatchEntry => entry;

/** The distinct (tenant, type) pairs of the events that name them as strings (the rest fail validation). */
function routedPairs(events: readonly unknown[]): { tenant: string | undefined; type: string }[] {
  const pairs = new Map<string, { tenant: string | undefined; type: string }>();
  for (const event of events) {
    if (typeof event !== 'object' || event === null) continue;
    const { tenant, type } = event as { tenant?: unknown; type?: unknown };
    if (typeof type !== 'string' || !EVENT_TYPE_PATTERN.test(type) || !eventRequestSchema.shape.tenant.safeParse(tenant).success) continue;
    pairs.set(`${tenant ?? '\u0000'}\u0001${type}`, { tenant: tenant as string | undefined, type });
  }
  return [...pairs.values()];
}

/** One route lookup per (tenant, type) for the whole batch. */
function sharedLookups(lookup: RouteLookup): RouteLookup {
  const seen = new Map<string, ReturnType<RouteLookup>>();
  return (tenant, type) => {
    const key = `${tenant ?? '\u0000'}\u0001${type}`;
    let pending = seen.get(key);
    if (pending === undefined) {
      pending = lookup(tenant, type);
      seen.set(key, pending);
    }
    return pending;
  };
}
