/**
 * The API shapes the console reads. Deliveries, attempts and replay jobs are the domain's own
 * types (type-only imports: nothing of lambdas/ reaches the bundle but the lists below);
 * a subscription is its masked read view, a message its API view with delivery summaries.
 */
import type { Attempt as DomainAttempt, DeliveryStatus, SubscriptionStatus } from '../../lambdas/core/model.js';
export type { Delivery, DeliveryStatus, ReplayJob } from '../../lambdas/core/model.js';
export { PRESET_NAMES as PRESETS } from '../../lambdas/core/presets.js';
export { FAILURE_CLASSES } from '../../lambdas/core/model.js';
export { SUBSCRIPTION_STATUSES } from '../../lambdas/core/vocabulary.js';

export const DELIVERY_STATUSES: DeliveryStatus[] = ['pending', 'succeeded', 'failed', 'paused', 'dropped'];

/** An attempt as the API shows it; a test attempt also carries the signature headers it sent. */
export interface Attempt extends DomainAttempt {
  signatureHeaders?: Record<string, string>;
}

/** The endpoint's health as the failure policy sees it (present once the API reports it). */
export interface Health {
  failureStreak?: { count: number; startedAt?: string };
  [key: string]: unknown;
}

/** Failed attempts since the last success: the health's streak, else the older counter. */
export function streakOf(s: { health?: Health; consecutiveFailures?: number }): { count: number; since?: string } {
  const streak = s.health?.failureStreak;
  return streak !== undefined ? { count: streak.count, ...(streak.startedAt !== undefined && { since: streak.startedAt }) } : { count: s.consecutiveFailures ?? 0 };
}

export interface Subscription {
  id: string;
  url: string;
  eventTypes: string[];
  tenant?: string;
  fallback?: boolean;
  method?: string;
  format?: string;
  envelope?: string;
  xmlRoot?: string;
  apiVersion?: string;
  preset?: string;
  signing?: { scheme: string; header?: string; appKey?: string };
  auth?: { type: string; username?: string };
  customHeaders?: Record<string, string>;
  timeoutMs?: number;
  acceptStatuses?: (number | string)[];
  retryOn?: string[];
  retryPolicy?: unknown;
  failurePolicy?: unknown;
  status: SubscriptionStatus;
  disabledReason?: string;
  /** Deleted by its failure policy: kept until `retainedUntil`, restorable (`enable`). */
  deletedAt?: string;
  retainedUntil?: string;
  description?: string;
  metadata?: Record<string, string>;
  consecutiveFailures?: number;
  createdAt: string;
  updatedAt: string;
  /** Added by the health work (streak, breaker); shown when present. */
  health?: Health;
}

export interface MessageView {
  id: string;
  type: string;
  tenant?: string;
  eventTime: string;
  createdAt: string;
  routing: string;
  /** Stored, but its tasks could not be queued: the producer was answered 5xx. */
  intakeFailed?: { at: string; reason: string };
  payload: unknown;
  /** `recorded: false` only with successRecords log-only: pending, or succeeded on its first attempt. */
  deliveries: { id: string; subscriptionId: string; status: DeliveryStatus; attemptCount: number; nextAttemptAt?: string; recorded?: false }[];
}
