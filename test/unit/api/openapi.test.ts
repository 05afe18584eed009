import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openApiDocument, openApiPath } from '../../../lambdas/handlers/api/openapi.js';
import { API_ROUTES } from '../../../lambdas/handlers/api/routes.js';

const FILE = new URL('../../../docs/openapi.json', import.meta.url);

describe('docs/openapi.json', () => {
  const generated = `${JSON.stringify(openApiDocument(), null, 2)}\n`;

  it('is current (regenerate with `npm run openapi`)', () => {
    if (process.env.UPDATE_OPENAPI === '1') writeFileSync(FILE, generated);
    expect(readFileSync(FILE, 'utf8')).toBe(generated);
  });

  it('documents every route of the design', () => {
    const paths = openApiDocument().paths as Record<string, Record<string, unknown>>;
    const routes = Object.entries(paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    expect(routes.sort()).toEqual(
      [
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
      ].sort(),
    );
  });

  it('comes from a registry that declares each route and operation id once', () => {
    const keys = API_ROUTES.map((r) => `${r.method} ${r.path}`);
    const ids = API_ROUTES.map((r) => r.operationId);
    expect(new Set(keys).size).toBe(keys.length);
    expect(new Set(ids).size).toBe(ids.length);
    const paths = openApiDocument().paths as Record<string, Record<string, { operationId: string; tags: string[] }>>;
    for (const r of API_ROUTES) expect(paths[openApiPath(r.path)]?.[r.method.toLowerCase()]).toMatchObject({ operationId: r.operationId, tags: [r.access] });
  });

  it('resolves every $ref to a component', () => {
    const doc = openApiDocument();
    const schemas = (doc.components as { schemas: Record<string, unknown> }).schemas;
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]);
    expect(refs.length).toBeGreaterThan(20);
    for (const ref of refs) expect(schemas, `missing component ${ref}`).toHaveProperty([ref as string]);
  });
});
