import { describe, expect, it } from 'vitest';
import { DependencyError, isTransient, toDomainError } from '../../../lambdas/adapters/errors.js';
import { TransientDependencyError, ValidationError } from '../../../lambdas/core/errors.js';

/** An SDK service exception as the clients throw it: a name and the HTTP status in `$metadata`. */
const sdkError = (name: string, status?: number, extra: Record<string, unknown> = {}): Error =>
  Object.assign(new Error(name), { name, ...(status !== undefined && { $metadata: { httpStatusCode: status } }), ...extra });
const networkError = (code: string): Error => Object.assign(new Error(code), { code });

describe('isTransient', () => {
  it.each([
    ['DynamoDB throttling', sdkError('ProvisionedThroughputExceededException', 400)],
    ['generic throttling', sdkError('ThrottlingException', 400)],
    ['a 429', sdkError('TooManyRequests', 429)],
    ['S3 SlowDown', sdkError('SlowDown', 503)],
    ['a 500', sdkError('InternalServerError', 500)],
    ['a 501 (any 5xx)', sdkError('NotImplemented', 501)],
    ['the SDK timeout', sdkError('TimeoutError')],
    ['a retryable trait', sdkError('Whatever', 400, { $retryable: {} })],
    ['connection refused', networkError('ECONNREFUSED')],
    ['connection reset', networkError('ECONNRESET')],
    ['DNS failure', networkError('EAI_AGAIN')],
    // Smithy does not list these; the short project list does.
    ['a lost DynamoDB transaction race', sdkError('TransactionConflictException', 400)],
    ['KMS throttling', sdkError('KMSThrottlingException', 400)],
  ])('%s is transient', (_what, error) => {
    expect(isTransient(error)).toBe(true);
  });

  it.each([
    ['a failed condition', sdkError('ConditionalCheckFailedException', 400)],
    ['a missing resource', sdkError('ResourceNotFoundException', 400)],
    ['a validation error', sdkError('ValidationException', 400)],
    ['access denied', sdkError('AccessDeniedException', 403)],
    ['an abort', sdkError('AbortError', undefined, { $retryable: {} })],
    ['a plain Error', new Error('boom')],
    ['not an object', 'boom'],
    ['null', null],
  ])('%s is not transient', (_what, error) => {
    expect(isTransient(error)).toBe(false);
  });
});

describe('toDomainError', () => {
  it('maps transient SDK errors to TransientDependencyError and the rest to DependencyError, keeping the cause', () => {
    const throttled = sdkError('ThrottlingException', 400);
    const transient = toDomainError(throttled, 'DynamoDB', 'PutItem');
    expect(transient).toBeInstanceOf(TransientDependencyError);
    expect(transient.cause).toBe(throttled);
    const permanent = toDomainError(sdkError('ValidationException', 400), 'DynamoDB', 'PutItem');
    expect(permanent).toBeInstanceOf(DependencyError);
    expect(permanent.message).toContain('DynamoDB PutItem failed (ValidationException)');
  });

  it('passes domain errors through', () => {
    const domain = new ValidationError([{ field: 'url', message: 'bad' }]);
    expect(toDomainError(domain, 'DynamoDB', 'PutItem')).toBe(domain);
  });
});
