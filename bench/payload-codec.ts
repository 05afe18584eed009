/**
 * payload-codec: the message item's payload compression (lambdas/adapters/dynamodb/message-payload.ts).
 * Raw DEFLATE at its levels and Brotli at low qualities, on three ~1 KB JSON payloads: the cost
 * benchmark's order (repetitive line items), a varied order (ids, hex tokens, UUIDs, free text)
 * and a base64 blob (incompressible). Per payload and codec: compressed bytes, the message item's
 * write units (text form as the baseline, same run), and encode/decode µs (median of rounds).
 */
import { createHash } from 'node:crypto';
import { brotliCompressSync, brotliDecompressSync, constants, deflateRawSync, inflateRawSync } from 'node:zlib';
import { itemBytes, writeUnits } from '../lambdas/adapters/dynamodb/item-size.js';
import { isQuick } from './support/env.js';
import { isEntryPoint, runBenchmark } from './support/output.js';
import { messageItemAttributes, orderPayload } from './support/payload.js';
import { median, round } from './support/stats.js';

const hex = (seed: string, bytes: number) => createHash('sha512').update(seed).digest('hex').slice(0, bytes * 2);
const uuid = (seed: string) => hex(seed, 16).replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');

/** A Shopify-like order without repeated line items: what a less repetitive 1 KB event looks like. */
function variedOrder(): unknown {
  return {
    id: 5523456789012,
    admin_graphql_api_id: 'gid://shopify/Order/5523456789012',
    email: 'maria.gonzalez@example.org',
    token: hex('token', 16),
    cart_token: uuid('cart'),
    created_at: '2026-12-06T18:56:17-05:00',
    total_price: '129.90',
    currency: 'EUR',
    note: 'Leave at the back door, ring twice',
    customer: { id: 7712331, first_name: 'Maria', last_name: 'González', phone: '+34 612 345 678' },
    shipping_address: { address1: 'Calle de Alcalá 123, 4ºB', city: 'Madrid', zip: '28009', country_code: 'ES' },
    line_items: [
      { id: 1231231, sku: 'MUG-350-BLU', title: 'Ceramic mug, 350 ml, blue', quantity: 2, price: '12.50' },
      { id: 9981233, sku: 'TEE-M-BLK', title: 'Organic cotton tee M black', quantity: 1, price: '29.00' },
    ],
    fingerprint: Buffer.from(hex('fingerprint', 48), 'hex').toString('base64'),
    request_id: uuid('request'),
    trace_id: uuid('trace'),
    discount_codes: [{ code: 'WINTER-2026-7Q2X', amount: '5.00', type: 'fixed_amount' }],
    tags: 'vip, repeat-customer, eu',
  };
}

const PAYLOADS: Record<string, string> = {
  bench: JSON.stringify(orderPayload(7, 1024)),
  varied: JSON.stringify(variedOrder()),
  // 768 bytes no two of whose 64-byte blocks repeat, base64: nothing for a compressor to find.
  incompressible: JSON.stringify({ blob: Buffer.from(Array.from({ length: 12 }, (_, i) => hex(`block-${i}`, 64)).join(''), 'hex').toString('base64') }),
};

type Codec = { encode: (b: Buffer) => Buffer; decode: (b: Buffer) => Buffer };
const brotli = (quality: number): Codec => ({
  encode: (b) => brotliCompressSync(b, { params: { [constants.BROTLI_PARAM_QUALITY]: quality, [constants.BROTLI_PARAM_SIZE_HINT]: b.length } }),
  decode: (b) => brotliDecompressSync(b),
});
const deflate = (level: number): Codec => ({ encode: (b) => deflateRawSync(b, { level }), decode: (b) => inflateRawSync(b) });
const CODECS: Record<string, Codec> = {
  'deflate-raw-1': deflate(1),
  'deflate-raw-6': deflate(6),
  'deflate-raw-9': deflate(9),
  'brotli-1': brotli(1),
  'brotli-3': brotli(3),
  'brotli-4': brotli(4),
  'brotli-5': brotli(5),
  'brotli-6': brotli(6),
};

/** Median µs per call over `rounds` rounds of `calls` calls. */
function microseconds(fn: () => unknown, rounds: number, calls: number): number {
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const start = performance.now();
    for (let i = 0; i < calls; i++) fn();
    samples.push(((performance.now() - start) * 1000) / calls);
  }
  return round(median(samples), 1);
}

function measure(): Record<string, unknown> {
  const rounds = isQuick() ? 5 : 31;
  const figures: Record<string, unknown> = {};
  for (const [name, json] of Object.entries(PAYLOADS)) {
    const text = Buffer.from(json);
    const attributes = messageItemAttributes(text.length);
    const byCodec: Record<string, unknown> = {};
    for (const [codecName, codec] of Object.entries(CODECS)) {
      const out = codec.encode(text);
      if (!codec.decode(out).equals(text)) throw new Error(`${codecName} did not round-trip ${name}`);
      byCodec[codecName] = {
        bytes: out.length,
        itemWriteUnits: writeUnits(itemBytes({ ...attributes, payloadBrotli: out })),
        encodeUs: microseconds(() => codec.encode(text), rounds, 500),
        decodeUs: microseconds(() => codec.decode(out), rounds, 500),
      };
    }
    figures[name] = { jsonBytes: text.length, textItemWriteUnits: writeUnits(itemBytes({ ...attributes, payloadJson: json })), codecs: byCodec };
  }
  return { payloads: figures };
}

if (isEntryPoint(import.meta.url)) await runBenchmark('payload-codec', async () => measure());
