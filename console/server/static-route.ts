/**
 * `GET /console`, `/console/app.js`, `/console/app.css`: the console's page and assets, for the
 * local front door and for `hookline console`. Strict CSP: scripts, styles and API calls from this
 * origin only; not framable.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { consoleAssets, consoleHtml } from './assets.js';

export const CONSOLE_PREFIX = '/console';

const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

export function isConsolePath(path: string): boolean {
  return path === CONSOLE_PREFIX || path.startsWith(`${CONSOLE_PREFIX}/`);
}

function send(res: ServerResponse, status: number, type: string, body: string | Uint8Array): void {
  res.writeHead(status, {
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    'content-security-policy': CSP,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  });
  res.end(body);
}

/** Answers a request under `/console`; `token` is the per-start token the page hands the app. */
export async function serveConsole(req: IncomingMessage, res: ServerResponse, path: string, token: string): Promise<void> {
  req.resume();
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('allow', 'GET, HEAD');
    send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
    return;
  }
  if (path === CONSOLE_PREFIX || path === `${CONSOLE_PREFIX}/`) {
    send(res, 200, 'text/html; charset=utf-8', consoleHtml(token));
    return;
  }
  if (path === `${CONSOLE_PREFIX}/app.js` || path === `${CONSOLE_PREFIX}/app.css`) {
    const assets = await consoleAssets();
    if (path.endsWith('.js')) send(res, 200, 'text/javascript; charset=utf-8', assets.js);
    else send(res, 200, 'text/css; charset=utf-8', assets.css);
    return;
  }
  send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
}
