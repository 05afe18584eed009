/**
 * The OpenAPI 3.1 document of the API, generated from the same zod schemas that validate
 * requests (core) and describe responses (api-schemas). `docs/openapi.json` is this output;
 * a test fails when it is stale (`npm run openapi` rewrites it).
 */
import * as z from 'zod';
import { createSubscriptionSchema, patchSubscriptionSchema } from '../../core/subscription-schema.js';
import { eventRequestSchema } from '../../core/event-schema.js';
import { replayRequestSchema } from '../../core/services/replay.js';
import { rotateSecretRequestSchema } from '../../core/services/subscriptions.js';
import { HOOKLINE_VERSION } from '../config.js';
import {
  createdSubscriptionSchema,
  deliveryPageSchema,
  deliverySchema,
  eventAcceptedSchema,
  eventBatchRequestSchema,
  eventBatchResultSchema,
  messageViewSchema,
  problemSchema,
  replayJobSchema,
  rotatedSecretSchema,
  secretSchema,
  subscriptionPageSchema,
  subscriptionViewSchema,
  testResultSchema,
} from './api-schemas.js';

const REQUEST_SCHEMAS = [eventRequestSchema, eventBatchRequestSchema, createSubscriptionSchema, patchSubscriptionSchema, replayRequestSchema, rotateSecretRequestSchema];
const RESPONSE_SCHEMAS = [
  createdSubscriptionSchema,
  subscriptionViewSchema,
  subscriptionPageSchema,
  deliverySchema,
  deliveryPageSchema,
  eventAcceptedSchema,
  eventBatchResultSchema,
  messageViewSchema,
  testResultSchema,
  replayJobSchema,
  secretSchema,
  rotatedSecretSchema,
  problemSchema,
];

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });
const idOf = (schema: z.ZodType): string => {
  const id = z.globalRegistry.get(schema)?.id;
  if (id === undefined) throw new Error('every API schema needs .meta({ id })');
  return id;
};

function components(): Record<string, unknown> {
  const options = { target: 'draft-2020-12', unrepresentable: 'any', uri: (id: string) => `#/components/schemas/${id}` } as const;
  const inputs = z.toJSONSchema(z.globalRegistry, { ...options, io: 'input' }).schemas;
  const outputs = z.toJSONSchema(z.globalRegistry, { ...options, io: 'output' }).schemas;
  const requestIds = new Set(REQUEST_SCHEMAS.map(idOf));
  const responseIds = new Set(RESPONSE_SCHEMAS.map(idOf));
  const all: Record<string, unknown> = {};
  for (const [id, schema] of Object.entries(outputs)) if (!requestIds.has(id)) all[id] = strip(schema);
  // Request bodies are described as clients send them (defaults make fields optional).
  for (const [id, schema] of Object.entries(inputs)) if (!responseIds.has(id)) all[id] = strip(schema);
  return Object.fromEntries(Object.entries(all).sort(([a], [b]) => a.localeCompare(b)));
}

function strip(schema: unknown): unknown {
  const { $schema: _, id: __, ...rest } = schema as Record<string, unknown>;
  return rest;
}

const json = (schema: z.ZodType) => ({ content: { 'application/json': { schema: ref(idOf(schema)) } } });
const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: ref('Problem') } } });
const errors = {
  '400': problem('Invalid request: the problem names every offending field'),
  '403': problem('Missing or invalid SigV4 signature (API Gateway IAM authorization)'),
  '404': problem('No such resource'),
  '415': problem('Body is not application/json'),
};
const idParam = (description: string) => ({ name: 'id', in: 'path', required: true, description, schema: { type: 'string' } });
const queryParam = (name: string, description: string, schema: object = { type: 'string' }) => ({ name, in: 'query', required: false, description, schema });
const cursorParams = [queryParam('limit', 'page size (1-100, default 50)', { type: 'integer', minimum: 1, maximum: 100 }), queryParam('cursor', 'from the previous page')];

export function openApiDocument(): Record<string, unknown> {
  const subscriptionOp = (summary: string, ok: object) => ({ summary, parameters: [idParam('subscription id (sub_…)')], responses: { ...ok, ...errors } });
  return {
    openapi: '3.1.0',
    info: {
      title: 'Hookline',
      version: HOOKLINE_VERSION,
      description: 'Self-hosted webhook delivery. Every route is IAM-authorized (SigV4, service execute-api).',
    },
    security: [{ sigv4: [] }],
    paths: {
      '/v1/events': {
        post: {
          summary: 'Accept an event and fan it out',
          parameters: [{ name: 'Idempotency-Key', in: 'header', required: false, description: 'same key within 24 h returns the original messageId', schema: { type: 'string', maxLength: 255 } }],
          requestBody: { required: true, ...json(eventRequestSchema) },
          responses: { '202': { description: 'Accepted', ...json(eventAcceptedSchema) }, '413': problem('Payload larger than the limit'), ...errors },
        },
      },
      '/v1/events/batch': {
        post: {
          summary: 'Accept up to 100 events, each with its own result and optional idempotencyKey',
          requestBody: { required: true, ...json(eventBatchRequestSchema) },
          responses: {
            '202': { description: 'Every event accepted', ...json(eventBatchResultSchema) },
            '207': { description: 'Some events refused: their results are problems', ...json(eventBatchResultSchema) },
            '413': problem('More than 100 events, or a body over the limit'),
            ...errors,
          },
        },
      },
      '/v1/subscriptions': {
        post: {
          summary: 'Create a subscription',
          requestBody: { required: true, ...json(createSubscriptionSchema) },
          responses: { '201': { description: 'Created; the secret is shown once', ...json(createdSubscriptionSchema) }, '409': problem('Uniqueness rule: conflictingId names the holder'), ...errors },
        },
        get: {
          summary: 'List subscriptions',
          parameters: [queryParam('tenant', 'only this tenant'), queryParam('eventType', 'only subscriptions receiving this type'), queryParam('status', 'active | disabled'), ...cursorParams],
          responses: { '200': { description: 'A page', ...json(subscriptionPageSchema) }, ...errors },
        },
      },
      '/v1/subscriptions/test': {
        post: {
          summary: 'Test before saving: deliver a hookline.test event to an unsaved subscription',
          requestBody: { required: true, ...json(createSubscriptionSchema) },
          responses: { '200': { description: 'The attempt', ...json(testResultSchema) }, ...errors },
        },
      },
      '/v1/subscriptions/{id}': {
        get: subscriptionOp('Read a subscription (credentials masked)', { '200': { description: 'The subscription', ...json(subscriptionViewSchema) } }),
        patch: {
          ...subscriptionOp('Update a subscription', { '200': { description: 'Updated', ...json(subscriptionViewSchema) }, '409': problem('Uniqueness rule or concurrent update') }),
          requestBody: { required: true, ...json(patchSubscriptionSchema) },
        },
        delete: subscriptionOp('Delete a subscription', { '204': { description: 'Deleted' } }),
      },
      '/v1/subscriptions/{id}/secret': { get: subscriptionOp('The current signing secret', { '200': { description: 'Secret', ...json(secretSchema) } }) },
      '/v1/subscriptions/{id}/rotate-secret': {
        post: {
          ...subscriptionOp('Rotate the signing secret; the old one signs too during the grace period', { '200': { description: 'New secret', ...json(rotatedSecretSchema) } }),
          requestBody: { required: false, ...json(rotateSecretRequestSchema) },
        },
      },
      '/v1/subscriptions/{id}/enable': { post: subscriptionOp('Enable', { '200': { description: 'Enabled', ...json(subscriptionViewSchema) } }) },
      '/v1/subscriptions/{id}/disable': { post: subscriptionOp('Disable', { '200': { description: 'Disabled', ...json(subscriptionViewSchema) } }) },
      '/v1/subscriptions/{id}/test': { post: subscriptionOp('Deliver a hookline.test event now', { '200': { description: 'The attempt', ...json(testResultSchema) } }) },
      '/v1/subscriptions/{id}/replay': {
        post: {
          ...subscriptionOp('Replay a time window (all, or only failed)', { '202': { description: 'The replay job', ...json(replayJobSchema) } }),
          requestBody: { required: true, ...json(replayRequestSchema) },
        },
      },
      '/v1/replays/{id}': { get: { summary: 'A replay job', parameters: [idParam('replay job id (rpl_…)')], responses: { '200': { description: 'The job', ...json(replayJobSchema) }, ...errors } } },
      '/v1/messages/{id}': { get: { summary: 'A message with its deliveries', parameters: [idParam('message id (msg_…)')], responses: { '200': { description: 'The message', ...json(messageViewSchema) }, ...errors } } },
      '/v1/deliveries': {
        get: {
          summary: 'Search deliveries, newest first',
          parameters: [
            queryParam('subscriptionId', 'sub_…'),
            queryParam('tenant', 'tenant'),
            queryParam('eventType', 'event type'),
            queryParam('status', 'pending | succeeded | failed | paused | dropped'),
            queryParam('since', 'ISO-8601, inclusive', { type: 'string', format: 'date-time' }),
            queryParam('until', 'ISO-8601, exclusive', { type: 'string', format: 'date-time' }),
            ...cursorParams,
          ],
          responses: { '200': { description: 'A page', ...json(deliveryPageSchema) }, ...errors },
        },
      },
      '/v1/deliveries/{id}': { get: { summary: 'A delivery with all its attempts', parameters: [idParam('delivery id (dlv_…)')], responses: { '200': { description: 'The delivery', ...json(deliverySchema) }, ...errors } } },
      '/v1/deliveries/{id}/retry': {
        post: { summary: 'Redeliver now', parameters: [idParam('delivery id (dlv_…)')], responses: { '202': { description: 'Requeued', ...json(deliverySchema) }, '409': problem('Subscription deleted or message expired'), ...errors } },
      },
    },
    components: {
      securitySchemes: { sigv4: { type: 'apiKey', name: 'Authorization', in: 'header', description: 'AWS Signature Version 4 (service execute-api)' } },
      schemas: components(),
    },
  };
}
