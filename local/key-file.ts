/**
 * Local mode's stand-in for KMS: a 256-bit master key in a file (mode 0600, in the data dir) or,
 * with `--memory`, in memory. Data keys are random and wrapped with the master key
 * (AES-256-GCM), so sealed values have the same shape as under KMS.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DataKeyProvider } from '../lambdas/core/ports.js';
import { LocalModeError } from './errors.js';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class LocalDataKeys implements DataKeyProvider {
  constructor(private readonly masterKey: Buffer) {
    if (masterKey.length !== KEY_BYTES) throw new LocalModeError(`a master key has ${KEY_BYTES} bytes, got ${masterKey.length}`);
  }

  /** A key that lives only as long as the process. */
  static inMemory(): LocalDataKeys {
    return new LocalDataKeys(randomBytes(KEY_BYTES));
  }

  /** The key in `path`, created (0600) on first use; a file others may read is refused. */
  static fromFile(path: string): LocalDataKeys {
    let encoded: string;
    try {
      encoded = readFileSync(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      mkdirSync(dirname(path), { recursive: true });
      encoded = randomBytes(KEY_BYTES).toString('base64');
      writeFileSync(path, `${encoded}\n`, { mode: 0o600, flag: 'wx' });
    }
    chmodSync(path, 0o600); // an older or copied file is narrowed to its owner
    return new LocalDataKeys(Buffer.from(encoded.trim(), 'base64'));
  }

  async generateDataKey(): Promise<{ plaintext: Buffer; encrypted: Buffer }> {
    const plaintext = randomBytes(KEY_BYTES);
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.masterKey, iv);
    const wrapped = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return { plaintext, encrypted: Buffer.concat([iv, cipher.getAuthTag(), wrapped]) };
  }

  async decryptDataKey(encrypted: Buffer): Promise<Buffer> {
    const decipher = createDecipheriv('aes-256-gcm', this.masterKey, encrypted.subarray(0, IV_BYTES));
    decipher.setAuthTag(encrypted.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(encrypted.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
    } catch (error) {
      throw new LocalModeError('a stored data key does not open with this key file (was the key file replaced?)', { cause: error });
    }
  }
}
