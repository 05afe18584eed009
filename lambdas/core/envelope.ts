/**
 * Envelope encryption of small values (subscription secrets and credentials): AES-256-GCM under
 * a data key from a `DataKeyProvider` (KMS or a local key file), with a caller-chosen additional
 * authenticated data (the subscription id) so a sealed value cannot be moved to another record.
 *
 * Data keys are cached in the process: one generated key seals up to `maxUses` values for
 * `maxAgeMs` (AWS Encryption SDK caching guidance), and decrypted keys are kept by their encrypted
 * form, so a warm worker opens every subscription without a KMS call.
 *
 * Sealed form: `v1.<encrypted data key>.<iv>.<ciphertext>.<tag>`, each part base64url.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { problemError } from './errors.js';
import type { DataKeyProvider } from './ports.js';

const VERSION = 'v1';
const IV_BYTES = 12;

/** A sealed value that does not open (tampered, moved to another record, or under an unknown key). */
export class SealedValueError extends problemError(500, 'Stored secret unreadable') {}

export interface EnvelopeCacheOptions {
  /** @default 300000 (5 min) */
  maxAgeMs?: number;
  /** Values sealed under one data key at most. @default 10000 */
  maxUses?: number;
  /** Decrypted data keys kept. @default 256 */
  maxKeys?: number;
}

interface CurrentKey {
  plaintext: Buffer;
  encrypted: string;
  createdAt: number;
  uses: number;
}

export class EnvelopeCipher {
  private current: Promise<CurrentKey> | undefined;
  private readonly opened = new Map<string, Promise<Buffer>>();
  private readonly maxAgeMs: number;
  private readonly maxUses: number;
  private readonly maxKeys: number;

  constructor(
    private readonly keys: DataKeyProvider,
    options: EnvelopeCacheOptions = {},
    private readonly now: () => number = Date.now,
  ) {
    this.maxAgeMs = options.maxAgeMs ?? 300_000;
    this.maxUses = options.maxUses ?? 10_000;
    this.maxKeys = options.maxKeys ?? 256;
  }

  static isSealed(value: unknown): value is string {
    return typeof value === 'string' && value.startsWith(`${VERSION}.`);
  }

  async seal(plaintext: string, aad: string): Promise<string> {
    const key = await this.dataKey();
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key.plaintext, iv);
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [VERSION, key.encrypted, iv.toString('base64url'), ciphertext.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
  }

  async open(sealed: string, aad: string): Promise<string> {
    const [version, encryptedKey, iv, ciphertext, tag, ...rest] = sealed.split('.');
    if (version !== VERSION || encryptedKey === undefined || iv === undefined || ciphertext === undefined || tag === undefined || rest.length > 0) {
      throw new SealedValueError('sealed value has an unknown format');
    }
    const key = await this.openKey(encryptedKey);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(aad, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
    } catch (error) {
      throw new SealedValueError(`sealed value does not authenticate for ${aad}`, { cause: error });
    }
  }

  /** The current data key, replaced when too old or used too often. */
  private async dataKey(): Promise<CurrentKey> {
    if (this.current !== undefined) {
      const key = await this.current.catch(() => undefined);
      if (key !== undefined && key.uses < this.maxUses && this.now() - key.createdAt < this.maxAgeMs) {
        key.uses++;
        return key;
      }
    }
    const fresh = this.keys.generateDataKey().then(({ plaintext, encrypted }) => {
      const key = { plaintext, encrypted: encrypted.toString('base64url'), createdAt: this.now(), uses: 0 };
      this.remember(key.encrypted, Promise.resolve(plaintext));
      return key;
    });
    this.current = fresh;
    const key = await fresh;
    key.uses++;
    return key;
  }

  private openKey(encrypted: string): Promise<Buffer> {
    const known = this.opened.get(encrypted);
    if (known !== undefined) return known;
    const opening = this.keys.decryptDataKey(Buffer.from(encrypted, 'base64url'));
    // A failed decrypt is not cached: the next read tries again (KMS throttling is transient).
    opening.catch(() => this.opened.delete(encrypted));
    this.remember(encrypted, opening);
    return opening;
  }

  private remember(encrypted: string, key: Promise<Buffer>): void {
    if (this.opened.size >= this.maxKeys) this.opened.delete(this.opened.keys().next().value as string);
    this.opened.set(encrypted, key);
  }
}
