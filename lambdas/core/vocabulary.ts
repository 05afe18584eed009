/**
 * The closed lists of names the schemas, the domain and the console share. A leaf module (no
 * imports), so the browser console and the zod schemas can both take them without pulling in
 * each other.
 */

/** Failure classes of an attempt; `refused` is the SSRF/URL-policy refusal and never retries. */
export const FAILURE_CLASSES = ['timeout', 'network', '3xx', '4xx', '429', '5xx'] as const;
export type FailureClass = (typeof FAILURE_CLASSES)[number];
export const OUTCOMES = ['success', ...FAILURE_CLASSES, 'refused'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export const PRESET_NAMES = ['standard', 'tiktok-shop', 'shopify', 'partoo'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

/**
 * `deleted`: deleted by its failure policy (soft): readable and restorable (`enable`) until
 * `retainedUntil`, but it owns no route or uniqueness claim, so it receives nothing new.
 */
export const SUBSCRIPTION_STATUSES = ['active', 'disabled', 'deleted'] as const;
export type SubscriptionStatus = (typeof SUBSCRIPTION_STATUSES)[number];
