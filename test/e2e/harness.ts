/**
 * The e2e harness: boots local mode as a child process (in memory, free port) on the test run's
 * shared engines, talks to it through the public HTTP API only, and proves on stop that its
 * process tree is gone. Also loopback receivers for subscriptions to point at.
 */
import { randomBytes } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { inject } from 'vitest';
import type { S3Client } from '@aws-sdk/client-s3';
import { GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ENGINE_ENV } from '../support/global-setup.js';
import { spawnLocal, type LocalProcess, type StopResult } from '../../local/local-process.js';
import { createDocumentClient, createSqsClient } from '../../lambdas/adapters/aws-clients.js';
import { createS3Client } from '../../local/s3-sdk-client.js';
import { clientConfig, LOCAL_CREDENTIALS, LOCAL_REGION, resourceNamesFor, type ResourceNames } from '../../local/engines.js';

export interface SharedEngines {
  dynamoEndpoint: string;
  sqsEndpoint: string;
}

/**
 * The engines the global setup started (`inject('engines')`), else `HOOKLINE_TEST_*` variables;
 * undefined means each local instance starts its own.
 */
export function sharedEngines(): SharedEngines | undefined {
  try {
    const provided = inject('engines') as Partial<SharedEngines> | undefined;
    if (provided?.dynamoEndpoint !== undefined && provided.sqsEndpoint !== undefined) {
      return { dynamoEndpoint: provided.dynamoEndpoint, sqsEndpoint: provided.sqsEndpoint };
    }
  } catch {
    // not provided by this run's global setup
  }
  const d = process.env[ENGINE_ENV.dynamoEndpoint];
  const s = process.env[ENGINE_ENV.sqsEndpoint];
  return d !== undefined && s !== undefined ? { dynamoEndpoint: d, sqsEndpoint: s } : undefined;
}

export interface StartLocalOptions {
  /** @default true */
  memory?: boolean;
  /** Persistent instance: where its data lives (implies memory: false and its own engines). */
  dataDir?: string;
  /** @default 1 */
  timeScale?: number;
  /** Extra flags for local/main.ts. */
  args?: string[];
  /** Reuse the run's engines. @default true when they are available and no dataDir is given */
  shareEngines?: boolean;
  /** Reuse this resource prefix (a restart of the same instance on shared engines). */
  resourcePrefix?: string;
  env?: Record<string, string>;
}

export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

export interface LocalInstance {
  baseUrl: string;
  pid: number;
  resourcePrefix?: string;
  output(): string;
  /** JSON request to the public API; the body is parsed when it is JSON. */
  api<T = any>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResponse<T>>;
  stop(): Promise<StopResult>;
}

export async function startLocal(options: StartLocalOptions = {}): Promise<LocalInstance> {
  const persistent = options.dataDir !== undefined;
  const engines = (options.shareEngines ?? !persistent) ? sharedEngines() : undefined;
  const resourcePrefix = engines !== undefined ? (options.resourcePrefix ?? `e2e-${randomBytes(4).toString('hex')}`) : undefined;
  const args = [
    '--port', '0',
    '--time-scale', String(options.timeScale ?? 1),
    '--archive-interval-ms', '200',
    // Tests read the raw attempt-log lines from the output.
    '--log-format', 'json',
    ...(persistent ? ['--data-dir', options.dataDir!] : options.memory === false ? [] : ['--memory']),
    // On shared engines a restart reuses the prefix, so the sealing key outlives the process: one key file per prefix.
    ...(engines !== undefined
      ? ['--dynamo-endpoint', engines.dynamoEndpoint, '--sqs-endpoint', engines.sqsEndpoint, '--resource-prefix', resourcePrefix!, '--key-file', join(tmpdir(), `hookline-${resourcePrefix!}.key`)]
      : []),
    ...(options.args ?? []),
  ];
  const child: LocalProcess = await spawnLocal({
    args,
    env: { POWERTOOLS_LOG_LEVEL: 'WARN', ...options.env },
    ...(process.env.HOOKLINE_E2E_VERBOSE === 'true' && { onLine: (line: string) => console.log(`[local] ${line}`) }),
  });
  return {
    baseUrl: child.baseUrl,
    pid: child.pid,
    ...(resourcePrefix !== undefined && { resourcePrefix }),
    output: child.output,
    stop: () => child.stop(),
    async api<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse<T>> {
      const res = await fetch(`${child.baseUrl}${path}`, {
        method,
        headers: { ...(body !== undefined && { 'content-type': 'application/json' }), ...headers },
        ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      });
      const text = await res.text();
      const type = res.headers.get('content-type') ?? '';
      return { status: res.status, headers: res.headers, body: (/json/.test(type) && text !== '' ? JSON.parse(text) : text) as T };
    },
  };
}

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  at: number;
}

export interface ReceiverReply {
  status: number;
  body?: string;
  headers?: Record<string, string>;
}

export type ReceiverHandler = (request: ReceivedRequest) => ReceiverReply | Promise<ReceiverReply>;

export interface Receiver {
  /** Base URL, e.g. `http://127.0.0.1:PORT` (add any path). */
  url: string;
  port: number;
  requests: ReceivedRequest[];
  /** Resolves once `count` requests have arrived. */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedRequest[]>;
  close(): Promise<void>;
}

/** A loopback webhook receiver. HTTPS takes the certificate and key to serve. */
export async function startReceiver(options: { https?: { cert: string; key: string }; handler?: ReceiverHandler } = {}): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const waiters: (() => void)[] = [];
  const handler: ReceiverHandler = options.handler ?? (() => ({ status: 200, body: 'ok' }));
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    const received = (body: string) => {
      const request: ReceivedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : (v ?? '')])),
        body,
        at: Date.now(),
      };
      requests.push(request);
      for (const w of waiters.splice(0)) w();
      return handler(request);
    };
    text(req)
      .then(received)
      .then(
        (reply) => {
          res.writeHead(reply.status, reply.headers ?? { 'content-type': 'text/plain' });
          res.end(reply.body ?? '');
        },
        // A handler that threw; a request cut off while its body was read gets nowhere anyway.
        () => {
          res.writeHead(500);
          res.end('receiver handler failed');
        },
      );
  };
  const server: Server = options.https !== undefined ? createHttpsServer(options.https, listener) : createHttpServer(listener);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${options.https !== undefined ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    requests,
    async waitFor(count, timeoutMs = 20_000) {
      const end = Date.now() + timeoutMs;
      while (requests.length < count) {
        const left = end - Date.now();
        if (left <= 0) throw new Error(`receiver got ${requests.length} of ${count} requests in ${timeoutMs} ms`);
        await new Promise<void>((r) => {
          const t = setTimeout(r, left);
          waiters.push(() => {
            clearTimeout(t);
            r();
          });
        });
      }
      return requests.slice(0, count);
    },
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

/**
 * Polls `read` until `done` holds (eventual consistency of an asynchronous pipeline, not timing).
 * A longer `intervalMs` keeps long waits from loading the engines they are waiting on.
 */
export async function eventually<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 20_000,
  what = 'condition',
  intervalMs = 100,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)?.slice(0, 2000)}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export interface InstanceResources {
  names: ResourceNames;
  /** Clients for the instance's fauxqs (SQS and S3) and its table; `close()` destroys them. */
  sqs: SQSClient;
  s3: S3Client;
  doc: DynamoDBDocumentClient;
  queueUrl(): Promise<string>;
  close(): void;
}

/**
 * Direct access to the queue and bucket of an instance on the shared engines (to inspect the
 * attempt archive, or to put a hand-made task on the queue): test-side only, never the API.
 */
export function instanceResources(instance: Pick<LocalInstance, 'resourcePrefix'>): InstanceResources {
  const engines = sharedEngines();
  if (engines === undefined || instance.resourcePrefix === undefined) throw new Error('instanceResources needs an instance on the shared engines');
  const names = resourceNamesFor(instance.resourcePrefix);
  const configFor = (endpoint: string) => clientConfig(endpoint, { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  const sqs = createSqsClient(configFor(engines.sqsEndpoint));
  const s3 = createS3Client(configFor(engines.sqsEndpoint));
  const doc = createDocumentClient(configFor(engines.dynamoEndpoint));
  return {
    names,
    sqs,
    s3,
    doc,
    queueUrl: async () => {
      const out = await sqs.send(new GetQueueUrlCommand({ QueueName: names.queue }));
      if (out.QueueUrl === undefined) throw new Error(`no queue ${names.queue}`);
      return out.QueueUrl;
    },
    close: () => {
      for (const client of [sqs, s3, doc]) client.destroy();
    },
  };
}
