/** `worker` Lambda: SQS batch in, partial batch failures out. Wiring only; the work is `processBatch`. */
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { EndpointLoad } from '../core/endpoint-load.js';
import { processBatch } from '../core/services/dispatch.js';
import { intakeLimits, lazyDependencies, type Dependencies } from './dependencies.js';
import { createObservability, dispatchObserver } from './observability.js';

/** `context` bounds the control work per invocation (local mode's loop passes none: only the count bounds it). */
export type WorkerHandler = (event: SQSEvent, context?: Pick<Context, 'getRemainingTimeInMillis'>) => Promise<SQSBatchResponse>;

export function createWorkerHandler(deps: Dependencies): WorkerHandler {
  const observability = createObservability('worker');
  const observer = dispatchObserver(observability);
  const dispatch = {
    ...deps,
    version: deps.config.version,
    ...(deps.config.shopDomain !== undefined && { shopDomain: deps.config.shopDomain }),
    limits: intakeLimits(deps.config),
    timeScale: deps.config.timeScale,
    concurrency: deps.config.workerConcurrency,
    uniqueTenantEvent: deps.config.uniqueTenantEvent,
    successRecords: deps.config.successRecords,
    // One per worker process: its batches share what they know of each endpoint's load.
    endpointLoad: new EndpointLoad(),
    observe: observer.observe,
  };
  return async (event, context) => {
    try {
      const failed = await processBatch(
        dispatch,
        event.Records.map((r) => ({ id: r.messageId, body: r.body })),
        context !== undefined ? { remainingMs: () => context.getRemainingTimeInMillis() } : {},
      );
      if (failed.length > 0) observability.logger.warn('batch items failed', { failed: failed.length, of: event.Records.length });
      return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
    } catch (error) {
      // Unknown failure of the whole batch: every record is redelivered (or dead-lettered).
      observability.logger.error('batch failed', { error: error as Error });
      return { batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })) };
    } finally {
      observer.publish();
    }
  };
}

export const handler: WorkerHandler = lazyDependencies(createWorkerHandler);
