/** Turns an HTTP status into an attempt outcome (DESIGN §6). */
import type { Outcome, StatusMatcher } from './model.js';

const CLASS_PATTERN = /^([1-5])xx$/;
const RANGE_PATTERN = /^(\d{3})-(\d{3})$/;

/** Whether `statusCode` is matched by one entry: `200`, `"200"`, `"2xx"` or `"200-299"` (inclusive). */
export function matchesStatus(statusCode: number, matcher: StatusMatcher): boolean {
  if (typeof matcher === 'number') return statusCode === matcher;
  if (/^\d{3}$/.test(matcher)) return statusCode === Number(matcher);
  const cls = CLASS_PATTERN.exec(matcher);
  if (cls) return Math.floor(statusCode / 100) === Number(cls[1]);
  const range = RANGE_PATTERN.exec(matcher);
  if (range) return statusCode >= Number(range[1]) && statusCode <= Number(range[2]);
  return false;
}

/**
 * `success` when a matcher accepts the status (no matchers = any 2xx). Otherwise the class:
 * `429`, `3xx` (redirects are never followed), `4xx`, `5xx`. A status the endpoint should not
 * have sent (1xx, a 2xx outside `acceptStatuses`, anything ≥ 600) counts as `5xx`: the
 * endpoint answered, but not as agreed, so it is retried wherever server errors are.
 */
export function classifyStatus(statusCode: number, acceptStatuses: readonly StatusMatcher[]): Outcome {
  const accepted =
    acceptStatuses.length === 0 ? statusCode >= 200 && statusCode <= 299 : acceptStatuses.some((m) => matchesStatus(statusCode, m));
  if (accepted) return 'success';
  if (statusCode === 429) return '429';
  if (statusCode >= 300 && statusCode <= 399) return '3xx';
  if (statusCode >= 400 && statusCode <= 499) return '4xx';
  return '5xx';
}
