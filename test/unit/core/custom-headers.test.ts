import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  HOOKLINE_HEADER_NAMES,
  HOP_BY_HOP_HEADER_NAMES,
  MAX_CUSTOM_HEADERS,
  MAX_HEADER_NAME_LENGTH,
  MAX_HEADER_VALUE_LENGTH,
  REFUSED_HEADER_NAMES,
  signingHeaderProblem,
  validateCustomHeaders,
} from '../../../lambdas/core/custom-headers.js';

const errorsOf = (headers: Record<string, unknown>) => validateCustomHeaders(headers);
const one = (name: string, value: unknown = 'v') => errorsOf({ [name]: value });

describe('custom headers (Partoo contract)', () => {
  it('accepts up to 5 valid X- headers', () => {
    const headers = Object.fromEntries(Array.from({ length: MAX_CUSTOM_HEADERS }, (_, i) => [`X-Team-${i}`, `value ${i}`]));
    expect(MAX_CUSTOM_HEADERS).toBe(5);
    expect(errorsOf(headers)).toEqual([]);
    expect(errorsOf({})).toEqual([]);
  });

  it('refuses a 6th header, naming the field', () => {
    const headers = Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`X-H${i}`, 'v']));
    expect(errorsOf(headers)).toEqual([{ field: 'customHeaders', message: 'must have at most 5 headers' }]);
  });

  it.each(['Team', 'Authorization-X', 'XTeam', 'X_Team', 'Y-Team'])('refuses %s: the key must start with X-', (name) => {
    expect(one(name)).toEqual([{ field: `customHeaders.${name}`, message: 'must start with X-' }]);
  });

  it.each(['x-team', 'X-TEAM', 'X-a', 'x-!#$%&\'*+-.^_`|~09'])('accepts %s (X- is case-insensitive; token characters allowed)', (name) => {
    expect(one(name)).toEqual([]);
  });

  it.each(['X-Hookline', 'X-Hookline-Team', 'x-hookline-attempt', 'X-HOOKLINE-EVENT-TYPE', 'X-HookLine-Hmac-SHA256', 'X-Hooklinefoo'])(
    'refuses the reserved prefix in %s, whatever the case',
    (name) => {
      expect(one(name)).toEqual([{ field: `customHeaders.${name}`, message: 'must not use the reserved X-Hookline prefix' }]);
    },
  );

  it('limits names to 128 characters', () => {
    const ok = `X-${'a'.repeat(MAX_HEADER_NAME_LENGTH - 2)}`;
    const tooLong = `${ok}a`;
    expect(ok).toHaveLength(128);
    expect(one(ok)).toEqual([]);
    expect(one(tooLong)).toEqual([{ field: `customHeaders.${tooLong}`, message: 'name must be at most 128 characters' }]);
  });

  it.each([' ', '(', ')', '<', '>', '@', ',', ';', ':', '\\', '"', '/', '[', ']', '?', '=', '{', '}'])('refuses the forbidden character %j in a key', (char) => {
    const name = `X-a${char}b`;
    const shown = char === ' ' ? 'a space' : `"${char}"`;
    expect(one(name)).toEqual([{ field: `customHeaders.${name}`, message: `name must not contain ${shown}` }]);
  });

  it.each(['X-a\tb', 'X-é', 'X-a\u0000', 'X-\u{1F600}'])('refuses the non-token key %j', (name) => {
    expect(one(name)).toEqual([{ field: `customHeaders.${name}`, message: "name must contain only visible ASCII letters, digits and !#$%&'*+-.^_`|~" }]);
  });

  it('refuses an empty key', () => {
    expect(one('')).toEqual([{ field: 'customHeaders.', message: 'name must not be empty' }]);
  });

  it('limits values to 512 characters', () => {
    expect(one('X-A', 'v'.repeat(MAX_HEADER_VALUE_LENGTH))).toEqual([]);
    expect(one('X-A', 'v'.repeat(MAX_HEADER_VALUE_LENGTH + 1))).toEqual([{ field: 'customHeaders.X-A', message: 'value must be at most 512 characters' }]);
  });

  it.each(['a\rb', 'a\nb', 'a\r\nX-Injected: 1', 'a\u0000b', '\n'])('refuses CR, LF or NUL in the value %j (header injection)', (value) => {
    expect(one('X-A', value)).toEqual([{ field: 'customHeaders.X-A', message: 'value must not contain CR, LF or NUL' }]);
  });

  it.each(['a\u0001b', 'a\u001fb', 'a\u007fb'])('refuses other control characters in the value %j', (value) => {
    expect(one('X-A', value)).toEqual([{ field: 'customHeaders.X-A', message: 'value must not contain control characters' }]);
  });

  it.each(['', 'a b', 'tab\tinside', 'café', 'Bearer abc.def', '(){}<>@,;:\\"/[]?='])('accepts the value %j', (value) => {
    expect(one('X-A', value)).toEqual([]);
  });

  it('refuses values outside Latin-1 and non-strings', () => {
    expect(one('X-A', '日本')).toEqual([{ field: 'customHeaders.X-A', message: 'value must contain only Latin-1 characters' }]);
    expect(one('X-A', 5)).toEqual([{ field: 'customHeaders.X-A', message: 'value must be a string' }]);
  });

  it('refuses two names that differ only in case', () => {
    expect(errorsOf({ 'X-Team': 'a', 'x-team': 'b' })).toEqual([
      { field: 'customHeaders.x-team', message: 'duplicates X-Team (header names are case-insensitive)' },
    ]);
  });

  describe('names that would override signing, hop-by-hop or Hookline headers', () => {
    it.each(HOP_BY_HOP_HEADER_NAMES.flatMap((n) => [n, n.toUpperCase()]))('refuses the hop-by-hop header %s', (name) => {
      expect(one(name)).toEqual([{ field: `customHeaders.${name}`, message: 'must not override a hop-by-hop header' }]);
    });

    it.each([...HOOKLINE_HEADER_NAMES.filter((n) => !n.startsWith('x-hookline')), 'Webhook-Signature', 'AUTHORIZATION', 'User-Agent'])(
      'refuses %s, which Hookline sets itself',
      (name) => {
        expect(one(name)).toEqual([{ field: `customHeaders.${name}`, message: 'must not override a header Hookline sets (signature, auth, identification)' }]);
      },
    );

    it.each([...REFUSED_HEADER_NAMES, 'X-Shopify-Hmac-SHA256', 'X-Forwarded-For', 'X-Amz-Date', 'x-amz-security-token'])(
      'refuses the forwarding/provider-signature/AWS header %s',
      (name) => {
        expect(one(name)).toEqual([
          { field: `customHeaders.${name}`, message: 'is reserved (forwarding, method-override and signature headers cannot be set)' },
        ]);
      },
    );

    it('refuses the configured hmac-sha256 header, whatever the case', () => {
      expect(validateCustomHeaders({ 'x-shop-hmac': 'forged' }, { signingHeader: 'X-Shop-Hmac' })).toEqual([
        { field: 'customHeaders.x-shop-hmac', message: 'must not override the signature header' },
      ]);
    });
  });

  it('reports every problem at once, under the given field prefix', () => {
    const errors = validateCustomHeaders({ Team: 'a', 'X-B': 'x\ny', 'X-Hookline-C': 'c' }, { field: 'body.headers' });
    expect(errors).toEqual([
      { field: 'body.headers.Team', message: 'must start with X-' },
      { field: 'body.headers.X-B', message: 'value must not contain CR, LF or NUL' },
      { field: 'body.headers.X-Hookline-C', message: 'must not use the reserved X-Hookline prefix' },
    ]);
  });

  describe('properties', () => {
    const tokenChar = fc.constantFrom(...'!#$%&\'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'.split(''));
    const validName = fc
      .string({ unit: tokenChar, minLength: 1, maxLength: 126 })
      .map((rest) => `X-${rest}`)
      .filter((n) => !n.toLowerCase().startsWith('x-hookline') && !REFUSED_HEADER_NAMES.includes(n.toLowerCase()) && !n.toLowerCase().startsWith('x-amz-'));
    const validValue = fc.string({ unit: fc.integer({ min: 0x20, max: 0xff }).filter((c) => c !== 0x7f).map((c) => String.fromCharCode(c)), maxLength: 512 });

    it('accepts any valid name/value pair', () => {
      fc.assert(
        fc.property(validName, validValue, (name, value) => {
          expect(one(name, value)).toEqual([]);
        }),
      );
    });

    it('refuses any name containing a forbidden character, wherever it is', () => {
      const forbidden = fc.constantFrom(...' ()<>@,;:\\"/[]?={}'.split(''));
      fc.assert(
        fc.property(validName, forbidden, fc.nat(), (name, char, at) => {
          const i = 2 + (at % (name.length - 1));
          const bad = name.slice(0, i) + char + name.slice(i);
          expect(one(bad)).toHaveLength(1);
          expect(one(bad)[0]!.field).toBe(`customHeaders.${bad}`);
        }),
      );
    });

    it('refuses any value containing CR, LF or NUL, wherever it is', () => {
      fc.assert(
        fc.property(validValue, fc.constantFrom('\r', '\n', '\0'), fc.nat(), (value, char, at) => {
          const i = value.length === 0 ? 0 : at % value.length;
          expect(one('X-A', value.slice(0, i) + char + value.slice(i))).toEqual([
            { field: 'customHeaders.X-A', message: expect.stringMatching(/CR, LF or NUL|at most 512/) },
          ]);
        }),
      );
    });

    it('never accepts a name without the X- prefix or with the X-Hookline prefix', () => {
      fc.assert(
        fc.property(fc.string({ unit: tokenChar, minLength: 1, maxLength: 40 }), (rest) => {
          const hookline = `X-Hookline${rest}`;
          expect(one(hookline)).not.toEqual([]);
          if (!/^x-/i.test(rest)) expect(one(rest)).not.toEqual([]);
        }),
      );
    });
  });
});

describe('signingHeaderProblem (hmac-sha256 header)', () => {
  const DEFAULT = 'X-Hookline-Hmac-SHA256';
  it.each(['X-Hookline-Hmac-SHA256', 'x-hookline-hmac-sha256', 'X-Shopify-Hmac-SHA256', 'X-Shop-Signature', 'Signature'])('accepts %s', (name) => {
    expect(signingHeaderProblem(name, DEFAULT)).toBeUndefined();
  });

  it.each([
    ['', 'must not be empty'],
    ['X Bad', 'must be a valid header name'],
    ['X-a:b', 'must be a valid header name'],
    [`X-${'a'.repeat(127)}`, 'must be at most 128 characters'],
    ['Transfer-Encoding', 'must not be a hop-by-hop header'],
    ['connection', 'must not be a hop-by-hop header'],
    ['Host', 'must not be a hop-by-hop header'],
    ['Content-Length', 'must not be a hop-by-hop header'],
    ['Authorization', 'must not be a header Hookline sets itself'],
    ['webhook-signature', 'must not be a header Hookline sets itself'],
    ['User-Agent', 'must not be a header Hookline sets itself'],
    ['X-Hookline-Attempt', 'must not be a header Hookline sets itself'],
    ['X-Forwarded-For', 'must not be a forwarding or AWS header'],
    ['X-Amz-Date', 'must not be a forwarding or AWS header'],
    ['X-Hookline-Other', 'must not use the reserved X-Hookline prefix'],
  ])('refuses %j: %s', (name, message) => {
    expect(signingHeaderProblem(name, DEFAULT)).toBe(message);
  });
});
