/** Errors of the outbound HTTP module. Remote-side failures are results, never errors. */
import { problemError } from '../core/errors.js';

/** The sender was configured with invalid options (a programming or deployment error). */
export class HttpSenderConfigError extends problemError(500, 'Invalid HTTP sender configuration') {}

/** The resolver gave up at the deadline the attempt gave it; the sender reports a `timeout` result. */
export class OutboundDnsTimeoutError extends problemError(504, 'DNS resolution timed out') {}
