/**
 * The console's only way to the API: same-origin `fetch` of `/v1/…`, carrying the per-start token
 * the page was served with (the `hookline console` proxy refuses calls without it). Error answers
 * become `ApiProblem`s holding the problem+json detail and its per-field errors.
 */
import { parseJsonOrUndefined } from '../../lambdas/core/json.js';

export interface FieldError {
  field: string;
  message: string;
}

export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly errors: FieldError[],
  ) {
    super(`${title}: ${detail}`);
  }

  /** The message for a form field: errors on `field` itself or below it (`retryPolicy.retries`). */
  fieldError(field: string): string | undefined {
    const hits = this.errors.filter((e) => e.field === field || e.field.startsWith(`${field}.`) || e.field.startsWith(`${field}[`));
    return hits.length > 0 ? hits.map((e) => e.message).join('; ') : undefined;
  }
}

export const TOKEN_HEADER = 'x-hookline-console-token';

function consoleToken(): string {
  return document.querySelector('meta[name="hookline-console-token"]')?.getAttribute('content') ?? '';
}

function toProblem(status: number, text: string): ApiProblem {
  const p = (parseJsonOrUndefined(text) ?? {}) as { title?: string; detail?: string; message?: string; errors?: FieldError[] };
  return new ApiProblem(status, p.title ?? `HTTP ${status}`, p.detail ?? p.message ?? text.slice(0, 300), Array.isArray(p.errors) ? p.errors : []);
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json, application/problem+json', [TOKEN_HEADER]: consoleToken() };
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, { method, headers, credentials: 'same-origin', ...(body !== undefined && { body: JSON.stringify(body) }) });
  } catch (error) {
    throw new ApiProblem(0, 'Network error', `the API could not be reached (${(error as Error).message})`, []);
  }
  const text = await res.text();
  if (!res.ok) throw toProblem(res.status, text);
  return (text === '' ? undefined : parseJsonOrUndefined(text)) as T;
}

/** `?a=1&b=2` from the defined, non-empty values. */
export function query(params: Record<string, string | number | boolean | undefined>): string {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') search.set(k, String(v));
  const s = search.toString();
  return s === '' ? '' : `?${s}`;
}

export interface Page<T> {
  items: T[];
  nextCursor?: string;
}
