/**
 * An S3 error answer in the shape of the SDK's service exceptions (`name` = S3's error code,
 * `$metadata.httpStatusCode`, `$fault`), so `adapters/errors.ts` classifies it exactly as it
 * classified `@aws-sdk/client-s3`'s: 404 `NoSuchKey` a dependency error, 5xx, `SlowDown` and
 * 429 transient.
 *
 * Not a `HooklineError`: like an SDK exception it is raw input to `toDomainError`, which turns it
 * into the domain error once (a domain error would pass through unclassified).
 */
export class S3ServiceError extends Error {
  readonly $fault: 'client' | 'server';
  readonly $metadata: { httpStatusCode: number; requestId?: string };

  constructor(code: string, message: string, status: number, requestId?: string) {
    super(message);
    this.name = code;
    this.$fault = status >= 500 ? 'server' : 'client';
    this.$metadata = { httpStatusCode: status, ...(requestId !== undefined && { requestId }) };
  }
}

const XML_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function xmlText(body: string, element: string): string | undefined {
  const raw = new RegExp(`<${element}>([^<]*)</${element}>`).exec(body)?.[1];
  return raw?.replace(/&(amp|lt|gt|quot|apos);/g, (_, name: string) => XML_ENTITIES[name] ?? '');
}

/** Names for answers without an XML body (a HEAD, a proxy's page), as the SDK names them. */
const STATUS_CODES: Record<number, string> = { 301: 'PermanentRedirect', 403: 'Forbidden', 404: 'NotFound' };

/** The error an S3 answer with a non-2xx status stands for: `<Error><Code>…</Code><Message>…</Message>`. */
export function s3ServiceError(status: number, body: string, requestId?: string): S3ServiceError {
  const code = xmlText(body, 'Code') ?? STATUS_CODES[status] ?? 'UnknownError';
  const message = xmlText(body, 'Message') ?? `S3 answered HTTP ${status}`;
  return new S3ServiceError(code, message, status, requestId);
}
