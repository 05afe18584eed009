/**
 * Values that are wrong for one field of an API request body or query, by construction: each
 * arbitrary here only ever produces input the API must refuse (so any 2xx is a bug, and no
 * fuzzed request may change stored data). Unicode, huge strings, deep nesting and header
 * injection are among them.
 */
import fc from 'fast-check';

/** Strings that contain at least one character outside ASCII (lone surrogates included). */
export const nonAscii = fc
  .tuple(
    fc.string({ maxLength: 8 }),
    fc.oneof(
      fc.string({ unit: 'binary', minLength: 1, maxLength: 6 }),
      fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)),
      fc.constantFrom('é', 'ß', '\u0130', '\u202e', '\u200b', '\ufeff', '😀', '\u{10ffff}', 'ﬀ', '\u0301'),
    ),
    fc.string({ maxLength: 8 }),
  )
  .map(([a, b, c]) => a + b + c)
  .filter((s) => /[^\x00-\x7f]/.test(s));

/** CR, LF, NUL and friends spliced into a string: header injection attempts. */
export const withControl = fc
  .tuple(fc.string({ maxLength: 12 }), fc.constantFrom('\r\n', '\n', '\r', '\u0000', '\r\nX-Injected: 1', '\u007f', '\t\n'), fc.string({ maxLength: 12 }))
  .map(([a, b, c]) => a + b + c);

/** Objects/arrays nested `depth` levels deep, built without recursion. */
export function nested(depth: number, leaf: unknown = 1, kind: 'object' | 'array' = 'array'): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = kind === 'array' ? [value] : { a: value };
  return value;
}

export const deepValue = fc
  .tuple(fc.integer({ min: 2, max: 3000 }), fc.constantFrom<'object' | 'array'>('object', 'array'))
  .map(([depth, kind]) => nested(depth, 'x', kind));

/** At least `min` characters however they are counted (UTF-16 units, code points or bytes). */
export const hugeString = (min: number, max: number) =>
  fc.tuple(fc.integer({ min, max }), fc.constantFrom('a', 'é', '😀', '\u0000', ' ')).map(([n, c]) => c.repeat(n));

const anyNonString = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }), // Infinity would serialise as null, which PATCH reads as "clear"
  fc.boolean(),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.integer(), { maxKeys: 2 }),
);
/** Not a string (null excluded: PATCH uses null to clear some fields). */
export const notString = anyNonString;
export const notNumber = fc.oneof(fc.string({ maxLength: 8 }), fc.boolean(), fc.array(fc.integer(), { maxLength: 2 }), fc.constant({}));
export const notBoolean = fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.constant([]), fc.constant({}));
export const notArray = fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean(), fc.constant({}));
export const notObject = fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean(), fc.array(fc.integer(), { maxLength: 2 }));

/** An event type that breaks `[A-Za-z0-9_.:/-]{1,128}`. */
export const badEventType = fc.oneof(
  fc.constantFrom('', ' ', 'order created', 'a\u0000', '**', 'order.*', '#', 'a?b', 'x'.repeat(129)),
  nonAscii,
  withControl,
  fc.string({ minLength: 1, maxLength: 20 }).filter((s) => !/^[A-Za-z0-9_.:/-]{1,128}$/.test(s) && s !== '*'),
  hugeString(129, 5000),
);

export const badTenant = fc.oneof(fc.constantFrom('', '~'), withControl, hugeString(129, 4000), notString);

/** Header names a subscriber may not use, and values that would inject headers. */
export const badCustomHeaders = fc.oneof(
  fc.tuple(fc.constantFrom('X-Team', 'X-A'), withControl).map(([name, value]) => ({ [name]: value })),
  fc
    .constantFrom(
      'Host',
      'Authorization',
      'Content-Length',
      'Transfer-Encoding',
      'X-Hookline-Attempt',
      'x-hookline-anything',
      'X-Forwarded-For',
      'X-Amz-Date',
      'Webhook-Signature',
      'Bad Name',
      'X-A:B',
      'X-(a)',
      'X-A\r\nX-Injected',
      'X-é',
      '',
      'X-' + 'a'.repeat(200),
    )
    .map((name) => ({ [name]: 'v' })),
  fc.tuple(fc.string({ minLength: 1, maxLength: 10 }), fc.constantFrom(' ', '(', ')', '<', '>', '@', ',', ';', ':', '\\', '"', '/', '[', ']', '?', '=', '{', '}'))
    .map(([name, bad]) => ({ [`X-${name}${bad}`]: 'v' })),
  fc.tuple(fc.constantFrom('X-A'), hugeString(513, 3000)).map(([name, value]) => ({ [name]: value })),
  fc.constant(Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`X-H${i}`, 'v']))),
  fc.constant({ 'X-A': 1 }),
  notObject,
);

export const badAuth = fc.oneof(
  fc.constant({ type: 'basic', username: 'a:b', password: 'p' }),
  fc.constant({ type: 'basic', username: '', password: 'p' }),
  fc.constant({ type: 'basic', username: 'u' }),
  fc.tuple(withControl).map(([p]) => ({ type: 'basic', username: 'u', password: p })),
  fc.constant({ type: 'bearer', token: 'a b' }),
  fc.constant({ type: 'bearer', token: 'tok\u0100' }),
  fc.tuple(withControl).map(([a]) => ({ type: 'header', authorization: a })),
  fc.constant({ type: 'header', authorization: 'Bearer x', username: '\u0100' }),
  fc.constant({ type: 'digest', username: 'u' }),
  fc.constant({ type: 'bearer', token: 'x', extra: true }),
  notObject,
);

export const badSigning = fc.oneof(
  fc.constant({ scheme: 'md5' }),
  fc.constant({ scheme: 'hmac-sha256', header: 'bad header' }),
  fc.constant({ scheme: 'none', extra: 1 }),
  fc.constant({}),
  notObject,
);

export const badStatusList = fc.oneof(
  fc.constant([]),
  fc.constantFrom([99], [600], [200.5], ['6xx'], ['300-200'], ['2xx', 'ok'], ['0-599'], [[200]]),
  fc.constant(Array.from({ length: 21 }, () => 200)),
  notArray,
);

export const badRetryPolicy = fc.oneof(
  fc.constantFrom(
    { type: 'fixed', delays: [] },
    { type: 'fixed', delays: [0] },
    { type: 'fixed', delays: [604_801] },
    { type: 'fixed', delays: [1.5] },
    { type: 'exponential', factor: 11 },
    { type: 'exponential', factor: 0.5 },
    { type: 'exponential', initialDelay: 100, maxDelay: 10 },
    { type: 'exponential', retries: 51 },
    { type: 'exponential', jitter: 2 },
    { type: 'linear' },
    { delays: [1] },
  ),
  fc.constant({ type: 'fixed', delays: Array.from({ length: 21 }, () => 1) }),
  notObject,
);

export const badFailurePolicy = fc.oneof(
  fc.constantFrom(
    { afterConsecutiveFailures: 0 },
    { afterConsecutiveFailures: 5, warnAt: 5 },
    { afterConsecutiveFailures: 1, action: 'explode' },
    { afterConsecutiveFailures: 100_001 },
    { action: 'none' },
  ),
  notObject,
);

export const badMetadata = fc.oneof(
  fc.constant({ '': 'x' }),
  fc.constant({ k: 1 }),
  fc.constant({ ['k'.repeat(65)]: 'v' }),
  fc.tuple(hugeString(513, 2000)).map(([v]) => ({ k: v })),
  fc.constant(Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, 'v']))),
  deepValue.map((v) => ({ k: v })),
  notObject,
);

export const badUrl = fc.oneof(
  fc.constantFrom(
    '',
    'not a url',
    'ftp://127.0.0.1/x',
    'javascript:alert(1)',
    'file:///etc/passwd',
    'http://example.com/hook',
    'https://10.0.0.1/x',
    'https://169.254.169.254/latest/meta-data',
    'https://[::ffff:a00:1]/x',
    'https://user:pw@hooks.example.com/x',
    'https://hooks.example.com/x#frag',
    'https://hooks.example.com:8443/x',
    'https://intranet/x',
    ' https://hooks.example.com/x',
    'https://hooks.example.com/x\r\nHost: evil',
    '//hooks.example.com/x',
  ),
  hugeString(2049, 20_000).map((s) => `https://hooks.example.com/${s}`),
  withControl.map((s) => `https://hooks.example.com/${s}`),
  notString,
);

/** Every wrong value, per subscription field. */
export const badSubscriptionFields: Record<string, fc.Arbitrary<unknown>> = {
  url: badUrl,
  eventTypes: fc.oneof(
    fc.constant([]),
    badEventType.map((t) => [t]),
    fc.constant(['a', 'a']),
    fc.constant(Array.from({ length: 21 }, (_, i) => `t${i}`)),
    notArray,
  ),
  tenant: badTenant,
  fallback: notBoolean,
  method: fc.oneof(fc.constantFrom('PUT', 'post', '', 'GET ', 'DELETE'), notString),
  format: fc.oneof(fc.constantFrom('yaml', 'JSON', ''), notString),
  envelope: fc.oneof(fc.constantFrom('full', ''), notString),
  preset: fc.oneof(fc.constantFrom('stripe', 'Standard', ''), notString),
  signing: badSigning,
  auth: badAuth,
  customHeaders: badCustomHeaders,
  timeoutMs: fc.oneof(fc.constantFrom(499, 30_001, 1.5, -1, 0), notNumber),
  acceptStatuses: badStatusList,
  retryOn: fc.oneof(fc.constantFrom(['sometimes'], ['5xx', '5xx'], ['5XX']), notArray),
  retryPolicy: badRetryPolicy,
  failurePolicy: badFailurePolicy,
  description: fc.oneof(hugeString(1025, 8000), notString),
  metadata: badMetadata,
};

export const KNOWN_SUBSCRIPTION_FIELDS = Object.keys(badSubscriptionFields);

/** A key no schema knows (prototype-pollution names included). */
export const unknownKey = (known: readonly string[]) =>
  fc
    .oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'id', 'secret', 'status', 'version', 'URL', 'Url'), fc.string({ minLength: 1, maxLength: 12 }), nonAscii)
    .filter((k) => !known.includes(k));
