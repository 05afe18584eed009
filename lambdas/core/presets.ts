/**
 * Presets reproduce the provider contracts in `shared/seeds` (DESIGN §6). A subscription
 * copies the preset's values at creation; explicit fields override them.
 */
import type { FailureClass, FailurePolicy, PresetName, RetryPolicy, SigningConfig, StatusMatcher } from './model.js';
import { FAILURE_CLASSES } from './vocabulary.js';
import { SHOPIFY_HMAC_HEADER } from './provider-headers.js';

export interface PresetValues {
  timeoutMs: number;
  acceptStatuses: StatusMatcher[];
  retryOn: FailureClass[];
  retryPolicy: RetryPolicy;
  failurePolicy: FailurePolicy;
  /** The provider's own signing, so its verifier accepts the requests unchanged. */
  signing: SigningConfig;
}

export { PRESET_NAMES } from './vocabulary.js';

/** Never stop delivering to the endpoint because of a streak (the delivery itself still ends). */
const NO_STREAK_ACTION: FailurePolicy = { afterConsecutiveFailures: null, action: 'none' };

/**
 * Shopify: "retries 19 times over the next 48 hours". 19 delays, roughly exponential,
 * summing to exactly 172 800 s.
 */
const SHOPIFY_DELAYS = [10, 30, 60, 120, 300, 600, 900, 1200, 1800, 2700, 3600, 5400, 7200, 9000, 10800, 14400, 21600, 43200, 49880];

export const PRESETS: Readonly<Record<PresetName, Readonly<PresetValues>>> = {
  // Hookline's own default: 60 s × 3ⁿ capped at 9 h, 8 retries ≈ 24 h, ±10 % jitter.
  standard: {
    timeoutMs: 5000,
    acceptStatuses: ['2xx'],
    retryOn: [...FAILURE_CLASSES],
    retryPolicy: { type: 'exponential', initialDelay: 60, factor: 3, maxDelay: 32400, retries: 8, jitter: 0.1 },
    // Disabled only after 50 failures spanning 5 days with no success (as Svix).
    failurePolicy: { afterConsecutiveFailures: 50, action: 'disable', warnAt: 40, minStreakSeconds: 5 * 86_400 },
    signing: { scheme: 'standard-webhooks' },
  },
  // TikTok Shop: 200 or 401 within 3 s; retries 2 m, 30 m, 3 h, 12 h; nothing after the 4th retry.
  'tiktok-shop': {
    timeoutMs: 3000,
    acceptStatuses: [200, 401],
    retryOn: [...FAILURE_CLASSES],
    retryPolicy: { type: 'fixed', delays: [120, 1800, 10800, 43200] },
    failurePolicy: NO_STREAK_ACTION,
    // TikTok Shop's SDKs: lowercase hex HMAC-SHA256 of app_key + body, keyed with the app secret.
    signing: { scheme: 'authorization' },
  },
  // Shopify: 2xx within 5 s; 19 retries over 48 h; 19 consecutive failures over ≥ 48 h delete the subscription
  // (so a single failing event gets its first attempt and all 19 retries first).
  shopify: {
    timeoutMs: 5000,
    acceptStatuses: ['2xx'],
    retryOn: [...FAILURE_CLASSES],
    retryPolicy: { type: 'fixed', delays: SHOPIFY_DELAYS },
    failurePolicy: { afterConsecutiveFailures: 19, action: 'delete', warnAt: 15, minStreakSeconds: 48 * 3600 },
    signing: { scheme: 'hmac-sha256', header: SHOPIFY_HMAC_HEADER },
  },
  // Partoo: 200 only; up to 5 exponential retries on 5xx (and transport failures); 4xx is final.
  partoo: {
    timeoutMs: 5000,
    acceptStatuses: [200],
    retryOn: ['5xx', 'timeout', 'network'],
    retryPolicy: { type: 'exponential', initialDelay: 60, factor: 2, maxDelay: 3600, retries: 5, jitter: 0 },
    failurePolicy: NO_STREAK_ACTION,
    signing: { scheme: 'standard-webhooks' },
  },
};

/** A deep copy, so a subscription never shares arrays with the preset table. */
export function presetValues(name: PresetName): PresetValues {
  return structuredClone(PRESETS[name]) as PresetValues;
}
