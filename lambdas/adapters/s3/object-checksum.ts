/**
 * End-to-end integrity of stored payloads, as `@aws-sdk/client-s3` gave it: PutObject sends the
 * body's SHA-256 (S3 refuses a body that does not match it, and stores it), GetObject asks for the
 * stored checksum (`x-amz-checksum-mode: ENABLED`) and compares it with the bytes received.
 */
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';

/** The body's SHA-256, hex for SigV4's `x-amz-content-sha256`, base64 for `x-amz-checksum-sha256`. */
export function sha256Of(body: Uint8Array): { hex: string; base64: string } {
  const digest = createHash('sha256').update(body).digest();
  return { hex: digest.toString('hex'), base64: digest.toString('base64') };
}

function crc32Base64(body: Uint8Array): string {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(crc32(body));
  return out.toString('base64');
}

/** The checksums this client can check: its own SHA-256, and the CRC32 the SDK stored with objects written before it. */
const CHECKERS: [header: string, compute: (body: Uint8Array) => string][] = [
  ['x-amz-checksum-sha256', (body) => sha256Of(body).base64],
  ['x-amz-checksum-crc32', crc32Base64],
];

/**
 * Throws when the answer names a checksum the bytes do not have. Retryable (`$retryable`, as the
 * SDK marks such errors): a read cut short or damaged on the way is worth reading again.
 */
export function verifyChecksum(headers: Record<string, string | undefined>, body: Uint8Array): void {
  // A multipart object's checksum is of its parts' checksums, not of the bytes; this client never writes one.
  if (headers['x-amz-checksum-type'] === 'COMPOSITE') return;
  for (const [header, compute] of CHECKERS) {
    const expected = headers[header];
    if (expected === undefined) continue;
    const actual = compute(body);
    if (actual !== expected) {
      throw Object.assign(new Error(`checksum mismatch: ${header} says ${expected}, the ${body.byteLength} bytes received have ${actual}`), { name: 'ChecksumMismatch', $retryable: {} });
    }
  }
}
