/** Why the `hookline console` server refuses a request (answered as problem+json). */
import { HooklineError } from '../../lambdas/core/errors.js';

/** A `Host` other than this server's loopback address: a DNS-rebinding page, not the operator. */
export class ForeignHostError extends HooklineError {
  readonly status = 421;
  readonly title = 'Misdirected request';
}

/** An API call without this start's token, or from another origin: cross-site, refused. */
export class CrossSiteRequestError extends HooklineError {
  readonly status = 403;
  readonly title = 'Forbidden';
}

/** The API behind the console could not be reached or signed for. */
export class UpstreamError extends HooklineError {
  readonly status = 502;
  readonly title = 'Bad gateway';
}
