/**
 * Who did what in the cost benchmark's trace: local mode's idle polls and stand-ins apart from
 * the application's calls, worker invocations (batch received → deleted) from the event source's
 * calls, and which calls fall inside which invocation.
 */
import { getRequestCounts } from './request-counter.js';
import { epochMs, type AwsTrace, type TracedCall } from './aws-trace.js';
import { awsLatencyModelMs } from './cost-model.js';

/** Worker invocations as the local event source sees them: received → deleted. */
export interface Batch {
  receivedAt: number;
  size: number;
  bytes: number;
  deletedAt?: number;
}

export interface BatchTracker {
  /** Batches received since the last reset. */
  readonly batches: Batch[];
  /** Received, not yet deleted. */
  pending(): number;
  reset(): void;
}

export function trackBatches(trace: AwsTrace): BatchTracker {
  let batches: Batch[] = [];
  const byHandle = new Map<string, Batch>();
  trace.onCall((call, input, output) => {
    if (call.origin !== 'event-source') return;
    if (call.operation === 'ReceiveMessage') {
      const messages = (output?.Messages as { ReceiptHandle?: string }[] | undefined) ?? [];
      if (messages.length === 0) return;
      const batch: Batch = { receivedAt: call.endedAt ?? epochMs(), size: messages.length, bytes: call.payloadBytes ?? 0 };
      batches.push(batch);
      for (const m of messages) byHandle.set(m.ReceiptHandle ?? '', batch);
    } else if (call.operation === 'DeleteMessageBatch') {
      for (const entry of (input.Entries as { ReceiptHandle?: string }[] | undefined) ?? []) {
        const batch = byHandle.get(entry.ReceiptHandle ?? '');
        if (batch !== undefined && batch.deletedAt === undefined) batch.deletedAt = call.startedAt;
        byHandle.delete(entry.ReceiptHandle ?? '');
      }
    }
  });
  return {
    get batches() {
      return batches;
    },
    pending: () => batches.filter((b) => b.deletedAt === undefined).length,
    reset: () => {
      batches = [];
    },
  };
}

/** Calls that are local mode idling (polls), not work. */
export const isIdlePoll = (c: TracedCall): boolean =>
  (c.origin === 'event-source' && c.operation === 'ReceiveMessage' && (c.messages ?? 0) === 0) ||
  (c.origin === 'scheduler-fire' && c.operation === 'Query') ||
  (c.origin === 'event-source' && c.operation === 'ReceiveMessage' && c.endedAt === undefined);

/** The AWS retry scheduler makes the same SQS send as the local one for retries ≤ 15 min. */
export const isAppLike = (c: TracedCall): boolean => c.origin === 'app' || (c.origin === 'scheduler-create' && c.service === 'sqs');

export function readFloor(c: TracedCall): number {
  const unit = c.eventuallyConsistent === true ? 0.5 : 1;
  // A read bills at least its minimum unit per item asked for, found or not (conservative).
  return c.operation === 'BatchGetItem' ? unit * (c.keys ?? 1) : unit;
}

export function countBy(calls: readonly TracedCall[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of calls) out[c.key] = (out[c.key] ?? 0) + 1;
  return out;
}

/** The adapters' counter minus local stand-ins must equal what the trace attributes to the app. */
export function appRequestsFromCounter(calls: readonly TracedCall[]): { app: Record<string, number>; mismatches: string[] } {
  const counted = getRequestCounts();
  const standIns = countBy(calls.filter((c) => !isAppLike(c)));
  const traced = countBy(calls.filter(isAppLike));
  const app: Record<string, number> = {};
  const mismatches: string[] = [];
  for (const key of new Set([...Object.keys(counted), ...Object.keys(traced)])) {
    const n = (counted[key] ?? 0) - (standIns[key] ?? 0);
    if (n !== (traced[key] ?? 0)) mismatches.push(`${key}: counter ${counted[key] ?? 0} − stand-ins ${standIns[key] ?? 0} ≠ traced ${traced[key] ?? 0}`);
    if (n > 0) app[key] = n;
  }
  return { app, mismatches };
}

export const isWork = (c: TracedCall): boolean => !isIdlePoll(c);

export interface Window {
  start: number;
  end: number;
}

/** Calls made inside each invocation window (a call inside several goes to the earliest window). */
function callsPerWindow(windows: readonly Window[], calls: readonly TracedCall[]): TracedCall[][] {
  const out = windows.map(() => [] as TracedCall[]);
  for (const c of calls) {
    const i = windows.findIndex((w) => c.startedAt >= w.start && c.startedAt <= w.end);
    if (i >= 0 && c.endedAt !== undefined) out[i]?.push(c);
  }
  return out;
}

/** Each window's duration at AWS round trips (`awsLatencyModelMs`) for the calls made inside it. */
export function modelled(windows: readonly Window[], calls: readonly TracedCall[]): number[] {
  const grouped = callsPerWindow(windows, calls);
  return windows.map((w, i) =>
    awsLatencyModelMs(
      w.end - w.start,
      (grouped[i] ?? []).map((c) => ({ service: c.service, startedAt: c.startedAt, endedAt: c.endedAt as number })),
    ),
  );
}
