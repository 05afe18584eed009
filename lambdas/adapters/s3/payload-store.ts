/** Payloads too large to store inline live in the archive bucket under `payloads/`. */
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { PayloadStore } from '../../core/ports.js';
import { mapErrors } from '../errors.js';

export interface S3PayloadStoreOptions {
  client: S3Client;
  bucket: string;
}

export class S3PayloadStore implements PayloadStore {
  constructor(private readonly options: S3PayloadStoreOptions) {}

  async put(key: string, body: string): Promise<void> {
    await mapErrors('s3', 'PutObject', () =>
      this.options.client.send(
        new PutObjectCommand({ Bucket: this.options.bucket, Key: key, Body: body, ContentType: 'application/json; charset=utf-8' }),
      ),
    );
  }

  async get(key: string): Promise<string> {
    return mapErrors('s3', 'GetObject', async () => {
      const out = await this.options.client.send(new GetObjectCommand({ Bucket: this.options.bucket, Key: key }));
      if (out.Body === undefined) throw new Error(`object ${key} has no body`);
      return out.Body.transformToString('utf8');
    });
  }
}
