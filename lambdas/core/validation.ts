/** Parsing request bodies and queries into domain values, with the API's per-field errors. */
import * as z from 'zod';
import { ValidationError } from './errors.js';
import { zodFieldErrors } from './subscription-schema.js';

/** The `limit` and `cursor` of every list query. */
export const pageLimitSchema = z.coerce.number().int().min(1).max(100).default(50).meta({ description: 'page size (1-100, default 50)' });
export const pageCursorSchema = z.string().min(1).max(2048).optional().meta({ description: 'from the previous page' });

/** Parses `value` with `schema` or throws a `ValidationError` naming every offending field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new ValidationError(zodFieldErrors(result.error.issues));
  return result.data;
}
