import { describe, expect, it } from 'vitest';
import { EnvelopeCipher, SealedValueError } from '../../../lambdas/core/envelope.js';
import type { DataKeyProvider } from '../../../lambdas/core/ports.js';
import { LocalDataKeys } from '../../../local/key-file.js';

/** A provider that counts its calls, over the local key-file implementation. */
function countingKeys(): DataKeyProvider & { generated: number; decrypted: number } {
  const inner = LocalDataKeys.inMemory();
  const counter = {
    generated: 0,
    decrypted: 0,
    generateDataKey: () => (counter.generated++, inner.generateDataKey()),
    decryptDataKey: (encrypted: Buffer) => (counter.decrypted++, inner.decryptDataKey(encrypted)),
  };
  return counter;
}

describe('EnvelopeCipher', () => {
  it('round-trips a value and never shows the plaintext in the sealed form', async () => {
    const cipher = new EnvelopeCipher(LocalDataKeys.inMemory());
    const sealed = await cipher.seal('whsec_secret-value', 'subscription:a');
    expect(sealed).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(sealed).not.toContain('secret-value');
    expect(await cipher.open(sealed, 'subscription:a')).toBe('whsec_secret-value');
  });

  it('refuses another record’s context, a tampered ciphertext and an unknown format', async () => {
    const cipher = new EnvelopeCipher(LocalDataKeys.inMemory());
    const sealed = await cipher.seal('value', 'subscription:a');
    await expect(cipher.open(sealed, 'subscription:b')).rejects.toBeInstanceOf(SealedValueError);
    const parts = sealed.split('.');
    parts[3] = Buffer.from('other').toString('base64url');
    await expect(cipher.open(parts.join('.'), 'subscription:a')).rejects.toBeInstanceOf(SealedValueError);
    await expect(cipher.open('v2.a.b.c.d', 'subscription:a')).rejects.toBeInstanceOf(SealedValueError);
  });

  it('reuses one data key for many seals and opens its own values without a decrypt call', async () => {
    const keys = countingKeys();
    const cipher = new EnvelopeCipher(keys);
    const sealed = await Promise.all(Array.from({ length: 20 }, (_, i) => cipher.seal(`v${i}`, `s:${i}`)));
    expect(keys.generated).toBe(1);
    for (const [i, value] of sealed.entries()) expect(await cipher.open(value, `s:${i}`)).toBe(`v${i}`);
    expect(keys.decrypted).toBe(0);
  });

  it('decrypts a foreign data key once, however many values it sealed', async () => {
    const keys = countingKeys();
    const writer = new EnvelopeCipher(keys);
    const sealed = await Promise.all(Array.from({ length: 5 }, (_, i) => writer.seal(`v${i}`, `s:${i}`)));
    const reader = new EnvelopeCipher(keys);
    await Promise.all(sealed.map((value, i) => reader.open(value, `s:${i}`)));
    await Promise.all(sealed.map((value, i) => reader.open(value, `s:${i}`)));
    expect(keys.decrypted).toBe(1);
  });

  it('replaces the data key after maxUses and after maxAgeMs', async () => {
    const keys = countingKeys();
    let now = 0;
    const cipher = new EnvelopeCipher(keys, { maxUses: 3, maxAgeMs: 1000 }, () => now);
    for (let i = 0; i < 4; i++) await cipher.seal('x', 'c');
    expect(keys.generated).toBe(2);
    now = 1000;
    await cipher.seal('x', 'c');
    expect(keys.generated).toBe(3);
  });
});
