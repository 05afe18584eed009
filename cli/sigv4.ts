/**
 * SigV4 signing of the CLI's API requests (API Gateway HTTP API with IAM auth, service
 * `execute-api`). The cryptography is the AWS SDK's own `SignatureV4`; this module only
 * turns an outgoing request (URL as sent on the wire) into the SDK's `HttpRequest` so that
 * what is signed is exactly what is sent: same host (with port), path and query encoding.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface OutgoingRequest {
  method: string;
  /** Absolute URL whose query is already RFC 3986 encoded (see `encodeRfc3986`). */
  url: string;
  headers: Record<string, string>;
  body?: string;
}

export interface SignOptions {
  credentials: AwsCredentials;
  region: string;
  /** @default 'execute-api' */
  service?: string;
  /** @default new Date() */
  signingDate?: Date;
  /**
   * Adds `x-amz-content-sha256`. API Gateway hashes the body itself, so it is not needed.
   * @default false
   */
  applyChecksum?: boolean;
}

/** RFC 3986 percent-encoding, the form SigV4 canonicalises query strings to. */
export function encodeRfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Parses `a=1&b=x%20y&a=2` into the SDK's query shape (decoded values, repeated keys as arrays). */
function parseQuery(search: string): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const part of search.replace(/^\?/, '').split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const key = decodeURIComponent(eq < 0 ? part : part.slice(0, eq));
    const value = eq < 0 ? '' : decodeURIComponent(part.slice(eq + 1));
    const prev = query[key];
    query[key] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return query;
}

/** Converts an outgoing request into the SDK's request shape, with the `host` header it will carry. */
export function toHttpRequest(req: OutgoingRequest): HttpRequest {
  const url = new URL(req.url);
  const headers: Record<string, string> = { host: url.host };
  for (const [k, v] of Object.entries(req.headers)) headers[k.toLowerCase()] = v;
  return new HttpRequest({
    method: req.method.toUpperCase(),
    protocol: url.protocol,
    hostname: url.hostname,
    ...(url.port ? { port: Number(url.port) } : {}),
    path: url.pathname,
    query: parseQuery(url.search),
    headers,
    ...(req.body !== undefined ? { body: req.body } : {}),
  });
}

/**
 * Signs `req` and returns the headers to send (lower-cased): the caller's, plus `host`,
 * `x-amz-date`, `authorization` and, with temporary credentials, `x-amz-security-token`.
 */
export async function signRequest(req: OutgoingRequest, options: SignOptions): Promise<Record<string, string>> {
  const signer = new SignatureV4({
    credentials: options.credentials,
    region: options.region,
    service: options.service ?? 'execute-api',
    sha256: Sha256,
    applyChecksum: options.applyChecksum ?? false,
  });
  const signed = await signer.sign(toHttpRequest(req), { signingDate: options.signingDate ?? new Date() });
  return { ...signed.headers };
}
