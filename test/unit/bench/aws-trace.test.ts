import { Readable } from 'node:stream';
import { HttpResponse } from '@smithy/protocol-http';
import { describe, expect, it } from 'vitest';
import { S3ObjectClient } from '../../../lambdas/adapters/s3/object-client.js';
import { installAwsTrace } from '../../../bench/support/aws-trace.js';

describe('installAwsTrace', () => {
  it('counts S3ObjectClient calls as s3:PutObject and s3:GetObject, and stops at uninstall', async () => {
    const handler = { handle: async () => ({ response: new HttpResponse({ statusCode: 200, headers: {}, body: Readable.from([Buffer.from('{}')]) }) }) };
    const s3 = new S3ObjectClient({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 's' }, httpHandler: handler });
    const trace = installAwsTrace();
    try {
      await s3.putObject('b-1', 'payloads/m.json', '{}', 'application/json');
      expect(await s3.getObject('b-1', 'payloads/m.json')).toBe('{}');
      expect(trace.calls.map((c) => [c.key, c.failed ?? false])).toEqual([
        ['s3:PutObject', false],
        ['s3:GetObject', false],
      ]);
    } finally {
      trace.uninstall();
    }
    await s3.getObject('b-1', 'payloads/m.json');
    expect(trace.calls).toHaveLength(2);
  });
});
