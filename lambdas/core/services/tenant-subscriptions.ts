/**
 * TikTok Shop's Event API shape (issue 17 point 7): a tenant has ONE subscription per event type,
 * addressed by (tenant, event type) instead of its id. PUT creates or replaces it, DELETE removes
 * it, GET lists the tenant's subscriptions.
 *
 * "The one" is the holder of the (tenant, event type) uniqueness claim. An upsert always claims,
 * whatever the deployment's rule, so two concurrent PUTs never create two subscriptions. A
 * tenant's unclaimed subscription for exactly that type (created by POST with the rule off) is
 * adopted by the first PUT; several such are a conflict to resolve by id.
 */
import * as z from 'zod';
import { maskSubscription, type PublicSubscription } from '../auth.js';
import { ConcurrentUpdateError, ConflictError, NotFoundError, ValidationError } from '../errors.js';
import { newSubscriptionId } from '../ids.js';
import type { Subscription } from '../model.js';
import { CURRENT_KEYING, generateSecret } from '../secrets.js';
import { buildSubscription, parseCreateSubscription } from '../subscription-build.js';
import { createSubscriptionSchema, eventTypeSchema, subscriptionFields, type SubscriptionInput } from '../subscription-schema.js';
import { parseOrThrow } from '../validation.js';
import type { Page } from '../ports.js';
import { deleteSubscription, listSubscriptions, listSubscriptionsQuerySchema, type SubscriptionDeps } from './subscriptions.js';

/** The path's (tenant, event type): `/v1/tenants/{tenant}/subscriptions/{eventType}`. */
export const tenantEventParamsSchema = z.object({
  tenant: subscriptionFields.tenant,
  eventType: eventTypeSchema.meta({ description: 'The event type; one with `/` (Shopify topics such as `orders/create`) may be sent URL-encoded or as is.' }),
});
export type TenantEventKey = z.output<typeof tenantEventParamsSchema>;

export const tenantPathParamsSchema = z.object({ tenant: subscriptionFields.tenant });

export const tenantSubscriptionSchema = createSubscriptionSchema
  .omit({ tenant: true, eventTypes: true })
  .meta({
    id: 'TenantSubscription',
    description:
      'The one subscription of a tenant for an event type: the fields of CreateSubscription but tenant and eventTypes, which the path names. ' +
      'A replacement keeps the id, status, health and, without `secret`, the signing secrets; a `secret` replaces them at once (rotate-secret gives a grace period).',
  });

export const listTenantSubscriptionsQuerySchema = listSubscriptionsQuerySchema.omit({ tenant: true });

/** Concurrent PUTs for one pair serialize: each round of re-reads lets one more writer through. */
const UPSERT_TRIES = 8;

export interface TenantUpsert {
  created: boolean;
  subscription: PublicSubscription & { secret?: string };
}

/** PUT: creates the tenant's subscription for the event type, or replaces it (same id). */
export async function putTenantSubscription(deps: SubscriptionDeps, params: unknown, body: unknown): Promise<TenantUpsert> {
  const key = parseOrThrow(tenantEventParamsSchema, params);
  const input = parseCreateSubscription(withKey(body, key), deps.policy);
  let refusedCreate = false;
  for (let tries = 0; ; tries++) {
    const current = await keyedSubscription(deps, key);
    try {
      return current === undefined ? await createKeyed(deps, input) : await replaceKeyed(deps, current, input);
    } catch (error) {
      // Another PUT for the same key won the race: read again and replace what it created. A
      // create refused twice with nobody holding the pair is a real conflict (`*`, a fallback).
      const createRefused = error instanceof ConflictError && current === undefined;
      const raced = error instanceof ConcurrentUpdateError || (createRefused && !refusedCreate);
      if (!raced || tries >= UPSERT_TRIES - 1) throw error;
      refusedCreate ||= createRefused;
    }
  }
}

/** DELETE: removes the tenant's subscription for the event type (404 when there is none). */
export async function deleteTenantSubscription(deps: SubscriptionDeps, params: unknown): Promise<void> {
  const key = parseOrThrow(tenantEventParamsSchema, params);
  const current = await keyedSubscription(deps, key);
  if (current === undefined) throw new NotFoundError(`tenant ${key.tenant} has no subscription for ${key.eventType}`);
  await deleteSubscription(deps, current.id);
}

/** GET: the tenant's subscriptions, as `GET /v1/subscriptions?tenant=…` lists them. */
export async function listTenantSubscriptions(deps: SubscriptionDeps, params: unknown, query: unknown): Promise<Page<PublicSubscription>> {
  const { tenant } = parseOrThrow(tenantPathParamsSchema, params);
  const filters = parseOrThrow(listTenantSubscriptionsQuerySchema, query ?? {});
  return listSubscriptions(deps, { ...filters, tenant });
}

/** The body with the path's key added; the body itself may not name them. */
function withKey(body: unknown, key: TenantEventKey): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ValidationError([{ field: '(body)', message: 'must be a JSON object' }]);
  const named = ['tenant', 'eventTypes'].filter((field) => field in body);
  if (named.length > 0) throw new ValidationError(named.map((field) => ({ field, message: 'must not be in the body: the path names the tenant and the event type' })));
  return { ...body, tenant: key.tenant, eventTypes: [key.eventType] };
}

const isKeyedBy = (sub: Subscription, key: TenantEventKey) => sub.tenant === key.tenant && sub.eventTypes.length === 1 && sub.eventTypes[0] === key.eventType;

/** The claim holder for the key, else the tenant's one unclaimed subscription for exactly that type. */
async function keyedSubscription(deps: SubscriptionDeps, key: TenantEventKey): Promise<Subscription | undefined> {
  const holderId = await deps.subscriptions.claimHolder(key.tenant, key.eventType);
  const holder = holderId === undefined ? undefined : await deps.subscriptions.get(holderId);
  if (holder !== undefined) {
    if (isKeyedBy(holder, key)) return holder;
    throw new ConflictError(
      `subscription ${holder.id} receives ${key.eventType} for tenant ${key.tenant} together with other event types (${holder.eventTypes.join(', ')}): change it by id`,
      holder.id,
    );
  }
  const matches = await unclaimedMatches(deps, key);
  if (matches.length > 1) {
    const ids = matches.map((s) => s.id).join(', ');
    throw new ConflictError(`tenant ${key.tenant} has ${matches.length} subscriptions for ${key.eventType} (${ids}): delete all but one by id first`, matches[0]?.id);
  }
  return matches[0];
}

async function unclaimedMatches(deps: SubscriptionDeps, key: TenantEventKey): Promise<Subscription[]> {
  const found: Subscription[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.subscriptions.list({ tenant: key.tenant, eventType: key.eventType, limit: 100, ...(cursor !== undefined && { cursor }) });
    found.push(...page.items.filter((sub) => isKeyedBy(sub, key)));
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return found;
}

async function createKeyed(deps: SubscriptionDeps, input: SubscriptionInput): Promise<TenantUpsert> {
  const secret = input.secret ?? generateSecret();
  const subscription = buildSubscription(input, { id: newSubscriptionId(), now: deps.clock.now(), secret });
  await deps.subscriptions.create(subscription, { unique: true });
  return { created: true, subscription: { ...maskSubscription(subscription), secret } };
}

/**
 * The settings are the body's (defaults and preset as on create); the id, creation time, status
 * and health stay, and the secrets too unless the body brings another one. An old-keying
 * subscription stays so until a new secret arrives (never silently re-keyed).
 */
async function replaceKeyed(deps: SubscriptionDeps, current: Subscription, input: SubscriptionInput): Promise<TenantUpsert> {
  const now = deps.clock.now();
  const secretChanged = input.secret !== undefined && input.secret !== current.secrets[0]?.secret;
  const { keying: _built, ...settings } = buildSubscription(input, { id: current.id, now, secret: input.secret ?? generateSecret() });
  const keying = secretChanged ? CURRENT_KEYING : current.keying;
  const { disabledReason, failureStreakStartedAt } = current;
  const next: Subscription = {
    ...settings,
    ...(keying !== undefined && { keying }),
    secrets: secretChanged ? settings.secrets : current.secrets,
    status: current.status,
    ...(disabledReason !== undefined && { disabledReason }),
    consecutiveFailures: current.consecutiveFailures,
    ...(failureStreakStartedAt !== undefined && { failureStreakStartedAt }),
    createdAt: current.createdAt,
    version: current.version + 1,
  };
  await deps.subscriptions.replace(current, next, { unique: true });
  return { created: false, subscription: maskSubscription(next) };
}
