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
import type { ApiRoute } from './route-types.js';

const idParam = (description: string) => z.object({ id: z.string().meta({ description }) });
const subscriptionIdParam = idParam('subscription id (sub_…)');
const deliveryIdParam = idParam('delivery id (dlv_…)');

/** A route on one subscription (`/v1/subscriptions/{id}…`), answered by the admin Lambda. */
function onSubscription<const R extends Omit<ApiRoute, 'target' | 'params'>>(route: R) {
  return { ...route, target: 'admin', params: { path: subscriptionIdParam } } as const;
}

/**
 * A tenant's one subscription for an event type (TikTok Shop's Event API shape). The greedy last
 * variable takes an event type with `/` (orders/create) encoded or not; API Gateway hands the
 * handler the path already decoded.
 */
function onTenantEventType<const R extends Omit<ApiRoute, 'target' | 'params' | 'path'>>(route: R) {
  return { ...route, path: '/v1/tenants/{tenant}/subscriptions/{eventType+}', target: 'admin', params: { path: tenantEventParamsSchema } } as const;
}

export const ADMIN_ROUTES = [
  {
    operationId: 'createSubscription',
    method: 'POST',
    path: '/v1/subscriptions',
    target: 'admin',
    access: 'operator',
    summary: 'Create a subscription',
    body: { schema: createSubscriptionSchema, required: true },
    ok: { status: 201, description: 'Created; the secret is shown once', schema: createdSubscriptionSchema },
    problems: { '409': 'Uniqueness rule: conflictingId names the holder' },
  },
  {
    operationId: 'listSubscriptions',
    method: 'GET',
    path: '/v1/subscriptions',
    target: 'admin',
    access: 'read',
    summary: 'List subscriptions',
    params: { query: listSubscriptionsQuerySchema },
    ok: { status: 200, description: 'A page', schema: subscriptionPageSchema },
  },
  {
    operationId: 'testUnsavedSubscription',
    method: 'POST',
    path: '/v1/subscriptions/test',
    target: 'admin',
    access: 'operator',
    summary: 'Test before saving: deliver a hookline.test event to an unsaved subscription',
    body: { schema: createSubscriptionSchema, required: true },
    ok: { status: 200, description: 'The attempt', schema: testResultSchema },
  },
  onSubscription({
    operationId: 'getSubscription',
    method: 'GET',
    path: '/v1/subscriptions/{id}',
    access: 'read',
    summary: 'Read a subscription (credentials masked)',
    ok: { status: 200, description: 'The subscription', schema: subscriptionViewSchema },
  }),
  onSubscription({
    operationId: 'updateSubscription',
    method: 'PATCH',
    path: '/v1/subscriptions/{id}',
    access: 'operator',
    summary: 'Update a subscription',
    body: { schema: patchSubscriptionSchema, required: true },
    ok: { status: 200, description: 'Updated', schema: subscriptionViewSchema },
    problems: { '409': 'Uniqueness rule, concurrent update, or deleted by its failure policy (restore it first)' },
  }),
  onSubscription({
    operationId: 'deleteSubscription',
    method: 'DELETE',
    path: '/v1/subscriptions/{id}',
    access: 'operator',
    summary: 'Delete a subscription for good (also one its failure policy deleted)',
    ok: { status: 204, description: 'Deleted' },
  }),
  onSubscription({
    operationId: 'getSubscriptionSecret',
    method: 'GET',
    path: '/v1/subscriptions/{id}/secret',
    access: 'operator',
    summary: 'The current signing secret',
    ok: { status: 200, description: 'Secret', schema: secretSchema },
  }),
  onSubscription({
    operationId: 'rotateSubscriptionSecret',
    method: 'POST',
    path: '/v1/subscriptions/{id}/rotate-secret',
    access: 'operator',
    summary: 'Rotate the signing secret; the old one signs too during the grace period',
    body: { schema: rotateSecretRequestSchema, required: false },
    ok: { status: 200, description: 'New secret', schema: rotatedSecretSchema },
  }),
  onSubscription({
    operationId: 'enableSubscription',
    method: 'POST',
    path: '/v1/subscriptions/{id}/enable',
    access: 'operator',
    summary: 'Enable; restores a subscription its failure policy deleted (its routes and claims again)',
    ok: { status: 200, description: 'Enabled', schema: subscriptionViewSchema },
    problems: { '409': 'Uniqueness rule: another subscription took the route meanwhile, or a concurrent update' },
  }),
  onSubscription({
    operationId: 'disableSubscription',
    method: 'POST',
    path: '/v1/subscriptions/{id}/disable',
    access: 'operator',
    summary: 'Disable',
    ok: { status: 200, description: 'Disabled', schema: subscriptionViewSchema },
  }),
  onSubscription({
    operationId: 'testSubscription',
    method: 'POST',
    path: '/v1/subscriptions/{id}/test',
    access: 'operator',
    summary: 'Deliver a hookline.test event now',
    ok: { status: 200, description: 'The attempt', schema: testResultSchema },
  }),
  onSubscription({
    operationId: 'replaySubscription',
    method: 'POST',
    path: '/v1/subscriptions/{id}/replay',
    access: 'operator',
    summary: 'Replay a time window (all, or only failed)',
    body: { schema: replayRequestSchema, required: true },
    ok: { status: 202, description: 'The replay job', schema: replayJobSchema },
    problems: { '409': 'The subscription was deleted by its failure policy: restore it (enable) first' },
  }),
  {
    operationId: 'listTenantSubscriptions',
    method: 'GET',
    path: '/v1/tenants/{tenant}/subscriptions',
    target: 'admin',
    access: 'read',
    summary: "A tenant's subscriptions (as GET /v1/subscriptions?tenant=…)",
    params: { path: tenantPathParamsSchema, query: listTenantSubscriptionsQuerySchema },
    ok: { status: 200, description: 'A page', schema: subscriptionPageSchema },
  },
  onTenantEventType({
    operationId: 'putTenantSubscription',
    method: 'PUT',
    access: 'operator',
    summary: "Create or replace the tenant's one subscription for an event type (TikTok Shop's Event API shape)",
    body: { schema: tenantSubscriptionSchema, required: true },
    ok: { status: 200, description: 'Replaced (same id; the secret is not shown again)', schema: subscriptionViewSchema },
    alsoOk: [{ status: 201, description: 'Created; the secret is shown once', schema: createdSubscriptionSchema }],
    problems: { '409': 'The pair is held by a subscription with other event types, or by a `*` subscription: conflictingId names it' },
  }),
  onTenantEventType({
    operationId: 'deleteTenantSubscription',
    method: 'DELETE',
    access: 'operator',
    summary: "Delete the tenant's one subscription for an event type",
    ok: { status: 204, description: 'Deleted' },
    problems: { '409': 'The pair is held by a subscription with other event types: conflictingId names it' },
  }),
  {
    operationId: 'getReplay',
    method: 'GET',
    path: '/v1/replays/{id}',
    target: 'admin',
    access: 'read',
    summary: 'A replay job',
    params: { path: idParam('replay job id (rpl_…)') },
    ok: { status: 200, description: 'The job', schema: replayJobSchema },
  },
  {
    operationId: 'getMessage',
    method: 'GET',
    path: '/v1/messages/{id}',
    target: 'admin',
    access: 'read',
    summary: 'A message with its deliveries',
    params: { path: idParam('message id (msg_…)') },
    ok: { status: 200, description: 'The message', schema: messageViewSchema },
  },
  {
    operationId: 'listDeliveries',
    method: 'GET',
    path: '/v1/deliveries',
    target: 'admin',
    access: 'read',
    summary: 'Search deliveries, newest first',
    params: { query: listDeliveriesQuerySchema },
    ok: { status: 200, description: 'A page', schema: deliveryPageSchema },
  },
  {
    operationId: 'getDelivery',
    method: 'GET',
    path: '/v1/deliveries/{id}',
    target: 'admin',
    access: 'read',
    summary: 'A delivery with its newest attempts',
    params: { path: deliveryIdParam },
    ok: { status: 200, description: 'The delivery', schema: deliverySchema },
  },
  {
    operationId: 'retryDelivery',
    method: 'POST',
    path: '/v1/deliveries/{id}/retry',
    target: 'admin',
    access: 'operator',
    summary: 'Redeliver now',
    params: { path: deliveryIdParam },
    ok: { status: 202, description: 'Requeued', schema: deliverySchema },
    problems: { '409': 'Subscription deleted (for good, or by its failure policy: restore it first) or message expired' },
  },
] as const satisfies readonly ApiRoute[];
