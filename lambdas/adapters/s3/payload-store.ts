/** Payloads too large to store inline live in the archive bucket under `payloads/`. */
import type { PayloadStore } from '../../core/ports.js';
import { mapErrors } from '../errors.js';
import type { S3ObjectClient } from './object-client.js';

export interface S3PayloadStoreOptions {
  client: S3ObjectClient;
  bucket: string;
}

export class S3PayloadStore implements PayloadStore {
  constructor(private readonly options: S3PayloadStoreOptions) {}

  async put(key: string, body: string): Promise<void> {
    await mapErrors('s3', 'PutObject', () => this.options.client.putObject(this.options.bucket, key, body, 'application/json; charset=utf-8'));
  }

  async get(key: string): Promise<string> {
    return mapErrors('s3', 'GetObject', () => this.options.client.getObject(this.options.bucket, key));
  }
}
