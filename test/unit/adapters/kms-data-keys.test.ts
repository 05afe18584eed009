import { DecryptCommand, GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { KmsDataKeys, SECRETS_ENCRYPTION_CONTEXT } from '../../../lambdas/adapters/kms/kms-data-keys.js';
import { EnvelopeCipher } from '../../../lambdas/core/envelope.js';
import { TransientDependencyError } from '../../../lambdas/core/errors.js';

const kms = mockClient(KMSClient);
afterEach(() => kms.reset());

const KEY = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const plaintextKey = Buffer.alloc(32, 7);
const wrapped = Buffer.from('wrapped-by-kms');

describe('KmsDataKeys', () => {
  it('asks for an AES-256 data key under the stack key and context, and decrypts with the same context', async () => {
    kms.on(GenerateDataKeyCommand).resolves({ Plaintext: plaintextKey, CiphertextBlob: wrapped });
    kms.on(DecryptCommand).resolves({ Plaintext: plaintextKey });
    const keys = new KmsDataKeys({ client: new KMSClient({ region: 'eu-west-1' }), keyId: KEY });

    const sealed = await new EnvelopeCipher(keys).seal('whsec_x', 'subscription:s1');
    expect(await new EnvelopeCipher(keys).open(sealed, 'subscription:s1')).toBe('whsec_x');

    expect(kms.commandCalls(GenerateDataKeyCommand)[0]?.args[0].input).toEqual({ KeyId: KEY, KeySpec: 'AES_256', EncryptionContext: SECRETS_ENCRYPTION_CONTEXT });
    const decrypt = kms.commandCalls(DecryptCommand);
    expect(decrypt).toHaveLength(1);
    expect(Buffer.from(decrypt[0]!.args[0].input.CiphertextBlob!)).toEqual(wrapped);
    expect(decrypt[0]!.args[0].input.EncryptionContext).toEqual(SECRETS_ENCRYPTION_CONTEXT);
  });

  it('KMS throttling is a transient dependency error', async () => {
    kms.on(GenerateDataKeyCommand).rejects(Object.assign(new Error('slow down'), { name: 'ThrottlingException' }));
    const keys = new KmsDataKeys({ client: new KMSClient({ region: 'eu-west-1' }), keyId: KEY });
    await expect(keys.generateDataKey()).rejects.toBeInstanceOf(TransientDependencyError);
  });
});
