/**
 * Where an S3 object is addressed on the wire, computed the way the SDK's S3 endpoint rules do it
 * for the cases Hookline meets: virtual-hosted style at the region's endpoint in AWS, path-style
 * at a custom endpoint that asks for it (local mode's emulator) or for a bucket name that cannot
 * be a DNS label over TLS. FIPS and dual-stack endpoints are not offered.
 */
import { partition } from '@aws-sdk/core/client';

export interface S3EndpointOptions {
  region: string;
  /** A custom endpoint (local engines); absent in AWS. */
  endpoint?: string;
  /** Path-style URLs (`/bucket/key`) instead of `bucket.host/key`. */
  forcePathStyle?: boolean;
}

export interface ObjectLocation {
  protocol: 'http:' | 'https:';
  hostname: string;
  port?: number;
  /** Already percent-encoded, exactly as sent and signed (S3 signs the path without re-encoding it). */
  path: string;
  /** The `host` header: hostname, with the port when the URL names one. */
  host: string;
}

/** RFC 3986 percent-encoding (encodeURIComponent leaves `!'()*` alone; S3's canonical form does not). */
function encodeRfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The SDK's encoding of an object key: every segment RFC 3986-encoded, the slashes kept. */
export function encodeObjectKey(key: string): string {
  return key.split('/').map(encodeRfc3986).join('/');
}

/** A bucket name usable as a DNS label under TLS: no dots (the wildcard certificate covers one level), no upper case. */
function isVirtualHostable(bucket: string): boolean {
  return /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(bucket);
}

/** The region's S3 endpoint in its partition (`amazonaws.com`, `amazonaws.com.cn`, …), as the SDK resolves it. */
export function regionalEndpoint(region: string): string {
  return `https://s3.${region}.${partition(region).dnsSuffix}`;
}

export function objectLocation(options: S3EndpointOptions, bucket: string, key: string): ObjectLocation {
  const url = new URL(options.endpoint ?? regionalEndpoint(options.region));
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`S3 endpoint ${url.origin} is neither http nor https`);
  const basePath = url.pathname.replace(/\/+$/, '');
  const encodedKey = encodeObjectKey(key);
  const pathStyle = options.forcePathStyle === true || !isVirtualHostable(bucket);
  const hostname = pathStyle ? url.hostname : `${bucket}.${url.hostname}`;
  return {
    protocol: url.protocol,
    hostname,
    ...(url.port !== '' && { port: Number(url.port) }),
    path: pathStyle ? `${basePath}/${encodeRfc3986(bucket)}/${encodedKey}` : `${basePath}/${encodedKey}`,
    host: url.port === '' ? hostname : `${hostname}:${url.port}`,
  };
}
