/**
 * Subscription management behind the admin API. Validation is the core schema's; storage keeps
 * subscription, routes and uniqueness claims in one transaction. Reads are always masked; the
 * secret is shown on create, on rotation and by the dedicated secret route only.
 */
import * as z from 'zod';
import { newMessageId, newSubscriptionId } from '../ids.js';
import { applySubscriptionPatch, buildSubscription, parseCreateSubscription, type SubscriptionPolicy } from '../subscription-build.js';
import { secretSchema } from '../subscription-schema.js';
import { CURRENT_KEYING, generateSecret, rotateSecrets, secretProblem } from '../secrets.js';
import { maskSubscription, type PublicSubscription } from '../auth.js';
import { SUBSCRIPTION_STATUSES, type Subscription, type SubscriptionId } from '../model.js';
import type { Clock, DeliveryStore, Page, RetryScheduler, SubscriptionStore } from '../ports.js';
import { ConcurrentUpdateError, ConflictError, NotFoundError, ValidationError } from '../errors.js';
import { pageCursorSchema, pageLimitSchema, parseOrThrow, zodFieldErrors } from '../validation.js';
import { performAttempt, signatureHeadersOf, type AttemptDeps } from './attempt.js';
import type { Attempt } from '../model.js';

export interface SubscriptionDeps extends AttemptDeps {
  subscriptions: SubscriptionStore;
  deliveries: DeliveryStore;
  retryScheduler: RetryScheduler;
  clock: Clock;
  policy: SubscriptionPolicy;
  uniqueTenantEvent: boolean;
}

export const listSubscriptionsQuerySchema = z
  .object({
    tenant: z.string().min(1).max(128).optional().meta({ description: 'only this tenant' }),
    eventType: z.string().min(1).max(128).optional().meta({ description: 'only subscriptions receiving this type' }),
    status: z.enum(SUBSCRIPTION_STATUSES).optional().meta({ description: 'only this status (subscriptions deleted by their failure policy are listed only with `deleted`)' }),
    limit: pageLimitSchema,
    cursor: pageCursorSchema,
  })
  .strict();

export const rotateSecretRequestSchema = z
  .object({
    graceSeconds: z.number().int().min(0).max(7 * 24 * 3600).default(24 * 3600),
    secret: secretSchema
      .optional()
      .meta({ description: "Bring your own new secret (checked against the subscription's signing scheme); default: a generated whsec_ secret." }),
  })
  .strict()
  .meta({ id: 'RotateSecretRequest' });

export async function createSubscription(
  deps: SubscriptionDeps,
  body: unknown,
): Promise<PublicSubscription & { secret: string }> {
  const input = parseCreateSubscription(body, deps.policy);
  const secret = input.secret ?? generateSecret();
  const subscription = buildSubscription(input, { id: newSubscriptionId(), now: deps.clock.now(), secret });
  await deps.subscriptions.create(subscription, { unique: deps.uniqueTenantEvent });
  return { ...maskSubscription(subscription), secret };
}

export async function getSubscription(deps: Pick<SubscriptionDeps, 'subscriptions'>, id: SubscriptionId): Promise<Subscription> {
  const subscription = await deps.subscriptions.get(id);
  if (subscription === undefined) throw new NotFoundError(`subscription ${id} does not exist`);
  return subscription;
}

export async function listSubscriptions(deps: SubscriptionDeps, query: unknown): Promise<Page<PublicSubscription>> {
  const q = parseOrThrow(listSubscriptionsQuerySchema, query);
  const page = await deps.subscriptions.list(q);
  return { items: page.items.map((sub) => maskSubscription(sub, deps.clock.now())), ...(page.nextCursor !== undefined && { nextCursor: page.nextCursor }) };
}

export async function updateSubscription(deps: SubscriptionDeps, id: SubscriptionId, body: unknown): Promise<PublicSubscription> {
  return maskSubscription(
    await mutate(deps, id, (current) => {
      if (current.status === 'deleted') throw deletedConflict(current);
      return applySubscriptionPatch(current, body, deps.policy, deps.clock.now());
    }),
  );
}

/** A subscription its failure policy deleted is changed, replayed or retried only once restored. */
export function deletedConflict(subscription: Pick<Subscription, 'id'>): ConflictError {
  return new ConflictError(
    `subscription ${subscription.id} was deleted by its failure policy; restore it first (POST /v1/subscriptions/${subscription.id}/enable)`,
  );
}

/**
 * `enable` / `disable`. Enabling a subscription its failure policy deleted restores it: its routes
 * and uniqueness claims are written again (409 when another subscription took a claim meanwhile).
 */
export async function setSubscriptionStatus(
  deps: SubscriptionDeps,
  id: SubscriptionId,
  status: 'active' | 'disabled',
): Promise<PublicSubscription> {
  const updated = await mutate(deps, id, (current) => {
    const next: Subscription = { ...current, status, updatedAt: nowIso(deps), version: current.version + 1 };
    delete next.deletedAt;
    delete next.retainedUntil;
    if (status === 'active') {
      delete next.disabledReason;
      next.consecutiveFailures = 0;
      delete next.failureStreakStartedAt;
    } else {
      next.disabledReason = 'disabled by an operator';
    }
    return next;
  });
  if (status === 'disabled') await cancelPendingRetries(deps, id, 'paused', 'disabled by an operator');
  return maskSubscription(updated);
}

export async function deleteSubscription(deps: SubscriptionDeps, id: SubscriptionId): Promise<void> {
  const subscription = await getSubscription(deps, id);
  await deps.subscriptions.delete(subscription);
  await cancelPendingRetries(deps, id, 'dropped', 'subscription was deleted');
}

/**
 * Parses a rotation body. A problem elsewhere in the body still reports an imported `secret` that
 * does not fit the subscription's scheme, so one answer names every field to fix.
 */
async function parseRotation(deps: SubscriptionDeps, id: SubscriptionId, body: unknown): Promise<z.output<typeof rotateSecretRequestSchema>> {
  const parsed = rotateSecretRequestSchema.safeParse(body);
  if (parsed.success) return parsed.data;
  const errors = zodFieldErrors(parsed.error.issues);
  const imported = (body as { secret?: unknown } | null)?.secret;
  if (typeof imported === 'string' && !errors.some((e) => e.field === 'secret')) {
    const problem = secretProblem((await getSubscription(deps, id)).signing.scheme, imported);
    if (problem !== undefined) errors.push({ field: 'secret', message: problem });
  }
  throw new ValidationError(errors);
}

export async function rotateSubscriptionSecret(
  deps: SubscriptionDeps,
  id: SubscriptionId,
  body: unknown,
): Promise<{ secret: string; previousSecretExpiresAt: string }> {
  const request = await parseRotation(deps, id, body ?? {});
  const secret = request.secret ?? generateSecret();
  const updated = await mutate(deps, id, (current) => {
    // Never quotes the value: the problem document must not echo a secret.
    const problem = request.secret === undefined ? undefined : secretProblem(current.signing.scheme, secret);
    if (problem !== undefined) throw new ValidationError([{ field: 'secret', message: problem }]);
    return {
      ...current,
      secrets: rotateSecrets(current.secrets, secret, deps.clock.now(), request.graceSeconds),
      // A rotation hands the subscriber a new secret, so it is where an old subscription re-keys.
      keying: CURRENT_KEYING,
      updatedAt: nowIso(deps),
      version: current.version + 1,
    };
  });
  const previous = updated.secrets[1];
  return { secret, previousSecretExpiresAt: previous?.expiresAt ?? nowIso(deps) };
}

export async function subscriptionSecret(deps: SubscriptionDeps, id: SubscriptionId): Promise<{ secret: string }> {
  const subscription = await getSubscription(deps, id);
  const current = subscription.secrets[0];
  if (current === undefined) throw new NotFoundError(`subscription ${id} has no signing secret`);
  return { secret: current.secret };
}

export interface TestResult {
  attempt: Attempt & { signatureHeaders: Record<string, string> };
}

const TEST_EVENT_TYPE = 'hookline.test';
/**
 * The test routes answer within the admin Lambda's 29 s timeout (API Gateway's limit too), while a
 * subscription's own timeout may be 30 s: the test attempt waits at most this long, leaving time
 * for the reads before it and the answer after it.
 */
export const TEST_ATTEMPT_TIMEOUT_MS = 25_000;

/** Delivers one `hookline.test` event now, through the worker's own attempt code, and reports it. */
export async function testSubscription(deps: SubscriptionDeps, subscription: Subscription): Promise<TestResult> {
  const now = deps.clock.now();
  const message = {
    id: newMessageId(),
    type: TEST_EVENT_TYPE,
    eventTime: new Date(now).toISOString(),
    payload: { test: true, subscriptionId: subscription.id, sentAt: new Date(now).toISOString() },
  };
  const capped = { ...subscription, timeoutMs: Math.min(subscription.timeoutMs, TEST_ATTEMPT_TIMEOUT_MS) };
  const { attempt, requestHeaders } = await performAttempt(deps, capped, message, 1, 'test');
  return { attempt: { ...attempt, signatureHeaders: signatureHeadersOf(requestHeaders, subscription) } };
}

export async function testSavedSubscription(deps: SubscriptionDeps, id: SubscriptionId): Promise<TestResult> {
  return testSubscription(deps, await getSubscription(deps, id));
}

/** "Test before saving": validates the body exactly like create, signs with its `secret` or a throwaway one, stores nothing. */
export async function testUnsavedSubscription(deps: SubscriptionDeps, body: unknown): Promise<TestResult> {
  const input = parseCreateSubscription(body, deps.policy);
  const subscription = buildSubscription(input, { id: newSubscriptionId(), now: deps.clock.now(), secret: input.secret ?? generateSecret() });
  return testSubscription(deps, subscription);
}

/** Read-modify-write with optimistic concurrency; retried a few times on a concurrent change. */
async function mutate(
  deps: SubscriptionDeps,
  id: SubscriptionId,
  change: (current: Subscription) => Subscription,
): Promise<Subscription> {
  for (let tries = 0; ; tries++) {
    const current = await getSubscription(deps, id);
    const next = change(current);
    try {
      await deps.subscriptions.replace(current, next, { unique: deps.uniqueTenantEvent });
      return next;
    } catch (error) {
      if (!(error instanceof ConcurrentUpdateError) || tries >= 2) throw error;
    }
  }
}

/**
 * Best effort: scheduled retries of the subscription's pending deliveries are removed; one that
 * fires anyway stops in the worker. A removed retry never reaches the worker, so its delivery is
 * settled here as the worker would (paused or dropped): visible as such, and replayable.
 */
async function cancelPendingRetries(deps: SubscriptionDeps, id: SubscriptionId, status: 'paused' | 'dropped', reason: string): Promise<void> {
  const page = await deps.deliveries.list({ subscriptionId: id, status: 'pending', limit: 100 });
  const waiting = page.items.filter((d) => d.nextAttemptAt !== undefined && d.attemptCount > 0);
  const now = nowIso(deps);
  await Promise.allSettled(
    waiting.map((d) =>
      deps.retryScheduler.cancel({
        v: 1,
        deliveryId: d.id,
        messageId: d.messageId,
        subscriptionId: d.subscriptionId,
        eventType: d.eventType,
        eventTime: d.createdAt,
        messageCreatedAt: Date.parse(d.createdAt),
        attempt: d.attemptCount + 1,
        generation: d.generation,
        dueAt: Date.parse(d.nextAttemptAt as string),
        trigger: 'retry',
      }),
    ),
  );
  await deps.deliveries.putMany(
    waiting.map((d) => {
      const { nextAttemptAt: _cancelled, ...rest } = d;
      return { ...rest, status, reason, updatedAt: now };
    }),
  );
}

function nowIso(deps: Pick<SubscriptionDeps, 'clock'>): string {
  return new Date(deps.clock.now()).toISOString();
}
