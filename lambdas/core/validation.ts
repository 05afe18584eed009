/** Parsing request bodies and queries into domain values, with the API's per-field errors. */
import type * as z from 'zod';
import { ValidationError } from './errors.js';
import { zodFieldErrors } from './subscription-schema.js';

/** Parses `value` with `schema` or throws a `ValidationError` naming every offending field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new ValidationError(zodFieldErrors(result.error.issues));
  return result.data;
}
