/** The intake request body of `POST /v1/events` (DESIGN §4). */
import * as z from 'zod';

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Route key for "no tenant". Tenants may not be `~` (the schemas refuse it). */
export const NO_TENANT_KEY = '~';

export const EVENT_TYPE_PATTERN = /^[A-Za-z0-9_.:/-]{1,128}$/;

/** A payload is stored as one attribute of the message item, and DynamoDB nests at most 32 levels. */
export const MAX_PAYLOAD_DEPTH = 31;

/** Whether `value` nests objects/arrays deeper than `limit`; iterative, so no body can overflow the stack. */
export function nestedDeeperThan(value: unknown, limit: number): boolean {
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const { value: current, depth } = stack.pop()!;
    if (typeof current !== 'object' || current === null) continue;
    if (depth + 1 > limit) return true;
    for (const child of Object.values(current)) stack.push({ value: child, depth: depth + 1 });
  }
  return false;
}

export const eventRequestSchema = z
  .object({
    type: z.string().regex(EVENT_TYPE_PATTERN, 'must be 1-128 characters of letters, digits and _ . : / -'),
    // Same rules as a subscription's tenant: `~` is the store's "no tenant" key, so an event
    // claiming it would reach the subscriptions of events without tenant.
    tenant: z
      .string()
      .min(1)
      .max(128)
      .refine((t) => !CONTROL.test(t), 'must not contain control characters')
      .refine((t) => t !== NO_TENANT_KEY, `must not be "${NO_TENANT_KEY}" (reserved for "no tenant")`)
      .optional(),
    payload: z
      .unknown()
      .refine((value) => value !== undefined, 'is required')
      .refine((value) => !nestedDeeperThan(value, MAX_PAYLOAD_DEPTH), `must not nest objects and arrays more than ${MAX_PAYLOAD_DEPTH} levels deep`),
    eventTime: z.iso.datetime({ offset: true }).optional(),
  })
  .strict()
  .meta({ id: 'EventRequest', description: 'An event to fan out to the subscriptions that match its tenant and type.' });

export type EventRequest = z.infer<typeof eventRequestSchema>;

export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
