/** Wraps a router as an API Gateway v2 handler: problem responses for every error, metrics flushed. */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { HooklineError } from '../../core/errors.js';
import type { Observability } from '../observability.js';
import { problemFor, type Result } from './response.js';
import type { Router } from './router.js';

export type HttpHandler = (event: APIGatewayProxyEventV2) => Promise<Result>;

export function serve(router: Router, { logger, metrics }: Observability): HttpHandler {
  return async (event) => {
    const path = event.rawPath ?? event.requestContext?.http?.path;
    try {
      return await router.handle(event);
    } catch (error) {
      if (!(error instanceof HooklineError) || error.status >= 500) {
        logger.error('request failed', { path, method: event.requestContext?.http?.method, error: error as Error });
      }
      return problemFor(error, path);
    } finally {
      // Admin routes record no metrics; publishing nothing would log a Powertools warning per request.
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    }
  };
}
