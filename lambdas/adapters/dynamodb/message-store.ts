/**
 * Messages (the accepted events) and their idempotency claims. A message and its claim are
 * written in one transaction, so concurrent duplicates resolve to exactly one message.
 */
import { GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { Message, MessageId } from '../../core/model.js';
import type { IdempotencyClaim, MessageStore, Page } from '../../core/ports.js';
import { errorName } from '../errors.js';
import { dynamo, expiryAfter, getRecord, getRecords, pageFromIndex, withoutKeys, type Item, type Key, type StoreOptions } from './table-access.js';

const messageKey = (id: string): Key => ({ pk: `MSG#${id}`, sk: 'META' });
const claimKey = (key: string): Key => ({ pk: `IDEM#${key}`, sk: 'IDEM' });
const unroutedPartition = (day: string) => `MSG#UNROUTED#${day}`;

const decodeMessage = (item: Item): Message | undefined => (item.kind === 'message' ? withoutKeys<Message>(item) : undefined);

/** The UTC days (yyyy-mm-dd) from `since` to `until`, oldest first. */
export function daysBetween(since: string, until: string): string[] {
  const days: string[] = [];
  const end = Date.parse(until);
  for (let t = Date.parse(since.slice(0, 10)); t <= end; t += 86_400_000) days.push(new Date(t).toISOString().slice(0, 10));
  return days;
}

export class DynamoMessageStore implements MessageStore {
  constructor(private readonly options: StoreOptions) {}

  async put(message: Message, claim?: IdempotencyClaim): Promise<{ duplicateOf?: MessageId }> {
    const Item = this.item(message);
    if (claim === undefined) {
      await dynamo('PutItem', () => this.options.client.send(new PutCommand({ TableName: this.options.tableName, Item })));
      return {};
    }
    const nowSeconds = Math.floor(Date.now() / 1000);
    try {
      await this.options.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.options.tableName,
                Item: { ...claimKey(claim.key), kind: 'idempotency', messageId: message.id, expiresAt: Math.ceil(claim.expiresAt / 1000) },
                // An expired claim (TTL deletion lags) may be taken over.
                ConditionExpression: 'attribute_not_exists(pk) OR expiresAt <= :now',
                ExpressionAttributeValues: { ':now': nowSeconds },
              },
            },
            { Put: { TableName: this.options.tableName, Item } },
          ],
        }),
      );
      return {};
    } catch (error) {
      const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons;
      if (errorName(error) === 'TransactionCanceledException' && reasons?.[0]?.Code === 'ConditionalCheckFailed') {
        const held = await dynamo('GetItem', () =>
          this.options.client.send(new GetCommand({ TableName: this.options.tableName, Key: claimKey(claim.key), ConsistentRead: true })),
        );
        if (held.Item !== undefined) return { duplicateOf: held.Item.messageId as MessageId };
      }
      return dynamo('TransactWriteItems', () => Promise.reject(error));
    }
  }

  get(id: MessageId): Promise<Message | undefined> {
    return getRecord(this.options, messageKey(id), decodeMessage);
  }

  getMany(ids: readonly MessageId[]): Promise<Map<MessageId, Message>> {
    return getRecords(this.options, ids, messageKey, decodeMessage);
  }

  listUnrouted(since: string, until: string, cursor?: string): Promise<Page<Message>> {
    return pageFromIndex(this.options, {
      index: 'gsi3',
      partitions: daysBetween(since, until).map(unroutedPartition),
      from: since,
      to: until,
      ascending: true,
      limit: 100,
      ...(cursor !== undefined && { cursor }),
      decode: decodeMessage,
      accept: (m) => m.createdAt >= since && m.createdAt < until,
    });
  }

  private item(message: Message): Item {
    return {
      ...messageKey(message.id),
      kind: 'message',
      expiresAt: expiryAfter(message.createdAt, this.options.retentionDays),
      ...(message.routing === 'unrouted' && {
        gsi3pk: unroutedPartition(message.createdAt.slice(0, 10)),
        gsi3sk: `${message.createdAt}#${message.id}`,
      }),
      ...message,
    };
  }
}
