/** What a subscription's failure streak triggers (DESIGN §6 "Failure policy"). */
import type { FailurePolicy, FailureStreak } from './model.js';

export type FailureDecision = 'none' | 'warn' | 'disable' | 'delete';

/**
 * The action fires once the streak has reached `afterConsecutiveFailures` AND lasted
 * `minStreakSeconds` (a burst during a short outage never acts). Thresholds are `>=`, so a
 * failure after a lost or refused action write fires it again; the caller makes the action
 * idempotent. The warning fires when the counter *reaches* `warnAt` (the atomic counter hands
 * each value to one caller): once per streak.
 * @param now when the failure ended (epoch ms); @param timeScale local mode's speed-up (durations × it)
 */
export function failureDecision(policy: FailurePolicy, streak: FailureStreak, now: number, timeScale = 1): FailureDecision {
  if (policy.action !== 'none' && policy.afterConsecutiveFailures !== null && streak.count >= policy.afterConsecutiveFailures) {
    const lastedMs = now - Date.parse(streak.startedAt);
    // The epsilon absorbs float error of the division only (times are whole milliseconds).
    if (lastedMs >= ((policy.minStreakSeconds ?? 0) * 1000) / timeScale - 1e-6) return policy.action;
  }
  if (policy.warnAt !== undefined && streak.count === policy.warnAt) return 'warn';
  return 'none';
}

/** A streak is counted exactly up to this many failures, or up to the policy's thresholds if higher. */
export const STREAK_COUNTED_EXACTLY = 100;

/**
 * Whether a failure must be added to the stored streak. Past the exact range, a failure is written
 * only when it may fire the action: the count then changes no decision, and skipping its write
 * keeps a high-volume failing endpoint from making its subscription item a hot key (one update per
 * failed attempt, issue 23's capacity model). `read` is the streak as the batch read it.
 */
export function streakWriteNeeded(policy: FailurePolicy, read: FailureStreak | undefined, now: number, timeScale = 1): boolean {
  if (read === undefined) return true;
  if (read.count < Math.max(STREAK_COUNTED_EXACTLY, policy.afterConsecutiveFailures ?? 0, policy.warnAt ?? 0)) return true;
  return failureDecision(policy, { count: read.count + 1, startedAt: read.startedAt }, now, timeScale) !== 'none';
}
