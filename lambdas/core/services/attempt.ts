/**
 * One attempt: build the signed request, send it, classify the answer. Shared by the worker and
 * the admin test routes, so "test before saving" exercises exactly the delivery code path.
 */
import { buildDeliveryRequest } from '../request.js';
import { hasLegacyKeying, LEGACY_KEYING_REASON } from '../secrets.js';
import { classifyStatus } from '../classify.js';
import { credentialValues, redactCredentials } from '../redaction.js';
import { urlHost } from '../url-policy.js';
import type { Attempt, Subscription, TaskTrigger } from '../model.js';
import type { Clock, SendResult, WebhookSender } from '../ports.js';

export interface AttemptDeps {
  sender: WebhookSender;
  clock: Clock;
  /** Hookline version for `User-Agent`. */
  version: string;
  /** `X-Shopify-Shop-Domain` of events without a tenant (`shopify` preset). */
  shopDomain?: string;
}

export interface MessageView {
  id: string;
  type: string;
  eventTime: string;
  payload: unknown;
  tenant?: string;
}

export interface AttemptResult {
  attempt: Attempt;
  /** Headers of the request as sent (the test routes show the signature headers). */
  requestHeaders: Record<string, string>;
  /** `Retry-After` of the response, for the retry policy. */
  retryAfter?: string;
}

const SIGNATURE_HEADER_NAMES = ['webhook-id', 'webhook-timestamp', 'webhook-signature', 'x-shopify-webhook-id'];

export async function performAttempt(
  deps: AttemptDeps,
  subscription: Subscription,
  message: MessageView,
  attemptNumber: number,
  trigger: TaskTrigger,
): Promise<AttemptResult> {
  const startedAt = deps.clock.now();
  if (hasLegacyKeying(subscription)) return legacyKeyingRefusal(subscription, startedAt, attemptNumber, trigger);
  const request = buildDeliveryRequest({
    subscription,
    message,
    attempt: attemptNumber,
    now: startedAt,
    version: deps.version,
    ...(deps.shopDomain !== undefined && { shopDomain: deps.shopDomain }),
  });
  const result = await deps.sender.send({ ...request, timeoutMs: subscription.timeoutMs });
  const endedAt = Math.max(deps.clock.now(), startedAt + result.durationMs);
  const attempt: Attempt = {
    attempt: attemptNumber,
    startedAt: new Date(startedAt).toISOString(),
    endedAt: new Date(endedAt).toISOString(),
    durationMs: Math.round(result.durationMs),
    urlHost: urlHost(request.url),
    trigger,
    ...describe(result, subscription),
  };
  return {
    attempt,
    requestHeaders: request.headers,
    ...(result.kind === 'response' && result.headers['retry-after'] !== undefined && { retryAfter: result.headers['retry-after'] }),
  };
}

/** Nothing is sent: the attempt is recorded as refused, with what the operator has to do. */
function legacyKeyingRefusal(subscription: Subscription, at: number, attemptNumber: number, trigger: TaskTrigger): AttemptResult {
  const iso = new Date(at).toISOString();
  const attempt: Attempt = {
    attempt: attemptNumber,
    startedAt: iso,
    endedAt: iso,
    durationMs: 0,
    outcome: 'refused',
    reason: LEGACY_KEYING_REASON,
    ...(urlHost(subscription.url) !== undefined && { urlHost: urlHost(subscription.url) }),
    trigger,
  };
  return { attempt, requestHeaders: {} };
}

function describe(result: SendResult, subscription: Subscription): Pick<Attempt, 'outcome' | 'statusCode' | 'acknowledgedNon2xx' | 'reason' | 'responseExcerpt'> {
  if (result.kind === 'failure') return { outcome: result.outcome, reason: result.reason };
  const outcome = classifyStatus(result.statusCode, subscription.acceptStatuses);
  return {
    outcome,
    statusCode: result.statusCode,
    ...(isNon2xxAcknowledgement(outcome, result.statusCode) && { acknowledgedNon2xx: true as const }),
    ...(outcome !== 'success' && { reason: `HTTP ${result.statusCode}` }),
    // The receiver may echo the request: its credentials never reach the stored excerpt.
    ...(result.bodyExcerpt.length > 0 && { responseExcerpt: redactCredentials(result.bodyExcerpt, credentialValues(subscription)) }),
  };
}

/** The signature-related headers of a sent request, for the test routes' answer. */
export function signatureHeadersOf(headers: Record<string, string>, subscription: Subscription): Record<string, string> {
  const names = new Set(SIGNATURE_HEADER_NAMES);
  if (subscription.signing.scheme === 'hmac-sha256') names.add(subscription.signing.header.toLowerCase());
  if (subscription.signing.scheme === 'authorization') names.add('authorization');
  return Object.fromEntries(Object.entries(headers).filter(([name]) => names.has(name.toLowerCase())));
}

/** A success the receiver answered outside 200-299: only a subscription's `acceptStatuses` made it one. */
const isNon2xxAcknowledgement = (outcome: Attempt['outcome'], statusCode: number): boolean =>
  outcome === 'success' && (statusCode < 200 || statusCode > 299);

