/**
 * Checks a request against the API's own schemas before it is sent, so a missing or invalid
 * option is a usage error (exit 2) naming the flag, and nothing reaches the API. Checks only
 * what does not depend on the deployment (the URL policy, for one, is the server's).
 */
import type { z } from 'zod';
import { zodFieldErrors } from '../lambdas/core/validation.js';
import { UsageError } from './errors.js';

/** Body fields whose flag is not their kebab-case name. */
const FLAGS: Record<string, string> = {
  customHeaders: '--header',
  signing: '--signing-scheme',
  'signing.header': '--signing-header',
  auth: '--auth-type',
  'auth.type': '--auth-type',
  'auth.username': '--username',
  'auth.password': '--password',
  'auth.token': '--token',
  'auth.authorization': '--authorization',
};

/** `eventTypes.1` → `--event-types (1)`, `customHeaders.X-A` → `--header (X-A)`: the flag a body field comes from. */
export function flagOf(field: string): string {
  const path = field.split('.');
  for (let n = path.length; n > 0; n--) {
    const flag = FLAGS[path.slice(0, n).join('.')];
    if (flag !== undefined) return n < path.length ? `${flag} (${path.slice(n).join('.')})` : flag;
  }
  const [head, ...rest] = path;
  const flag = `--${(head ?? '').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
  return rest.length > 0 ? `${flag} (${rest.join('.')})` : flag;
}

/** Throws one `UsageError` listing every invalid field of `body` as its flag. */
export function checkBody(schema: z.ZodType, body: unknown, what: string): void {
  const parsed = schema.safeParse(body);
  if (parsed.success) return;
  const lines = zodFieldErrors(parsed.error.issues).map((e) => {
    const message = /received undefined$/.test(e.message) ? 'is required' : e.message;
    return `  ${e.field === '(body)' ? what : flagOf(e.field)}: ${message}`;
  });
  throw new UsageError(`invalid ${what}; nothing was sent:\n${lines.join('\n')}`);
}

/** A value that must be one of `allowed`, e.g. a `--status` filter. */
export function checkChoice(flag: string, value: string | undefined, allowed: readonly string[]): string | undefined {
  if (value !== undefined && !allowed.includes(value)) throw new UsageError(`${flag} must be one of ${allowed.join(', ')}; got "${value}"`);
  return value;
}
