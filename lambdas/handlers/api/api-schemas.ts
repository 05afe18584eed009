/**
 * Response shapes of the API, as zod schemas: the OpenAPI document is generated from them and
 * the e2e tests validate real responses against that document.
 */
import { eventRequestSchema } from '../../core/event-schema.js';
import * as z from 'zod';
import { OUTCOMES, STORED_ATTEMPTS_MAX, SUBSCRIPTION_STATUSES } from '../../core/model.js';
import { MASK, maskedAuthSchema, subscriptionSettingsSchema } from '../../core/subscription-schema.js';

const iso = z.string().meta({ format: 'date-time' });
const outcome = z.enum(OUTCOMES);
const deliveryStatus = z.enum(['pending', 'succeeded', 'failed', 'paused', 'dropped']);

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().optional(),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
    conflictingId: z.string().optional(),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details' });

export const subscriptionViewSchema = z
  .object({
    id: z.string().startsWith('sub_'),
    ...subscriptionSettingsSchema.shape,
    auth: maskedAuthSchema.optional(),
    customHeaders: z.record(z.string(), z.literal(MASK)).meta({ description: 'The custom headers\' names; every value masked (write-only).' }),
    status: z.enum(SUBSCRIPTION_STATUSES).meta({
      description: '`deleted`: deleted by its failure policy; kept (readable, no new deliveries) until retainedUntil; `enable` restores it.',
    }),
    disabledReason: z.string().optional().meta({ description: 'Why it is disabled, or deleted by its failure policy.' }),
    deletedAt: iso.optional().meta({ description: 'When its failure policy deleted it.' }),
    retainedUntil: iso.optional().meta({ description: 'A subscription deleted by its failure policy is removed for good after this.' }),
    keying: z.literal(2).optional().meta({ description: 'Absent on subscriptions stored before hmac-sha256/authorization keyed with the secret string: rotate-secret re-keys them.' }),
    consecutiveFailures: z.number().int(),
    circuitBreaker: z.object({ enabled: z.boolean() }).optional(),
    rateLimit: z.object({ perSecond: z.number() }).optional(),
    health: z
      .object({
        failureStreak: z
          .object({ count: z.number().int(), startedAt: iso.optional() })
          .meta({ description: 'Failed attempts since the last success, and when the first of them ended.' }),
        breaker: z
          .object({
            enabled: z.boolean(),
            state: z.enum(['closed', 'open', 'half-open']),
            transportFailures: z.number().int().meta({ description: 'Consecutive timeouts and transport failures; any answer resets it.' }),
            openUntil: iso.optional().meta({ description: 'While open: when one probe may go.' }),
            opens: z.number().int().optional().meta({ description: 'Times it re-opened without closing (the cool-down doubles each time).' }),
            closedAt: iso.optional().meta({ description: 'When it last closed after being open; the backlog is paced for a while after.' }),
          })
          .meta({ description: "The endpoint's circuit breaker: while open, tasks wait on the queue (no attempt, no retry spent)." }),
      })
      .meta({ description: "The endpoint's health as the failure policy sees it." }),
    createdAt: iso,
    updatedAt: iso,
    version: z.number().int(),
  })
  .strict()
  .meta({ id: 'Subscription', description: 'A subscription as read: credentials masked, secrets never included.' });

export const createdSubscriptionSchema = subscriptionViewSchema
  .extend({ secret: z.string().min(1) })
  .meta({ id: 'CreatedSubscription', description: 'The new subscription with its signing secret, shown once.' });

export const attemptSchema = z
  .object({
    attempt: z.number().int().min(1),
    startedAt: iso,
    endedAt: iso,
    durationMs: z.number(),
    statusCode: z.number().int().optional(),
    outcome,
    acknowledgedNon2xx: z
      .literal(true)
      .optional()
      .meta({
        description:
          'Present when the status was outside 200-299 yet acknowledged by the subscription\'s acceptStatuses (e.g. TikTok Shop\'s 401): counted as success, but the receiver may be rejecting every signature.',
      }),
    reason: z.string().optional(),
    responseExcerpt: z.string().optional(),
    nextAttemptAt: iso.optional(),
    urlHost: z.string().optional(),
    trigger: z.enum(['event', 'retry', 'manual', 'replay', 'test']),
    deferrals: z.number().int().optional().meta({ description: 'Times the attempt was put back before it was made (circuit breaker, in-flight cap, pacing).' }),
    breakerProbe: z.literal(true).optional().meta({ description: "The half-open circuit breaker's probe." }),
  })
  .strict()
  .meta({ id: 'Attempt' });

export const deliverySchema = z
  .object({
    id: z.string().startsWith('dlv_'),
    messageId: z.string().startsWith('msg_'),
    subscriptionId: z.string().startsWith('sub_'),
    tenant: z.string().optional(),
    eventType: z.string(),
    status: deliveryStatus,
    attemptCount: z.number().int().meta({ description: 'Attempts made in all, across retries and replays.' }),
    generation: z.number().int(),
    nextAttemptAt: iso.optional(),
    lastOutcome: outcome.optional(),
    reason: z.string().optional(),
    createdAt: iso,
    updatedAt: iso,
    attempts: z.array(attemptSchema).meta({
      description: `The newest attempts, oldest first: at most ${STORED_ATTEMPTS_MAX} (older ones are in the attempt log).`,
    }),
    replayJobId: z.string().optional(),
  })
  .strict()
  .meta({ id: 'Delivery' });

export const eventAcceptedSchema = z
  .object({ messageId: z.string().startsWith('msg_'), routing: z.enum(['tenant', 'fallback', 'unrouted']), deliveryCount: z.number().int() })
  .strict()
  .meta({ id: 'EventAccepted' });

export const eventBatchRequestSchema = z
  .object({
    events: z
      .array(
        eventRequestSchema.extend({
          idempotencyKey: z.string().min(1).max(255).optional().meta({ description: "this event's Idempotency-Key (24 h)" }),
        }),
      )
      .min(1)
      .max(100),
  })
  .strict()
  .meta({ id: 'EventBatchRequest', description: 'Up to 100 events; each is validated and accepted on its own, like POST /v1/events.' });

export const eventBatchResultSchema = z
  .object({
    results: z.array(
      z.union([
        eventAcceptedSchema,
        z
          .object({
            status: z.number().int(),
            title: z.string(),
            detail: z.string(),
            errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
          })
          .strict(),
      ]),
    ),
  })
  .strict()
  .meta({ id: 'EventBatchResult', description: 'One result per event, in order: the accepted entry, or the problem that refused it.' });

export const messageViewSchema = z
  .object({
    id: z.string().startsWith('msg_'),
    type: z.string(),
    tenant: z.string().optional(),
    eventTime: iso,
    createdAt: iso,
    routing: z.enum(['tenant', 'fallback', 'unrouted']),
    intakeFailed: z
      .object({ at: iso, reason: z.string() })
      .optional()
      .meta({
        description:
          'Present when the message was NOT accepted: it was stored but its tasks could not be queued, and the request answered 5xx (a producer without an Idempotency-Key posts it again as a new message). Nothing of it is pending; a delivery sent before the failure is listed once its attempt ends.',
      }),
    payload: z.unknown(),
    deliveries: z.array(
      z
        .object({
          id: z.string().startsWith('dlv_'),
          subscriptionId: z.string().startsWith('sub_'),
          status: deliveryStatus,
          attemptCount: z.number().int(),
          nextAttemptAt: iso.optional(),
          recorded: z
            .literal(false)
            .optional()
            .meta({ description: 'Only with successRecords log-only, on a delivery without record: pending, or succeeded on its first attempt (the attempt log says which).' }),
        })
        .strict(),
    ),
  })
  .strict()
  .meta({ id: 'Message' });

export const testResultSchema = z
  .object({ attempt: attemptSchema.extend({ signatureHeaders: z.record(z.string(), z.string()) }) })
  .strict()
  .meta({ id: 'TestResult' });

export const replayJobSchema = z
  .object({
    id: z.string().startsWith('rpl_'),
    subscriptionId: z.string().startsWith('sub_'),
    since: iso,
    until: iso,
    onlyFailed: z.boolean(),
    status: z.enum(['running', 'done']),
    matched: z.number().int(),
    enqueued: z.number().int(),
    phase: z.enum(['deliveries', 'unrouted']),
    cursor: z.string().optional(),
    createdAt: iso,
    updatedAt: iso,
  })
  .strict()
  .meta({ id: 'ReplayJob' });

export const secretSchema = z.object({ secret: z.string().min(1) }).strict().meta({ id: 'Secret' });

export const rotatedSecretSchema = z
  .object({ secret: z.string().min(1), previousSecretExpiresAt: iso })
  .strict()
  .meta({ id: 'RotatedSecret' });

export function pageOf<T extends z.ZodType>(item: T, id: string) {
  return z.object({ items: z.array(item), nextCursor: z.string().optional() }).strict().meta({ id });
}

export const subscriptionPageSchema = pageOf(subscriptionViewSchema, 'SubscriptionPage');
export const deliveryPageSchema = z
  .object({
    items: z.array(deliverySchema),
    nextCursor: z.string().optional(),
    notListed: z
      .string()
      .optional()
      .meta({ description: 'Only with successRecords log-only: what this search cannot list (deliveries that succeeded on their first attempt; status=succeeded is refused).' }),
  })
  .strict()
  .meta({ id: 'DeliveryPage' });
