/**
 * Moves delivery records written by the previous layout (three index entries: gsi1 DLV#SUB#,
 * gsi2 DLV#TENANT#, gsi3 DLV#DAY#) onto the one sharded entry of table-schema.ts, so they stay
 * searchable. Local mode runs it at start on its data dir (a scan is fine at local scale); a
 * deployed table gets the new layout from the first write of each record.
 */
import { ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo, isConditionFailure, type Item, type StoreOptions } from './table-access.js';
import { deliveryIndexKeys, LEGACY_DELIVERY_DAY_PREFIX } from './table-schema.js';

/** Re-keys every legacy delivery record; returns how many it moved. Safe to run again (a moved one no longer matches). */
export async function migrateDeliveryIndex(options: Pick<StoreOptions, 'client' | 'tableName' | 'deliveryIndexShards'>): Promise<number> {
  let moved = 0;
  let start: Item | undefined;
  do {
    const out = await dynamo('Scan', () =>
      options.client.send(
        new ScanCommand({
          TableName: options.tableName,
          FilterExpression: '#kind = :delivery AND (attribute_exists(gsi1pk) OR attribute_exists(gsi2pk) OR begins_with(gsi3pk, :legacy))',
          ExpressionAttributeValues: { ':delivery': 'delivery', ':legacy': LEGACY_DELIVERY_DAY_PREFIX },
          ProjectionExpression: 'pk, sk, id, #status, createdAt',
          ExpressionAttributeNames: { '#status': 'status', '#kind': 'kind' },
          ...(start !== undefined && { ExclusiveStartKey: start }),
        }),
      ),
    );
    for (const item of (out.Items ?? []) as Item[]) {
      const keys = deliveryIndexKeys({ id: String(item.id), status: String(item.status), createdAt: String(item.createdAt) }, options.deliveryIndexShards);
      try {
        await dynamo('UpdateItem', () =>
          options.client.send(
            new UpdateCommand({
              TableName: options.tableName,
              Key: { pk: item.pk, sk: item.sk },
              UpdateExpression: 'SET gsi3pk = :pk, gsi3sk = :sk REMOVE gsi1pk, gsi1sk, gsi2pk, gsi2sk',
              ConditionExpression: 'attribute_exists(pk)',
              ExpressionAttributeValues: { ':pk': keys.gsi3pk, ':sk': keys.gsi3sk },
            }),
          ),
        );
        moved++;
      } catch (error) {
        if (!isConditionFailure(error)) throw error; // expired (TTL) meanwhile: nothing to move
      }
    }
    start = out.LastEvaluatedKey as Item | undefined;
  } while (start !== undefined);
  return moved;
}
