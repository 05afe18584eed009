/**
 * Local mode refuses to start on subscriptions stored with the old keying (issue 17 point 8),
 * naming them and the fix, unless started with --allow-legacy-keying; nothing is re-keyed.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { createDocumentClient, createDynamoClient } from '../../../lambdas/adapters/aws-clients.js';
import { DynamoSubscriptionStore } from '../../../lambdas/adapters/dynamodb/subscription-store.js';
import { EnvelopeCipher } from '../../../lambdas/core/envelope.js';
import { newSubscriptionId } from '../../../lambdas/core/ids.js';
import type { Subscription } from '../../../lambdas/core/model.js';
import { buildSubscription, parseCreateSubscription } from '../../../lambdas/core/subscription-build.js';
import { clientConfig, provisionResources, resourceNamesFor } from '../../../local/engines.js';
import { LocalDataKeys } from '../../../local/key-file.js';
import { LocalModeError } from '../../../local/errors.js';
import { parseLocalOptions } from '../../../local/options.js';
import { startLocalRuntime } from '../../../local/runtime.js';
import { uniquePrefix } from '../../support/engines.js';

const engines = inject('engines');
const prefix = uniquePrefix('legacy');
const keyFile = join(mkdtempSync(join(tmpdir(), 'hookline-legacy-')), 'secrets.key');
const dynamo = createDynamoClient(clientConfig(engines.dynamoEndpoint, engines));
const args = ['--port', '0', '--dynamo-endpoint', engines.dynamoEndpoint, '--sqs-endpoint', engines.sqsEndpoint, '--resource-prefix', prefix, '--key-file', keyFile];

function subscription(body: Record<string, unknown>): Subscription {
  const input = parseCreateSubscription({ url: 'https://hooks.example.com/in', eventTypes: ['order.created'], ...body }, { allowHttpLoopback: false, allowedPorts: [] });
  return buildSubscription(input, { id: newSubscriptionId(), now: Date.now(), secret: 'a-subscriber-secret-0123456789' });
}

/** As an older version stored it: no `keying` mark. */
function stored(sub: Subscription): Subscription {
  const { keying: _none, ...old } = sub;
  return old;
}

const legacyHmac = stored(subscription({ signing: { scheme: 'hmac-sha256', header: 'X-Signature' } }));

beforeAll(async () => {
  const names = await provisionResources(engines, resourceNamesFor(prefix));
  const store = new DynamoSubscriptionStore({ client: createDocumentClient(dynamo), tableName: names.table, retentionDays: 30 }, new EnvelopeCipher(LocalDataKeys.fromFile(keyFile)));
  await store.create(legacyHmac, { unique: false });
  // Neither of these is legacy: standard-webhooks never changed its key, and the other carries the mark.
  await store.create(stored(subscription({})), { unique: false });
  await store.create(subscription({ signing: { scheme: 'authorization' } }), { unique: false });
});
afterAll(() => dynamo.destroy());

describe('local mode start with old-keying subscriptions', () => {
  it('refuses to start, naming the subscription, the flag and rotate-secret', async () => {
    const error = await startLocalRuntime(parseLocalOptions(args, {})).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LocalModeError);
    const message = (error as Error).message;
    expect(message).toContain(`holds 1 subscription(s) stored before hmac-sha256/authorization keyed with the secret string: ${legacyHmac.id}.`);
    expect(message).toContain('never re-keys them silently');
    expect(message).toContain('--allow-legacy-keying');
    expect(message).toContain('npx hookline subscriptions rotate-secret <id>');
  }, 60_000);

  it('starts with --allow-legacy-keying, reports the subscription and leaves it as stored', async () => {
    const runtime = await startLocalRuntime(parseLocalOptions([...args, '--allow-legacy-keying'], {}));
    try {
      expect(runtime.legacyKeying).toEqual([legacyHmac.id]);
      const res = await fetch(`${runtime.url}/v1/subscriptions/${legacyHmac.id}`);
      expect(res.status).toBe(200);
      expect((await res.json()) as Record<string, unknown>).not.toHaveProperty('keying');
    } finally {
      await runtime.stop();
    }
  }, 60_000);
});
