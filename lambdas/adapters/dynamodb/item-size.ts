/**
 * DynamoDB's item size and write units, as the service bills them: an item's size is the sum of
 * its attribute names and values (Developer Guide, "Item sizes and formats"); a standard write
 * costs one unit per started KB. Used to choose the smaller stored form of a value.
 *
 * Values are the document client's (before marshalling): string, number, boolean, null,
 * Uint8Array (Binary), Set, array (List), plain object (Map); `undefined` is not stored.
 * List and Map elements are counted with one byte each on top of the documented 3 bytes of
 * overhead, so a container is never under-estimated.
 */

const WRITE_UNIT_BYTES = 1024;

/** Bytes of a number: 1 per two significant digits (leading and trailing zeros trimmed), plus 1. */
export function numberBytes(value: number | bigint): number {
  const mantissa = typeof value === 'bigint' ? value.toString().replace('-', '') : Math.abs(value).toExponential().split('e')[0]!;
  const digits = mantissa.replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(Math.max(1, digits.length) / 2) + 1;
}

/** Bytes of one attribute value (without its name). */
export function valueBytes(value: unknown): number {
  if (value === null || typeof value === 'boolean') return 1;
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (typeof value === 'number' || typeof value === 'bigint') return numberBytes(value);
  if (value instanceof Uint8Array) return value.byteLength;
  if (value instanceof Set) return [...(value as Set<unknown>)].reduce<number>((sum, v) => sum + valueBytes(v), 0);
  if (Array.isArray(value)) return 3 + value.reduce<number>((sum, v) => sum + 1 + valueBytes(v), 0);
  if (typeof value === 'object') return 3 + Object.entries(value).reduce((sum, [name, v]) => sum + (v === undefined ? 0 : 1 + attributeBytes(name, v)), 0);
  throw new TypeError(`not a DynamoDB value: ${typeof value}`);
}

function attributeBytes(name: string, value: unknown): number {
  return Buffer.byteLength(name) + valueBytes(value);
}

/** An item's size in bytes: every attribute's name and value. */
export function itemBytes(item: Record<string, unknown>): number {
  return Object.entries(item).reduce((sum, [name, value]) => sum + (value === undefined ? 0 : attributeBytes(name, value)), 0);
}

/** Write units of a standard (non-transactional) write of an item of `bytes` bytes. */
export function writeUnits(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / WRITE_UNIT_BYTES));
}
