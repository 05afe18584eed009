/** What a subscription's consecutive-failure streak triggers (DESIGN §6 "Failure policy"). */
import type { FailurePolicy } from './model.js';

export type FailureDecision = 'none' | 'warn' | 'disable' | 'delete';

/**
 * Called with the counter value returned by the atomic increment, so each value is seen by
 * exactly one caller: the warning and the action fire exactly once, when the counter *reaches*
 * `warnAt` and `afterConsecutiveFailures` (never again while the streak continues).
 */
export function failureDecision(policy: FailurePolicy, consecutiveFailures: number): FailureDecision {
  if (policy.action !== 'none' && policy.afterConsecutiveFailures !== null && consecutiveFailures === policy.afterConsecutiveFailures) {
    return policy.action;
  }
  if (policy.warnAt !== undefined && consecutiveFailures === policy.warnAt) return 'warn';
  return 'none';
}
