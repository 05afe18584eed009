/**
 * DynamoDB faults injected into a real client (the engines stay healthy): throttling and
 * internal errors on any call, at a rate and in short outages, and conditional-check failures
 * on conditional writes. The fault sits inside the SDK's retry loop, so the SDK retries what it
 * would retry in AWS; a second middleware records what still reached the caller after retries.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

export interface DynamoFaultPlan {
  /** Chance that one SDK attempt fails (throttling or a 500). */
  rate: number;
  /** Chance that a conditional write fails its condition. @default 0 */
  conditionalRate?: number;
  /** Every `everyMs`, all calls fail for `forMs`: long enough to outlast the SDK's retries. */
  outage?: { everyMs: number; forMs: number };
  random: () => number;
}

export interface SurfacedFault {
  command: string;
  error: string;
  at: number;
  /** Delivery ids the failed call would have written. */
  deliveryIds: string[];
  /** The worker's record of an attempt (the conditional delivery state write). */
  stateWrite: boolean;
}

export interface DynamoFaults {
  enable(): void;
  disable(): void;
  /** Injected SDK-attempt failures, by error name. */
  injected: Record<string, number>;
  /** Failures that got past the SDK's retries to the adapter. */
  surfaced: SurfacedFault[];
}

type Args = { input?: Record<string, unknown> };
type Next = (args: Args) => Promise<unknown>;
type Context = { commandName?: string };

const WRITES = /^(PutItem|UpdateItem|DeleteItem|BatchWriteItem|TransactWriteItems)Command$/;

function sdkError(name: string, status: number, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`${name} (injected)`), {
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status, attempts: 1 },
    ...(name.includes('Throughput') || name === 'ThrottlingException' ? { $retryable: { throttling: true } } : {}),
    ...extra,
  });
}

const hasCondition = (input: Record<string, unknown> | undefined): boolean => JSON.stringify(input ?? {}).includes('"ConditionExpression"');
/** The delivery state write's condition fails only when a newer state is stored; faking it would describe a table that cannot exist. */
const isStateWrite = (input: Record<string, unknown> | undefined): boolean => JSON.stringify(input ?? {}).includes('attemptCount <=');

export function injectDynamoFaults(client: DynamoDBClient, plan: DynamoFaultPlan): DynamoFaults {
  const faults: DynamoFaults = { enable: () => undefined, disable: () => undefined, injected: {}, surfaced: [] };
  let enabledAt: number | undefined;
  faults.enable = () => void (enabledAt = Date.now());
  faults.disable = () => void (enabledAt = undefined);
  const count = (name: string) => void (faults.injected[name] = (faults.injected[name] ?? 0) + 1);

  const pick = (command: string, input: Record<string, unknown> | undefined): Error | undefined => {
    if (enabledAt === undefined) return undefined;
    const now = Date.now();
    const inOutage = plan.outage !== undefined && (now - enabledAt) % plan.outage.everyMs < plan.outage.forMs;
    if (inOutage || plan.random() < plan.rate) {
      const r = plan.random();
      return r < 0.5 ? sdkError('ThrottlingException', 400) : r < 0.8 ? sdkError('ProvisionedThroughputExceededException', 400) : sdkError('InternalServerError', 500);
    }
    if (WRITES.test(command) && hasCondition(input) && !isStateWrite(input) && plan.random() < (plan.conditionalRate ?? 0)) {
      return command === 'TransactWriteItemsCommand'
        ? sdkError('TransactionCanceledException', 400, { CancellationReasons: [{ Code: 'ConditionalCheckFailed' }] })
        : sdkError('ConditionalCheckFailedException', 400);
    }
    return undefined;
  };

  const inject = (next: Next, context: Context) => async (args: Args) => {
    const error = pick(context.commandName ?? '', args.input);
    if (error !== undefined) {
      count(error.name);
      throw error;
    }
    return next(args);
  };
  const ledger = (next: Next, context: Context) => async (args: Args) => {
    try {
      return await next(args);
    } catch (error) {
      if (enabledAt !== undefined && String((error as Error).message).includes('(injected)')) {
        // A record's key is DLV#{subscription}#{shard} / {message}: the delivery id is the pair.
        const keys = JSON.stringify(args.input ?? {}).matchAll(/DLV#sub_([0-9A-Z]{26})#\d+"\}?,"sk":(?:\{"S":)?"msg_([0-9A-Z]{26})"/g);
        const ids = [...keys].map((m) => `dlv_${m[2]!}${m[1]!}`);
        faults.surfaced.push({ command: context.commandName ?? '', error: (error as Error).name, at: Date.now(), deliveryIds: [...new Set(ids)], stateWrite: isStateWrite(args.input) });
      }
      throw error;
    }
  };
  // The SDK's middleware types are per command; these two only read the input and pass it on.
  client.middlewareStack.add(
    inject as never,
    // Below the retry middleware (finalizeRequest, high priority): every SDK attempt may fail.
    { step: 'deserialize', name: 'hooklineFaultInjection', priority: 'high' },
  );
  client.middlewareStack.add(
    ledger as never,
    { step: 'initialize', name: 'hooklineFaultLedger', priority: 'high' },
  );
  return faults;
}
