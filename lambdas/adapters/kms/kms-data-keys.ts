/**
 * Data keys from a customer-managed KMS key (GenerateDataKey / Decrypt), bound to an encryption
 * context so a data key of Hookline's secrets cannot be decrypted for another purpose.
 */
import { DecryptCommand, GenerateDataKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import type { DataKeyProvider } from '../../core/ports.js';
import { DependencyError, mapErrors } from '../errors.js';

export const SECRETS_ENCRYPTION_CONTEXT = { purpose: 'hookline-subscription-secrets' };

export class KmsDataKeys implements DataKeyProvider {
  constructor(private readonly options: { client: KMSClient; keyId: string }) {}

  async generateDataKey(): Promise<{ plaintext: Buffer; encrypted: Buffer }> {
    const out = await mapErrors('kms', 'GenerateDataKey', () =>
      this.options.client.send(new GenerateDataKeyCommand({ KeyId: this.options.keyId, KeySpec: 'AES_256', EncryptionContext: SECRETS_ENCRYPTION_CONTEXT })),
    );
    if (out.Plaintext === undefined || out.CiphertextBlob === undefined) throw new DependencyError('kms GenerateDataKey returned no key', 'kms');
    return { plaintext: Buffer.from(out.Plaintext), encrypted: Buffer.from(out.CiphertextBlob) };
  }

  async decryptDataKey(encrypted: Buffer): Promise<Buffer> {
    const out = await mapErrors('kms', 'Decrypt', () =>
      this.options.client.send(new DecryptCommand({ KeyId: this.options.keyId, CiphertextBlob: encrypted, EncryptionContext: SECRETS_ENCRYPTION_CONTEXT })),
    );
    if (out.Plaintext === undefined) throw new DependencyError('kms Decrypt returned no key', 'kms');
    return Buffer.from(out.Plaintext);
  }
}
