/** `admin` Lambda: every route of DESIGN §4 but intake. Wiring only: parse, call a service, map the result. */
import { isDeliveryId, isMessageId, isPreviousDeliveryId, isReplayJobId, isSubscriptionId } from '../core/ids.js';
import { maskSubscription } from '../core/auth.js';
import { NotFoundError, ValidationError } from '../core/errors.js';
import type { DeliveryId, MessageId, ReplayJobId, SubscriptionId } from '../core/model.js';
import {
  createSubscription,
  deleteSubscription,
  getSubscription,
  listSubscriptions,
  rotateSubscriptionSecret,
  setSubscriptionStatus,
  subscriptionSecret,
  testSavedSubscription,
  testUnsavedSubscription,
  updateSubscription,
  type SubscriptionDeps,
} from '../core/services/subscriptions.js';
import { deleteTenantSubscription, listTenantSubscriptions, putTenantSubscription } from '../core/services/tenant-subscriptions.js';
import { getDelivery, getMessageWithDeliveries, listDeliveries } from '../core/services/delivery-log.js';
import { getReplay, retryDelivery, startReplay } from '../core/services/replay.js';
import { lazyDependencies, subscriptionPolicy, type Dependencies } from './dependencies.js';
import { createObservability } from './observability.js';
import { jsonBody, query, type HttpEvent } from './api/request.js';
import { json, noContent } from './api/response.js';
import { ADMIN_ROUTES } from './api/admin-routes.js';
import { routerFor } from './api/router.js';
import { serve, type HttpHandler } from './api/serve.js';

/** Admin request bodies are subscriptions and small commands. */
const MAX_ADMIN_BODY_BYTES = 64 * 1024;

export function createAdminHandler(deps: Dependencies): HttpHandler {
  const observability = createObservability('admin');
  const subs: SubscriptionDeps = {
    ...deps,
    sender: deps.sender,
    version: deps.config.version,
    ...(deps.config.shopDomain !== undefined && { shopDomain: deps.config.shopDomain }),
    policy: subscriptionPolicy(deps.config),
    uniqueTenantEvent: deps.config.uniqueTenantEvent,
  };
  const log = { ...deps, successRecords: deps.config.successRecords };
  const body = (event: HttpEvent) => jsonBody(event, MAX_ADMIN_BODY_BYTES).value;
  const requiredBody = (event: HttpEvent) => {
    const value = body(event);
    if (value === undefined) throw new ValidationError([{ field: '(body)', message: 'a JSON body is required' }]);
    return value;
  };

  const router = routerFor(ADMIN_ROUTES, {
    createSubscription: async (event) => json(201, await createSubscription(subs, requiredBody(event))),
    listSubscriptions: async (event) => json(200, await listSubscriptions(subs, query(event))),
    testUnsavedSubscription: async (event) => json(200, await testUnsavedSubscription(subs, requiredBody(event))),
    getSubscription: async (_, p) => json(200, maskSubscription(await getSubscription(subs, subscriptionId(p)))),
    updateSubscription: async (event, p) => json(200, await updateSubscription(subs, subscriptionId(p), requiredBody(event))),
    deleteSubscription: async (_, p) => {
      await deleteSubscription(subs, subscriptionId(p));
      return noContent();
    },
    getSubscriptionSecret: async (_, p) => json(200, await subscriptionSecret(subs, subscriptionId(p))),
    rotateSubscriptionSecret: async (event, p) => json(200, await rotateSubscriptionSecret(subs, subscriptionId(p), body(event))),
    enableSubscription: async (_, p) => json(200, await setSubscriptionStatus(subs, subscriptionId(p), 'active')),
    disableSubscription: async (_, p) => json(200, await setSubscriptionStatus(subs, subscriptionId(p), 'disabled')),
    testSubscription: async (_, p) => json(200, await testSavedSubscription(subs, subscriptionId(p))),
    replaySubscription: async (event, p) => json(202, await startReplay(deps, subscriptionId(p), requiredBody(event))),
    listTenantSubscriptions: async (event, p) => json(200, await listTenantSubscriptions(subs, p, query(event))),
    putTenantSubscription: async (event, p) => {
      const { created, subscription } = await putTenantSubscription(subs, p, requiredBody(event));
      return json(created ? 201 : 200, subscription);
    },
    deleteTenantSubscription: async (_, p) => {
      await deleteTenantSubscription(subs, p);
      return noContent();
    },
    getReplay: async (_, p) => json(200, await getReplay(deps, replayId(p))),
    getMessage: async (_, p) => json(200, await getMessageWithDeliveries(log, messageId(p))),
    listDeliveries: async (event) => json(200, await listDeliveries(log, query(event))),
    getDelivery: async (_, p) => json(200, await getDelivery(log, deliveryId(p))),
    retryDelivery: async (_, p) => json(202, await retryDelivery(deps, deliveryId(p))),
  });

  return serve(router, observability);
}

// Malformed ids (path traversal, wrong prefix) are simply resources that do not exist.
function subscriptionId(params: Record<string, string>): SubscriptionId {
  const id = params.id ?? '';
  if (!isSubscriptionId(id)) throw new NotFoundError(`subscription ${JSON.stringify(id)} does not exist`);
  return id;
}

function messageId(params: Record<string, string>): MessageId {
  const id = params.id ?? '';
  if (!isMessageId(id)) throw new NotFoundError(`message ${JSON.stringify(id)} does not exist`);
  return id;
}

/** Anything but a replay job id, however long, is a 404 without a read. */
function replayId(params: Record<string, string>): ReplayJobId {
  const id = params.id ?? '';
  if (!isReplayJobId(id)) throw new NotFoundError(`replay job ${JSON.stringify(id)} does not exist`);
  return id;
}

function deliveryId(params: Record<string, string>): DeliveryId {
  const id = params.id ?? '';
  if (isPreviousDeliveryId(id)) {
    throw new NotFoundError(`delivery ${id} has an id of the format before delivery records were keyed by subscription: records written before that upgrade are not re-keyed in AWS (README, Upgrading); its attempts are in the attempt log`);
  }
  if (!isDeliveryId(id)) throw new NotFoundError(`delivery ${JSON.stringify(id)} does not exist`);
  return id;
}

export const handler: HttpHandler = lazyDependencies(createAdminHandler);
