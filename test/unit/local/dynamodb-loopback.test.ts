/**
 * DynamoDB Local's loopback launcher: the committed class is the build of the committed source
 * (digests written by `npm run build:dynamodb-loopback`), and the engine is started through it,
 * bound to 127.0.0.1, with telemetry off. test/e2e/loopback-only.test.ts proves the binding.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { dynamoDbLocalArgs, LAUNCHER_DIGESTS, launcherDigests } from '../../../local/dynamodb-loopback.js';

describe('the DynamoDB Local launcher', () => {
  it('has a committed class built from the committed source (run npm run build:dynamodb-loopback after editing it)', () => {
    expect(launcherDigests()).toBe(readFileSync(LAUNCHER_DIGESTS, 'utf8'));
  });

  it('runs DynamoDB Local through the launcher on 127.0.0.1, in memory or on a path, without telemetry', () => {
    const memory = dynamoDbLocalArgs({ port: 8123 }, '/ddb');
    expect(memory.slice(3)).toEqual(['LoopbackDynamoDb', '127.0.0.1', '-inMemory', '-port', '8123', '-sharedDb', '-disableTelemetry']);
    expect(memory[2]).toMatch(/^\/ddb\/DynamoDBLocal\.jar:\/ddb\/DynamoDBLocal_lib\/\*:.*\/local\/dynamodb-loopback\/$/);
    expect(dynamoDbLocalArgs({ port: 8123, path: '/data' }, '/ddb').slice(5, 7)).toEqual(['-dbPath', '/data']);
  });
});
