/**
 * How a message's inline payload is stored. As JSON text (`payloadJson`), not as a DynamoDB map:
 * any JSON number (beyond 2^53 or DynamoDB's 38 digits / 1e125 range) and any key survive, and
 * no payload can fail the write. When it lowers the item's write units, the same text is stored
 * Brotli-compressed instead (`payloadBrotli`, Binary): a 1 KB JSON order plus the message's
 * ~300 bytes of attributes is 2 units as text, 1 compressed. Reads accept both forms, so items
 * written before (text only) stay readable.
 *
 * Brotli at quality 5 (bench/payload-codec.ts, ~1 KB payloads): the smallest of the cheap
 * settings on every payload measured (the benchmark's order 181 B, a varied order 683 B, an
 * incompressible one 807 B; raw DEFLATE 204 / 711 / 812, Brotli 1-4 larger still), for 17-37 µs
 * to encode (DEFLATE 12-18) and ~6 µs to decode. Bytes only count where they cross a KB: on the
 * varied order, Brotli 5 is 1 unit where DEFLATE stays at 2, and a unit ($0.625 per million)
 * outweighs the 10-20 µs of receiver CPU it costs over DEFLATE (~$0.0001 per million) by far.
 */
import { brotliCompressSync, brotliDecompressSync, constants } from 'node:zlib';
import { itemBytes, writeUnits } from './item-size.js';

const BROTLI_QUALITY = 5;

export interface StoredPayload {
  payloadJson?: string;
  payloadBrotli?: Uint8Array;
}

function compress(text: string): Buffer {
  const bytes = Buffer.from(text);
  return brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length } });
}

/** The payload's attributes for `item` (the message without them): the form with fewer write units, text on a tie. */
export function payloadAttributes(item: Record<string, unknown>, payloadJson: string): StoredPayload {
  const asText = { payloadJson };
  const textUnits = writeUnits(itemBytes({ ...item, ...asText }));
  if (textUnits === 1) return asText;
  const compressed = { payloadBrotli: compress(payloadJson) };
  return writeUnits(itemBytes({ ...item, ...compressed })) < textUnits ? compressed : asText;
}

/** The stored payload, from either form; undefined when the item has none (it is in S3, or there was none). */
export function storedPayload({ payloadJson, payloadBrotli }: StoredPayload): unknown {
  if (payloadBrotli !== undefined) return JSON.parse(brotliDecompressSync(payloadBrotli).toString('utf8')) as unknown;
  return payloadJson !== undefined ? (JSON.parse(payloadJson) as unknown) : undefined;
}
