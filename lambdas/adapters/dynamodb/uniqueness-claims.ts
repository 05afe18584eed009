/**
 * Uniqueness claims (DESIGN §5, "Uniqueness"): which (scope, event type) pairs a subscription
 * holds alone, written in the same transaction as the subscription.
 *
 * - A scope is a tenant (direct routes; "~" for none) or the fallback routes (keyed by event
 *   type only, so two fallbacks for the same type conflict whatever their tenants).
 * - A `*` subscription claims `*` only, and conflicts with every type of its scope: a typed claim
 *   checks that nobody else holds the scope's `*`, and a `*` claim checks the scope item, whose
 *   `holders` set lists every subscription holding a typed claim in that scope.
 * - A subscription keeps claiming once it holds a claim (the rule switched off later, or an
 *   upsert by tenant and event type that claims whatever the rule): the claims it holds are read
 *   before every write, and only those are released.
 */
import { TransactGetCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '../../core/errors.js';
import type { Subscription, SubscriptionId } from '../../core/model.js';
import { ANY_EVENT_TYPE, NO_TENANT_KEY, tenantKeyOf } from '../../core/routing.js';
import { dynamo, type Key, type StoreOptions } from './table-access.js';
import { KEY_PREFIX } from './table-schema.js';

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** A write of the transaction, with what a failed condition on it means. */
export interface PlannedWrite {
  item: TransactItem;
  conflict?: () => Promise<ConflictError>;
}

/** `tenant` is the route key of the tenant ("~" for none); `fallback` the fallback routes. */
type Scope = { kind: 'tenant'; tenantKey: string } | { kind: 'fallback' };

export interface Claim {
  scope: Scope;
  eventType: string;
}

const CLAIM_SK = 'UNIQ';
const SCOPE_SK = 'SCOPE';

function scopePrefix(scope: Scope): string {
  return scope.kind === 'tenant' ? `${KEY_PREFIX.uniqueness}${scope.tenantKey}` : KEY_PREFIX.fallbackUniqueness;
}

export function claimKey(claim: Claim): Key {
  const pk = claim.scope.kind === 'tenant' ? `${scopePrefix(claim.scope)}#${claim.eventType}` : `${KEY_PREFIX.fallbackUniqueness}${claim.eventType}`;
  return { pk, sk: CLAIM_SK };
}

const scopeKey = (scope: Scope): Key => ({ pk: scopePrefix(scope), sk: SCOPE_SK });
const scopeId = (scope: Scope) => scopePrefix(scope);
const sameClaim = (a: Claim, b: Claim) => claimKey(a).pk === claimKey(b).pk;

function scopesOf(sub: Pick<Subscription, 'tenant' | 'fallback'>): Scope[] {
  const direct: Scope = { kind: 'tenant', tenantKey: tenantKeyOf(sub.tenant) };
  return sub.fallback ? [direct, { kind: 'fallback' }] : [direct];
}

/** The claims `sub` makes: per scope, `*` alone or each of its types. */
export function claimsOf(sub: Pick<Subscription, 'tenant' | 'fallback' | 'eventTypes'>): Claim[] {
  const types = sub.eventTypes.includes(ANY_EVENT_TYPE) ? [ANY_EVENT_TYPE] : [...new Set(sub.eventTypes)];
  return scopesOf(sub).flatMap((scope) => types.map((eventType) => ({ scope, eventType })));
}

/** Every claim `sub` may hold, including ones written before `*` claimed alone. */
function possibleClaims(sub: Pick<Subscription, 'tenant' | 'fallback' | 'eventTypes'>): Claim[] {
  return scopesOf(sub).flatMap((scope) => [...new Set(sub.eventTypes)].map((eventType) => ({ scope, eventType })));
}

/** The claims `sub` holds now (a consistent read). */
export async function heldClaims(options: StoreOptions, sub: Subscription): Promise<Claim[]> {
  const candidates = possibleClaims(sub);
  const out = await dynamo('TransactGetItems', () =>
    options.client.send(new TransactGetCommand({ TransactItems: candidates.map((claim) => ({ Get: { TableName: options.tableName, Key: claimKey(claim) } })) })),
  );
  return candidates.filter((_, i) => out.Responses?.[i]?.Item?.subscriptionId === sub.id);
}

/** Reads who holds a claim, for the conflict message. */
export type HolderReader = (key: Key) => Promise<Record<string, unknown> | undefined>;

/** The writes that move `id` from the claims it `held` to `next`: puts, releases, `*` checks, scope sets. */
export function claimWrites(table: string, id: SubscriptionId, held: readonly Claim[], next: readonly Claim[], read: HolderReader): PlannedWrite[] {
  const writes: PlannedWrite[] = next.map((claim) => ({ item: claimPut(table, claim, id), conflict: () => claimTaken(read, claim) }));
  for (const claim of held.filter((h) => !next.some((n) => sameClaim(h, n)))) writes.push({ item: holderDelete(table, claimKey(claim), id) });
  const scopes = new Map<string, Scope>([...held, ...next].map((c) => [scopeId(c.scope), c.scope]));
  for (const scope of scopes.values()) {
    const inScope = (claims: readonly Claim[]) => claims.filter((c) => scopeId(c.scope) === scopeId(scope));
    writes.push(...scopeWrites(table, id, scope, inScope(held), inScope(next), read));
  }
  return writes;
}

function scopeWrites(table: string, id: SubscriptionId, scope: Scope, held: Claim[], next: Claim[], read: HolderReader): PlannedWrite[] {
  const typed = (claims: Claim[]) => claims.some((c) => c.eventType !== ANY_EVENT_TYPE);
  const wild = (claims: Claim[]) => claims.some((c) => c.eventType === ANY_EVENT_TYPE);
  const writes: PlannedWrite[] = [];
  const wildcard: Claim = { scope, eventType: ANY_EVENT_TYPE };
  // A typed claim: nobody else may hold the scope's `*` (unless this write already touches that item).
  if (typed(next) && !wild(held) && !wild(next)) {
    writes.push({ item: holderCheck(table, claimKey(wildcard), id), conflict: () => claimTaken(read, wildcard) });
  }
  const membership = typed(next) ? 'ADD holders :me' : typed(held) ? 'DELETE holders :me' : undefined;
  if (membership === undefined && !wild(next)) return writes;
  const update: TransactItem = {
    Update: {
      TableName: table,
      Key: scopeKey(scope),
      UpdateExpression: `SET #kind = :kind${membership !== undefined ? ` ${membership}` : ''}`,
      ExpressionAttributeNames: { '#kind': 'kind' },
      ExpressionAttributeValues: { ':kind': 'uniqueness-scope', ...(membership !== undefined && { ':me': new Set([id]) }) },
    },
  };
  if (wild(next) && update.Update) {
    // `*` claims the scope only while no other subscription holds a type in it.
    update.Update.ConditionExpression = 'attribute_not_exists(holders) OR (size(holders) = :one AND contains(holders, :id))';
    Object.assign(update.Update.ExpressionAttributeValues ?? {}, { ':one': 1, ':id': id });
  }
  writes.push({ item: update, ...(wild(next) && { conflict: () => scopeTaken(read, scope, id) }) });
  return writes;
}

function claimPut(table: string, claim: Claim, holder: SubscriptionId): TransactItem {
  return {
    Put: {
      TableName: table,
      Item: { ...claimKey(claim), kind: 'uniqueness', subscriptionId: holder },
      ConditionExpression: 'attribute_not_exists(pk) OR subscriptionId = :holder',
      ExpressionAttributeValues: { ':holder': holder },
    },
  };
}

/** Releases a claim this subscription holds (read just before; a change meanwhile cancels the write). */
function holderDelete(table: string, key: Key, holder: SubscriptionId): TransactItem {
  return { Delete: { TableName: table, Key: key, ConditionExpression: 'subscriptionId = :holder', ExpressionAttributeValues: { ':holder': holder } } };
}

function holderCheck(table: string, key: Key, holder: SubscriptionId): TransactItem {
  return {
    ConditionCheck: {
      TableName: table,
      Key: key,
      ConditionExpression: 'attribute_not_exists(pk) OR subscriptionId = :holder',
      ExpressionAttributeValues: { ':holder': holder },
    },
  };
}

function describeScope(scope: Scope): string {
  if (scope.kind === 'fallback') return 'as a fallback';
  return `for tenant ${scope.tenantKey === NO_TENANT_KEY ? '(none)' : scope.tenantKey}`;
}

const describeType = (type: string) => (type === ANY_EVENT_TYPE ? 'every event type (*)' : type);

async function claimTaken(read: HolderReader, claim: Claim): Promise<ConflictError> {
  const holder = (await read(claimKey(claim)))?.subscriptionId as string | undefined;
  return new ConflictError(`subscription ${holder ?? '(unknown)'} already receives ${describeType(claim.eventType)} ${describeScope(claim.scope)}`, holder);
}

async function scopeTaken(read: HolderReader, scope: Scope, id: SubscriptionId): Promise<ConflictError> {
  const holders = (await read(scopeKey(scope)))?.holders as Set<string> | undefined;
  const holder = [...(holders ?? [])].find((h) => h !== id);
  return new ConflictError(`subscription ${holder ?? '(unknown)'} already receives event types ${describeScope(scope)}, which * would include`, holder);
}
