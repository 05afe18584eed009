import { describe, expect, it } from 'vitest';
import { eventRequestSchema, IDEMPOTENCY_KEY_PATTERN } from '../../../lambdas/core/event-schema.js';
import { parseOrThrow } from '../../../lambdas/core/validation.js';
import type { FieldError } from '../../../lambdas/core/errors.js';
import { fieldErrorsOf } from '../../support/field-errors.js';

const errorsOf = (body: unknown): FieldError[] => fieldErrorsOf(() => parseOrThrow(eventRequestSchema, body));

describe('event request', () => {
  it.each([
    [{ type: 'order.created', payload: { a: 1 } }],
    [{ type: 'order.created', tenant: 'shop_123', payload: null, eventTime: '2023-02-22T12:00:00Z' }],
    [{ type: 'orders/create', payload: [1], eventTime: '2023-02-22T12:00:00.123+02:00' }],
    [{ type: 'whatsapp_mo_message_received', payload: 'text' }],
  ])('accepts %j', (body) => {
    expect(errorsOf(body)).toEqual([]);
  });

  it.each([
    ['type missing', { payload: {} }, ['type']],
    ['type with a space', { type: 'a b', payload: {} }, ['type']],
    ['type *', { type: '*', payload: {} }, ['type']],
    ['type too long', { type: 'a'.repeat(129), payload: {} }, ['type']],
    ['payload missing', { type: 'a' }, ['payload']],
    ['tenant empty', { type: 'a', tenant: '', payload: {} }, ['tenant']],
    ['tenant "~" (the store key for no tenant)', { type: 'a', tenant: '~', payload: {} }, ['tenant']],
    ['tenant with a control character', { type: 'a', tenant: 'a\u0000', payload: {} }, ['tenant']],
    ['eventTime not ISO-8601', { type: 'a', payload: {}, eventTime: '2023-02-22 12:00:00' }, ['eventTime']],
    ['an unknown field', { type: 'a', payload: {}, extra: 1 }, ['extra']],
  ])('refuses %s, naming the field', (_name, body, fields) => {
    expect(errorsOf(body).map((e) => e.field)).toEqual(fields);
  });

  it('explains the reserved tenant', () => {
    expect(errorsOf({ type: 'a', tenant: '~', payload: {} })).toEqual([{ field: 'tenant', message: 'must not be "~" (reserved for "no tenant")' }]);
  });

  it.each([
    ['abc-123', true],
    ['k'.repeat(255), true],
    ['k'.repeat(256), false],
    ['', false],
    ['has space', false],
    ['é', false],
  ])('Idempotency-Key %j valid: %s', (key, valid) => {
    expect(IDEMPOTENCY_KEY_PATTERN.test(key)).toBe(valid);
  });
});
