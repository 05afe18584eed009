/** The intake request body of `POST /v1/events` (DESIGN §4). */
import { z } from 'zod';
import { NO_TENANT_KEY } from './routing.js';

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

export const EVENT_TYPE_PATTERN = /^[A-Za-z0-9_.:/-]{1,128}$/;

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
    payload: z.unknown().refine((value) => value !== undefined, 'is required'),
    eventTime: z.iso.datetime({ offset: true }).optional(),
  })
  .strict()
  .meta({ id: 'EventRequest', description: 'An event to fan out to the subscriptions that match its tenant and type.' });

export type EventRequest = z.infer<typeof eventRequestSchema>;

export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
