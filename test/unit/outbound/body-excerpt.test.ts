/** The response-excerpt reader: the byte cap, stopping early, and UTF-8 cut at the limit. */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { decodeExcerpt, readExcerpt } from '../../../lambdas/outbound/body-excerpt.js';

describe('readExcerpt', () => {
  it('returns a short body whole and complete', async () => {
    const excerpt = await readExcerpt(Readable.from([Buffer.from('{"ok":'), Buffer.from('true}')]), 4096);
    expect(excerpt).toEqual({ bytes: Buffer.from('{"ok":true}'), complete: true });
  });

  it('keeps exactly maxBytes across chunk boundaries and stops reading', async () => {
    // Prepare: an endless body; reading it to the end would never return.
    let chunksPulled = 0;
    const endless = new Readable({
      read() {
        chunksPulled++;
        this.push(Buffer.alloc(1000, 'a'));
      },
    });
    // Act
    const excerpt = await readExcerpt(endless, 4096);
    endless.destroy();
    // Assess
    expect(excerpt.complete).toBe(false);
    expect(excerpt.bytes).toEqual(Buffer.alloc(4096, 'a'));
    expect(chunksPulled).toBeLessThan(20);
  });

  it('reads nothing when maxBytes is 0 and the body is not empty', async () => {
    const excerpt = await readExcerpt(Readable.from([Buffer.from('x')]), 0);
    expect(excerpt).toEqual({ bytes: Buffer.alloc(0), complete: false });
  });

  it('reports an empty body as complete', async () => {
    expect(await readExcerpt(Readable.from([]), 4096)).toEqual({ bytes: Buffer.alloc(0), complete: true });
  });
});

describe('decodeExcerpt', () => {
  it.each([
    ['a 2-byte character', 'é', 1],
    ['a 3-byte character', '€', 2],
    ['a 4-byte character', '😀', 3],
  ])('drops %s cut at the limit instead of inventing U+FFFD', (_name, char, keep) => {
    const bytes = Buffer.concat([Buffer.from('ok '), Buffer.from(char).subarray(0, keep)]);
    expect(decodeExcerpt(bytes)).toBe('ok ');
  });

  it('keeps a multi-byte character that ends exactly at the limit', () => {
    expect(decodeExcerpt(Buffer.from('ok 😀'))).toBe('ok 😀');
  });
});
