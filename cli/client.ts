/**
 * The API client: builds the request URL (RFC 3986 query, so the signed and the sent URL
 * agree), signs it when the target asks for it, and turns answers into `ApiResponse` or
 * `ApiError` (4xx/5xx, problem+json) and transport failures into `NetworkError`.
 */
import { ApiError, NetworkError, type Problem } from './errors.js';
import { encodeRfc3986, signRequest } from './sigv4.js';
import type { Target } from './target.js';

export type QueryValue = string | number | boolean | undefined;

export interface RequestOptions {
  query?: Record<string, QueryValue>;
  /** Serialised as JSON. */
  body?: unknown;
  headers?: Record<string, string>;
}

export interface ApiResponse {
  status: number;
  /** Parsed JSON body; undefined when empty. */
  body: unknown;
  /** The body exactly as received (`--json` prints it unchanged). */
  text: string;
  headers: Headers;
}

export type FetchLike = (url: string, init: { method: string; headers: Record<string, string>; body?: string; signal?: AbortSignal }) => Promise<Response>;

export interface ApiClientOptions {
  /** @default globalThis.fetch */
  fetch?: FetchLike;
  /** @default 30000 */
  timeoutMs?: number;
  /** Sent as `User-Agent`. @default 'hookline-cli' */
  userAgent?: string;
}

export function buildUrl(baseUrl: string, path: string, query: Record<string, QueryValue> = {}): string {
  const qs = Object.entries(query)
    .filter((e): e is [string, string | number | boolean] => e[1] !== undefined && e[1] !== '')
    .map(([k, v]) => `${encodeRfc3986(k)}=${encodeRfc3986(String(v))}`)
    .join('&');
  return `${baseUrl}${path}${qs ? `?${qs}` : ''}`;
}

function parseProblem(status: number, text: string): Problem {
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Problem;
  } catch {
    // Not JSON (a proxy or API Gateway's own error page): show the start of it.
  }
  return { status, title: `HTTP ${status}`, ...(text ? { detail: text.slice(0, 300) } : {}) };
}

export class ApiClient {
  private readonly fetch: FetchLike;
  private readonly timeoutMs: number;
  private readonly userAgent: string;

  constructor(
    private readonly target: Target,
    options: ApiClientOptions = {},
  ) {
    this.fetch = options.fetch ?? ((url, init) => globalThis.fetch(url, init));
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.userAgent = options.userAgent ?? 'hookline-cli';
  }

  async request(method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse> {
    const url = buildUrl(this.target.baseUrl, path, options.query);
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    let headers: Record<string, string> = {
      accept: 'application/json, application/problem+json',
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...options.headers,
    };
    if (this.target.signing) {
      const credentials = await this.target.signing.credentials();
      headers = await signRequest(
        { method, url, headers, ...(body !== undefined ? { body } : {}) },
        { credentials, region: this.target.signing.region },
      );
      // fetch derives Host from the URL; the signed value is the same.
      delete headers.host;
    }
    headers['user-agent'] = this.userAgent;

    let res: Response;
    let text: string;
    try {
      res = await this.fetch(url, { method, headers, ...(body !== undefined ? { body } : {}), signal: AbortSignal.timeout(this.timeoutMs) });
      text = await res.text();
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code ?? cause?.message ?? (err as Error).message;
      throw new NetworkError(`cannot reach ${new URL(url).origin}: ${why}`, { cause: err });
    }
    if (res.status >= 400) throw new ApiError(res.status, parseProblem(res.status, text), text);
    let parsed: unknown;
    if (text !== '') {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    return { status: res.status, body: parsed, text, headers: res.headers };
  }
}
