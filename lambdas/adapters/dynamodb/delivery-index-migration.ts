/**
 * Re-keys delivery records of earlier layouts (`DLV#{old delivery id}` / `META`, with the one
 * sharded index entry or the three entries before it: gsi1 DLV#SUB#, gsi2 DLV#TENANT#, gsi3
 * DLV#DAY#) onto the current one (table-schema.ts): key by subscription and message, the
 * `dlv_{message}{subscription}` id, one month-index entry. Local mode runs it at start on its data
 * dir (a scan is fine at local scale). A deployed table is not migrated (README's upgrade notes).
 */
import { DeleteCommand, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { deliveryIdFor } from '../../core/ids.js';
import type { Delivery } from '../../core/model.js';
import { dynamo, isConditionFailure, withoutKeys, type Item, type StoreOptions } from './table-access.js';
import { deliveryIndexKeys, deliveryRecordKey, LEGACY_DELIVERY_SORT_KEY } from './table-schema.js';

/** Re-keys every legacy delivery record; returns how many it moved. Safe to run again (a moved one no longer matches). */
export async function migrateDeliveryIndex(options: Pick<StoreOptions, 'client' | 'tableName' | 'deliveryIndexShards'>): Promise<number> {
  let moved = 0;
  let start: Item | undefined;
  do {
    const out = await dynamo('Scan', () =>
      options.client.send(
        new ScanCommand({
          TableName: options.tableName,
          FilterExpression: '#kind = :delivery AND sk = :legacy',
          ExpressionAttributeValues: { ':delivery': 'delivery', ':legacy': LEGACY_DELIVERY_SORT_KEY },
          ExpressionAttributeNames: { '#kind': 'kind' },
          ...(start !== undefined && { ExclusiveStartKey: start }),
        }),
      ),
    );
    for (const item of (out.Items ?? []) as Item[]) {
      await rekey(options, item);
      moved++;
    }
    start = out.LastEvaluatedKey as Item | undefined;
  } while (start !== undefined);
  return moved;
}

/** Writes the record under its new key and id (unless the new version already wrote it: that one is newer), then deletes the old item. */
async function rekey(options: Pick<StoreOptions, 'client' | 'tableName' | 'deliveryIndexShards'>, item: Item): Promise<void> {
  const legacy = withoutKeys<Delivery>(item);
  const record: Delivery = { ...legacy, id: deliveryIdFor(legacy.messageId, legacy.subscriptionId) };
  try {
    await dynamo('PutItem', () =>
      options.client.send(
        new PutCommand({
          TableName: options.tableName,
          Item: { ...deliveryRecordKey(record), kind: 'delivery', ...(item.expiresAt !== undefined && { expiresAt: item.expiresAt }), ...deliveryIndexKeys(record, options.deliveryIndexShards), ...record },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
  await dynamo('DeleteItem', () => options.client.send(new DeleteCommand({ TableName: options.tableName, Key: { pk: item.pk, sk: item.sk } })));
}
