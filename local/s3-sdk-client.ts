/**
 * The full S3 SDK client, for what only local mode and the tests do (create the bucket, archive
 * attempt logs, list and read objects). Lambda code reaches S3 through `createS3ObjectClient`,
 * which keeps `@aws-sdk/client-s3` out of the bundles.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { sdkClientConfig, type AwsClientConfig } from '../lambdas/adapters/aws-clients.js';

export function createS3Client(config: AwsClientConfig): S3Client {
  return new S3Client({ ...sdkClientConfig(config), forcePathStyle: config.forcePathStyle ?? false });
}
