import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { itemBytes, numberBytes, valueBytes, writeUnits } from '../../../lambdas/adapters/dynamodb/item-size.js';
import { payloadAttributes, storedPayload } from '../../../lambdas/adapters/dynamodb/message-payload.js';
import { messageItemAttributes, orderPayload } from '../../../bench/support/payload.js';

describe('DynamoDB item size', () => {
  it('counts attribute names and string values in UTF-8 bytes', () => {
    expect(itemBytes({ pk: 'MSG#abc', sk: 'META' })).toBe(2 + 7 + 2 + 4);
    expect(itemBytes({ café: 'crème' })).toBe(5 + 6);
  });

  it('counts a number as one byte per two significant digits plus one, zeros trimmed', () => {
    expect(numberBytes(7)).toBe(2);
    expect(numberBytes(123)).toBe(3);
    expect(numberBytes(1_700_000_000)).toBe(2); // "17"
    expect(numberBytes(-0.00125)).toBe(3); // "125"
    expect(numberBytes(1024)).toBe(3);
    expect(numberBytes(12345678901234567890n)).toBe(11);
  });

  it('counts binary by length, booleans and null as one byte, lists and maps with their overhead', () => {
    expect(valueBytes(new Uint8Array(300))).toBe(300);
    expect(valueBytes(true)).toBe(1);
    expect(valueBytes(null)).toBe(1);
    expect(valueBytes([])).toBe(3);
    expect(valueBytes(['sub_1', 'sub_22'])).toBe(3 + (1 + 5) + (1 + 6));
    expect(valueBytes({ at: 'x', n: 10 })).toBe(3 + (1 + 2 + 1) + (1 + 1 + 2));
    expect(valueBytes(new Set(['a', 'bc']))).toBe(3);
  });

  it('leaves out undefined attributes, which the client does not store', () => {
    expect(itemBytes({ a: 'x', b: undefined })).toBe(2);
  });

  it('bills one write unit per started KB', () => {
    expect([0, 1, 1024, 1025, 2048, 2049].map(writeUnits)).toEqual([1, 1, 1, 2, 2, 3]);
  });
});

describe('message payload form', () => {

  it("compresses the benchmark's 1 KB order: 2 write units as text, 1 compressed", () => {
    const json = JSON.stringify(orderPayload(7, 1024));
    const item = messageItemAttributes(Buffer.byteLength(json));
    expect(writeUnits(itemBytes({ ...item, payloadJson: json }))).toBe(2);
    const stored = payloadAttributes(item, json);
    expect(stored.payloadJson).toBeUndefined();
    expect(stored.payloadBrotli!.byteLength).toBeLessThan(300);
    expect(writeUnits(itemBytes({ ...item, ...stored }))).toBe(1);
    expect(storedPayload(stored)).toEqual(JSON.parse(json));
  });

  it('keeps text when compressing saves no unit: a small payload, and an incompressible 1 KB one', () => {
    const small = JSON.stringify({ orderId: 42 });
    expect(payloadAttributes(messageItemAttributes(14), small)).toEqual({ payloadJson: small });
    const random = JSON.stringify({ blob: randomBytes(760).toString('base64') });
    const item = messageItemAttributes(Buffer.byteLength(random));
    expect(payloadAttributes(item, random)).toEqual({ payloadJson: random });
    expect(writeUnits(itemBytes({ ...item, payloadJson: random }))).toBe(2);
  });

  it('reads either form, and nothing when the item has no payload', () => {
    const json = '{"a":[1,2,3],"big":123456789012345678901234567890}';
    expect(storedPayload({ payloadJson: json })).toEqual(JSON.parse(json));
    expect(storedPayload({})).toBeUndefined();
  });
});
