/**
 * Routing as API Gateway does it, over the route registry: which handler owns a request, its
 * `routeKey` and its `pathParameters`. Unknown paths get API Gateway's NotFound.
 */
import { API_ROUTES, type RouteTarget } from '../lambdas/handlers/api/routes.js';

export type { RouteTarget };

export interface RouteMatch {
  target: RouteTarget;
  /** e.g. `GET /v1/subscriptions/{id}`, or `ANY /v1/{proxy+}` for the admin catch-all. */
  routeKey: string;
  pathParameters?: Record<string, string>;
}

/** The admin catch-all: anything else under `/v1/` reaches the admin handler (it answers 404/405). */
export const ADMIN_CATCH_ALL = 'ANY /v1/{proxy+}';

/** A greedy last variable (`{name+}`) takes the rest of the path, one segment or more. */
function greedyRest(want: string[], got: string[]): string[] | undefined {
  const last = want.at(-1) ?? '';
  if (!last.endsWith('+}') || got.length < want.length) return want.length === got.length ? got : undefined;
  return [...got.slice(0, want.length - 1), got.slice(want.length - 1).join('/')];
}

function matchTemplate(template: string, path: string): Record<string, string> | undefined {
  const want = template.split('/');
  const got = greedyRest(want, path.split('/'));
  if (got === undefined) return undefined;
  const params: Record<string, string> = {};
  for (const [i, part] of want.entries()) {
    const actual = got[i] ?? '';
    if (part.startsWith('{') && part.endsWith('}')) {
      if (actual === '') return undefined;
      const decoded = decodeSegment(actual);
      // A malformed escape (`%E0%A4%A`) matches no template; the admin catch-all answers 404.
      if (decoded === undefined) return undefined;
      params[part.slice(1, -1).replace(/\+$/, '')] = decoded;
    } else if (part !== actual) {
      return undefined;
    }
  }
  return params;
}

function decodeSegment(segment: string): string | undefined {
  try {
    return segment.split('/').map(decodeURIComponent).join('/');
  } catch {
    return undefined;
  }
}

/** Literal segments beat parameters (API Gateway's "most specific route wins"). */
function specificity(template: string): number {
  return template.split('/').filter((p) => p !== '' && !p.startsWith('{')).length;
}

const bySpecificity = [...API_ROUTES].sort((a, b) => specificity(b.path) - specificity(a.path));

/** Finds the route for `method path`; `undefined` means API Gateway would answer 404 itself. */
export function matchRoute(method: string, path: string): RouteMatch | undefined {
  const upper = method.toUpperCase();
  for (const r of bySpecificity) {
    if (r.method !== upper) continue;
    const params = matchTemplate(r.path, path);
    if (params === undefined) continue;
    return {
      target: r.target,
      routeKey: `${r.method} ${r.path}`,
      ...(Object.keys(params).length > 0 && { pathParameters: params }),
    };
  }
  if (path.startsWith('/v1/') && path.length > '/v1/'.length) {
    return { target: 'admin', routeKey: ADMIN_CATCH_ALL, pathParameters: { proxy: path.slice('/v1/'.length) } };
  }
  return undefined;
}
