/**
 * The route registry: every route of the HTTP API once, with the zod schemas of its request and
 * response. The CDK routes (lib/api.ts), local mode's front door (local/routes.ts), the handlers'
 * routers and docs/openapi.json are all derived from it. Each Lambda's routes live in their own
 * part so that its bundle carries only its own schemas.
 */
import { ADMIN_ROUTES } from './admin-routes.js';
import { RECEIVER_ROUTES } from './receiver-routes.js';
import type { ApiRoute } from './route-types.js';

export type { AccessClass, ApiRoute, Method, RouteTarget } from './route-types.js';

export const API_ROUTES: readonly ApiRoute[] = [...RECEIVER_ROUTES, ...ADMIN_ROUTES];
