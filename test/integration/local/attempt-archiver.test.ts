import { gunzipSync } from 'node:zlib';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { archiveKey, AttemptArchiver } from '../../../local/attempt-archiver.js';
import { beforeAllEngines, uniquePrefix } from '../../support/engines.js';

let s3: S3Client;
beforeAllEngines('archiver', (engines) => (s3 = engines.s3));

async function newBucket(): Promise<string> {
  const bucket = uniquePrefix('archive');
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  return bucket;
}

async function readArchive(bucket: string): Promise<{ keys: string[]; lines: Record<string, unknown>[] }> {
  const list = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'attempts/' }));
  const keys = (list.Contents ?? []).map((o) => o.Key ?? '').sort();
  const lines: Record<string, unknown>[] = [];
  for (const key of keys) {
    const obj = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const text = gunzipSync(Buffer.from(await obj.Body!.transformToByteArray())).toString('utf8');
    expect(text.endsWith('\n')).toBe(true);
    lines.push(...text.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>));
  }
  return { keys, lines };
}

const line = (i: number) => ({ kind: 'hookline.attempt', v: 1, deliveryId: `dlv_${i}`, attempt: 1, startedAt: new Date().toISOString() });

describe('archiveKey', () => {
  it('dates the object by UTC day, like Firehose', () => {
    expect(archiveKey('attempts/', new Date('2024-05-01T23:59:58.007Z'), 'abcd1234')).toBe('attempts/2024/05/01/20240501T235958007Z-abcd1234.ndjson.gz');
  });
});

describe('AttemptArchiver', () => {
  it('writes one gzip NDJSON object per flush holding every buffered line', async () => {
    // Prepare
    const bucket = await newBucket();
    const archiver = new AttemptArchiver({ s3, bucket, now: () => Date.parse('2030-01-02T03:04:05.006Z') });
    for (let i = 0; i < 3; i += 1) archiver.write(line(i));
    // Act
    const key = await archiver.flush();
    const none = await archiver.flush();
    // Assess
    expect(key).toMatch(/^attempts\/2030\/01\/02\/20300102T030405006Z-[0-9a-f]{8}\.ndjson\.gz$/);
    expect(none).toBeUndefined();
    const { keys, lines } = await readArchive(bucket);
    expect(keys).toEqual([key]);
    expect(lines.map((l) => l.deliveryId)).toEqual(['dlv_0', 'dlv_1', 'dlv_2']);
  });

  it('flushes on its interval and on stop', async () => {
    const bucket = await newBucket();
    const archiver = new AttemptArchiver({ s3, bucket, intervalMs: 50 });
    archiver.start();
    archiver.write(line(1));
    const end = Date.now() + 10_000;
    while ((await readArchive(bucket)).keys.length === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 25));
    archiver.write(line(2));
    await archiver.stop();
    const { keys, lines } = await readArchive(bucket);
    expect(keys.length).toBe(2);
    expect(lines.map((l) => l.deliveryId).sort()).toEqual(['dlv_1', 'dlv_2']);
    expect(archiver.pending).toBe(0);
  });

  it('keeps the lines of a failed upload for the next flush', async () => {
    const errors: unknown[] = [];
    const archiver = new AttemptArchiver({ s3, bucket: 'no-such-bucket', onError: (e) => errors.push(e) });
    archiver.write(line(1));
    expect(await archiver.flush()).toBeUndefined();
    expect(errors).toHaveLength(1);
    expect(archiver.pending).toBe(1);
  });
});
