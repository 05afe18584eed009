/**
 * The retry engine (DESIGN §6): one pure function from policy, history and clock to the next
 * due time, or to the reason the delivery ends. Schedules are data (`scheduleOf`).
 */
import type { FailureClass, Outcome, RetryPolicy } from './model.js';

/** `Retry-After` never pushes an attempt further than this. @default 86400 (24 h) */
export const RETRY_AFTER_MAX_SECONDS = 86_400;

export interface NextAttemptInput {
  subscription: { retryPolicy: RetryPolicy; retryOn: readonly FailureClass[] };
  /** Attempts made so far, including the one that just failed (≥ 1). */
  attemptsMade: number;
  /** Outcome of the attempt that just ended. */
  outcome: Outcome;
  /** Epoch ms the failed attempt ended: delays are measured from here. */
  failedAt: number;
  /** HTTP status of the failed attempt, when there was a response (`Retry-After` applies to 429 and 503). */
  statusCode?: number;
  /** The response's `Retry-After` header (delta-seconds or HTTP-date). */
  retryAfter?: string;
  /** Uniform [0, 1) source for jitter. @default Math.random */
  random?: () => number;
}

export type NextAttempt = { dueAt: number; delaySeconds: number } | { final: string };

export function nextAttempt(input: NextAttemptInput): NextAttempt {
  const { subscription, attemptsMade, outcome } = input;
  // A caller bug, not a delivery outcome: never turn it into a zero-delay retry.
  if (!Number.isInteger(attemptsMade) || attemptsMade < 1) throw new RangeError(`attemptsMade must be a positive integer, got ${attemptsMade}`);
  if (outcome === 'success') return { final: 'delivered' };
  if (outcome === 'refused') return { final: 'refused by the outbound address policy; never retried' };
  if (!subscription.retryOn.includes(outcome)) return { final: `${outcome} is not retried (retryOn: ${subscription.retryOn.join(', ') || 'none'})` };
  const retries = retryCount(subscription.retryPolicy);
  if (attemptsMade > retries) {
    return { final: `retries exhausted: ${attemptsMade} attempt${attemptsMade === 1 ? '' : 's'} made, policy allows ${retries} retr${retries === 1 ? 'y' : 'ies'}` };
  }
  let delaySeconds = policyDelay(subscription.retryPolicy, attemptsMade, input.random ?? Math.random);
  if (input.retryAfter !== undefined && (outcome === '429' || input.statusCode === 503)) {
    const requested = parseRetryAfter(input.retryAfter, input.failedAt);
    // Only ever lengthens the policy's delay, and by Retry-After alone never past 24 h.
    if (requested !== undefined) delaySeconds = Math.max(delaySeconds, Math.min(requested, RETRY_AFTER_MAX_SECONDS));
  }
  return { dueAt: input.failedAt + delaySeconds * 1000, delaySeconds };
}

/** Number of retries the policy allows (attempts = retries + 1). */
export function retryCount(policy: RetryPolicy): number {
  return policy.type === 'fixed' ? policy.delays.length : policy.retries;
}

/** The nominal delays (seconds, no jitter) after the 1st, 2nd, … failure. */
export function scheduleOf(policy: RetryPolicy): number[] {
  if (policy.type === 'fixed') return [...policy.delays];
  return Array.from({ length: policy.retries }, (_, i) => exponentialDelay(policy, i + 1));
}

/**
 * Delay after the `failures`-th failure. Exponential: initialDelay·factor^(n-1) capped at
 * maxDelay, then multiplied by a uniform factor in [1 - jitter, 1 + jitter] and clamped to
 * [1, maxDelay], so jitter never takes a delay past the policy's maximum.
 */
function policyDelay(policy: RetryPolicy, failures: number, random: () => number): number {
  if (policy.type === 'fixed') return policy.delays[failures - 1] ?? 0;
  const nominal = exponentialDelay(policy, failures);
  if (policy.jitter <= 0) return nominal;
  const factor = 1 + (2 * random() - 1) * policy.jitter;
  return Math.min(policy.maxDelay, Math.max(1, Math.round(nominal * factor)));
}

function exponentialDelay(policy: Extract<RetryPolicy, { type: 'exponential' }>, failures: number): number {
  return Math.round(Math.min(policy.maxDelay, policy.initialDelay * policy.factor ** (failures - 1)));
}

/**
 * Seconds requested by a `Retry-After` value: delta-seconds (`120`) or an HTTP-date, relative
 * to `now` (epoch ms). Anything else, or a date in the past, is ignored (undefined).
 */
export function parseRetryAfter(value: string, now: number): number | undefined {
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  if (!/^[A-Za-z]{3},? /.test(trimmed) && !/GMT$/.test(trimmed)) return undefined;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at) || at <= now) return undefined;
  return Math.ceil((at - now) / 1000);
}
