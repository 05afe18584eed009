/**
 * What a preset adds to a request so its provider's own receiver code accepts it unchanged
 * (DESIGN §5 "Provider fidelity"): Shopify's header set and XML root. Pure.
 */
import type { PresetName } from './model.js';

/** @default `X-Shopify-API-Version` of `shopify` subscriptions that set no `apiVersion` */
export const DEFAULT_SHOPIFY_API_VERSION = '2025-07';
/** @default `X-Shopify-Shop-Domain` of events without a tenant, unless the deployment sets one */
export const DEFAULT_SHOP_DOMAIN = 'hookline.myshopify.com';
export const SHOPIFY_HMAC_HEADER = 'X-Shopify-Hmac-Sha256';

export interface ProviderHeaderInput {
  preset: PresetName;
  eventType: string;
  /** The event's tenant (else the subscription's): Shopify's shop. */
  tenant?: string;
  /** The deployment's shop domain for events without a tenant. */
  shopDomain?: string;
  apiVersion?: string;
  messageId: string;
  /** Unique per delivery, the same on every retry. */
  deliveryId: string;
  /** ISO-8601 time of the event. */
  eventTime: string;
}

/**
 * `shopify`: the headers `@shopify/shopify-api`'s `webhooks.validate` requires (`Topic`,
 * `Shop-Domain`, `API-Version`, `Webhook-Id`) plus `Triggered-At` and `Event-Id`. The signature
 * header itself comes from the signing scheme. Other presets add nothing.
 */
export function providerHeaders(input: ProviderHeaderInput): Record<string, string> {
  if (input.preset !== 'shopify') return {};
  return {
    'X-Shopify-Topic': input.eventType,
    'X-Shopify-Shop-Domain': input.tenant ?? input.shopDomain ?? DEFAULT_SHOP_DOMAIN,
    'X-Shopify-API-Version': input.apiVersion ?? DEFAULT_SHOPIFY_API_VERSION,
    'X-Shopify-Webhook-Id': input.deliveryId,
    'X-Shopify-Triggered-At': input.eventTime,
    'X-Shopify-Event-Id': input.messageId,
  };
}

/**
 * Shopify's XML root: the topic's resource in the singular (`orders/create` → `order`,
 * `inventory_items/update` → `inventory_item`, `app/uninstalled` → `app`). Topics written with
 * `.` or `:` take their first segment the same way.
 */
export function shopifyXmlRoot(eventType: string): string {
  const resource = eventType.split(/[/.:]/)[0] ?? '';
  return singular(resource);
}

function singular(word: string): string {
  if (/ies$/.test(word)) return `${word.slice(0, -3)}y`;
  if (/(ss|x|ch|sh)es$/.test(word)) return word.slice(0, -2);
  if (/[^s]s$/.test(word)) return word.slice(0, -1);
  return word;
}
