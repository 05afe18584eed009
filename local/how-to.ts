/** What `npm start` prints once ready: the ready line, then a short how-to. */
import type { LocalOptions } from './options.js';

export const READY_PREFIX = 'Hookline local ready on ';

export function howTo(url: string, options: Pick<LocalOptions, 'memory' | 'dataDir' | 'timeScale'>, startupMs: number): string {
  return [
    `Started in ${(startupMs / 1000).toFixed(1)} s · data: ${options.memory ? 'in memory (nothing persists)' : options.dataDir}${options.timeScale > 1 ? ` · time scale ${options.timeScale}×` : ''}`,
    '',
    'Try it: start a receiver in another terminal (npx hookline listen --port 4000), then:',
    `  curl -s -X POST ${url}/v1/subscriptions -H 'content-type: application/json' \\`,
    `    -d '{"url":"http://127.0.0.1:4000/hooks","eventTypes":["order.created"],"tenant":"shop_123"}'`,
    `  curl -s -X POST ${url}/v1/events -H 'content-type: application/json' \\`,
    `    -d '{"type":"order.created","tenant":"shop_123","payload":{"orderId":42}}'`,
    `  curl -s ${url}/v1/messages/MESSAGE_ID      # its deliveries`,
    `  curl -s ${url}/v1/deliveries/DELIVERY_ID   # every attempt`,
    '',
    'Ctrl-C stops everything.',
  ].join('\n');
}
