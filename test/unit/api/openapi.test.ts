import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openApiDocument, openApiPath } from '../../../lambdas/handlers/api/openapi.js';
import { API_ROUTES } from '../../../lambdas/handlers/api/routes.js';
import { DESIGN_ROUTES } from '../../support/design-routes.js';

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
    expect(routes.sort()).toEqual([...DESIGN_ROUTES].sort());
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
