/**
 * The SDK clients give up on a call whose answer never comes: a loopback server that accepts the
 * connection and never answers stands in for a hung AWS endpoint.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoClient } from '../../../lambdas/adapters/aws-clients.js';
import { isTransient } from '../../../lambdas/adapters/errors.js';

let silent: Server;
const sockets = new Set<Socket>();

beforeAll(async () => {
  silent = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolve) => silent.close(() => resolve()));
});

describe('AWS SDK clients against an endpoint that never answers', () => {
  it('fail the call with a transient timeout after requestTimeoutMs instead of waiting for ever', async () => {
    const { port } = silent.address() as AddressInfo;
    const client = createDynamoClient({
      region: 'us-east-1',
      endpoint: `http://127.0.0.1:${port}`,
      credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' },
      maxAttempts: 1,
      requestTimeoutMs: 300,
    });
    try {
      const error = await client.send(new GetItemCommand({ TableName: 't', Key: { pk: { S: 'x' } } })).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ name: 'TimeoutError' });
      expect(isTransient(error)).toBe(true);
      expect(sockets.size).toBe(1);
    } finally {
      client.destroy();
    }
  }, 10_000);
});
