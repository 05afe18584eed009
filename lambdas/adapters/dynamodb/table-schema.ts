/**
 * The single DynamoDB table, declared once as plain data: the CDK store construct and
 * local mode's table creation both read this, so the two can never drift.
 * No AWS SDK import here (the CDK app and the Lambda bundles both include it).
 *
 * Item layout (pk / sk), every item carries `kind`:
 * | kind         | pk                              | sk        | index keys                                                            |
 * |--------------|---------------------------------|-----------|-----------------------------------------------------------------------|
 * | subscription | SUB#{subId}                     | META      | gsi1 SUBS / {createdAt}#{id}; gsi2 SUB#TENANT#{tenant} / {createdAt}#{id} |
 * | route        | ROUTE#{tenantKey}#{eventType}   | {subId}   | —  (tenantKey = tenant, or "~" for none); fallback: FALLBACK#{eventType} |
 * | uniqueness   | UNIQ#{tenantKey}#{eventType}    | UNIQ      | — (fallback: UNIQFB#{eventType}; `*` is an event type here too)        |
 * | uniq. scope  | UNIQ#{tenantKey} / UNIQFB#      | SCOPE     | — (`holders`: who holds a typed claim in the scope, checked by `*`)   |
 * | message      | MSG#{msgId}                     | META      | gsi3 MSG#UNROUTED#{yyyy-mm-dd} / {createdAt}#{id} (unrouted only)     |
 * | idempotency  | IDEM#{key}                      | IDEM      | —                                                                     |
 * | delivery     | DLV#{subId}#{shard}             | {msgId}   | ONE entry: gsi3 DLV#{OK|NOK}#{yyyy-mm}#{shard} / {createdAt}#{id} (below)  |
 * | replay job   | JOB#{jobId}                     | META      | —                                                                     |
 * | schedule     | SCHED#{name}                    | META      | gsi3 SCHED / {fire time ISO}#{name}  (local scheduler only)            |
 * | retry-task   | RETRY#{due minute ISO}#{shard}  | TASK#{dlvId}-a{n}-g{g} | — (a retry waiting for its bucket's sweep; TTL a day after) |
 * | retry-bucket | RETRY#{due minute ISO}#{shard}  | META      | — (who arranges the sweep: pending, schedule or queue)                |
 * | local-setting| LOCAL#{name}                    | META      | — (local mode only: e.g. the delivery index shards it last ran with)  |
 *
 * Indexes are KEYS_ONLY: a status change never costs an index write; list routes
 * query an index for keys, then BatchGet the items.
 *
 * A delivery record's own key is its subscription's search: `DLV#{subscriptionId}#{shard}`, the
 * shard (0–7) a hash of the message id, and the message id as sort key. Message ids are ULIDs and a
 * delivery's `createdAt` is its message's, so a subscription's records sort by time and a time
 * window is a key range (`messageIdsBetween`, ids.ts). Eight shards let one subscription take 8,000
 * record writes/s before a partition binds (1,000 write units/s each): a failing endpoint's
 * deliveries write their record after each of up to 9 attempts, so ~700 deliveries/s at 80 %. The delivery id
 * (`dlv_{message ULID}{subscription ULID}`, ids.ts) carries both halves of the key.
 *
 * A delivery record has exactly one index entry (one write unit): its month bucket, split into
 * `deliveryIndexShards` shards by a hash of the delivery id, in the `OK` set when it succeeded
 * and the `NOK` set otherwise (pending, failed, paused, dropped: the sparse set that status,
 * cancel and replay-failed searches walk). Searches without subscription or message merge its shards by
 * sort key with the other filters applied to the items; subscription and message searches go by the
 * record keys (delivery-store.ts).
 */
export const TABLE_NAME_DEFAULT = 'hookline';

export const tableSchema = {
  partitionKey: 'pk',
  sortKey: 'sk',
  timeToLiveAttribute: 'expiresAt',
  globalSecondaryIndexes: [
    { indexName: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
    { indexName: 'gsi2', partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
    { indexName: 'gsi3', partitionKey: 'gsi3pk', sortKey: 'gsi3sk' },
  ],
} as const;

/** The partition-key prefix of each item kind (the table above); stores build their keys from these. */
export const KEY_PREFIX = {
  subscription: 'SUB#',
  route: 'ROUTE#',
  fallbackRoute: 'FALLBACK#',
  uniqueness: 'UNIQ#',
  fallbackUniqueness: 'UNIQFB#',
  message: 'MSG#',
  idempotency: 'IDEM#',
  delivery: 'DLV#',
  replayJob: 'JOB#',
  schedule: 'SCHED#',
  localSetting: 'LOCAL#',
} as const;

/**
 * What intake (the receiver) reads and writes: routes, messages with their idempotency claims,
 * deliveries. The receiver's role is limited to items under these prefixes (`dynamodb:LeadingKeys`),
 * so the function that parses producer input can neither read secrets nor change subscriptions.
 */
export const INTAKE_KEY_PREFIXES = [KEY_PREFIX.route, KEY_PREFIX.fallbackRoute, KEY_PREFIX.message, KEY_PREFIX.idempotency, KEY_PREFIX.delivery] as const;

/**
 * Shards per (status set, month) of the delivery index: the deployment option
 * `deliveryIndexShards` (`DELIVERY_INDEX_SHARDS` in the functions' environment). Hashing the
 * delivery id spreads writes evenly: each shard takes 1/N of the installation's deliveries, and a
 * partition takes 1,000 write units/s, so 16 shards hold ≈ 16,000 record writes/s (50,000/s needs
 * 64, bench/capacity.ts picks N per load). Every unfiltered search queries each shard once per page.
 *
 * N is a power of two, so a record's shard under N (hash mod N) is also its shard under every
 * larger N reduced mod the smaller: a record written at 16 lies in shards 0..15, which a search at
 * 64 walks. Raising N loses nothing; lowering it hides the records in the shards it drops.
 */
export const DELIVERY_INDEX_SHARDS = 16;
export const DELIVERY_INDEX_SHARD_CHOICES = [16, 32, 64, 128, 256] as const;

/** Whether `n` is an allowed shard count (a power of two from 16 to 256). */
export const isDeliveryIndexShards = (n: number): boolean => (DELIVERY_INDEX_SHARD_CHOICES as readonly number[]).includes(n);

export const DELIVERY_INDEX = 'gsi3' as const;
export type DeliveryIndexSet = 'OK' | 'NOK';

/** The delivery index's set for a status: successes apart, so failure searches skip them. */
export const deliveryIndexSet = (status: string): DeliveryIndexSet => (status === 'succeeded' ? 'OK' : 'NOK');

/** FNV-1a (32 bit): a fast, even spread of (already random) ids over shards. */
function fnv1a(value: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < value.length; i++) hash = Math.imul(hash ^ value.charCodeAt(i), 0x01000193) >>> 0;
  return hash;
}

export function deliveryIndexShard(deliveryId: string, shards: number = DELIVERY_INDEX_SHARDS): number {
  return fnv1a(deliveryId) % shards;
}

/** Record partitions per subscription (table doc above): 8,000 record writes/s for one subscription. */
export const SUBSCRIPTION_RECORD_SHARDS = 8;

export const subscriptionRecordShard = (messageId: string): number => fnv1a(messageId) % SUBSCRIPTION_RECORD_SHARDS;

export const subscriptionRecordPartition = (subscriptionId: string, shard: number) => `${KEY_PREFIX.delivery}${subscriptionId}#${shard}`;

/** Every record partition of a subscription. */
export const subscriptionRecordPartitions = (subscriptionId: string): string[] =>
  Array.from({ length: SUBSCRIPTION_RECORD_SHARDS }, (_, shard) => subscriptionRecordPartition(subscriptionId, shard));

/** The table key of the delivery record of (message, subscription). */
export function deliveryRecordKey(record: { messageId: string; subscriptionId: string }): { pk: string; sk: string } {
  return { pk: subscriptionRecordPartition(record.subscriptionId, subscriptionRecordShard(record.messageId)), sk: record.messageId };
}

export const deliveryIndexPartition = (set: DeliveryIndexSet, month: string, shard: number) =>
  `${KEY_PREFIX.delivery}${set}#${month}#${shard.toString(16).padStart(2, '0')}`;

/**
 * The index keys of a delivery record under `shards` (createdAt never changes, so only a set
 * change, or a write after the shard count was raised, moves it).
 */
export function deliveryIndexKeys(
  delivery: { id: string; status: string; createdAt: string },
  shards: number = DELIVERY_INDEX_SHARDS,
): { gsi3pk: string; gsi3sk: string } {
  return {
    gsi3pk: deliveryIndexPartition(deliveryIndexSet(delivery.status), delivery.createdAt.slice(0, 7), deliveryIndexShard(delivery.id, shards)),
    gsi3sk: `${delivery.createdAt}#${delivery.id}`,
  };
}

/** The layout before records were keyed by subscription: `DLV#{old delivery id}` / `META`, migrated by local mode at start. */
export const LEGACY_DELIVERY_SORT_KEY = 'META';

/** The previous layout (three entries: gsi1 DLV#SUB#, gsi2 DLV#TENANT#, gsi3 DLV#DAY#), migrated by local mode at start. */
export const LEGACY_DELIVERY_DAY_PREFIX = 'DLV#DAY#';

export type IndexName = (typeof tableSchema.globalSecondaryIndexes)[number]['indexName'];
