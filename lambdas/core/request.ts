/**
 * The outbound request of one attempt (DESIGN §5 "Delivery request"): body or query, signature,
 * auth and custom headers, Hookline's own headers. Pure: the caller supplies the clock.
 */
import type { Subscription } from './model.js';
import { authHeaders } from './auth.js';
import { getQuery, renderBody, type RenderableMessage } from './formats.js';
import { deliveryIdFor } from './ids.js';
import { providerHeaders } from './provider-headers.js';
import { activeSecrets } from './secrets.js';
import { signatureHeaders } from './signing.js';

export interface DeliveryRequestInput {
  subscription: Subscription;
  /** `tenant`: the event's tenant (the `shopify` preset's shop domain). */
  message: RenderableMessage & { tenant?: string };
  /** The deployment's `X-Shopify-Shop-Domain` for events without a tenant. */
  shopDomain?: string;
  /** 1-based attempt number (`X-Hookline-Attempt`). */
  attempt: number;
  /** Epoch ms: `webhook-timestamp` and the secrets that are active. */
  now: number;
  /** Hookline version for `User-Agent: Hookline/<version>`. */
  version: string;
  /** Added after the custom headers; Hookline's own and signature headers still win. */
  extraHeaders?: Record<string, string>;
}

export interface DeliveryRequest {
  method: 'POST' | 'GET';
  url: string;
  headers: Record<string, string>;
  body?: string;
}

/**
 * Header precedence, lowest first (names compared case-insensitively, so nothing is sent twice):
 * custom headers, `extraHeaders`, auth, Hookline's and the preset's provider headers, signature headers.
 * `webhook-id` is the message id, identical on every retry; the signature covers the exact body
 * sent or, for GET (no body), the request target: path and query as sent (`/hooks?id=msg_…`).
 */
export function buildDeliveryRequest(input: DeliveryRequestInput): DeliveryRequest {
  const { subscription: sub, message } = input;
  const timestamp = Math.floor(input.now / 1000);
  const isGet = sub.method === 'GET';
  const rendered = isGet ? undefined : renderBody(sub, message);
  const body = rendered?.body ?? '';
  const url = isGet ? withQuery(sub.url, getQuery(message)) : sub.url;

  const headers = new HeaderBag();
  headers.merge(sub.customHeaders);
  headers.merge(input.extraHeaders ?? {});
  headers.merge(authHeaders(sub.auth));
  headers.merge({
    ...(rendered !== undefined && { 'Content-Type': rendered.contentType }),
    'User-Agent': `Hookline/${input.version}`,
    'X-Hookline-Event-Type': message.type,
    'X-Hookline-Attempt': String(input.attempt),
    'webhook-id': message.id,
    'webhook-timestamp': String(timestamp),
  });
  headers.merge(
    providerHeaders({
      preset: sub.preset,
      eventType: message.type,
      ...tenantOf(message.tenant ?? sub.tenant),
      ...(input.shopDomain !== undefined && { shopDomain: input.shopDomain }),
      ...(sub.apiVersion !== undefined && { apiVersion: sub.apiVersion }),
      messageId: message.id,
      deliveryId: deliveryIdFor(message.id, sub.id),
      eventTime: message.eventTime,
    }),
  );
  headers.merge(
    signatureHeaders({
      scheme: sub.signing.scheme,
      secrets: activeSecrets(sub.secrets, input.now),
      messageId: message.id,
      timestamp,
      body: isGet ? requestTarget(url) : body,
      ...(sub.signing.scheme === 'hmac-sha256' && { headerName: sub.signing.header }),
      ...(sub.signing.scheme === 'authorization' && sub.signing.appKey !== undefined && { appKey: sub.signing.appKey }),
    }),
  );

  if (isGet) return { method: 'GET', url, headers: headers.toRecord() };
  return { method: 'POST', url, headers: headers.toRecord(), body };
}

/** What a GET signature covers: the request target (path and query) as the HTTP client sends it. */
export function requestTarget(url: string): string {
  const parsed = new URL(url);
  return parsed.pathname + parsed.search;
}

function tenantOf(tenant: string | undefined): { tenant?: string } {
  return tenant === undefined ? {} : { tenant };
}

/** Appends `query` to `url`, keeping the URL's own query as written. */
export function withQuery(url: string, query: string): string {
  if (query === '') return url;
  if (!url.includes('?')) return `${url}?${query}`;
  return url.endsWith('?') || url.endsWith('&') ? url + query : `${url}&${query}`;
}

/** Headers with case-insensitive replacement: a later `authorization` replaces an earlier `Authorization`. */
class HeaderBag {
  private readonly entries = new Map<string, [string, string]>();
  merge(headers: Record<string, string>): void {
    for (const [name, value] of Object.entries(headers)) this.entries.set(name.toLowerCase(), [name, value]);
  }
  toRecord(): Record<string, string> {
    return Object.fromEntries(this.entries.values());
  }
}
