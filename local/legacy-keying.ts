/**
 * Start-up check for subscriptions stored before `hmac-sha256` and `authorization` keyed with
 * the secret string (README, "Upgrading"). Their deliveries are refused one by one; this names
 * them all before anything is delivered, and refuses to start unless the operator says they know.
 * Nothing is ever re-keyed here: only a rotate-secret does that, with the subscriber's new secret.
 */
import { hasLegacyKeying } from '../lambdas/core/secrets.js';
import type { SubscriptionId } from '../lambdas/core/model.js';
import type { SubscriptionStore } from '../lambdas/core/ports.js';
import { LocalModeError } from './errors.js';

export const ALLOW_LEGACY_KEYING_FLAG = '--allow-legacy-keying';

/** Every stored subscription with the old keying (one listing, page by page). */
export async function legacyKeyedSubscriptions(store: Pick<SubscriptionStore, 'list'>): Promise<SubscriptionId[]> {
  const found: SubscriptionId[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.list({ limit: 100, ...(cursor !== undefined && { cursor }) });
    found.push(...page.items.filter(hasLegacyKeying).map((sub) => sub.id));
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return found;
}

/** The refusal, naming the subscriptions and both ways forward. */
export function legacyKeyingRefusal(ids: readonly SubscriptionId[], dataDir: string): LocalModeError {
  const shown = ids.slice(0, 10).join(', ') + (ids.length > 10 ? `, … (${ids.length - 10} more)` : '');
  return new LocalModeError(
    `${dataDir} holds ${ids.length} subscription(s) stored before hmac-sha256/authorization keyed with the secret string: ${shown}. ` +
      `Hookline never re-keys them silently. Start with ${ALLOW_LEGACY_KEYING_FLAG} (their deliveries stay refused meanwhile), ` +
      `run \`npx hookline subscriptions rotate-secret <id>\` for each (--secret to import the subscriber's own), ` +
      'give each subscriber its new secret and replay the window; or start with another --data-dir.',
  );
}
