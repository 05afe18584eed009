import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { classifyStatus, matchesStatus } from '../../../lambdas/core/classify.js';

describe('matchesStatus', () => {
  it.each([
    [200, 200, true],
    [201, 200, false],
    [200, '200', true],
    [204, '2xx', true],
    [299, '2xx', true],
    [300, '2xx', false],
    [199, '2xx', false],
    [401, '4xx', true],
    [200, '200-204', true],
    [204, '200-204', true],
    [205, '200-204', false],
    [199, '200-204', false],
    [200, 'junk', false],
  ] as const)('%i against %j → %s', (status, matcher, expected) => {
    expect(matchesStatus(status, matcher)).toBe(expected);
  });
});

describe('classifyStatus', () => {
  it.each([
    [200, 'success'],
    [204, 'success'],
    [299, 'success'],
    [100, '5xx'],
    [301, '3xx'],
    [302, '3xx'],
    [304, '3xx'],
    [308, '3xx'],
    [400, '4xx'],
    [401, '4xx'],
    [404, '4xx'],
    [429, '429'],
    [500, '5xx'],
    [503, '5xx'],
    [599, '5xx'],
    [600, '5xx'],
  ] as const)('with the default (any 2xx, no list), %i → %s', (status, outcome) => {
    expect(classifyStatus(status, [])).toBe(outcome);
    expect(classifyStatus(status, ['2xx'])).toBe(outcome);
  });

  it('accepts exactly the listed statuses (TikTok Shop: 200 and 401)', () => {
    const accept = [200, 401];
    expect([200, 401, 201, 204, 400, 403, 429, 500].map((s) => classifyStatus(s, accept))).toEqual(['success', 'success', '5xx', '5xx', '4xx', '4xx', '429', '5xx']);
  });

  it('accepts ranges and mixes of matchers', () => {
    expect(classifyStatus(202, ['200-202', 410])).toBe('success');
    expect(classifyStatus(203, ['200-202', 410])).toBe('5xx');
    expect(classifyStatus(410, ['200-202', 410])).toBe('success');
  });

  it('treats redirects as failures unless explicitly accepted (they are never followed)', () => {
    expect(classifyStatus(302, ['2xx'])).toBe('3xx');
    expect(classifyStatus(302, ['2xx', 302])).toBe('success');
  });

  it('keeps 429 apart from other 4xx, unless accepted', () => {
    expect(classifyStatus(429, [200])).toBe('429');
    expect(classifyStatus(429, ['4xx'])).toBe('success');
  });

  it('every status gets exactly one class, success iff accepted (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 100, max: 599 }), fc.array(fc.oneof(fc.integer({ min: 100, max: 599 }), fc.constantFrom('1xx', '2xx', '3xx', '4xx', '5xx')), { minLength: 1, maxLength: 5 }), (status, accept) => {
        const outcome = classifyStatus(status, accept);
        const accepted = accept.some((m) => matchesStatus(status, m));
        expect(outcome === 'success').toBe(accepted);
        if (!accepted) {
          const expected = status === 429 ? '429' : status >= 300 && status < 400 ? '3xx' : status >= 400 && status < 500 ? '4xx' : '5xx';
          expect(outcome).toBe(expected);
        }
      }),
    );
  });
});
