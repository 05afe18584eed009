/**
 * Outbound authentication headers, and the masked public view of credentials: auth and custom
 * header values are write-only, so every read shows `****` instead of passwords, tokens, API keys
 * and secrets (custom headers' names stay visible).
 */
import { breakerEnabled, breakerMode, breakerOf, type BreakerMode } from './breaker.js';
import type { AuthConfig, MaskedAuth, Subscription } from './model.js';
import { MASK } from './subscription-schema.js';

export { MASK };

export function authHeaders(auth?: AuthConfig): Record<string, string> {
  if (auth === undefined) return {};
  switch (auth.type) {
    case 'basic':
      // RFC 7617 with charset="UTF-8": base64 of the UTF-8 bytes of "user:pass".
      return { Authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64')}` };
    case 'bearer':
      return { Authorization: `Bearer ${auth.token}` };
    case 'header':
      return { Authorization: auth.authorization, ...(auth.username !== undefined && { UserName: auth.username }) };
  }
}

export function maskAuth(auth: AuthConfig): MaskedAuth;
export function maskAuth(auth: AuthConfig | undefined): MaskedAuth | undefined;
export function maskAuth(auth: AuthConfig | undefined): MaskedAuth | undefined {
  if (auth === undefined) return undefined;
  switch (auth.type) {
    case 'basic':
      return { type: 'basic', username: auth.username, password: MASK };
    case 'bearer':
      return { type: 'bearer', token: MASK };
    case 'header':
      return { type: 'header', authorization: MASK, ...(auth.username !== undefined && { username: auth.username }) };
  }
}

/**
 * Every custom header's value masked, not only names that look like credentials: a key sent as
 * `X-Partner-Ref` is as secret as one sent as `X-Api-Key`, and a PATCH of `customHeaders` replaces the
 * whole map anyway, so a visible non-secret value would spare no resend (docs/subscribers.md).
 */
export function maskCustomHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.keys(headers).map((name) => [name, MASK]));
}

/** What the API returns for a stored subscription: no secrets, credentials masked. */
export interface SubscriptionHealth {
  failureStreak: { count: number; startedAt?: string };
  breaker: BreakerHealth;
}

/** Stored state the API shows under `health` instead. */
type HealthFields = 'failureStreakStartedAt' | 'breakerFailures' | 'breakerOpenUntil' | 'breakerOpens' | 'breakerProbeUntil' | 'breakerClosedAt' | 'paceNextAt';

export type PublicSubscription = Omit<Subscription, 'secrets' | 'auth' | HealthFields> & { auth?: MaskedAuth; health: SubscriptionHealth };

/** `now` decides whether an open breaker's cool-down has passed (half-open). */
export function maskSubscription(sub: Subscription, now: number = Date.now()): PublicSubscription {
  const { secrets: _secrets, auth, failureStreakStartedAt, customHeaders, breakerFailures: _f, breakerOpenUntil: _o, breakerOpens: _n, breakerProbeUntil: _p, breakerClosedAt: _c, paceNextAt: _a, ...rest } = sub;
  const failureStreak = { count: sub.consecutiveFailures, ...(failureStreakStartedAt !== undefined && { startedAt: failureStreakStartedAt }) };
  return {
    ...rest,
    customHeaders: maskCustomHeaders(customHeaders),
    ...(auth !== undefined && { auth: maskAuth(auth) }),
    health: { failureStreak, breaker: breakerHealth(sub, now) },
  };
}

export interface BreakerHealth {
  enabled: boolean;
  state: BreakerMode;
  /** Consecutive timeouts and transport failures counted toward opening it. */
  transportFailures: number;
  /** While open: when the next probe may go. */
  openUntil?: string;
  /** Times it re-opened without closing in between. */
  opens?: number;
  /** When it last closed after being open (the paced drain runs from there). */
  closedAt?: string;
}

function breakerHealth(sub: Subscription, now: number): BreakerHealth {
  const state = breakerOf(sub);
  const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
  const openUntil = iso(state.openUntil);
  const closedAt = iso(state.closedAt);
  return {
    enabled: breakerEnabled(sub),
    state: breakerMode(state, now),
    transportFailures: state.failures,
    ...(openUntil !== undefined && { openUntil }),
    ...(state.opens !== undefined && { opens: state.opens }),
    ...(closedAt !== undefined && { closedAt }),
  };
}
