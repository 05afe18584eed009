/** The routes the admin Lambda serves (a registry part: ./routes.ts). */
import * as z from 'zod';
import { listDeliveriesQuerySchema } from '../../core/services/delivery-log.js';
import { replayRequestSchema } from '../../core/services/replay.js';
import { listSubscriptionsQuerySchema, rotateSecretRequestSchema } from '../../core/services/subscriptions.js';
import {
  listTenantSubscriptionsQuerySchema,
  tenantEventParamsSchema,
  tenantPathParamsSchema,
  tenantSubscriptionSchema,
} from '../../core/services/tenant-subscriptions.js';
import { createSubscriptionSchema, patchSubscriptionSchema } from '../../core/subscription-schema.js';
import {
  createdSubscriptionSchema,
  deliveryPageSchema,
  deliverySchema,
  messageViewSchema,
  replayJobSchema,
  rotatedSecretSchema,
  secretSchema,
  subscriptionPageSchema,
  subscriptionViewSchema,
  testResultSchema,
} from './api-schemas.js';
import { routeOf, type AccessClass, type ApiRoute, type Method, type RouteDetails } from './route-types.js';

const idParam = (description: string) => z.object({ id: z.string().meta({ description }) });
const subscriptionIdParam = idParam('subscription id (sub_…)');
const deliveryIdParam = z.object({
  id: z
    .string()
    .regex(/^dlv_[0-9A-HJKMNP-TV-Z]{52}$/)
    .meta({ description: 'delivery id: `dlv_` + the message\'s and the subscription\'s ULIDs (56 characters); anything else is a 404' }),
});

const admin = routeOf('admin');

/** A route on one subscription (`/v1/subscriptions/{id}…`). */
function onSubscription<const Op extends string>(line: `${Method} /v1/subscriptions/{id}${string}`, operationId: Op, access: AccessClass, summary: string, details: RouteDetails) {
  return admin(line, operationId, access, summary, { params: { path: subscriptionIdParam }, ...details });
}

/**
 * A tenant's one subscription for an event type (TikTok Shop's Event API shape). The greedy last
 * variable takes an event type with `/` (orders/create) encoded or not; API Gateway hands the
 * handler the path already decoded.
 */
function onTenantEventType<const Op extends string>(method: Method, operationId: Op, access: AccessClass, summary: string, details: RouteDetails) {
  return admin(`${method} /v1/tenants/{tenant}/subscriptions/{eventType+}`, operationId, access, summary, { params: { path: tenantEventParamsSchema }, ...details });
}

export const ADMIN_ROUTES = [
  admin('POST /v1/subscriptions', 'createSubscription', 'operator', 'Create a subscription', {
    body: createSubscriptionSchema,
    ok: { status: 201, description: 'Created; the secret is shown once', schema: createdSubscriptionSchema },
    problems: { '409': 'Uniqueness rule: conflictingId names the holder' },
  }),
  admin('GET /v1/subscriptions', 'listSubscriptions', 'read', 'List subscriptions', {
    params: { query: listSubscriptionsQuerySchema },
    ok: { status: 200, description: 'A page', schema: subscriptionPageSchema },
  }),
  admin('POST /v1/subscriptions/test', 'testUnsavedSubscription', 'operator', 'Test before saving: deliver a hookline.test event to an unsaved subscription', {
    body: createSubscriptionSchema,
    ok: { status: 200, description: 'The attempt', schema: testResultSchema },
  }),
  onSubscription('GET /v1/subscriptions/{id}', 'getSubscription', 'read', 'Read a subscription (credentials masked)', { ok: { status: 200, description: 'The subscription', schema: subscriptionViewSchema } }),
  onSubscription('PATCH /v1/subscriptions/{id}', 'updateSubscription', 'operator', 'Update a subscription', {
    body: patchSubscriptionSchema,
    ok: { status: 200, description: 'Updated', schema: subscriptionViewSchema },
    problems: { '409': 'Uniqueness rule, concurrent update, or deleted by its failure policy (restore it first)' },
  }),
  onSubscription('DELETE /v1/subscriptions/{id}', 'deleteSubscription', 'operator', 'Delete a subscription for good (also one its failure policy deleted)', { ok: { status: 204, description: 'Deleted' } }),
  onSubscription('GET /v1/subscriptions/{id}/secret', 'getSubscriptionSecret', 'operator', 'The current signing secret', { ok: { status: 200, description: 'Secret', schema: secretSchema } }),
  onSubscription('POST /v1/subscriptions/{id}/rotate-secret', 'rotateSubscriptionSecret', 'operator', 'Rotate the signing secret; the old one signs too during the grace period', {
    optionalBody: rotateSecretRequestSchema,
    ok: { status: 200, description: 'New secret', schema: rotatedSecretSchema },
  }),
  onSubscription('POST /v1/subscriptions/{id}/enable', 'enableSubscription', 'operator', 'Enable; restores a subscription its failure policy deleted (its routes and claims again)', {
    ok: { status: 200, description: 'Enabled', schema: subscriptionViewSchema },
    problems: { '409': 'Uniqueness rule: another subscription took the route meanwhile, or a concurrent update' },
  }),
  onSubscription('POST /v1/subscriptions/{id}/disable', 'disableSubscription', 'operator', 'Disable', { ok: { status: 200, description: 'Disabled', schema: subscriptionViewSchema } }),
  onSubscription('POST /v1/subscriptions/{id}/test', 'testSubscription', 'operator', 'Deliver a hookline.test event now', { ok: { status: 200, description: 'The attempt', schema: testResultSchema } }),
  onSubscription('POST /v1/subscriptions/{id}/replay', 'replaySubscription', 'operator', 'Replay a time window (all, or only failed)', {
    body: replayRequestSchema,
    ok: { status: 202, description: 'The replay job', schema: replayJobSchema },
    problems: { '409': 'The subscription was deleted by its failure policy: restore it (enable) first' },
  }),
  admin('GET /v1/tenants/{tenant}/subscriptions', 'listTenantSubscriptions', 'read', "A tenant's subscriptions (as GET /v1/subscriptions?tenant=…)", {
    params: { path: tenantPathParamsSchema, query: listTenantSubscriptionsQuerySchema },
    ok: { status: 200, description: 'A page', schema: subscriptionPageSchema },
  }),
  onTenantEventType('PUT', 'putTenantSubscription', 'operator', "Create or replace the tenant's one subscription for an event type (TikTok Shop's Event API shape)", {
    body: tenantSubscriptionSchema,
    ok: { status: 200, description: 'Replaced (same id; the secret is not shown again)', schema: subscriptionViewSchema },
    alsoOk: [{ status: 201, description: 'Created; the secret is shown once', schema: createdSubscriptionSchema }],
    problems: { '409': 'The pair is held by a subscription with other event types, or by a `*` subscription: conflictingId names it' },
  }),
  onTenantEventType('DELETE', 'deleteTenantSubscription', 'operator', "Delete the tenant's one subscription for an event type", {
    ok: { status: 204, description: 'Deleted' },
    problems: { '409': 'The pair is held by a subscription with other event types: conflictingId names it' },
  }),
  admin('GET /v1/replays/{id}', 'getReplay', 'read', 'A replay job', {
    params: { path: idParam('replay job id (rpl_…)') },
    ok: { status: 200, description: 'The job', schema: replayJobSchema },
  }),
  admin('GET /v1/messages/{id}', 'getMessage', 'read', 'A message with its deliveries', {
    params: { path: idParam('message id (msg_…)') },
    ok: { status: 200, description: 'The message', schema: messageViewSchema },
  }),
  admin('GET /v1/deliveries', 'listDeliveries', 'read', 'Search deliveries, newest first', {
    params: { query: listDeliveriesQuerySchema },
    ok: { status: 200, description: 'A page', schema: deliveryPageSchema },
  }),
  admin('GET /v1/deliveries/{id}', 'getDelivery', 'read', 'A delivery with its newest attempts', {
    params: { path: deliveryIdParam },
    ok: { status: 200, description: 'The delivery', schema: deliverySchema },
  }),
  admin('POST /v1/deliveries/{id}/retry', 'retryDelivery', 'operator', 'Redeliver now', {
    params: { path: deliveryIdParam },
    ok: { status: 202, description: 'Requeued', schema: deliverySchema },
    problems: { '409': 'Subscription deleted (for good, or by its failure policy: restore it first) or message expired' },
  }),
] as const satisfies readonly ApiRoute[];
