/**
 * Hookline in this test process, on the run's engines: the very receiver/admin handlers (called
 * with API Gateway v2 events, no socket in between), the worker handler behind the local worker
 * loop and the local retry scheduler, with seams the fault suites need: a hook on the DynamoDB
 * client (fault middleware), dependency overrides (sender, queue, scheduler, clock) and a
 * shorter queue visibility timeout so failed records come back in seconds.
 */
import { SetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Api } from './fault-scenario.js';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient, createDynamoClient, createS3ObjectClient, createSqsClient } from '../../lambdas/adapters/aws-clients.js';
import { DynamoDeliveryStore } from '../../lambdas/adapters/dynamodb/delivery-store.js';
import { DynamoJobStore } from '../../lambdas/adapters/dynamodb/job-store.js';
import { DynamoMessageStore } from '../../lambdas/adapters/dynamodb/message-store.js';
import { DynamoSubscriptionStore } from '../../lambdas/adapters/dynamodb/subscription-store.js';
import { EnvelopeCipher } from '../../lambdas/core/envelope.js';
import { LocalDataKeys } from '../../local/key-file.js';
import { S3PayloadStore } from '../../lambdas/adapters/s3/payload-store.js';
import { SqsTaskQueue } from '../../lambdas/adapters/sqs/task-queue.js';
import type { AttemptLogLine } from '../../lambdas/core/attempt-log.js';
import { createAdminHandler } from '../../lambdas/handlers/admin.js';
import { buildDependencies, loadConfig, type Dependencies } from '../../lambdas/handlers/dependencies.js';
import { createReceiverHandler } from '../../lambdas/handlers/receiver.js';
import { createWorkerHandler } from '../../lambdas/handlers/worker.js';
import { clientConfig } from '../../local/engines.js';
import { toHttpApiEvent } from '../../local/http-api-event.js';
import { LocalRetryScheduler } from '../../lambdas/adapters/scheduler/local-retry-scheduler.js';
import { matchRoute } from '../../local/routes.js';
import { localEnvironment } from '../../local/runtime.js';
import type { LocalOptions } from '../../local/options.js';
import { WorkerLoop } from '../../local/worker-loop.js';
import { testEngines, type TestEngines } from './engines.js';

export interface InProcessOptions {
  label: string;
  /** @default 1 */
  timeScale?: number;
  /** Called once with the stores' DynamoDB client (add fault middleware here). */
  onDynamoClient?: (client: DynamoDBClient) => void;
  /** Called once with the SQS client of the queue and the worker loop. */
  onSqsClient?: (client: SQSClient) => void;
  /** Replaces parts of the dependencies built over the engines. */
  overrides?: (base: Dependencies, parts: { doc: DynamoDBDocumentClient; engines: TestEngines }) => Partial<Dependencies>;
  /** Run the worker loop (and the local scheduler). @default true */
  worker?: boolean;
  /** @default 4 */
  pollers?: number;
  /** Queue visibility timeout in seconds for this instance's queue. @default 60 (as provisioned) */
  visibilityTimeoutS?: number;
}

export interface InvokeRequest {
  headers?: Record<string, string>;
  /** Sent as is; objects are JSON-encoded with `content-type: application/json`. */
  body?: string | Buffer | object;
  /** Raw query string, without `?`. */
  query?: string;
}

export interface InvokeResponse {
  status: number;
  headers: Record<string, string>;
  text: string;
  /** The parsed body when it is JSON. */
  json: any;
}

export interface InProcessHookline {
  engines: TestEngines;
  deps: Dependencies;
  /** Every attempt the worker logged. */
  attempts: AttemptLogLine[];
  /** Errors the worker loop reported (handler crashes, queue hiccups). */
  loopErrors: { where: string; error: unknown }[];
  /** One request through the route table and the matching handler, as API Gateway would pass it. */
  invoke(method: string, path: string, request?: InvokeRequest): Promise<InvokeResponse>;
  /** JSON convenience over `invoke`. */
  api(method: string, path: string, body?: object): Promise<InvokeResponse>;
  stop(): Promise<void>;
}

/** A scenario's `Api` (status and parsed JSON) over the in-process handlers. */
export function scenarioApi(h: Pick<InProcessHookline, 'invoke'>): Api {
  return async (method, path, body, headers) => {
    const r = await h.invoke(method, path, { ...(body !== undefined && { body: body as object }), ...(headers !== undefined && { headers }) });
    return { status: r.status, body: r.json };
  };
}

/** API Gateway's payload limit, which the local front door enforces before any handler runs. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;

export async function startInProcess(options: InProcessOptions): Promise<InProcessHookline> {
  const engines = await testEngines(options.label);
  const { names } = engines;
  if (options.visibilityTimeoutS !== undefined) {
    await engines.sqs.send(new SetQueueAttributesCommand({ QueueUrl: names.queueUrl, Attributes: { VisibilityTimeout: String(options.visibilityTimeoutS) } }));
  }
  const timeScale = options.timeScale ?? 1;
  const local = { uniqueTenantEvent: false, timeScale } as LocalOptions;
  // The SDK's default credential chain reads these; without them it would look for instance metadata.
  Object.assign(process.env, localEnvironment(local, engines.engines, names), {
    POWERTOOLS_LOG_LEVEL: process.env.HOOKLINE_E2E_VERBOSE === 'true' ? 'INFO' : 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
  const config = loadConfig(process.env);

  const dynamo = createDynamoClient(engines.dynamoConfig);
  options.onDynamoClient?.(dynamo);
  const doc = createDocumentClient(dynamo);
  const sqs = createSqsClient(engines.fauxqsConfig);
  options.onSqsClient?.(sqs);
  const s3 = createS3ObjectClient(engines.fauxqsConfig);
  const storeOptions = { client: doc, tableName: names.table, retentionDays: config.retentionDays };
  const queue = new SqsTaskQueue({ client: sqs, queueUrl: names.queueUrl });
  // The scheduler keeps its own clean client: its faults are the scheduler suite's business.
  const schedulerDoc = createDocumentClient(clientConfig(engines.engines.dynamoEndpoint, engines.engines));
  const scheduler = new LocalRetryScheduler({ doc: schedulerDoc, tableName: names.table, queue, timeScale });
  const attempts: AttemptLogLine[] = [];
  const base = buildDependencies(config, {
    subscriptions: new DynamoSubscriptionStore(storeOptions, new EnvelopeCipher(LocalDataKeys.inMemory())),
    messages: new DynamoMessageStore(storeOptions),
    deliveries: new DynamoDeliveryStore(storeOptions),
    jobs: new DynamoJobStore(storeOptions),
    payloads: new S3PayloadStore({ client: s3, bucket: names.bucket }),
    queue,
    retryScheduler: scheduler,
    alerts: { publish: async () => undefined },
    attemptLog: { write: (line) => void attempts.push(line) },
  });
  const deps: Dependencies = { ...base, ...options.overrides?.(base, { doc, engines }) };
  const handlers = { receiver: createReceiverHandler(deps), admin: createAdminHandler(deps) };

  const loopErrors: { where: string; error: unknown }[] = [];
  const runWorker = options.worker ?? true;
  const worker = new WorkerLoop({
    sqs,
    queueUrl: names.queueUrl,
    queueArn: names.queueArn,
    region: engines.engines.region,
    handler: createWorkerHandler(deps),
    pollers: options.pollers ?? 4,
    onError: (error, where) => loopErrors.push({ where, error }),
  });
  if (runWorker) {
    await scheduler.start();
    worker.start();
  }

  const invoke = (method: string, path: string, request: InvokeRequest = {}): Promise<InvokeResponse> => invokeThroughFrontDoor(handlers, method, path, request);

  return {
    engines,
    deps,
    attempts,
    loopErrors,
    invoke,
    api: (method, path, body) => invoke(method, path, body === undefined ? {} : { body }),
    async stop() {
      if (runWorker) {
        await worker.stop();
        await scheduler.stop();
      }
      for (const client of [dynamo, sqs, s3]) client.destroy();
      schedulerDoc.destroy();
      await (deps.sender as { close?: () => Promise<void> }).close?.();
      engines.close();
    },
  };
}

/** One request as the local front door would pass it: route match, body limit, HTTP API event, handler. */
async function invokeThroughFrontDoor(
  handlers: { receiver: ReturnType<typeof createReceiverHandler>; admin: ReturnType<typeof createAdminHandler> },
  method: string,
  path: string,
  request: InvokeRequest,
): Promise<InvokeResponse> {
  const headers: Record<string, string> = { host: 'localhost', ...request.headers };
  let body: Buffer;
  if (request.body === undefined) body = Buffer.alloc(0);
  else if (typeof request.body === 'string') body = Buffer.from(request.body, 'utf8');
  else if (Buffer.isBuffer(request.body)) body = request.body;
  else {
    body = Buffer.from(JSON.stringify(request.body), 'utf8');
    headers['content-type'] ??= 'application/json';
  }
  const route = matchRoute(method, path);
  if (route === undefined) return problemResponse(404, 'Not Found');
  if (body.length > MAX_BODY_BYTES) return problemResponse(413, 'Payload too large');
  const url = request.query !== undefined ? `${path}?${request.query}` : path;
  const fakeRequest = {
    method,
    url,
    rawHeaders: Object.entries(headers).flat(),
    httpVersion: '1.1',
    socket: { remoteAddress: '127.0.0.1' },
  } as unknown as Parameters<typeof toHttpApiEvent>[0];
  const result = await handlers[route.target](toHttpApiEvent(fakeRequest, body, route));
  const text = result.body === undefined ? '' : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8').toString('utf8');
  const resultHeaders = Object.fromEntries(Object.entries(result.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]));
  const type = resultHeaders['content-type'] ?? '';
  return { status: result.statusCode ?? 200, headers: resultHeaders, text, json: /json/.test(type) && text !== '' ? JSON.parse(text) : undefined };
}

function problemResponse(status: number, title: string): InvokeResponse {
  const json = { type: 'about:blank', title, status, detail: title };
  return { status, headers: { 'content-type': 'application/problem+json' }, text: JSON.stringify(json), json };
}
