/**
 * Domain errors. Every error extends `HooklineError`, sets `name`, accepts a cause and
 * carries the HTTP status the API maps it to (RFC 9457 problem details).
 */
export interface FieldError {
  /** Dotted path of the offending field, e.g. `customHeaders.X-Team` or `retryPolicy.delays.2`. */
  field: string;
  message: string;
}

export abstract class HooklineError extends Error {
  abstract readonly status: number;
  abstract readonly title: string;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The base of an error answered with one status and title: `class NotFoundError extends problemError(404, 'Not found') {}`. */
export function problemError(status: number, title: string) {
  return class extends HooklineError {
    readonly status = status;
    readonly title = title;
  };
}

export class ValidationError extends problemError(400, 'Invalid request') {
  constructor(
    readonly errors: FieldError[],
    options?: ErrorOptions,
  ) {
    super(errors.map((e) => `${e.field}: ${e.message}`).join('; '), options);
  }
}

export class MalformedJsonError extends problemError(400, 'Malformed JSON') {}

export class NotFoundError extends problemError(404, 'Not found') {}

export class MethodNotAllowedError extends problemError(405, 'Method not allowed') {
  constructor(
    message: string,
    readonly allow: string[],
  ) {
    super(message);
  }
}

export class ConflictError extends problemError(409, 'Conflict') {
  constructor(
    message: string,
    readonly conflictingId?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Optimistic concurrency lost: the caller re-reads and retries. */
export class ConcurrentUpdateError extends problemError(409, 'Concurrent update') {}

export class PayloadTooLargeError extends problemError(413, 'Payload too large') {}

export class UnsupportedMediaTypeError extends problemError(415, 'Unsupported media type') {}

/** A transient failure of a dependency (throttling, timeouts): the caller may retry. */
export class TransientDependencyError extends problemError(503, 'Service temporarily unavailable') {}
