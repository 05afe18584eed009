/** One local-mode instance per test file, the way most e2e files run against it. */
import { afterAll, beforeAll, expect } from 'vitest';
import { startLocal, type LocalInstance, type StartLocalOptions } from '../harness.js';
import { checkedApi, type CheckedApi } from './openapi.js';
import { receiverSet } from './receivers.js';

export interface StartedLocal {
  local: LocalInstance;
  /** Its API, every response checked against docs/openapi.json. */
  api: CheckedApi;
}

/**
 * Starts local mode before all of the file's tests (`options` may be made then, e.g. after a test
 * CA) and hands it to `ready`; after all, closes the receivers the file opened and stops it. Returns
 * the file's receiver set.
 */
export function useLocal(options: StartLocalOptions | (() => Promise<StartLocalOptions>), ready: (started: StartedLocal) => void) {
  const receivers = receiverSet();
  let local: LocalInstance | undefined;
  beforeAll(async () => {
    local = await startLocal(typeof options === 'function' ? await options() : options);
    ready({ local, api: checkedApi(local) });
  });
  afterAll(async () => {
    await receivers.close();
    if (local) expect((await local.stop()).pids.length, 'local mode ran its processes').toBeGreaterThan(0);
  });
  return receivers;
}
