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
 * | uniqueness   | UNIQ#{tenantKey}#{eventType}    | UNIQ      | —                                                                     |
 * | message      | MSG#{msgId}                     | META      | gsi3 MSG#UNROUTED#{yyyy-mm-dd} / {createdAt}#{id} (unrouted only)     |
 * | idempotency  | IDEM#{key}                      | IDEM      | —                                                                     |
 * | delivery     | DLV#{dlvId}                     | META      | gsi1 DLV#SUB#{subId}; gsi2 DLV#TENANT#{tenant}; gsi3 DLV#DAY#{yyyy-mm-dd}; sk {createdAt}#{id} |
 * | replay job   | JOB#{jobId}                     | META      | —                                                                     |
 * | schedule     | SCHED#{name}                    | META      | gsi3 SCHED / {fire time ISO}#{name}  (local scheduler only)            |
 * | retry-task   | RETRY#{due minute ISO}#{shard}  | TASK#{dlvId}-a{n}-g{g} | — (a retry waiting for its bucket's sweep; TTL a day after) |
 * | retry-bucket | RETRY#{due minute ISO}#{shard}  | META      | — (who arranges the sweep: pending, schedule or queue)                |
 *
 * Indexes are KEYS_ONLY: a status change never costs an index write; list routes
 * query an index for keys, then BatchGet the items.
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
  message: 'MSG#',
  idempotency: 'IDEM#',
  delivery: 'DLV#',
  replayJob: 'JOB#',
  schedule: 'SCHED#',
} as const;

/**
 * What intake (the receiver) reads and writes: routes, messages with their idempotency claims,
 * deliveries. The receiver's role is limited to items under these prefixes (`dynamodb:LeadingKeys`),
 * so the function that parses producer input can neither read secrets nor change subscriptions.
 */
export const INTAKE_KEY_PREFIXES = [KEY_PREFIX.route, KEY_PREFIX.fallbackRoute, KEY_PREFIX.message, KEY_PREFIX.idempotency, KEY_PREFIX.delivery] as const;

export type IndexName = (typeof tableSchema.globalSecondaryIndexes)[number]['indexName'];
