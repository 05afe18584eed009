/**
 * An in-process trace of every AWS SDK call, for benchmarks that run local mode in the same
 * process. It wraps the SDK's shared `Client.prototype.send` and records, per call: service and
 * operation (the same `service:Operation` keys as `getRequestCounts()`), who made it (from the
 * call's stack: an application handler, or one of local mode's stand-ins for AWS machinery),
 * timing, SQS payload bytes and DynamoDB consumed capacity (asked for with
 * `ReturnConsumedCapacity: TOTAL`, which DynamoDB Local computes from item sizes and indexes).
 * Listeners see each call's input and output (the fan-out benchmark times enqueues with them).
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { S3ObjectClient } from '../../lambdas/adapters/s3/object-client.js';

/**
 * Who made a call. `app`: the receiver/admin/worker handlers (what a deployment does too).
 * The rest are local mode's stand-ins, which a deployment replaces with AWS machinery:
 * `event-source` (worker loop = Lambda's SQS event source mapping), `scheduler-create` and
 * `scheduler-fire` (local scheduler = EventBridge Scheduler), `archiver` (= Logs → Firehose → S3),
 * `recovery` (local start-up sweep), `bench` (this benchmark itself).
 */
export type CallOrigin = 'app' | 'event-source' | 'scheduler-create' | 'scheduler-fire' | 'archiver' | 'recovery' | 'bench' | 'unknown';

export interface TracedCall {
  /** `service:Operation`, e.g. `dynamodb:PutItem`, as `getRequestCounts()` keys it. */
  key: string;
  service: string;
  operation: string;
  origin: CallOrigin;
  /** The handler on the stack, for `app` calls. */
  handler?: 'receiver' | 'admin' | 'worker';
  /** Epoch ms (fractional, see `epochMs`). */
  startedAt: number;
  endedAt?: number;
  failed?: boolean;
  /** SQS: message body bytes sent (SendMessage*) or received (ReceiveMessage). */
  payloadBytes?: number;
  /** SQS ReceiveMessage: messages returned; SendMessageBatch: entries sent. */
  messages?: number;
  /** DynamoDB: capacity units the engine reported (table + indexes). */
  capacityUnits?: number;
  /** DynamoDB: read (R) or write (W) units. */
  unitKind?: 'R' | 'W';
  /** DynamoDB reads: eventually consistent (half-unit minimum). */
  eventuallyConsistent?: boolean;
  /** DynamoDB BatchGetItem: keys requested. */
  keys?: number;
}

export type CallListener = (call: TracedCall, input: Record<string, unknown>, output: Record<string, unknown> | undefined) => void;

export interface AwsTrace {
  readonly calls: TracedCall[];
  /** Forgets the calls recorded so far (listeners stay). */
  reset(): void;
  onCall(listener: CallListener): void;
  /** Restores the SDK's own `send`. */
  uninstall(): void;
}

const SERVICES: [{ prototype: object }, string][] = [
  [DynamoDBDocumentClient, 'dynamodb'],
  [DynamoDBClient, 'dynamodb'],
  [SQSClient, 'sqs'],
  [S3Client, 's3'],
  [SNSClient, 'sns'],
  [SchedulerClient, 'scheduler'],
];

const DYNAMO_READS = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan', 'TransactGetItems']);
const DYNAMO_CAPACITY_OPS = new Set([...DYNAMO_READS, 'PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);

type Send = (this: object, ...args: unknown[]) => unknown;

/** The prototypes that hold the SDK clients' shared `send` (one per copy of the SDK core). */
export function sdkClientPrototypes(): { send: Send }[] {
  return [...new Set(SERVICES.map(([type]) => Object.getPrototypeOf(type.prototype) as { send: Send }))];
}

function serviceOf(client: object): string {
  for (const [type, name] of SERVICES) if (Object.prototype.isPrototypeOf.call(type.prototype, client)) return name;
  return 'unknown';
}

/** Innermost recognisable frame decides; a stand-in wins over the handler that called it. */
export function originOf(stack: string): { origin: CallOrigin; handler?: TracedCall['handler'] } {
  for (const line of stack.split('\n')) {
    if (line.includes('node_modules') || line.includes('/bench/support/aws-trace.')) continue;
    if (line.includes('/adapters/scheduler/local-retry-scheduler.')) {
      return { origin: line.includes('fireDue') || line.includes('tick') ? 'scheduler-fire' : 'scheduler-create' };
    }
    if (line.includes('/local/attempt-archiver.')) return { origin: 'archiver' };
    if (line.includes('/local/recovery.')) return { origin: 'recovery' };
    const handler = /\/lambdas\/handlers\/(receiver|admin|worker)\./.exec(line)?.[1] as TracedCall['handler'] | undefined;
    if (handler !== undefined) return { origin: 'app', handler };
    if (line.includes('/local/worker-loop.')) return { origin: 'event-source' };
    if (line.includes('/local/front-door.')) return { origin: 'app' };
    if (line.includes('/bench/')) return { origin: 'bench' };
  }
  return { origin: 'unknown' };
}

/** Epoch milliseconds with sub-millisecond precision (SDK calls to local engines take a few ms). */
export function epochMs(): number {
  return performance.timeOrigin + performance.now();
}

function captureStack(): string {
  const holder: { stack?: string } = {};
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 80;
  Error.captureStackTrace(holder, captureStack);
  Error.stackTraceLimit = limit;
  return holder.stack ?? '';
}

function bytes(s: unknown): number {
  return typeof s === 'string' ? Buffer.byteLength(s) : 0;
}

function capacityOf(output: Record<string, unknown> | undefined): number | undefined {
  const consumed = output?.ConsumedCapacity as { CapacityUnits?: number } | { CapacityUnits?: number }[] | undefined;
  if (consumed === undefined) return undefined;
  const list = Array.isArray(consumed) ? consumed : [consumed];
  return list.reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0);
}

function describeInput(call: TracedCall, input: Record<string, unknown>): void {
  if (call.service === 'sqs') {
    if (call.operation === 'SendMessageBatch') {
      const entries = (input.Entries as { MessageBody?: string }[] | undefined) ?? [];
      call.messages = entries.length;
      call.payloadBytes = entries.reduce((s, e) => s + bytes(e.MessageBody), 0);
    } else if (call.operation === 'SendMessage') {
      call.messages = 1;
      call.payloadBytes = bytes(input.MessageBody);
    }
  }
  if (call.service === 'dynamodb' && DYNAMO_READS.has(call.operation)) {
    call.unitKind = 'R';
    call.eventuallyConsistent = input.ConsistentRead !== true && call.operation !== 'TransactGetItems';
    if (call.operation === 'BatchGetItem') {
      const requests = Object.values((input.RequestItems as Record<string, { Keys?: unknown[]; ConsistentRead?: boolean }>) ?? {});
      call.keys = requests.reduce((s, r) => s + (r.Keys?.length ?? 0), 0);
      call.eventuallyConsistent = requests.every((r) => r.ConsistentRead !== true);
    }
  } else if (call.service === 'dynamodb') {
    call.unitKind = 'W';
  }
}

function describeOutput(call: TracedCall, output: Record<string, unknown> | undefined): void {
  if (call.service === 'sqs' && call.operation === 'ReceiveMessage') {
    const messages = (output?.Messages as { Body?: string }[] | undefined) ?? [];
    call.messages = messages.length;
    call.payloadBytes = messages.reduce((s, m) => s + bytes(m.Body), 0);
  }
  if (call.service === 'dynamodb') {
    const units = capacityOf(output);
    if (units !== undefined) call.capacityUnits = units;
  }
}

/**
 * S3 payloads go through `S3ObjectClient` (no SDK client to patch): its two calls are traced as
 * `s3:PutObject` and `s3:GetObject`, so the cost model keeps counting them.
 */
const OBJECT_CALLS = [
  ['putObject', 'PutObject'],
  ['getObject', 'GetObject'],
] as const;

type ObjectMethod = (this: S3ObjectClient, ...args: unknown[]) => Promise<unknown>;

/** Installs the trace. One per process; `uninstall()` before installing another. */
export function installAwsTrace(options: { consumedCapacity?: boolean } = {}): AwsTrace {
  const calls: TracedCall[] = [];
  const listeners: CallListener[] = [];
  const originals = new Map(sdkClientPrototypes().map((p) => [p, p.send] as const));
  const objectProto = S3ObjectClient.prototype as unknown as Record<string, ObjectMethod>;
  const objectOriginals = OBJECT_CALLS.map(([method, operation]) => ({ method, operation, original: objectProto[method] as ObjectMethod }));

  /** Records one call around `invoke` (its input already final) and tells the listeners when it settles. */
  const traced = <T>(service: string, operation: string, input: Record<string, unknown>, invoke: () => Promise<T> | undefined): Promise<T> | undefined => {
    const call: TracedCall = { key: `${service}:${operation}`, service, operation, ...originOf(captureStack()), startedAt: epochMs() };
    describeInput(call, input);
    calls.push(call);
    const settle = (output: Record<string, unknown> | undefined, failed: boolean): void => {
      call.endedAt = epochMs();
      if (failed) call.failed = true;
      describeOutput(call, output);
      for (const listener of listeners) listener(call, input, output);
    };
    const result = invoke();
    // Callback-style calls return nothing; nothing in this project makes them.
    result?.then(
      (output) => settle(typeof output === 'object' && output !== null ? (output as Record<string, unknown>) : undefined, false),
      () => settle(undefined, true),
    );
    return result;
  };

  for (const [proto, original] of originals) {
    proto.send = function tracedSend(this: object, ...args: unknown[]) {
      const [command, ...rest] = args as [{ input?: Record<string, unknown>; clientCommand?: object }, ...unknown[]];
      const service = serviceOf(this);
      // lib-dynamodb commands wrap the low-level one; its name is the API operation.
      const operation = (command.clientCommand ?? command).constructor.name.replace(/Command$/, '');
      const input = command.input ?? {};
      if (options.consumedCapacity === true && service === 'dynamodb' && DYNAMO_CAPACITY_OPS.has(operation)) {
        input.ReturnConsumedCapacity = 'TOTAL';
      }
      return traced(service, operation, input, () => original.call(this, command, ...rest) as Promise<Record<string, unknown>> | undefined);
    };
  }
  for (const { method, operation, original } of objectOriginals) {
    objectProto[method] = function tracedObjectCall(this: S3ObjectClient, ...args: unknown[]) {
      return traced('s3', operation, { Bucket: args[0], Key: args[1] }, () => original.apply(this, args)) as Promise<unknown>;
    };
  }

  return {
    calls,
    reset: () => {
      calls.length = 0;
    },
    onCall: (listener) => listeners.push(listener),
    uninstall: () => {
      for (const [proto, original] of originals) proto.send = original;
      for (const { method, original } of objectOriginals) objectProto[method] = original;
    },
  };
}
