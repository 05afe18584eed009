/**
 * Local mode never starts with fewer delivery index shards than its store last ran with: records
 * written under N shards lie in shards 0..N-1, and a search at a smaller count would never walk
 * the upper ones (table-schema.ts). The count each start runs with is kept in the table itself, so
 * the check holds for a data dir and for reused engines alike; raising it is always accepted.
 */
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { dynamo, isConditionFailure } from '../lambdas/adapters/dynamodb/table-access.js';
import { KEY_PREFIX } from '../lambdas/adapters/dynamodb/table-schema.js';
import { LocalModeError } from './errors.js';

export const DELIVERY_INDEX_SHARDS_FLAG = '--delivery-index-shards';
const MARK_KEY = { pk: `${KEY_PREFIX.localSetting}delivery-index-shards`, sk: 'META' };

/** Refusal: the store holds records in shards the requested count would never search. */
export function fewerShardsRefusal(stored: number, requested: number, where: string): LocalModeError {
  return new LocalModeError(
    `${where} last ran with ${DELIVERY_INDEX_SHARDS_FLAG} ${stored}; starting with ${requested} would hide the delivery records in shards ` +
      `${requested}..${stored - 1} from every search. The shard count can be raised, never lowered: start with ${DELIVERY_INDEX_SHARDS_FLAG} ${stored} ` +
      '(or more), or with another --data-dir.',
  );
}

/**
 * Records `shards` as the count this store runs with, unless it last ran with more (then
 * refuses, naming both). One conditional put: two starts at once cannot both pass with different counts.
 */
export async function claimDeliveryIndexShards(doc: DynamoDBDocumentClient, tableName: string, shards: number, where: string): Promise<void> {
  try {
    await dynamo('PutItem', () =>
      doc.send(
        new PutCommand({
          TableName: tableName,
          Item: { ...MARK_KEY, kind: 'local-setting', deliveryIndexShards: shards },
          ConditionExpression: 'attribute_not_exists(pk) OR deliveryIndexShards <= :shards',
          ExpressionAttributeValues: { ':shards': shards },
        }),
      ),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    const out = await dynamo('GetItem', () => doc.send(new GetCommand({ TableName: tableName, Key: MARK_KEY, ConsistentRead: true })));
    throw fewerShardsRefusal(Number(out.Item?.deliveryIndexShards), shards, where);
  }
}
