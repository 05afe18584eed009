/** Fails fast, before the engines start, when the front door's port is taken, and says what to do. */
import { createServer } from 'node:net';
import { LocalModeError } from './errors.js';

export class PortTakenError extends LocalModeError {}

/** The message for a port someone else listens on, with the fix. */
export function portTakenMessage(host: string, port: number): string {
  const other = port >= 65535 ? 3001 : port + 1;
  return `port ${port} on ${host} is already in use (another Hookline local, or another program). Stop it, or start on another port: npm start -- --port ${other}`;
}

/** `error` explained when it is a listen failure of the front door's port. */
export function explainListenError(error: unknown, host: string, port: number): unknown {
  const code = (error as { cause?: { code?: string }; code?: string }).cause?.code ?? (error as { code?: string }).code;
  return code === 'EADDRINUSE' ? new PortTakenError(portTakenMessage(host, port), { cause: error }) : error;
}

/** Resolves when `host:port` can be listened on right now (port 0 always can). */
export async function assertPortFree(host: string, port: number): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error) => reject(explainListenError(error, host, port)));
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve()));
  });
}
