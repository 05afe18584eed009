/**
 * Proves "no traffic" in unit tests: while installed, every outbound socket undici could open
 * (it dials through `net.connect` and `tls.connect`) is recorded and refused before any packet
 * is sent. A test that expects a refusal asserts `dials` is empty; a positive control proves the
 * tripwire sees the dial the sender would have made (address, port and SNI).
 */
import net from 'node:net';
import tls from 'node:tls';

export interface Dial {
  via: 'net.connect' | 'tls.connect';
  host: string | undefined;
  port: number | undefined;
  servername: string | undefined;
}

export interface Tripwire {
  readonly dials: Dial[];
  restore(): void;
}

export const TRIPWIRE_CODE = 'EHOOKLINE_TRIPWIRE';

export function installTripwire(): Tripwire {
  const dials: Dial[] = [];
  const originals = { net: net.connect, tls: tls.connect };
  const trap = (via: Dial['via']) =>
    ((options: unknown) => {
      const o = (typeof options === 'object' && options !== null ? options : {}) as Record<string, unknown>;
      dials.push({
        via,
        host: typeof o.host === 'string' ? o.host : undefined,
        // undici passes the URL's port as written (a string) or its own numeric default.
        port: o.port === undefined || o.port === '' ? undefined : Number(o.port),
        servername: typeof o.servername === 'string' ? o.servername : undefined,
      });
      throw Object.assign(new Error(`outbound connection blocked by the unit-test tripwire (${via})`), { code: TRIPWIRE_CODE });
    }) as never;
  net.connect = trap('net.connect');
  tls.connect = trap('tls.connect');
  return {
    dials,
    restore() {
      net.connect = originals.net;
      tls.connect = originals.tls;
    },
  };
}
