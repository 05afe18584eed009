/**
 * Local mode re-keys delivery records written by an earlier version (`DLV#{old id}` / `META`) at
 * start: afterwards they are listed by every search and fetched by their new id.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { createDocumentClient, createDynamoClient } from '../../../lambdas/adapters/aws-clients.js';
import { DynamoMessageStore } from '../../../lambdas/adapters/dynamodb/message-store.js';
import { DynamoSubscriptionStore } from '../../../lambdas/adapters/dynamodb/subscription-store.js';
import { EnvelopeCipher } from '../../../lambdas/core/envelope.js';
import { deliveryIdFor, newMessageId } from '../../../lambdas/core/ids.js';
import type { Delivery, Message, Subscription } from '../../../lambdas/core/model.js';
import { buildSubscription, parseCreateSubscription } from '../../../lambdas/core/subscription-build.js';
import { clientConfig, provisionResources, resourceNamesFor } from '../../../local/engines.js';
import { LocalDataKeys } from '../../../local/key-file.js';
import { parseLocalOptions } from '../../../local/options.js';
import { startLocalRuntime } from '../../../local/runtime.js';
import { uniquePrefix } from '../../support/engines.js';

const engines = inject('engines');
const prefix = uniquePrefix('rekey');
const keyFile = join(mkdtempSync(join(tmpdir(), 'hookline-rekey-')), 'secrets.key');
const dynamo = createDynamoClient(clientConfig(engines.dynamoEndpoint, engines));
const args = ['--port', '0', '--dynamo-endpoint', engines.dynamoEndpoint, '--sqs-endpoint', engines.sqsEndpoint, '--resource-prefix', prefix, '--key-file', keyFile];
const tenant = 'shop-rekey';

const input = parseCreateSubscription({ url: 'https://hooks.example.com/in', eventTypes: ['order.created'], tenant }, { allowHttpLoopback: false, allowedPorts: [] });
const subscription: Subscription = buildSubscription(input, { id: `sub_${'0'.repeat(10)}${'A'.repeat(16)}` as Subscription['id'], now: Date.now(), secret: 'a-subscriber-secret-0123456789' });

const at = Date.now() - 10 * 60_000;
const createdAt = new Date(at).toISOString();
const message: Message = { id: newMessageId(at), type: 'order.created', tenant, eventTime: createdAt, createdAt, routing: 'tenant', subscriptionIds: [subscription.id], payload: { n: 1 }, payloadBytes: 7 };
const oldId = 'dlv_laCgSDdGGsOTelMnXO8GhGqahU'; // the previous format: a hash of the pair
const newId = deliveryIdFor(message.id, subscription.id);
const legacy: Delivery = {
  id: oldId as Delivery['id'],
  messageId: message.id,
  subscriptionId: subscription.id,
  tenant,
  eventType: 'order.created',
  status: 'failed',
  attemptCount: 5,
  generation: 0,
  reason: 'retries exhausted',
  createdAt,
  updatedAt: createdAt,
  attempts: [],
};

beforeAll(async () => {
  const names = await provisionResources(engines, resourceNamesFor(prefix));
  const doc = createDocumentClient(dynamo);
  const options = { client: doc, tableName: names.table, retentionDays: 30 };
  await new DynamoSubscriptionStore(options, new EnvelopeCipher(LocalDataKeys.fromFile(keyFile))).create(subscription, { unique: false });
  await new DynamoMessageStore(options).put(message);
  // As the previous version stored it: keyed by its own id, one month-index entry.
  await doc.send(
    new PutCommand({
      TableName: names.table,
      Item: { pk: `DLV#${oldId}`, sk: 'META', kind: 'delivery', gsi3pk: `DLV#NOK#${createdAt.slice(0, 7)}#05`, gsi3sk: `${createdAt}#${oldId}`, ...legacy },
    }),
  );
});
afterAll(() => dynamo.destroy());

describe('local mode start with delivery records of the previous layout', () => {
  it('re-keys them: listed by every search, fetched by the new id, the old id a 404', async () => {
    const runtime = await startLocalRuntime(parseLocalOptions(args, {}));
    try {
      expect(runtime.migratedDeliveries).toBe(1);
      const get = async (path: string) => {
        const res = await fetch(`${runtime.url}${path}`);
        return { status: res.status, body: (await res.json()) as { items?: { id: string }[]; status?: string; id?: string } };
      };
      const expected = { ...legacy, id: newId };
      expect((await get(`/v1/deliveries/${newId}`)).body).toEqual(expected);
      const byOldId = await get(`/v1/deliveries/${oldId}`);
      expect(byOldId.status).toBe(404);
      expect((byOldId.body as { detail?: string }).detail).toMatch(/format before delivery records were keyed by subscription/);
      for (const query of [`subscriptionId=${subscription.id}`, `tenant=${tenant}`, 'status=failed', `eventType=order.created&tenant=${tenant}`]) {
        expect((await get(`/v1/deliveries?${query}`)).body.items?.map((d) => d.id), query).toEqual([newId]);
      }
      expect((await get(`/v1/messages/${message.id}`)).body).toMatchObject({ deliveries: [{ id: newId, status: 'failed', attemptCount: 5 }] });
    } finally {
      await runtime.stop();
    }
  }, 60_000);
});
