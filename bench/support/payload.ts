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

/** A message item's attributes besides its payload, as the cost benchmark's messages have them (DynamoDB item size arithmetic). */
export function messageItemAttributes(payloadBytes: number): Record<string, unknown> {
  return {
    pk: 'MSG#msg_01JEXAMPLE0000000000000000',
    sk: 'META',
    kind: 'message',
    expiresAt: 1_767_225_600,
    id: 'msg_01JEXAMPLE0000000000000000',
    type: 'cost.first-attempt-success',
    tenant: 'tenant-first-attempt-success',
    eventTime: '2026-12-06T19:00:00.000Z',
    createdAt: '2026-12-06T19:00:00.000Z',
    routing: 'tenant',
    subscriptionIds: ['sub_01JEXAMPLE0000000000000000'],
    payloadBytes,
  };
}
