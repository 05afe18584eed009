/** The shape of a route registry entry (./routes.ts). */
import type * as z from 'zod';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
/** The Lambda that serves a route. */
export type RouteTarget = 'receiver' | 'admin';
/** Who may call a route: producers send events, operators manage, `read` only looks. */
export type AccessClass = 'producer' | 'operator' | 'read';

export interface OkResponse {
  status: 200 | 201 | 202 | 204 | 207;
  description: string;
  schema?: z.ZodType;
}

export interface ApiRoute {
  operationId: string;
  method: Method;
  path: `/v1/${string}`;
  target: RouteTarget;
  access: AccessClass;
  summary: string;
  params?: { path?: z.ZodObject; query?: z.ZodObject; header?: z.ZodObject };
  body?: { schema: z.ZodType; required: boolean };
  ok: OkResponse;
  /** Further success responses (a batch that is only partly accepted). */
  alsoOk?: readonly OkResponse[];
  /** Problem responses beyond the ones every route may give (400, 403, 404, 415). */
  problems?: { [status: string]: string };
}

/** A router's handlers: one per operation of its routes, checked by the compiler. */
export type OperationIds<R extends readonly ApiRoute[]> = R[number]['operationId'];

/** What an entry holds besides its line (`routeOf`): `body` is a required JSON body, `optionalBody` one that may be left out. */
export type RouteDetails = Omit<ApiRoute, 'operationId' | 'method' | 'path' | 'target' | 'access' | 'summary' | 'body'> & {
  body?: z.ZodType;
  optionalBody?: z.ZodType;
};

/** Registry entries of one Lambda, each opened by its line: `'GET /v1/…'`, operation id, access class, summary. */
export function routeOf<const T extends RouteTarget>(target: T) {
  return <const Op extends string>(line: `${Method} /v1/${string}`, operationId: Op, access: AccessClass, summary: string, details: RouteDetails) => {
    const [method, path] = line.split(' ') as [Method, ApiRoute['path']];
    const { body, optionalBody, ...rest } = details;
    const schema = body ?? optionalBody;
    return { operationId, method, path, target, access, summary, ...rest, ...(schema !== undefined && { body: { schema, required: body !== undefined } }) };
  };
}
