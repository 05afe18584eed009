/**
 * Errors of the AWS adapters, and the one function that turns SDK exceptions into domain
 * errors so nothing above a port ever sees an SDK type.
 */
import { isServerError, isThrottlingError, isTransientError } from '@smithy/core/retry';
import { HooklineError, problemError, TransientDependencyError } from '../core/errors.js';

/** A dependency answered in a way the adapter cannot use (bad request, missing resource, partial failure). */
export class DependencyError extends problemError(500, 'Dependency failure') {
  constructor(
    message: string,
    readonly service: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Transient failures smithy's classification does not know (as of @smithy/core 3.41); the HTTP client is node:http, whose socket errors smithy knows. */
const TRANSIENT_NAMES = new Set(['TransactionConflictException', 'KMSThrottlingException']);

type SdkLikeError = Parameters<typeof isTransientError>[0];

/** True for throttling, 5xx and network failures: retrying later may succeed. */
export function isTransient(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as SdkLikeError;
  if (TRANSIENT_NAMES.has(e.name)) return true;
  return isThrottlingError(e) || isTransientError(e) || isServerError(e);
}

/** How smithy's retry middleware sorts a failure; `StandardRetryStrategy` retries THROTTLING and TRANSIENT. */
export type RetryErrorType = 'THROTTLING' | 'TRANSIENT' | 'SERVER_ERROR' | 'CLIENT_ERROR';

/** The SDK's classification for adapters that drive a retry strategy themselves (the S3 object client). */
export function retryErrorType(error: unknown): RetryErrorType {
  if (typeof error !== 'object' || error === null) return 'CLIENT_ERROR';
  const e = error as SdkLikeError;
  if (isThrottlingError(e)) return 'THROTTLING';
  if (isTransientError(e)) return 'TRANSIENT';
  return isServerError(e) ? 'SERVER_ERROR' : 'CLIENT_ERROR';
}

export function errorName(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null ? (error as { name?: string }).name : undefined;
}

/**
 * Maps an SDK exception raised by `operation` to a domain error. Domain errors pass through;
 * transient ones become `TransientDependencyError`; anything else a `DependencyError`.
 */
export function toDomainError(error: unknown, service: string, operation: string): Error {
  if (error instanceof HooklineError) return error;
  const name = errorName(error) ?? 'Error';
  const detail = error instanceof Error ? error.message : String(error);
  if (isTransient(error)) {
    return new TransientDependencyError(`${service} ${operation} failed transiently (${name}): ${detail}`, { cause: error });
  }
  return new DependencyError(`${service} ${operation} failed (${name}): ${detail}`, service, { cause: error });
}

/** Runs `call`, mapping whatever it throws with `toDomainError`. */
export async function mapErrors<T>(service: string, operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toDomainError(error, service, operation);
  }
}
