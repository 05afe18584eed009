/**
 * Shared bits of the example receivers: read the raw body (signatures are computed over the
 * exact bytes sent, so never verify a re-serialised JSON object), answer, and run standalone.
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';

/** What a receiver hands to your code once a request is verified. */
export interface ReceivedWebhook {
  /** `webhook-id`: the message id, the same on every retry (use it to deduplicate). */
  id: string | undefined;
  eventType: string | undefined;
  /** The raw body, exactly as received. */
  body: string;
  headers: IncomingMessage['headers'];
}

export type WebhookHandler = (webhook: ReceivedWebhook) => void | Promise<void>;

/** @default 1 MiB: larger bodies are refused before any HMAC work. */
export const MAX_BODY_BYTES = 1024 * 1024;

export class BodyTooLargeError extends Error {
  constructor() {
    super('request body too large');
    this.name = 'BodyTooLargeError';
  }
}

export async function readRawBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new BodyTooLargeError();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Constant-time comparison of two strings (different lengths are simply unequal). */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

export function reply(res: ServerResponse, status: number, message?: string): void {
  res.writeHead(status, message ? { 'content-type': 'text/plain' } : {});
  res.end(message);
}

/** Hookline retries every non-2xx answer; answer 2xx fast and do slow work after. */
export function webhookOf(req: IncomingMessage, body: Buffer): ReceivedWebhook {
  return { id: header(req, 'webhook-id'), eventType: header(req, 'x-hookline-event-type'), body: body.toString('utf8'), headers: req.headers };
}

export interface VerifyingServerOptions {
  /** Whether the request's credentials or signature match its raw body. */
  verify: (req: IncomingMessage, body: Buffer) => boolean;
  /** The answer to a request that fails `verify` (a 401). */
  refuse: (res: ServerResponse) => void;
  onWebhook?: WebhookHandler;
}

/**
 * A receiver: reads the raw body, refuses it unless verified, else hands it to `onWebhook` and
 * answers 200. A body over the limit gets 413; a handler that throws gets 500 (Hookline retries).
 */
export function createVerifyingServer({ verify, refuse, onWebhook }: VerifyingServerOptions): Server {
  return createServer(async (req, res) => {
    try {
      const body = await readRawBody(req);
      if (!verify(req, body)) return refuse(res);
      await onWebhook?.(webhookOf(req, body));
      reply(res, 200);
    } catch (err) {
      reply(res, err instanceof BodyTooLargeError ? 413 : 500);
    }
  });
}

/**
 * The port of the standalone mode: `--port N` or a bare `N` argument, else `PORT`, else 4000.
 * `0` picks a free port; the ready line names the one bound.
 */
export function portFrom(argv: readonly string[], env: Record<string, string | undefined>): number {
  const flag = argv.indexOf('--port');
  const raw = flag >= 0 ? argv[flag + 1] : (argv.find((a) => /^\d+$/.test(a)) ?? env.PORT ?? '4000');
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`not a port: ${raw}`);
  return port;
}

/** The line printed once listening (scripts and tests wait for it to learn the port). */
export const READY_LINE_PREFIX = 'receiver listening on ';

/**
 * When the file is run directly (`npx tsx examples/receivers/<file>.ts [port]`), listen on
 * loopback and print `receiver listening on http://127.0.0.1:PORT/`. SIGINT/SIGTERM close it
 * (open keep-alive connections too, so the process exits at once).
 */
export function runIfMain(moduleUrl: string, start: () => Server): void {
  if (process.argv[1] === undefined || moduleUrl !== pathToFileURL(process.argv[1]).href) return;
  const port = portFrom(process.argv.slice(2), process.env);
  const server = start();
  server.listen(port, '127.0.0.1', () => {
    console.log(`${READY_LINE_PREFIX}http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  });
  const stop = (): void => {
    server.close();
    server.closeAllConnections();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

/** Comma-separated secrets still accepted during a rotation (`WEBHOOK_PREVIOUS_SECRETS`). */
export function listEnv(name: string): string[] {
  return (process.env[name] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** Reads a required environment variable for the standalone mode. */
export function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) {
    console.error(`set ${name}`);
    process.exit(2);
  }
  return value;
}
