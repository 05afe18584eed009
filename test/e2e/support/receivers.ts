/**
 * Loopback receivers for provider contracts: HTTPS with TLS options (protocol limits,
 * certificates) and replies held until the test lets them go.
 */
import type { SecureContextOptions, SecureVersion } from 'node:tls';
import { startReceiver, type Receiver, type ReceiverHandler, type ReceiverReply } from '../harness.js';

export interface TlsReceiverOptions {
  pair: { cert: string; key: string };
  handler?: ReceiverHandler;
  minVersion?: SecureVersion;
  maxVersion?: SecureVersion;
  ciphers?: SecureContextOptions['ciphers'];
}

/** An HTTPS receiver on 127.0.0.1; `urlOf` gives its `https://localhost:PORT` address. */
export function startTlsReceiver(options: TlsReceiverOptions): Promise<Receiver> {
  const https = {
    ...options.pair,
    ...(options.minVersion !== undefined && { minVersion: options.minVersion }),
    ...(options.maxVersion !== undefined && { maxVersion: options.maxVersion }),
    ...(options.ciphers !== undefined && { ciphers: options.ciphers }),
  };
  return startReceiver({ https, ...(options.handler !== undefined && { handler: options.handler }) });
}

/** The receiver's address by host name (the certificates name `localhost`), plus `path`. */
export function urlOf(receiver: Receiver, path = '/'): string {
  const scheme = receiver.url.startsWith('https:') ? 'https' : 'http';
  return scheme === 'https' ? `https://localhost:${receiver.port}${path}` : `${receiver.url}${path}`;
}

/** A handler whose replies wait until `release()` (or `delayMs`, whichever comes first). */
export function heldReplies(reply: ReceiverReply, delayMs: number): { handler: ReceiverHandler; release(): void } {
  const waiting = new Set<() => void>();
  return {
    handler: () =>
      new Promise<ReceiverReply>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          waiting.delete(done);
          resolve(reply);
        };
        const timer = setTimeout(done, delayMs);
        waiting.add(done);
      }),
    release: () => {
      for (const done of [...waiting]) done();
    },
  };
}

/** The receivers one test file opens: each is tracked so the file's `afterAll` closes them all. */
export function receiverSet() {
  const open: Receiver[] = [];
  const track = (receiver: Receiver): Receiver => {
    open.push(receiver);
    return receiver;
  };
  return {
    track,
    /** A plain HTTP receiver on loopback. */
    start: async (handler?: ReceiverHandler): Promise<Receiver> => track(await startReceiver(handler !== undefined ? { handler } : {})),
    close: async (): Promise<void> => {
      await Promise.all(open.splice(0).map((r) => r.close()));
    },
  };
}
