/**
 * Builds API Gateway HTTP API payload v2.0 events from node:http requests and writes handler
 * results back, following what API Gateway does (lower-cased headers, multi-values joined by
 * commas, cookies split out of the headers, binary bodies base64-encoded).
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { RouteMatch } from './routes.js';

export interface EventContext {
  /** @default '000000000000' */
  accountId?: string;
  /** @default 'local' */
  apiId?: string;
  /** @default new Date() */
  now?: Date;
  requestId?: string;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** API Gateway's `requestContext.time` format: `12/Mar/2020:19:03:58 +0000`. */
export function apiGatewayTime(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

/** A request id shaped like API Gateway's (`JKJaXmPLvHcESHA=`). */
export function newRequestId(): string {
  return randomBytes(10).toString('base64');
}

const TEXT_TYPES = [/^text\//, /^application\/(.+\+)?json\b/, /^application\/(.+\+)?xml\b/, /^application\/javascript\b/, /^application\/x-www-form-urlencoded\b/];

/** Whether API Gateway would pass the body as text (else base64). */
export function isTextBody(contentType: string | undefined, body: Buffer): boolean {
  if (contentType !== undefined && !TEXT_TYPES.some((re) => re.test(contentType.toLowerCase()))) return false;
  // No declared type, or a text type: text only when the bytes are valid UTF-8.
  return Buffer.from(body.toString('utf8'), 'utf8').equals(body);
}

/** Lower-cased header map with repeated headers joined by `,`; `cookie` excluded (it goes to `cookies`). */
export function collectHeaders(rawHeaders: readonly string[]): { headers: Record<string, string>; cookies: string[] } {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = (rawHeaders[i] ?? '').toLowerCase();
    const value = rawHeaders[i + 1] ?? '';
    if (name === 'cookie') {
      cookies.push(...value.split(';').map((c) => c.trim()).filter((c) => c !== ''));
      continue;
    }
    headers[name] = name in headers ? `${headers[name]},${value}` : value;
  }
  return { headers, cookies };
}

/** Query parameters decoded, repeated keys joined by `,` (as API Gateway v2 does). */
export function collectQuery(rawQueryString: string): Record<string, string> | undefined {
  if (rawQueryString === '') return undefined;
  // A Map, so a parameter named `__proto__` stays a parameter (as in API Gateway's JSON event).
  const out = new Map<string, string>();
  for (const [k, v] of new URLSearchParams(rawQueryString)) {
    const seen = out.get(k);
    out.set(k, seen === undefined ? v : `${seen},${v}`);
  }
  return Object.fromEntries(out);
}

export function toHttpApiEvent(
  req: Pick<IncomingMessage, 'method' | 'url' | 'rawHeaders' | 'httpVersion' | 'socket'>,
  body: Buffer,
  route: RouteMatch,
  context: EventContext = {},
): APIGatewayProxyEventV2 {
  const rawUrl = req.url ?? '/';
  const q = rawUrl.indexOf('?');
  const rawPath = q === -1 ? rawUrl : rawUrl.slice(0, q);
  const rawQueryString = q === -1 ? '' : rawUrl.slice(q + 1);
  const { headers, cookies } = collectHeaders(req.rawHeaders);
  const now = context.now ?? new Date();
  const domainName = (headers.host ?? 'localhost').split(',')[0] ?? 'localhost';
  const queryStringParameters = collectQuery(rawQueryString);
  const text = body.length === 0 || isTextBody(headers['content-type'], body);
  const sourceIp = (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
  const method = (req.method ?? 'GET').toUpperCase();
  return {
    version: '2.0',
    routeKey: route.routeKey,
    rawPath,
    rawQueryString,
    ...(cookies.length > 0 && { cookies }),
    headers,
    ...(queryStringParameters !== undefined && { queryStringParameters }),
    ...(route.pathParameters !== undefined && { pathParameters: route.pathParameters }),
    requestContext: {
      accountId: context.accountId ?? '000000000000',
      apiId: context.apiId ?? 'local',
      domainName,
      domainPrefix: domainName.split('.')[0] ?? domainName,
      http: {
        method,
        path: rawPath,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: context.requestId ?? newRequestId(),
      routeKey: route.routeKey,
      stage: '$default',
      time: apiGatewayTime(now),
      timeEpoch: now.getTime(),
    },
    ...(body.length > 0 && { body: text ? body.toString('utf8') : body.toString('base64') }),
    isBase64Encoded: !text,
  };
}

/**
 * API Gateway's reading of a handler result: a structured result is used as is; anything else
 * (a string, an object without `statusCode`) becomes a 200 JSON response.
 */
export function normaliseResult(result: APIGatewayProxyResultV2<unknown>): APIGatewayProxyStructuredResultV2 {
  if (typeof result === 'object' && result !== null && 'statusCode' in result) return result as APIGatewayProxyStructuredResultV2;
  const body = typeof result === 'string' ? result : JSON.stringify(result ?? null);
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, body };
}

export function writeResult(res: ServerResponse, result: APIGatewayProxyStructuredResultV2, requestId: string): void {
  const body = result.body === undefined ? Buffer.alloc(0) : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8');
  res.statusCode = result.statusCode ?? 200;
  for (const [name, value] of Object.entries(result.headers ?? {})) res.setHeader(name, String(value));
  if (result.cookies !== undefined && result.cookies.length > 0) res.setHeader('set-cookie', result.cookies);
  if (!res.hasHeader('content-type') && body.length > 0) res.setHeader('content-type', 'application/json');
  res.setHeader('apigw-requestid', requestId);
  res.setHeader('content-length', body.length);
  res.end(body);
}

/** An RFC 9457 problem response written straight by the front door (404, 413, 500). */
export function writeProblem(res: ServerResponse, status: number, title: string, detail: string, requestId: string): void {
  writeResult(
    res,
    {
      statusCode: status,
      headers: { 'content-type': 'application/problem+json' },
      body: JSON.stringify({ type: 'about:blank', title, status, detail }),
    },
    requestId,
  );
}
