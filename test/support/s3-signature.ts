/**
 * S3's side of SigV4, written from the specification rather than with the SDK's signer: the
 * canonical request of what was sent (the path exactly as on the wire: S3 does not encode it
 * again), the headers the request says it signed, the payload hash it carries.
 */
import { createHash, createHmac } from 'node:crypto';

export interface ReceivedRequest {
  method: string;
  /** The path as sent, percent-encoding included (no query: S3 object calls here carry none). */
  path: string;
  headers: Record<string, string | string[] | undefined>;
}

function header(request: ReceivedRequest, name: string): string {
  const value = Object.entries(request.headers).find(([k]) => k.toLowerCase() === name)?.[1];
  return (Array.isArray(value) ? value.join(',') : (value ?? '')).trim();
}

/** The signature S3 computes for `request` with `secretAccessKey`; compare it with the one the request carries. */
export function s3ExpectedSignature(request: ReceivedRequest, secretAccessKey: string, region: string): string {
  const auth = /Credential=[^/]+\/(\d{8})\/[^,]+, SignedHeaders=([^,]+), Signature=/.exec(header(request, 'authorization'));
  if (auth === null) throw new Error(`not a SigV4 authorization: ${header(request, 'authorization')}`);
  const [, day, signedHeaders] = auth as unknown as [string, string, string];
  const canonical = [request.method, request.path, '', ...signedHeaders.split(';').map((h) => `${h}:${header(request, h)}`), '', signedHeaders, header(request, 'x-amz-content-sha256')].join('\n');
  const scope = `${day}/${region}/s3/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', header(request, 'x-amz-date'), scope, createHash('sha256').update(canonical).digest('hex')].join('\n');
  const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
  const key = ['s3', 'aws4_request'].reduce(hmac, hmac(hmac(`AWS4${secretAccessKey}`, day), region));
  return createHmac('sha256', key).update(toSign).digest('hex');
}

/** The signature the request carries. */
export function carriedSignature(request: ReceivedRequest): string | undefined {
  return /Signature=([0-9a-f]{64})$/.exec(header(request, 'authorization'))?.[1];
}
