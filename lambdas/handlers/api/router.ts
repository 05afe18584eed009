/**
 * A small method + path router over API Gateway v2 events. API Gateway already routes in AWS;
 * matching again here keeps the handler correct behind any front door (local mode, tests) and
 * gives 404/405 problem responses for anything unknown.
 */
import { MethodNotAllowedError, NotFoundError } from '../../core/errors.js';
import type { HttpEvent } from './request.js';
import type { Result } from './response.js';
import type { ApiRoute, OperationIds } from './route-types.js';

export type RouteHandler = (event: HttpEvent, params: Record<string, string>) => Promise<Result>;

interface Route {
  /** `METHOD /path`, as API Gateway names the route it matched (`event.routeKey`). */
  key: string;
  method: string;
  pattern: RegExp;
  names: string[];
  handler: RouteHandler;
}

export class Router {
  private readonly routes: Route[] = [];

  on(method: string, path: string, handler: RouteHandler): this {
    const names: string[] = [];
    // `{name}` is one segment; `{name+}` (last only, API Gateway's greedy variable) the rest of the path.
    const pattern = new RegExp(
      `^${path.replace(/\{(\w+)(\+?)\}/g, (_, name: string, greedy: string) => {
        names.push(name);
        return greedy === '+' ? '(.+?)' : '([^/]+)';
      })}/?$`,
    );
    this.routes.push({ key: `${method} ${path}`, method, pattern, names, handler });
    return this;
  }

  async handle(event: HttpEvent): Promise<Result> {
    // API Gateway matched this very route: its path parameters are decoded once already (its
    // rawPath is decoded too, so decoding that again would turn a tenant's `%25` into `%`).
    const matched = event.pathParameters !== undefined ? this.routes.find((r) => r.key === event.routeKey) : undefined;
    if (matched !== undefined) return matched.handler(event, { ...event.pathParameters } as Record<string, string>);
    const method = event.requestContext.http.method.toUpperCase();
    const path = event.rawPath ?? event.requestContext.http.path;
    const allowed: string[] = [];
    for (const route of this.routes) {
      const match = route.pattern.exec(path);
      if (match === null) continue;
      if (route.method !== method) {
        allowed.push(route.method);
        continue;
      }
      const params = Object.fromEntries(route.names.map((name, i) => [name, decodePath(match[i + 1] ?? '', path)]));
      return route.handler(event, params);
    }
    if (allowed.length > 0) throw new MethodNotAllowedError(`${method} is not allowed on ${path}`, [...new Set(allowed)]);
    throw new NotFoundError(`no route for ${method} ${path}`);
  }
}

/** The router of one Lambda: every registry route it serves, each with its handler. */
export function routerFor<R extends readonly ApiRoute[]>(routes: R, handlers: { [K in OperationIds<R>]: RouteHandler }): Router {
  const router = new Router();
  for (const route of routes) router.on(route.method, route.path, handlers[route.operationId as OperationIds<R>]);
  return router;
}

/** A matched part, decoded segment by segment (a greedy one spans several). */
function decodePath(part: string, path: string): string {
  try {
    return part.split('/').map(decodeURIComponent).join('/');
  } catch {
    throw new NotFoundError(`no resource at ${path}`);
  }
}
