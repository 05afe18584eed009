/** API responses: JSON bodies and RFC 9457 problem details. */
import type { APIGatewayProxyStructuredResultV2 as Result } from 'aws-lambda';
import { HooklineError, MethodNotAllowedError, ValidationError, ConflictError } from '../../core/errors.js';

export type { Result };

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): Result {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers },
    body: JSON.stringify(body),
  };
}

export function noContent(): Result {
  return { statusCode: 204, headers: { 'cache-control': 'no-store' } };
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  errors?: { field: string; message: string }[];
  conflictingId?: string;
}

export function problem(status: number, title: string, detail: string, extra: Partial<Problem> = {}, headers: Record<string, string> = {}): Result {
  const body: Problem = { type: 'about:blank', title, status, detail, ...extra };
  return {
    statusCode: status,
    headers: { 'content-type': 'application/problem+json', 'cache-control': 'no-store', ...headers },
    body: JSON.stringify(body),
  };
}

/**
 * Maps any error to a problem response. Domain errors carry their status; anything else is a
 * 500 whose detail never leaks internals (the caller logs the error itself).
 */
export function problemFor(error: unknown, instance?: string): Result {
  const at = instance !== undefined ? { instance } : {};
  if (error instanceof ValidationError) return problem(400, error.title, error.message, { ...at, errors: error.errors });
  if (error instanceof MethodNotAllowedError) {
    return problem(405, error.title, error.message, at, { allow: error.allow.join(', ') });
  }
  if (error instanceof ConflictError && error.conflictingId !== undefined) {
    return problem(409, error.title, error.message, { ...at, conflictingId: error.conflictingId });
  }
  if (error instanceof HooklineError) return problem(error.status, error.title, error.message, at);
  return problem(500, 'Internal error', 'The request could not be completed; it is safe to retry.', at);
}
