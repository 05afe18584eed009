/** Record factories for the core unit tests. */
import { buildSubscription, parseCreateSubscription } from '../../../lambdas/core/subscription-build.js';
import type { Subscription, SubscriptionId } from '../../../lambdas/core/model.js';
import type { SubscriptionPolicy } from '../../../lambdas/core/url-policy.js';

export const AWS_POLICY: SubscriptionPolicy = { allowHttpLoopback: false, allowedPorts: [] };
export const LOCAL_POLICY: SubscriptionPolicy = { allowHttpLoopback: true, allowedPorts: [] };
export const NOW = Date.UTC(2024, 0, 15, 12, 0, 0);
export const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
export const SUB_ID = 'sub_01HMA0000000000000000000AB' as SubscriptionId;

/** A valid stored subscription built through the real create path. */
export function makeSubscription(body: Record<string, unknown> = {}, policy: SubscriptionPolicy = AWS_POLICY): Subscription {
  const input = parseCreateSubscription({ url: 'https://hooks.example.com/orders', eventTypes: ['order.created'], ...body }, policy);
  return buildSubscription(input, { id: SUB_ID, now: NOW, secret: SECRET });
}
