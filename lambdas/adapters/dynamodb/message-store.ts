/**
 * Messages (the accepted events) and their idempotency claims. A message and its claim are
 * written in one transaction, so concurrent duplicates resolve to exactly one message.
 */
import { GetCommand, PutCommand, TransactWriteCommand, UpdateCommand, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import type { IntakeFailure, Message, MessageId, SubscriptionId } from '../../core/model.js';
import type { IdempotencyClaim, MessageStore, Page } from '../../core/ports.js';
import { errorName } from '../errors.js';
import { getRecords } from './batch.js';
import { pageFromIndex, utcDays } from './index-pages.js';
import { dynamo, expiryAfter, getRecord, isConditionFailure, withoutKeys, type Item, type Key, type StoreOptions } from './table-access.js';
import { KEY_PREFIX } from './table-schema.js';
import { payloadAttributes, storedPayload, type StoredPayload } from './message-payload.js';

const messageKey = (id: string): Key => ({ pk: `${KEY_PREFIX.message}${id}`, sk: 'META' });
const claimKey = (key: string): Key => ({ pk: `${KEY_PREFIX.idempotency}${key}`, sk: 'IDEM' });
const unroutedPartition = (day: string) => `MSG#UNROUTED#${day}`;

const decodeMessage = (item: Item): Message | undefined => {
  if (item.kind !== 'message') return undefined;
  const { payloadJson, payloadBrotli, ...message } = withoutKeys<Message & StoredPayload>(item);
  const payload = storedPayload({ payloadJson, payloadBrotli });
  return payload !== undefined ? { ...message, payload } : message;
};

export class DynamoMessageStore implements MessageStore {
  constructor(private readonly options: StoreOptions) {}

  async put(message: Message, claim?: IdempotencyClaim): Promise<{ duplicateOf?: MessageId; queued?: boolean }> {
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
        if (held.Item !== undefined) return { duplicateOf: held.Item.messageId as MessageId, queued: held.Item.queued !== undefined };
      }
      return dynamo('TransactWriteItems', () => Promise.reject(error));
    }
  }

  async markQueued(key: string): Promise<void> {
    await dynamo('UpdateItem', () =>
      this.options.client.send(
        new UpdateCommand({ TableName: this.options.tableName, Key: claimKey(key), UpdateExpression: 'SET queued = :by', ExpressionAttributeValues: { ':by': 'intake' } }),
      ),
    );
  }

  /** Also leaves the unrouted index: a replay must not deliver a message its producer re-posted. */
  async markIntakeFailed(id: MessageId, failure: IntakeFailure): Promise<void> {
    // A failed condition: the message is gone (expired).
    await this.updateIf({
      Key: messageKey(id),
      UpdateExpression: 'SET intakeFailed = :failure REMOVE gsi3pk, gsi3sk',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':failure': failure },
    });
  }

  /** False when the tasks were sent by its intake or by another check (or the claim expired). */
  claimQueued(key: string, checkId: string): Promise<boolean> {
    return this.updateIf({
      Key: claimKey(key),
      UpdateExpression: 'SET queued = :by',
      ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(queued) OR queued = :by)',
      ExpressionAttributeValues: { ':by': checkId },
    });
  }

  /** An UpdateItem under a condition: false when the condition failed. */
  private async updateIf(input: Omit<UpdateCommandInput, 'TableName'>): Promise<boolean> {
    try {
      await dynamo('UpdateItem', () => this.options.client.send(new UpdateCommand({ TableName: this.options.tableName, ...input })));
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
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
      partitions: utcDays(since, until).map(unroutedPartition),
      from: since,
      to: until,
      ascending: true,
      limit: 100,
      ...(cursor !== undefined && { cursor }),
      decode: decodeMessage,
      accept: (m) => m.createdAt >= since && m.createdAt < until,
    });
  }

  async addRoute(id: MessageId, subscriptionId: SubscriptionId): Promise<void> {
    // A failed condition: already routed there, or the message expired.
    await this.updateIf({
      Key: messageKey(id),
      UpdateExpression: 'SET subscriptionIds = list_append(subscriptionIds, :route)',
      ConditionExpression: 'attribute_exists(pk) AND NOT contains(subscriptionIds, :id)',
      ExpressionAttributeValues: { ':route': [subscriptionId], ':id': subscriptionId },
    });
  }

  private item(message: Message): Item {
    const { payload, ...rest } = message;
    const item: Item = {
      ...messageKey(message.id),
      kind: 'message',
      expiresAt: expiryAfter(message.createdAt, this.options.retentionDays),
      ...(message.routing === 'unrouted' && {
        gsi3pk: unroutedPartition(message.createdAt.slice(0, 10)),
        gsi3sk: `${message.createdAt}#${message.id}`,
      }),
      ...rest,
    };
    return payload !== undefined ? { ...item, ...payloadAttributes(item, JSON.stringify(payload)) } : item;
  }
}
