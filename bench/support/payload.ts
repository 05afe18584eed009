/** Event payloads for the local-mode benchmarks: an order of roughly `bytes` bytes of JSON. */

export function orderPayload(seq: number, bytes: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const payload: Record<string, unknown> = {
    ...extra,
    seq,
    orderId: `ord_${seq.toString().padStart(8, '0')}`,
    shopId: 'shop_123',
    status: 'paid',
    amount: { value: 4200 + (seq % 100), currency: 'EUR' },
    items: [] as unknown[],
  };
  const items = payload.items as unknown[];
  for (let i = 0; JSON.stringify(payload).length < bytes; i++) {
    items.push({ sku: `SKU-${i}`, qty: 1 + (i % 3), title: 'Ceramic mug, 350 ml' });
  }
  return payload;
}
