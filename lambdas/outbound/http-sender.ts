/**
 * The outbound HTTP client used by the worker: one safe request per attempt.
 *
 * Per attempt: URL policy → one DNS resolution → every address checked by the SSRF guard →
 * request over a keep-alive pool pinned to the checked address (SNI/Host = original hostname)
 * → headers → at most `maxResponseBytes` of body, then the connection is dropped. Redirects are
 * returned, never followed. One deadline covers all of it. Nothing the remote side does makes
 * `send` throw: every outcome is a `SendResult`.
 */
import { performance } from 'node:perf_hooks';
import type { OutboundRequest, SendResult, WebhookSender } from '../core/ports.js';
import { decodeExcerpt, readExcerpt } from './body-excerpt.js';
import { CONNECT_TIMEOUT_CODE, ConnectionPools, type PooledResponse } from './connection-pools.js';
import { createDnsResolver, type ResolvedAddress, type Resolver } from './dns-resolver.js';
import { HttpSenderConfigError, OutboundDnsTimeoutError } from './errors.js';
import { describeFailure } from './failure-reason.js';
import { checkResolved, checkTarget, type Target, type TargetPolicy } from './target-policy.js';
import { trustStore } from './tls-policy.js';

export type { ResolvedAddress, Resolver };

/** Core's sender port plus the pool's lifecycle. */
export interface HttpSender extends WebhookSender {
  /** Closes every pooled connection; later sends fail with outcome `network`. */
  close(): Promise<void>;
}

export interface HttpSenderOptions {
  /**
   * Local mode only: allow `http://` and loopback addresses (127.0.0.0/8, ::1), including
   * loopback IP literals. The single exception to the SSRF guard, and only for loopback: private,
   * link-local, metadata and every other refused range stay refused. Refused inside AWS Lambda.
   * @default false
   */
  allowHttpLoopback?: boolean;
  /**
   * PEM certificates trusted in addition to the system roots. For tests against a test CA;
   * verification itself can never be turned off.
   * @default undefined (system roots only)
   */
  extraCa?: string | string[];
  /**
   * Resolves a hostname to all its addresses, once per attempt, within the deadline it is given
   * (half the attempt's timeout).
   * @default c-ares queries to `dnsServers` (see `createDnsResolver`)
   */
  resolver?: Resolver;
  /**
   * DNS servers for the default resolver (`address` or `address:port`).
   * @default the system's (/etc/resolv.conf)
   */
  dnsServers?: string[];
  /**
   * Ports a URL may use (the scheme's default port counts as used).
   * @default undefined (any port)
   */
  allowedPorts?: number[];
  /**
   * Bytes of response body kept; the rest is never read.
   * @default 4096
   */
  maxResponseBytes?: number;
  /**
   * Sent as `User-Agent` unless the request sets one.
   * @default 'Hookline'
   */
  userAgent?: string;
  /**
   * Idle keep-alive sockets are closed after this long.
   * @default 4000
   */
  keepAliveTimeoutMs?: number;
  /**
   * Most (origin, address) pools kept open; the least recently used beyond it are closed.
   * @default 64
   */
  maxPools?: number;
}

export const DEFAULT_MAX_RESPONSE_BYTES = 4096;
export const DEFAULT_USER_AGENT = 'Hookline';

/** Headers the caller may not set: they would change framing or the target virtual host. */
const RESERVED_HEADERS = new Set(['host', 'connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'content-length', 'expect', 'te', 'trailer', 'proxy-connection']);

/** Connect errors that prove no byte of the request left: the next checked address may be tried. */
const NEXT_ADDRESS_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', CONNECT_TIMEOUT_CODE]);

export function createHttpSender(options: HttpSenderOptions = {}): HttpSender {
  const maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  if (!Number.isInteger(maxResponseBytes) || maxResponseBytes < 0) {
    throw new HttpSenderConfigError(`maxResponseBytes must be a non-negative integer, got ${maxResponseBytes}`);
  }
  if (options.allowedPorts?.some((p) => !Number.isInteger(p) || p < 1 || p > 65535)) {
    throw new HttpSenderConfigError(`allowedPorts must be TCP ports, got ${options.allowedPorts.join(', ')}`);
  }
  if (options.allowHttpLoopback === true && runsInAwsLambda()) {
    // Defence in depth: a deployed function that somehow got HOOKLINE_LOCAL must not open the guard.
    throw new HttpSenderConfigError('allowHttpLoopback is for local mode only and cannot be enabled inside AWS Lambda');
  }
  return new PinnedHttpSender(options, maxResponseBytes);
}

type Fail = (outcome: 'timeout' | 'network' | 'refused', reason: string) => SendResult;

/** One attempt's shared state: its start, its failure builder and the phase a timeout names. */
interface AttemptContext {
  signal: AbortSignal;
  state: { phase: string };
  fail: Fail;
  elapsed: () => number;
}

class PinnedHttpSender implements HttpSender {
  private readonly policy: TargetPolicy;
  private readonly resolver: Resolver;
  private readonly userAgent: string;
  private readonly pools: ConnectionPools;

  constructor(options: HttpSenderOptions, private readonly maxResponseBytes: number) {
    this.policy = { allowHttpLoopback: options.allowHttpLoopback ?? false, allowedPorts: options.allowedPorts };
    this.resolver = options.resolver ?? createDnsResolver(options.dnsServers ? { servers: options.dnsServers } : {});
    this.userAgent = options.userAgent ?? DEFAULT_USER_AGENT;
    this.pools = new ConnectionPools({
      ca: trustStore(options.extraCa),
      connectTimeoutMs: 30_000,
      keepAliveTimeoutMs: options.keepAliveTimeoutMs ?? 4_000,
      maxPools: options.maxPools ?? 64,
    });
  }

  close(): Promise<void> {
    return this.pools.close();
  }

  async send(request: OutboundRequest): Promise<SendResult> {
    const started = performance.now();
    const elapsed = (): number => Math.round(performance.now() - started);
    const fail: Fail = (outcome, reason) => ({ kind: 'failure', outcome, reason, durationMs: elapsed() });

    if (this.pools.closed) return fail('network', 'sender is closed');
    const checked = checkTarget(request.url, this.policy);
    if (!checked.ok) return fail('refused', checked.reason);
    const reserved = Object.keys(request.headers).find((h) => RESERVED_HEADERS.has(h.toLowerCase()));
    if (reserved) return fail('refused', `request header ${reserved} may not be set`);

    const cancel = new AbortController();
    const context: AttemptContext = { signal: cancel.signal, state: { phase: 'DNS resolution' }, fail, elapsed };
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<SendResult>((resolve) => {
      timer = setTimeout(() => {
        cancel.abort();
        resolve(fail('timeout', `timed out after ${request.timeoutMs} ms (${context.state.phase})`));
      }, request.timeoutMs);
    });
    try {
      // The deadline wins whatever phase the request is stuck in.
      return await Promise.race([this.runAttempt(checked.target, request, context), deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async runAttempt(target: Target, request: OutboundRequest, context: AttemptContext): Promise<SendResult> {
    const { signal, state, fail } = context;
    const resolved = target.literalAddress
      ? { addresses: [target.literalAddress] }
      : await this.resolveChecked(target, request.timeoutMs, fail);
    if ('kind' in resolved) return resolved;
    if (signal.aborted) return fail('timeout', 'timed out during DNS resolution');

    state.phase = 'connect, TLS or response headers';
    const sent = await this.requestFirstReachable(target, resolved.addresses, request, context);
    if ('error' in sent) {
      if (isInvalidArgument(sent.error)) return fail('refused', `invalid request: ${(sent.error as Error).message}`);
      const { outcome, reason } = describeFailure(sent.error);
      return fail(outcome, reason);
    }
    state.phase = 'response body';
    return this.readResponse(sent.response, sent.address, context);
  }

  private async readResponse(response: PooledResponse, address: string, context: AttemptContext): Promise<SendResult> {
    try {
      const excerpt = await readExcerpt(response.body, this.maxResponseBytes);
      if (excerpt.complete) {
        // Node's agent takes the socket back once the response has ended and the request has
        // finished; waiting a turn lets the caller's next send reuse it instead of opening one.
        await new Promise<void>((resolve) => setImmediate(resolve));
      } else {
        // Cut short: destroying the body drops the connection unread.
        response.body.destroy();
      }
      return {
        kind: 'response',
        statusCode: response.statusCode,
        headers: flattenHeaders(response.headers),
        bodyExcerpt: decodeExcerpt(excerpt.bytes),
        durationMs: context.elapsed(),
        remoteAddress: address,
      };
    } catch (err) {
      response.body.destroy();
      const { outcome, reason } = describeFailure(err);
      return context.fail(outcome, `${reason} while reading the response body (status ${response.statusCode})`);
    }
  }

  /** One resolution, cancelled at half the attempt's timeout, then every address checked. */
  private async resolveChecked(target: Target, timeoutMs: number, fail: Fail): Promise<{ addresses: string[] } | SendResult> {
    const deadlineMs = Math.max(1, Math.floor(timeoutMs / 2));
    let records: ResolvedAddress[];
    try {
      records = await this.resolver(target.hostname, deadlineMs);
    } catch (err) {
      if (err instanceof OutboundDnsTimeoutError) return fail('timeout', err.message);
      return fail('network', dnsReason(target.hostname, err));
    }
    const verdict = checkResolved(target, records.map((r) => r.address), this.policy);
    if (!verdict.ok) return fail(verdict.reason.startsWith('DNS:') ? 'network' : 'refused', verdict.reason);
    return { addresses: verdict.addresses };
  }

  /**
   * Sends to the checked addresses in order, moving on only when a connection could not be made
   * (nothing of the request was sent, so the receiver cannot get it twice). Each address but the
   * last may spend only its share of the time left on connecting: a silently dropped (blackholed)
   * first address must not use up the whole attempt before the next one is tried.
   */
  private async requestFirstReachable(
    target: Target,
    addresses: string[],
    request: OutboundRequest,
    { signal, elapsed }: AttemptContext,
  ): Promise<{ response: PooledResponse; address: string } | { error: unknown }> {
    const headers = { ...request.headers };
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'user-agent')) headers['user-agent'] = this.userAgent;
    let error: unknown;
    for (const [index, address] of addresses.entries()) {
      const untried = addresses.length - index;
      try {
        const response = await this.pools.get(target.url.origin, address).request({
          method: request.method,
          path: `${target.url.pathname}${target.url.search}`,
          headers,
          body: request.method === 'GET' ? undefined : request.body,
          signal,
          ...(untried > 1 && { connectTimeoutMs: Math.max(1, Math.floor((request.timeoutMs - elapsed()) / untried)) }),
        });
        return { response, address };
      } catch (err) {
        error = err;
        if (signal.aborted || !NEXT_ADDRESS_CODES.has(errorCode(err) ?? '')) break;
      }
    }
    return { error };
  }
}

function runsInAwsLambda(): boolean {
  return process.env.AWS_LAMBDA_FUNCTION_NAME !== undefined || process.env.AWS_EXECUTION_ENV?.startsWith('AWS_Lambda') === true;
}

function dnsReason(hostname: string, err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'ENOTFOUND') return `DNS: ${hostname} not found`;
  const message = err instanceof Error ? err.message : String(err);
  return `DNS: resolving ${hostname} failed (${typeof code === 'string' ? code : message})`;
}

/** Node refuses a header name, value or method it could not send as is (CR/LF injection included). */
const INVALID_REQUEST_CODES = new Set(['ERR_INVALID_CHAR', 'ERR_INVALID_HTTP_TOKEN', 'ERR_HTTP_INVALID_HEADER_VALUE', 'ERR_UNESCAPED_CHARACTERS']);

function isInvalidArgument(err: unknown): boolean {
  return INVALID_REQUEST_CODES.has(errorCode(err) ?? '');
}

function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function flattenHeaders(headers: PooledResponse['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}
