/**
 * The circuit breaker's and the pacer's state on the subscription's item (`SUB#{id}` / `META`):
 * each change is one conditional `UpdateItem` on its own attributes, so concurrent workers agree
 * on who opened the breaker or holds its probe. The batch's read of the subscription brings the
 * state along, so the healthy path reads and writes nothing here.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { BreakerState } from '../../core/breaker.js';
import type { SubscriptionId } from '../../core/model.js';
import type { EndpointHealthStore } from '../../core/ports.js';
import { dynamo, isConditionFailure, type Item, type StoreOptions } from './table-access.js';

const keyOf = (id: SubscriptionId) => ({ pk: `SUB#${id}`, sk: 'META' });

/** The stored breaker attributes as a `BreakerState`. */
function breakerFromItem(item: Item): BreakerState {
  const at = (name: string): number | undefined => (typeof item[name] === 'number' ? item[name] : undefined);
  const [openUntil, opens, probeUntil, closedAt] = ['breakerOpenUntil', 'breakerOpens', 'breakerProbeUntil', 'breakerClosedAt'].map(at);
  return {
    failures: at('breakerFailures') ?? 0,
    ...(openUntil !== undefined && { openUntil }),
    ...(opens !== undefined && { opens }),
    ...(probeUntil !== undefined && { probeUntil }),
    ...(closedAt !== undefined && { closedAt }),
  };
}

/** `breakerOpenUntil` is still what the caller saw. */
function stillAsSeen(seen: BreakerState): { condition: string; values: Record<string, unknown> } {
  return seen.openUntil === undefined
    ? { condition: 'attribute_not_exists(breakerOpenUntil)', values: {} }
    : { condition: 'breakerOpenUntil = :seen', values: { ':seen': seen.openUntil } };
}

export class DynamoEndpointHealthStore implements EndpointHealthStore {
  constructor(private readonly options: Pick<StoreOptions, 'client' | 'tableName'>) {}

  async recordTransportFailure(id: SubscriptionId): Promise<BreakerState | undefined> {
    const out = await this.on(id).update('ADD breakerFailures :one', 'attribute_exists(pk)', { ':one': 1 }, 'ALL_NEW');
    return out === undefined ? undefined : breakerFromItem(out);
  }

  async open(id: SubscriptionId, seen: BreakerState, openUntil: number, opens: number): Promise<boolean> {
    const { condition, values } = stillAsSeen(seen);
    return (
      (await this.on(id).update(
        'SET breakerOpenUntil = :until, breakerOpens = :opens REMOVE breakerProbeUntil, breakerClosedAt',
        `attribute_exists(pk) AND ${condition}`,
        { ...values, ':until': openUntil, ':opens': opens },
      )) !== undefined
    );
  }

  async claimProbe(id: SubscriptionId, seen: BreakerState, now: number, leaseUntil: number): Promise<boolean> {
    const { condition, values } = stillAsSeen(seen);
    return (
      (await this.on(id).update(
        'SET breakerProbeUntil = :lease',
        `${condition} AND (attribute_not_exists(breakerProbeUntil) OR breakerProbeUntil <= :now)`,
        { ...values, ':lease': leaseUntil, ':now': now },
      )) !== undefined
    );
  }

  async close(id: SubscriptionId, drainFrom?: number): Promise<void> {
    const cleared = 'REMOVE breakerFailures, breakerOpenUntil, breakerOpens, breakerProbeUntil';
    if (drainFrom === undefined) await this.on(id).update(cleared, 'attribute_exists(pk)', {});
    else await this.on(id).update(`SET breakerClosedAt = :at ${cleared}`, 'attribute_exists(pk)', { ':at': drainFrom });
  }

  async reserveSlot(id: SubscriptionId, now: number, intervalMs: number): Promise<number> {
    const store = this.on(id);
    for (let tries = 0; tries < 3; tries++) {
      // Idle pacer: this task goes now and the next one an interval later.
      const fresh = await store.update('SET paceNextAt = :next', 'attribute_exists(pk) AND (attribute_not_exists(paceNextAt) OR paceNextAt <= :now)', {
        ':next': now + intervalMs,
        ':now': now,
      });
      if (fresh !== undefined) return now;
      // Busy pacer: take the slot it holds and move it on by one interval.
      const old = await store.update('SET paceNextAt = paceNextAt + :interval', 'paceNextAt > :now', { ':interval': intervalMs, ':now': now }, 'UPDATED_OLD');
      if (old !== undefined) return Number(old.paceNextAt);
    }
    return now; // gone, or lost three races in a row: send without a slot rather than hold the task
  }

  private on(id: SubscriptionId) {
    return { update: (expression: string, condition: string, values: Record<string, unknown>, returns?: 'ALL_NEW' | 'UPDATED_OLD') => this.updateItem(id, expression, condition, values, returns) };
  }

  /** One conditional update; undefined when its condition failed. */
  private async updateItem(
    id: SubscriptionId,
    expression: string,
    condition: string,
    values: Record<string, unknown>,
    returns: 'ALL_NEW' | 'UPDATED_OLD' | undefined,
  ): Promise<Item | undefined> {
    try {
      const out = await dynamo('UpdateItem', () =>
        this.options.client.send(
          new UpdateCommand({
            TableName: this.options.tableName,
            Key: keyOf(id),
            UpdateExpression: expression,
            ConditionExpression: condition,
            // DynamoDB refuses an empty map here.
            ...(Object.keys(values).length > 0 && { ExpressionAttributeValues: values }),
            ReturnValues: returns ?? 'NONE',
          }),
        ),
      );
      return out.Attributes ?? {};
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }
}
