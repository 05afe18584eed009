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

export class ValidationError extends HooklineError {
  readonly status = 400;
  readonly title = 'Invalid request';
  constructor(
    readonly errors: FieldError[],
    options?: ErrorOptions,
  ) {
    super(errors.map((e) => `${e.field}: ${e.message}`).join('; '), options);
  }
}

export class MalformedJsonError extends HooklineError {
  readonly status = 400;
  readonly title = 'Malformed JSON';
}

export class NotFoundError extends HooklineError {
  readonly status = 404;
  readonly title = 'Not found';
}

export class MethodNotAllowedError extends HooklineError {
  readonly status = 405;
  readonly title = 'Method not allowed';
  constructor(
    message: string,
    readonly allow: string[],
  ) {
    super(message);
  }
}

export class ConflictError extends HooklineError {
  readonly status = 409;
  readonly title = 'Conflict';
  constructor(
    message: string,
    readonly conflictingId?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Optimistic concurrency lost: the caller re-reads and retries. */
export class ConcurrentUpdateError extends HooklineError {
  readonly status = 409;
  readonly title = 'Concurrent update';
}

export class PayloadTooLargeError extends HooklineError {
  readonly status = 413;
  readonly title = 'Payload too large';
}

export class UnsupportedMediaTypeError extends HooklineError {
  readonly status = 415;
  readonly title = 'Unsupported media type';
}

/** A transient failure of a dependency (throttling, timeouts): the caller may retry. */
export class TransientDependencyError extends HooklineError {
  readonly status = 503;
  readonly title = 'Service temporarily unavailable';
}
