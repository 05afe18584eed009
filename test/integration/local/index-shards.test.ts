/**
 * Local mode keeps the delivery index shard count its store ran with and refuses to start with a
 * smaller one (records in the upper shards would vanish from searches); raising it is accepted.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { LocalModeError } from '../../../local/errors.js';
import { parseLocalOptions } from '../../../local/options.js';
import { startLocalRuntime } from '../../../local/runtime.js';
import { uniquePrefix } from '../../support/engines.js';

const engines = inject('engines');
const keyFile = join(mkdtempSync(join(tmpdir(), 'hookline-shards-')), 'secrets.key');
const argsFor = (prefix: string) => ['--port', '0', '--dynamo-endpoint', engines.dynamoEndpoint, '--sqs-endpoint', engines.sqsEndpoint, '--resource-prefix', prefix, '--key-file', keyFile];

async function startAndStop(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<void> {
  const runtime = await startLocalRuntime(parseLocalOptions(argv, env));
  await runtime.stop();
}

describe('local mode delivery index shards', () => {
  it('refuses a smaller count than the store last ran with, naming both, and accepts the same or a larger one', async () => {
    const args = argsFor(uniquePrefix('shards'));
    await startAndStop([...args, '--delivery-index-shards', '64']);

    const error = await startLocalRuntime(parseLocalOptions(args, {})).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LocalModeError);
    expect((error as Error).message).toContain('last ran with --delivery-index-shards 64; starting with 16 would hide the delivery records in shards 16..63');
    const viaEnv = await startLocalRuntime(parseLocalOptions(args, { HOOKLINE_DELIVERY_INDEX_SHARDS: '32' })).catch((e: unknown) => e);
    expect((viaEnv as Error).message).toContain('starting with 32 would hide');

    await startAndStop([...args, '--delivery-index-shards', '64']);
    await startAndStop(args, { HOOKLINE_DELIVERY_INDEX_SHARDS: '128' });
    const afterRaise = await startLocalRuntime(parseLocalOptions([...args, '--delivery-index-shards', '64'], {})).catch((e: unknown) => e);
    expect((afterRaise as Error).message).toContain('last ran with --delivery-index-shards 128; starting with 64');
  }, 120_000);

  it('starts a fresh store at the default 16', async () => {
    await expect(startAndStop(argsFor(uniquePrefix('shards')))).resolves.toBeUndefined();
  }, 60_000);
});
