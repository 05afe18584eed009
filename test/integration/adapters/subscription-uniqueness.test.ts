/**
 * The one-per-(tenant, event type) rule on DynamoDB Local (DESIGN §5): `*` against every type of
 * its tenant and back, fallback subscriptions claiming their routes, claims that stay with their
 * holder, and atomicity under concurrent writers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoSubscriptionStore } from '../../../lambdas/adapters/dynamodb/subscription-store.js';
import { ConflictError } from '../../../lambdas/core/errors.js';
import { newSubscriptionId } from '../../../lambdas/core/ids.js';
import type { Subscription } from '../../../lambdas/core/model.js';
import { buildSubscription, parseCreateSubscription } from '../../../lambdas/core/subscription-build.js';
import { EnvelopeCipher } from '../../../lambdas/core/envelope.js';
import { LocalDataKeys } from '../../../local/key-file.js';
import { testEngines, type TestEngines } from '../../support/engines.js';

let engines: TestEngines;
let store: DynamoSubscriptionStore;
let tenantCount = 0;
const UNIQUE = { unique: true };

function subscription(body: Record<string, unknown>): Subscription {
  const input = parseCreateSubscription({ url: 'https://hooks.example.com/in', eventTypes: ['order.created'], ...body }, { allowHttpLoopback: false, allowedPorts: [] });
  return buildSubscription(input, { id: newSubscriptionId(), now: Date.now(), secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' });
}

/** A tenant no other test uses. */
const freshTenant = () => `shop-${++tenantCount}-${Date.now().toString(36)}`;

async function conflictOf(write: Promise<unknown>): Promise<ConflictError> {
  const error = await write.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(ConflictError);
  return error as ConflictError;
}

beforeAll(async () => {
  engines = await testEngines('uniq');
  store = new DynamoSubscriptionStore({ client: engines.doc, tableName: engines.names.table, retentionDays: 30 }, new EnvelopeCipher(LocalDataKeys.inMemory()));
});
afterAll(() => engines.close());

describe('uniqueness: `*` against the other types of its tenant', () => {
  it('refuses a typed subscription where `*` is held, naming the `*` holder; other tenants are free', async () => {
    const tenant = freshTenant();
    const wildcard = subscription({ tenant, eventTypes: ['*'] });
    await store.create(wildcard, UNIQUE);
    const typed = subscription({ tenant, eventTypes: ['order.paid'] });
    const error = await conflictOf(store.create(typed, UNIQUE));
    expect(error.conflictingId).toBe(wildcard.id);
    expect(error.message).toBe(`subscription ${wildcard.id} already receives every event type (*) for tenant ${tenant}`);
    expect(await store.get(typed.id)).toBeUndefined();
    await store.create(subscription({ tenant: freshTenant(), eventTypes: ['order.paid'] }), UNIQUE);
  });

  it('refuses `*` while another subscription holds a type of the tenant, naming it; free again once that one is gone', async () => {
    const tenant = freshTenant();
    const typed = subscription({ tenant, eventTypes: ['order.created', 'order.paid'] });
    await store.create(typed, UNIQUE);
    const wildcard = subscription({ tenant, eventTypes: ['*'] });
    const error = await conflictOf(store.create(wildcard, UNIQUE));
    expect(error.conflictingId).toBe(typed.id);
    expect(error.message).toBe(`subscription ${typed.id} already receives event types for tenant ${tenant}, which * would include`);
    expect(await store.routes(tenant, 'order.created')).toEqual([{ subscriptionId: typed.id, status: 'active' }]);

    await store.delete(typed);
    await store.create(wildcard, UNIQUE);
    expect(await store.claimHolder(tenant, '*')).toBe(wildcard.id);
  });

  it('lets a subscription move from its types to `*` and back when it is alone in its tenant', async () => {
    const tenant = freshTenant();
    const sub = subscription({ tenant, eventTypes: ['order.created'] });
    await store.create(sub, UNIQUE);
    const wild = { ...sub, eventTypes: ['*'], version: sub.version + 1 };
    await store.replace(sub, wild, UNIQUE);
    expect(await store.claimHolder(tenant, 'order.created')).toBeUndefined();
    expect(await store.claimHolder(tenant, '*')).toBe(sub.id);
    // Its `*` now keeps others out...
    await conflictOf(store.create(subscription({ tenant, eventTypes: ['order.paid'] }), UNIQUE));
    const typedAgain = { ...wild, eventTypes: ['order.paid'], version: wild.version + 1 };
    await store.replace(wild, typedAgain, UNIQUE);
    // ...and once it is typed again, `*` is refused for anyone else, while the other types are free.
    await conflictOf(store.create(subscription({ tenant, eventTypes: ['*'] }), UNIQUE));
    await store.create(subscription({ tenant, eventTypes: ['order.created'] }), UNIQUE);
  });

  it('under concurrent writers, a `*` and a typed subscription of one tenant never both succeed', async () => {
    for (let round = 0; round < 8; round++) {
      const tenant = freshTenant();
      const results = await Promise.allSettled([
        store.create(subscription({ tenant, eventTypes: ['*'] }), UNIQUE),
        store.create(subscription({ tenant, eventTypes: [`type.${round}`] }), UNIQUE),
      ]);
      const succeeded = results.filter((r) => r.status === 'fulfilled').length;
      expect(succeeded, `round ${round}`).toBeLessThanOrEqual(1);
      const routes = [...(await store.routes(tenant, `type.${round}`))];
      expect(routes.length, `round ${round}: subscriptions routed`).toBe(succeeded);
    }
  });
});

describe('uniqueness: fallback subscriptions claim their routes', () => {
  it('refuses a second fallback for the same type, whatever its tenant, naming the first', async () => {
    const first = subscription({ fallback: true, eventTypes: ['fb.one'] });
    await store.create(first, UNIQUE);
    const second = subscription({ tenant: freshTenant(), fallback: true, eventTypes: ['fb.one'] });
    const error = await conflictOf(store.create(second, UNIQUE));
    expect(error.conflictingId).toBe(first.id);
    expect(error.message).toBe(`subscription ${first.id} already receives fb.one as a fallback`);
    expect(await store.fallbackRoutes('fb.one')).toEqual([{ subscriptionId: first.id, status: 'active' }]);
    // The same type as a direct route of another tenant is not a fallback route: allowed.
    await store.create(subscription({ tenant: freshTenant(), eventTypes: ['fb.one'] }), UNIQUE);
  });

  it('claims its direct route too, and a fallback `*` excludes every fallback type', async () => {
    const tenant = freshTenant();
    const fallback = subscription({ tenant, fallback: true, eventTypes: ['fb.two'] });
    await store.create(fallback, UNIQUE);
    const direct = await conflictOf(store.create(subscription({ tenant, eventTypes: ['fb.two'] }), UNIQUE));
    expect(direct.conflictingId).toBe(fallback.id);
    const wildFallback = await conflictOf(store.create(subscription({ tenant: freshTenant(), fallback: true, eventTypes: ['*'] }), UNIQUE));
    expect(wildFallback.message).toMatch(/already receives event types as a fallback, which \* would include$/);
    await store.delete(fallback);
    await store.create(subscription({ tenant, eventTypes: ['fb.two'] }), UNIQUE);
  });
});

describe('uniqueness: claims stay with their holder', () => {
  it('a claiming subscription keeps its claims when replaced with the rule off, and frees them on delete', async () => {
    const tenant = freshTenant();
    const held = subscription({ tenant, eventTypes: ['order.created'] });
    await store.create(held, UNIQUE);
    const edited = { ...held, eventTypes: ['order.paid'], version: held.version + 1 };
    await store.replace(held, edited, { unique: false });
    expect(await store.claimHolder(tenant, 'order.created')).toBeUndefined();
    expect(await store.claimHolder(tenant, 'order.paid')).toBe(held.id);
    await store.delete(edited);
    expect(await store.claimHolder(tenant, 'order.paid')).toBeUndefined();
  });

  it('deleting or editing a subscription that claims nothing leaves the holder of its pair alone', async () => {
    const tenant = freshTenant();
    const holder = subscription({ tenant, eventTypes: ['order.created'] });
    await store.create(holder, UNIQUE);
    // Created with the rule off: it shares the pair and claims nothing.
    const other = subscription({ tenant, eventTypes: ['order.created'] });
    await store.create(other, { unique: false });
    const otherEdited = { ...other, description: 'edited', version: other.version + 1 };
    await store.replace(other, otherEdited, { unique: false });
    await store.delete(otherEdited);
    expect(await store.claimHolder(tenant, 'order.created')).toBe(holder.id);
    expect(await store.get(other.id)).toBeUndefined();
  });
});
