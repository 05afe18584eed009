/** Errors of the outbound HTTP module. Remote-side failures are results, never errors. */
import { HooklineError } from '../core/errors.js';

/** The sender was configured with invalid options (a programming or deployment error). */
export class HttpSenderConfigError extends HooklineError {
  readonly status = 500;
  readonly title = 'Invalid HTTP sender configuration';
}

/** The resolver gave up at the deadline the attempt gave it; the sender reports a `timeout` result. */
export class OutboundDnsTimeoutError extends HooklineError {
  readonly status = 504;
  readonly title = 'DNS resolution timed out';
}
