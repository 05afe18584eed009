/**
 * The API's routes as the design lists them (DESIGN.md, docs/api.md), in OpenAPI form: the
 * OpenAPI document must document exactly these, and API Gateway must route exactly these (an
 * event type's `{eventType}` there is greedy, `{eventType+}`, for Shopify topics with a `/`).
 */
export const DESIGN_ROUTES: readonly string[] = [
  'POST /v1/events',
  'POST /v1/events/batch',
  'POST /v1/subscriptions',
  'GET /v1/subscriptions',
  'POST /v1/subscriptions/test',
  'GET /v1/subscriptions/{id}',
  'PATCH /v1/subscriptions/{id}',
  'DELETE /v1/subscriptions/{id}',
  'GET /v1/subscriptions/{id}/secret',
  'POST /v1/subscriptions/{id}/rotate-secret',
  'POST /v1/subscriptions/{id}/enable',
  'POST /v1/subscriptions/{id}/disable',
  'POST /v1/subscriptions/{id}/test',
  'POST /v1/subscriptions/{id}/replay',
  'GET /v1/replays/{id}',
  'GET /v1/messages/{id}',
  'GET /v1/deliveries',
  'GET /v1/deliveries/{id}',
  'POST /v1/deliveries/{id}/retry',
  'GET /v1/tenants/{tenant}/subscriptions',
  'PUT /v1/tenants/{tenant}/subscriptions/{eventType}',
  'DELETE /v1/tenants/{tenant}/subscriptions/{eventType}',
];
