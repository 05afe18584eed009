/** Why the `hookline console` server refuses a request (answered as problem+json). */
import { problemError } from '../../lambdas/core/errors.js';

/** A `Host` other than this server's loopback address: a DNS-rebinding page, not the operator. */
export class ForeignHostError extends problemError(421, 'Misdirected request') {}

/** An API call without this start's token, or from another origin: cross-site, refused. */
export class CrossSiteRequestError extends problemError(403, 'Forbidden') {}

/** The API behind the console could not be reached or signed for. */
export class UpstreamError extends problemError(502, 'Bad gateway') {}
