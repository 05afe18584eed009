import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoEndpointHealthStore } from '../../../lambdas/adapters/dynamodb/endpoint-health-store.js';
import { DynamoSubscriptionStore } from '../../../lambdas/adapters/dynamodb/subscription-store.js';
import { breakerOf } from '../../../lambdas/core/breaker.js';
import { EnvelopeCipher } from '../../../lambdas/core/envelope.js';
import { newSubscriptionId } from '../../../lambdas/core/ids.js';
import type { SubscriptionId } from '../../../lambdas/core/model.js';
import { buildSubscription, parseCreateSubscription } from '../../../lambdas/core/subscription-build.js';
import { LocalDataKeys } from '../../../local/key-file.js';
import { testEngines, type TestEngines } from '../../support/engines.js';

let engines: TestEngines;
let subs: DynamoSubscriptionStore;
let health: DynamoEndpointHealthStore;

beforeAll(async () => {
  engines = await testEngines('endpoint-health');
  subs = new DynamoSubscriptionStore({ client: engines.doc, tableName: engines.names.table, retentionDays: 30 }, new EnvelopeCipher(LocalDataKeys.inMemory()));
  health = new DynamoEndpointHealthStore({ client: engines.doc, tableName: engines.names.table });
});
afterAll(() => engines.close());

async function stored(): Promise<SubscriptionId> {
  const input = parseCreateSubscription({ url: 'https://hooks.example.com/in', eventTypes: ['order.created'] }, { allowHttpLoopback: false, allowedPorts: [] });
  const sub = buildSubscription(input, { id: newSubscriptionId(), now: Date.now(), secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' });
  await subs.create(sub, { unique: false });
  return sub.id;
}

const stateOf = async (id: SubscriptionId) => breakerOf((await subs.get(id))!);

describe('DynamoEndpointHealthStore on DynamoDB Local', () => {
  it('counts concurrent transport failures atomically, and the batch read of the subscription brings the state along', async () => {
    const id = await stored();
    const counts = await Promise.all(Array.from({ length: 8 }, () => health.recordTransportFailure(id)));
    expect(counts.map((c) => c?.failures).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect((await subs.getMany([id])).get(id)?.breakerFailures).toBe(8);
    expect(await health.recordTransportFailure(newSubscriptionId())).toBeUndefined(); // gone: nothing created
  });

  it('of concurrent opens from the same state exactly one wins; re-opening needs the state it saw', async () => {
    const id = await stored();
    const seen = (await health.recordTransportFailure(id))!;
    const wins = await Promise.all([1, 2, 3, 4].map((i) => health.open(id, seen, 10_000 + i, 1)));
    expect(wins.filter(Boolean)).toHaveLength(1);
    const open = await stateOf(id);
    expect(await health.open(id, seen, 99_999, 1)).toBe(false); // stale view
    expect(await health.open(id, open, 50_000, 2)).toBe(true); // the probe's re-open
    expect(await stateOf(id)).toMatchObject({ openUntil: 50_000, opens: 2 });
  });

  it('one probe per lease: concurrent claims, one winner; a lapsed lease can be claimed again', async () => {
    const id = await stored();
    await health.open(id, { failures: 0 }, 1000, 1);
    const open = await stateOf(id);
    const claims = await Promise.all([1, 2, 3].map(() => health.claimProbe(id, open, 2000, 9000)));
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect(await health.claimProbe(id, open, 8999, 20_000)).toBe(false);
    expect(await health.claimProbe(id, open, 9000, 20_000)).toBe(true);
  });

  it('close clears the breaker; with a drain start it records when', async () => {
    const id = await stored();
    await health.recordTransportFailure(id);
    await health.open(id, { failures: 1 }, 1000, 1);
    await health.close(id, 5000);
    expect(await stateOf(id)).toEqual({ failures: 0, closedAt: 5000 });
    await health.recordTransportFailure(id);
    await health.close(id);
    expect(await stateOf(id)).toEqual({ failures: 0, closedAt: 5000 });
  });

  it('reserves distinct slots one interval apart under concurrency, and an idle pacer starts at now', async () => {
    const id = await stored();
    const slots = await Promise.all(Array.from({ length: 6 }, () => health.reserveSlot(id, 1000, 250)));
    expect(slots.sort((a, b) => a - b)).toEqual([1000, 1250, 1500, 1750, 2000, 2250]);
    expect(await health.reserveSlot(id, 60_000, 250)).toBe(60_000);
  });
});
