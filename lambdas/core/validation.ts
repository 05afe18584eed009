/** Parsing request bodies and queries into domain values, with the API's per-field errors. */
import * as z from 'zod';
import { ValidationError, type FieldError } from './errors.js';

/** The `limit` and `cursor` of every list query. */
export const pageLimitSchema = z.coerce.number().int().min(1).max(100).default(50).meta({ description: 'page size (1-100, default 50)' });
export const pageCursorSchema = z.string().min(1).max(2048).optional().meta({ description: 'from the previous page' });

/** Parses `value` with `schema` or throws a `ValidationError` naming every offending field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new ValidationError(zodFieldErrors(result.error.issues));
  return result.data;
}

/** Flattens zod issues into `{field, message}`, one per unknown key. */
export function zodFieldErrors(issues: readonly z.core.$ZodIssue[]): FieldError[] {
  const errors: FieldError[] = [];
  for (const issue of issues) {
    const base = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) errors.push({ field: [...base, key].join('.'), message: 'is not a known field' });
    } else {
      errors.push({ field: base.length > 0 ? base.join('.') : '(body)', message: issue.message });
    }
  }
  return errors;
}

const NOUNS: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'a boolean',
  object: 'an object',
  record: 'an object',
  array: 'an array',
  null: 'null',
};

/** Default messages in the API's voice ("must be …"); schema-specific messages take precedence. */
export function friendlyMessage(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'is required';
      return `must be ${NOUNS[issue.expected] ?? issue.expected}`;
    case 'too_small': {
      const min = Number(issue.minimum);
      if (issue.origin === 'string') return min === 1 ? 'must not be empty' : `must be at least ${min} characters`;
      if (issue.origin === 'array') return `must have at least ${min} item${min === 1 ? '' : 's'}`;
      return issue.inclusive === false ? `must be greater than ${min}` : `must be at least ${min}`;
    }
    case 'too_big': {
      const max = Number(issue.maximum);
      if (issue.origin === 'string') return `must be at most ${max} characters`;
      if (issue.origin === 'array') return `must have at most ${max} item${max === 1 ? '' : 's'}`;
      return issue.inclusive === false ? `must be less than ${max}` : `must be at most ${max}`;
    }
    case 'invalid_value':
      return `must be one of: ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_union':
      if (issue.discriminator !== undefined && 'options' in issue && Array.isArray(issue.options)) {
        return `must be one of: ${(issue.options as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
      }
      return 'has an invalid value';
    case 'invalid_format':
      return 'has an invalid format';
    case 'invalid_key': {
      // Record keys: say what is wrong with the key itself (the path already names it).
      const inner = issue.issues[0];
      return inner === undefined ? 'has an invalid key' : `key ${friendlyMessage(inner as z.core.$ZodRawIssue) ?? inner.message}`;
    }
    default:
      return undefined;
  }
}
