/**
 * PutObject and GetObject built from parts every Lambda bundle already carries for its other AWS
 * clients: smithy's SigV4 signer, its Node HTTP handler (the shared keep-alive agents), its
 * standard retry strategy and the SDK's credential chain, with the SDK's payload integrity
 * (object-checksum.ts). `@aws-sdk/client-s3` brought ~150 KB (models, XML, checksums, event
 * streams) into every bundle for these two calls (issue 19).
 */
import { Sha256 } from '@smithy/core/checksum';
import { StandardRetryStrategy } from '@smithy/core/retry';
import { streamCollector } from '@smithy/core/serde';
import { HttpRequest, type HttpResponse } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentials } from '../aws-clients.js';
import { retryErrorType } from '../errors.js';
import { sha256Of, verifyChecksum } from './object-checksum.js';
import { objectLocation, type S3EndpointOptions } from './object-location.js';
import { s3ServiceError } from './service-error.js';

/** What the client needs from an HTTP handler: `NodeHttpHandler` in Lambda and local mode. */
export interface ObjectHttpHandler {
  handle(request: HttpRequest): Promise<{ response: HttpResponse }>;
  destroy?(): void;
}

/** The subset of smithy's retry strategy interface the client drives. */
export type ObjectRetryStrategy = Pick<StandardRetryStrategy, 'acquireInitialRetryToken' | 'refreshRetryTokenForRetry' | 'recordSuccess'>;

export interface S3ObjectClientOptions extends S3EndpointOptions {
  credentials: AwsCredentials | (() => Promise<AwsCredentials>);
  httpHandler: ObjectHttpHandler;
  /** Attempts per call, including the first (the SDK's standard mode). @default 4 */
  maxAttempts?: number;
  /** Replaces the standard strategy (tests use one without backoff delays). */
  retryStrategy?: ObjectRetryStrategy;
}

export interface SignedObjectRequest {
  method: 'GET' | 'PUT';
  bucket: string;
  key: string;
  headers?: Record<string, string>;
  body?: Uint8Array;
}

export class S3ObjectClient {
  private readonly signer: SignatureV4;
  private readonly retries: ObjectRetryStrategy;

  constructor(private readonly options: S3ObjectClientOptions) {
    // S3 signs the path as sent (no second encoding, no dot-segment removal) and wants the payload hash in a header.
    this.signer = new SignatureV4({ credentials: options.credentials, region: options.region, service: 's3', sha256: Sha256, uriEscapePath: false, applyChecksum: true });
    this.retries = options.retryStrategy ?? new StandardRetryStrategy(options.maxAttempts ?? 4);
  }

  async putObject(bucket: string, key: string, body: string, contentType: string): Promise<void> {
    const bytes = Buffer.from(body, 'utf8');
    const sha256 = sha256Of(bytes);
    const headers = {
      'content-type': contentType,
      'content-length': String(bytes.byteLength),
      // Hashed once: the signer takes the payload hash from this header instead of hashing again.
      'x-amz-content-sha256': sha256.hex,
      'x-amz-checksum-sha256': sha256.base64,
    };
    await this.send({ method: 'PUT', bucket, key, body: bytes, headers });
  }

  async getObject(bucket: string, key: string): Promise<string> {
    const bytes = await this.send({ method: 'GET', bucket, key, headers: { 'x-amz-checksum-mode': 'ENABLED' } });
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  }

  /** The signed request of one attempt (signed again per attempt: fresh date, refreshed credentials). */
  async sign(request: SignedObjectRequest, signingDate = new Date()): Promise<HttpRequest> {
    const location = objectLocation(this.options, request.bucket, request.key);
    const unsigned = new HttpRequest({
      method: request.method,
      protocol: location.protocol,
      hostname: location.hostname,
      ...(location.port !== undefined && { port: location.port }),
      path: location.path,
      headers: { host: location.host, ...request.headers },
      ...(request.body !== undefined && { body: request.body }),
    });
    return (await this.signer.sign(unsigned, { signingDate })) as HttpRequest;
  }

  /** Sends with the SDK's standard retries: throttling and transient failures again after a jittered backoff. */
  private async send(request: SignedObjectRequest): Promise<Uint8Array> {
    let token = await this.retries.acquireInitialRetryToken('s3');
    for (;;) {
      try {
        const body = await this.attempt(request);
        this.retries.recordSuccess(token);
        return body;
      } catch (error) {
        token = await this.retries.refreshRetryTokenForRetry(token, { errorType: retryErrorType(error) }).catch(() => {
          throw error;
        });
      }
    }
  }

  private async attempt(request: SignedObjectRequest): Promise<Uint8Array> {
    const { response } = await this.options.httpHandler.handle(await this.sign(request));
    // The body is always read to its end: an unread answer would hold its keep-alive socket.
    const body = await streamCollector(response.body);
    if (response.statusCode >= 200 && response.statusCode < 300) {
      // A PUT's answer echoes the stored checksum over an empty body: only a read is checked.
      if (request.method === 'GET') verifyChecksum(response.headers, body);
      return body;
    }
    throw s3ServiceError(response.statusCode, Buffer.from(body).toString('utf8'), response.headers['x-amz-request-id']);
  }

  destroy(): void {
    this.options.httpHandler.destroy?.();
  }
}
