/**
 * `hookline listen`: a local receiver for trying Hookline out. Answers every request with the
 * chosen status, checks its signature for whichever scheme signed it, and prints one line per
 * request (the body too with `--verbose`). Runs until Ctrl-C.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Command } from 'commander';
import type { CliDeps, CliIo } from '../context.js';
import { EnvironmentError } from '../errors.js';
import { parseInteger } from '../parse.js';
import { checkSignature } from '../signature-check.js';

interface ListenFlags {
  port: string;
  host: string;
  secret?: string;
  appKey?: string;
  status: string;
  verbose?: boolean;
}

/** The request as `node:http` gives it: header values joined, body as UTF-8 text. */
async function readRequest(req: IncomingMessage): Promise<{ headers: Record<string, string>; body: string }> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v)]));
  return { headers, body: Buffer.concat(chunks).toString('utf8') };
}

/** `14:02:03 POST /hooks order.created #1 msg_… → 200 · signature valid (standard-webhooks)` */
export function requestLine(method: string, url: string, headers: Record<string, string>, status: number, verdict: string, at = new Date()): string {
  const what = [headers['x-hookline-event-type'], headers['x-hookline-attempt'] && `#${headers['x-hookline-attempt']}`, headers['webhook-id']].filter(Boolean);
  return `${at.toISOString().slice(11, 19)} ${method} ${url}${what.length ? ` ${what.join(' ')}` : ''} → ${status} · ${verdict}\n`;
}

function listenOn(server: Server, host: string, port: number): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(new EnvironmentError(error.code === 'EADDRINUSE' ? `port ${port} on ${host} is already in use: choose another with --port` : `cannot listen on ${host}:${port}: ${error.message}`)),
    );
    server.listen(port, host, () => resolve(server.address() as AddressInfo));
  });
}

export function registerListen(program: Command, io: CliIo, _deps: CliDeps): void {
  program
    .command('listen')
    .description('a local receiver: answers each delivery, checks its signature, prints one line per request')
    .option('--port <port>', 'port to listen on (0 = any free port)', '4000')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--secret <whsec>', "the subscription's signing secret, to verify signatures (any scheme)")
    .option('--app-key <key>', 'the app key the authorization scheme signs before the body (TikTok Shop)')
    .option('--status <code>', 'HTTP status to answer with', '200')
    .option('--verbose', 'print each request body too')
    .action(async (f: ListenFlags) => {
      const port = parseInteger('--port', f.port, 0, 65535);
      const status = parseInteger('--status', f.status, 100, 599);
      const server = createServer((req, res) => {
        void readRequest(req).then(({ headers, body }) => {
          const signed = req.method === 'GET' ? (req.url ?? '/') : body;
          const verdict = checkSignature(headers, signed, f.secret, f.appKey !== undefined ? { appKey: f.appKey } : {});
          res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok\n' : `answered ${status} by hookline listen\n`);
          io.stdout.write(requestLine(req.method ?? '?', req.url ?? '/', headers, status, verdict.text));
          if (f.verbose) io.stdout.write(`${body.replace(/^/gm, '    ')}\n`);
        });
      });
      const address = await listenOn(server, f.host, port);
      const where = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
      io.stdout.write(`Listening on ${where}, answering ${status}${f.secret === undefined ? ' (signatures not checked: pass --secret whsec_… to verify them)' : ''}. Ctrl-C stops.\n`);
      await new Promise<void>((resolve) => {
        if (io.signal?.aborted) resolve();
        io.signal?.addEventListener('abort', () => resolve(), { once: true });
      });
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });
}
