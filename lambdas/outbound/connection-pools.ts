/**
 * Keep-alive connection pools, one per (origin, checked address), kept for the sender's life so a
 * batch of deliveries to one endpoint reuses its connections. Each pool's connector ignores the
 * hostname undici would resolve and dials the address the SSRF guard checked, with SNI and
 * certificate verification still against the original hostname: no second DNS lookup exists
 * that a rebinding attacker could answer differently.
 */
import { isIP } from 'node:net';
import { createSecureContext, type SecureContext } from 'node:tls';
import { Pool, buildConnector } from 'undici';
import { MIN_TLS_VERSION } from './tls-policy.js';

export interface PoolSettings {
  /** Trust store (undefined = Node's default roots). */
  ca: string[] | undefined;
  /** Upper bound on a TCP + TLS handshake; the per-attempt deadline usually ends it sooner. */
  connectTimeoutMs: number;
  /** Idle keep-alive sockets are closed after this long. */
  keepAliveTimeoutMs: number;
  /** Least recently used pools beyond this number are closed. */
  maxPools: number;
}

export class ConnectionPools {
  readonly #pools = new Map<string, Pool>();
  readonly #tls: TlsSettings;
  #closed = false;

  constructor(private readonly settings: PoolSettings) {
    this.#tls = { secureContext: outboundSecureContext(settings.ca), connectTimeoutMs: settings.connectTimeoutMs };
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The pool for `origin` dialling `address`; created on first use. */
  get(origin: string, hostname: string, address: string): Pool {
    const key = `${origin} ${address}`;
    const existing = this.#pools.get(key);
    if (existing) {
      // Re-insert to keep the map in least-recently-used order.
      this.#pools.delete(key);
      this.#pools.set(key, existing);
      return existing;
    }
    const pool = new Pool(origin, {
      connect: pinnedConnector(hostname, address, this.#tls),
      keepAliveTimeout: this.settings.keepAliveTimeoutMs,
    });
    this.#pools.set(key, pool);
    this.#evict();
    return pool;
  }

  async close(): Promise<void> {
    this.#closed = true;
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    // destroy(), not close(): an in-flight slow body must not hold shutdown hostage.
    await Promise.all(pools.map((p) => p.destroy().catch(() => undefined)));
  }

  #evict(): void {
    while (this.#pools.size > this.settings.maxPools) {
      const [oldestKey, oldest] = this.#pools.entries().next().value as [string, Pool];
      this.#pools.delete(oldestKey);
      void oldest.close().catch(() => undefined);
    }
  }
}

export interface TlsSettings {
  /** Protocol floor, ciphers and trust store, built once (see `outboundSecureContext`). */
  secureContext: SecureContext;
  connectTimeoutMs: number;
}

/**
 * One TLS context for all outbound connections: TLS 1.2 minimum, Node's default ciphers and the
 * trust store. Built once because parsing a trust store per handshake is costly; verification
 * (`rejectUnauthorized`, hostname check) is per connection and always on.
 */
export function outboundSecureContext(ca: string[] | undefined): SecureContext {
  return createSecureContext({ minVersion: MIN_TLS_VERSION, ...(ca ? { ca } : {}) });
}

/** A connector that always dials `address`, presenting `hostname` as SNI and for verification. */
export function pinnedConnector(hostname: string, address: string, settings: TlsSettings): buildConnector.connector {
  const base = buildConnector({
    timeout: settings.connectTimeoutMs,
    secureContext: settings.secureContext,
    rejectUnauthorized: true,
  });
  // SNI must be a hostname; for a (local-mode) IP literal, Node verifies against the IP instead.
  const servername = isIP(hostname) === 0 ? hostname : undefined;
  return (options, callback) => {
    base({ ...options, hostname: address, ...(servername ? { servername } : {}) }, callback);
  };
}
