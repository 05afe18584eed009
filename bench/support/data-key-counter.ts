/**
 * Counts data-key calls: what KMS would get (GenerateDataKey, Decrypt) in AWS. Local mode's key
 * file (`LocalDataKeys`) stands in for KMS behind the same port, so its calls are counted instead.
 */
import { LocalDataKeys } from '../../local/key-file.js';

let calls = 0;
let installed = false;

/** Wraps the key file's two operations once per process; counting starts at zero. */
export function countDataKeyCalls(): { reset(): void; count(): number } {
  if (!installed) {
    installed = true;
    for (const name of ['generateDataKey', 'decryptDataKey'] as const) {
      const original = LocalDataKeys.prototype[name] as (...args: unknown[]) => Promise<unknown>;
      Object.defineProperty(LocalDataKeys.prototype, name, {
        value(this: LocalDataKeys, ...args: unknown[]) {
          calls++;
          return original.apply(this, args);
        },
      });
    }
  }
  return { reset: () => (calls = 0), count: () => calls };
}
