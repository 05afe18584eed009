/**
 * The HTTP API route table (DESIGN §4), as API Gateway declares it: which handler owns a
 * request, its `routeKey` and its `pathParameters`. Unknown paths get API Gateway's NotFound.
 */

export type RouteTarget = 'receiver' | 'admin';

export interface RouteMatch {
  target: RouteTarget;
  /** e.g. `GET /v1/subscriptions/{id}`, or `ANY /v1/{proxy+}` for the admin catch-all. */
  routeKey: string;
  pathParameters?: Record<string, string>;
}

interface Route {
  method: string;
  template: string;
  target: RouteTarget;
}

const route = (method: string, template: string, target: RouteTarget = 'admin'): Route => ({ method, template, target });

export const ROUTES: readonly Route[] = [
  route('POST', '/v1/events', 'receiver'),
  route('POST', '/v1/events/batch', 'receiver'),
  route('POST', '/v1/subscriptions'),
  route('GET', '/v1/subscriptions'),
  route('POST', '/v1/subscriptions/test'),
  route('GET', '/v1/subscriptions/{id}'),
  route('PATCH', '/v1/subscriptions/{id}'),
  route('DELETE', '/v1/subscriptions/{id}'),
  route('POST', '/v1/subscriptions/{id}/test'),
  route('GET', '/v1/subscriptions/{id}/secret'),
  route('POST', '/v1/subscriptions/{id}/rotate-secret'),
  route('POST', '/v1/subscriptions/{id}/enable'),
  route('POST', '/v1/subscriptions/{id}/disable'),
  route('POST', '/v1/subscriptions/{id}/replay'),
  route('GET', '/v1/messages/{id}'),
  route('GET', '/v1/deliveries'),
  route('GET', '/v1/deliveries/{id}'),
  route('POST', '/v1/deliveries/{id}/retry'),
];

/** The admin catch-all: anything else under `/v1/` reaches the admin handler (it answers 404/405). */
export const ADMIN_CATCH_ALL = 'ANY /v1/{proxy+}';

function matchTemplate(template: string, path: string): Record<string, string> | undefined {
  const want = template.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, part] of want.entries()) {
    const actual = got[i] ?? '';
    if (part.startsWith('{') && part.endsWith('}')) {
      if (actual === '') return undefined;
      const decoded = decodeSegment(actual);
      // A malformed escape (`%E0%A4%A`) matches no template; the admin catch-all answers 404.
      if (decoded === undefined) return undefined;
      params[part.slice(1, -1)] = decoded;
    } else if (part !== actual) {
      return undefined;
    }
  }
  return params;
}

function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** Literal segments beat parameters (API Gateway's "most specific route wins"). */
function specificity(template: string): number {
  return template.split('/').filter((p) => p !== '' && !p.startsWith('{')).length;
}

const bySpecificity = [...ROUTES].sort((a, b) => specificity(b.template) - specificity(a.template));

/** Finds the route for `method path`; `undefined` means API Gateway would answer 404 itself. */
export function matchRoute(method: string, path: string): RouteMatch | undefined {
  const upper = method.toUpperCase();
  for (const r of bySpecificity) {
    if (r.method !== upper) continue;
    const params = matchTemplate(r.template, path);
    if (params === undefined) continue;
    return {
      target: r.target,
      routeKey: `${r.method} ${r.template}`,
      ...(Object.keys(params).length > 0 && { pathParameters: params }),
    };
  }
  if (path.startsWith('/v1/') && path.length > '/v1/'.length) {
    return { target: 'admin', routeKey: ADMIN_CATCH_ALL, pathParameters: { proxy: path.slice('/v1/'.length) } };
  }
  return undefined;
}
