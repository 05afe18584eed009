/**
 * Reads at most `maxBytes` of a response body, then stops. The caller destroys the body stream
 * when it was cut short, which makes the agent drop the connection instead of draining a huge or
 * slow body into a keep-alive socket.
 */
import type { Readable } from 'node:stream';

export interface Excerpt {
  bytes: Buffer;
  /** True when the body ended within `maxBytes`; false when reading stopped at the limit. */
  complete: boolean;
}

export async function readExcerpt(body: Readable, maxBytes: number): Promise<Excerpt> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    const room = maxBytes - size;
    if (buf.length >= room) {
      chunks.push(buf.subarray(0, room));
      size += room;
      // At the limit: stop without waiting to learn whether more follows (it could stall).
      return { bytes: Buffer.concat(chunks, size), complete: false };
    }
    chunks.push(buf);
    size += buf.length;
  }
  return { bytes: Buffer.concat(chunks, size), complete: true };
}

/**
 * Decodes the excerpt as UTF-8 without inventing bytes: an incomplete multi-byte sequence
 * cut at the limit is dropped rather than turned into U+FFFD.
 */
export function decodeExcerpt(bytes: Buffer): string {
  let end = bytes.length;
  // Walk back over at most 3 continuation bytes to the last lead byte.
  let i = end - 1;
  while (i >= 0 && i >= end - 4 && (bytes[i]! & 0xc0) === 0x80) i--;
  if (i >= 0) {
    const lead = bytes[i]!;
    const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
    if (end - i < need) end = i;
  }
  return bytes.subarray(0, end).toString('utf8');
}
