import { ValidationError, type FieldError } from '../../lambdas/core/errors.js';

/** The field errors `parse` throws as a ValidationError (empty when it accepts); any other error propagates. */
export function fieldErrorsOf(parse: () => unknown): FieldError[] {
  try {
    parse();
    return [];
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return error.errors;
  }
}
