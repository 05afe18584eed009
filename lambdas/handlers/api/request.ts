/** Reading API Gateway HTTP API (payload v2) requests: JSON bodies with content-type and size checks. */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { MalformedJsonError, PayloadTooLargeError, UnsupportedMediaTypeError } from '../../core/errors.js';

export type HttpEvent = APIGatewayProxyEventV2;

export function header(event: HttpEvent, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
}

export function rawBody(event: HttpEvent): Buffer {
  if (event.body === undefined || event.body === null) return Buffer.alloc(0);
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body, 'utf8');
}

const JSON_MEDIA_TYPE = /^application\/([a-z0-9.+-]+\+)?json\s*(;.*)?$/i;

/**
 * The request's JSON body. An empty body is `undefined` (routes decide whether that is allowed);
 * a non-empty body must be declared JSON and parse as JSON.
 */
export function jsonBody(event: HttpEvent, maxBytes: number): { value: unknown; bytes: number } {
  const body = rawBody(event);
  if (body.length > maxBytes) throw new PayloadTooLargeError(`request body is ${body.length} bytes; the limit is ${maxBytes}`);
  if (body.length === 0) return { value: undefined, bytes: 0 };
  const contentType = header(event, 'content-type');
  if (contentType === undefined || !JSON_MEDIA_TYPE.test(contentType)) {
    throw new UnsupportedMediaTypeError(`content-type must be application/json, got ${contentType ?? 'none'}`);
  }
  try {
    return { value: JSON.parse(body.toString('utf8')) as unknown, bytes: body.length };
  } catch (cause) {
    throw new MalformedJsonError(`request body is not valid JSON: ${(cause as Error).message}`, { cause });
  }
}

export function query(event: HttpEvent): Record<string, string> {
  return Object.fromEntries(
    Object.entries(event.queryStringParameters ?? {}).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}
