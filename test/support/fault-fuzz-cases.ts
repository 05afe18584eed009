/**
 * Bad requests for every API route, as fast-check arbitraries. Each case is wrong by
 * construction (bad body, bad query, bad id, wrong content type, too large…) and says which
 * statuses are right for it and which fields a validation problem must name.
 */
import fc from 'fast-check';
import { newMessageId, newSubscriptionId } from '../../lambdas/core/ids.js';
import {
  badEventType,
  badSubscriptionFields,
  badTenant,
  hugeString,
  KNOWN_SUBSCRIPTION_FIELDS,
  nested,
  nonAscii,
  notBoolean,
  notNumber,
  notString,
  unknownKey,
  withControl,
} from './fault-fuzz-values.js';

export interface FuzzCase {
  kind: string;
  method: string;
  path: string;
  query?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** The statuses that are right for this input (all 4xx). */
  expect: readonly number[];
  /** Fields a validation problem must name. */
  fields?: readonly string[];
}

export interface FuzzContext {
  /** Existing records (their routes only ever get bad bodies, never a valid request). */
  subscriptionId: string;
  messageId: string;
  deliveryId: string;
  /** A loopback URL valid in local mode, for bodies whose other fields are wrong. */
  loopbackUrl: string;
  /** Admin request body limit (bytes). */
  adminBodyBytes: number;
  /** Intake body limit (bytes): max payload plus the envelope allowance. */
  eventBodyBytes: number;
  /** Batch intake body limit (bytes). */
  batchBodyBytes: number;
  maxPayloadBytes: number;
}

const JSON_TYPE = { 'content-type': 'application/json' };

const parses = (text: string): boolean => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
};

/** Percent-encodes the UTF-8 bytes of `s` (works for lone surrogates too, unlike encodeURIComponent). */
const percentEncode = (s: string): string => [...Buffer.from(s, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');

const wellFormed = (s: string): string => Buffer.from(s, 'utf8').toString('utf8');

// ---- whole-body attacks, for every route that reads a body ----------------------------------

const malformedJson = (valid: string) =>
  fc.oneof(
    fc.constantFrom('{', '[', '{"a":}', '{"url": "x",}', "{'a':1}", 'NaN', 'undefined', '{"a":1}}', '\ufeff{}', '{"a":"\\x"}', '{"a":01}', '[1,]', '{"a" 1}', 'tru', '"open', '{"a":1,"a":}', '\u0000'),
    fc.integer({ min: 1, max: Math.max(1, valid.length - 1) }).map((n) => valid.slice(0, n)),
    fc.string({ minLength: 1, maxLength: 60 }),
    fc.tuple(fc.string({ maxLength: 20 }), fc.constantFrom('{', '}', '"', ',', ':', ']')).map(([a, b]) => valid.slice(0, 5) + a + b),
  ).filter((text) => text.trim() !== '' && !parses(text));

const invalidUtf8 = fc.uint8Array({ minLength: 1, maxLength: 64 }).map((bytes) => Buffer.from([0xff, ...bytes])).filter((b) => !parses(b.toString('utf8')));

const WRONG_TYPES = [
  'text/plain',
  'text/json',
  'application/xml',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/octet-stream',
  'application/jsonx',
  'application/json-seq',
  'image/png',
  'application/ json',
  'json',
  ' ',
  'application/json\r\nX-Injected: 1',
  'application/javascript',
];

function bodyAttacks(method: string, path: string, validBody: unknown, limit: number): fc.Arbitrary<FuzzCase> {
  const valid = JSON.stringify(validBody);
  return fc.oneof(
    { weight: 4, arbitrary: malformedJson(valid).map((body): FuzzCase => ({ kind: 'malformed JSON', method, path, headers: JSON_TYPE, body, expect: [400] })) },
    { weight: 1, arbitrary: invalidUtf8.map((body): FuzzCase => ({ kind: 'invalid UTF-8', method, path, headers: JSON_TYPE, body, expect: [400] })) },
    {
      weight: 3,
      arbitrary: fc.option(fc.constantFrom(...WRONG_TYPES), { nil: undefined }).map(
        (type): FuzzCase => ({ kind: `content-type ${JSON.stringify(type)}`, method, path, headers: type === undefined ? {} : { 'content-type': type }, body: valid, expect: [415] }),
      ),
    },
    {
      weight: 1,
      arbitrary: fc.oneof({ weight: 9, arbitrary: fc.integer({ min: limit + 1, max: limit + 256 * 1024 }) }, { weight: 1, arbitrary: fc.constant(10 * 1024 * 1024 + 1) }).map(
        (size): FuzzCase => ({ kind: `oversized (${size} bytes)`, method, path, headers: JSON_TYPE, body: `{"pad":"${'x'.repeat(size)}"}`, expect: [413] }),
      ),
    },
    {
      weight: 1,
      arbitrary: fc.integer({ min: 2, max: 20_000 }).map(
        (depth): FuzzCase => ({ kind: `body nested ${depth} deep`, method, path, headers: JSON_TYPE, body: '['.repeat(depth) + ']'.repeat(depth), expect: [400], fields: ['(body)'] }),
      ),
    },
  );
}

// ---- field-level mutations of otherwise valid bodies -----------------------------------------

type Mutation = { field: string; apply: (body: Record<string, unknown>) => void };

// defineProperty: a key such as `__proto__` must become an own (serialised) property, not a prototype change.
const setField = (field: string, value: unknown): Mutation => ({
  field,
  apply: (b) => void Object.defineProperty(b, field, { value, enumerable: true, writable: true, configurable: true }),
});
const dropField = (field: string): Mutation => ({ field, apply: (b) => void delete b[field] });

/** `limit`: the route's body limit; a mutation that makes the body larger is a 413 instead. */
function mutated(method: string, path: string, base: Record<string, unknown>, mutations: fc.Arbitrary<Mutation[]>, kind: string, limit: number): fc.Arbitrary<FuzzCase> {
  return mutations.map((list): FuzzCase => {
    const body = structuredClone(base);
    for (const m of list) m.apply(body);
    const text = JSON.stringify(body);
    const common = { kind: `${kind}: ${list.map((m) => m.field).join(', ')}`, method, path, headers: JSON_TYPE, body: text };
    return Buffer.byteLength(text) > limit ? { ...common, expect: [413] } : { ...common, expect: [400], fields: list.map((m) => m.field) };
  });
}

const distinct = (one: fc.Arbitrary<Mutation>) => fc.uniqueArray(one, { minLength: 1, maxLength: 3, selector: (m) => m.field });

const subscriptionMutation = (known: readonly string[], withMissing: boolean): fc.Arbitrary<Mutation> =>
  fc.oneof(
    { weight: 12, arbitrary: fc.constantFrom(...known).chain((field) => badSubscriptionFields[field]!.map((value) => setField(field, value))) },
    { weight: 2, arbitrary: fc.tuple(unknownKey(known), fc.jsonValue({ maxDepth: 2 })).map(([key, value]) => setField(key, value)) },
    ...(withMissing ? [{ weight: 1, arbitrary: fc.constantFrom('url', 'eventTypes').map(dropField) }] : []),
  );

const BAD_ISO = fc.oneof(
  fc.constantFrom('yesterday', '2024-01-01', '2024-13-01T00:00:00Z', '2024-02-30T00:00:00Z', '2024-01-01T25:00:00Z', '', '2024-01-01 00:00:00', '0000-00-00T00:00:00Z', '1', 'now'),
  nonAscii,
  notString,
);

// ---- ids and paths ------------------------------------------------------------------------------

/** A path segment that is not the id of anything (encoded as a client would send it). */
function badIdSegment(realIds: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom('..', '.', '...', '%2e%2e', '..%2f..%2fetc%2fpasswd', '%2E%2E%5C', '%00', 'sub_%00', '%252e%252e%252f', '%C0%AE%C0%AE', '%E0%A4%A', '%', '%%', '%ZZ', '%u002e', 'null', 'undefined', '*', '$', '~'),
    fc.string({ minLength: 1, maxLength: 40 }).map(percentEncode),
    nonAscii.map(percentEncode),
    hugeString(300, 6000).map(percentEncode),
    fc.constantFrom(...realIds).chain((id) =>
      fc.constantFrom(id.toLowerCase(), `${id}A`, id.slice(0, -1), `%20${id}`, `${id}%00`, `${id}%0a`, `${id.slice(0, 4)}${id.slice(4).toLowerCase()}`, `../${id}`.replace('/', '%2f')),
    ),
    fc.constant(0).map(() => newSubscriptionId()),
    fc.constant(0).map(() => newMessageId()),
    fc.constantFrom(`dlv_${'A'.repeat(26)}`, `rpl_${'0'.repeat(24)}`),
  );
}

function idCases(method: string, template: string, realIds: readonly string[], request: Partial<FuzzCase> = {}): fc.Arbitrary<FuzzCase> {
  return fc.oneof(
    { weight: 9, arbitrary: badIdSegment(realIds).map((id): FuzzCase => ({ kind: `bad id ${id.slice(0, 40)}`, method, path: template.replace('{id}', () => id), expect: [404], ...request })) },
    {
      // Raw slashes: the request no longer matches the route at all.
      weight: 1,
      arbitrary: fc.constantFrom('../..', '../secret', 'a/b', './', '..//..//', '/', '%2F/..').map(
        (id): FuzzCase => ({ kind: `traversal ${id}`, method, path: template.replace('{id}', () => id), expect: [404, 405], ...request }),
      ),
    },
  );
}

// ---- queries ------------------------------------------------------------------------------------------

type BadParam = { name: string; value: string; schema: boolean };

const forgedCursor = (partitions: readonly string[]) =>
  fc.oneof(
    fc.constantFrom('not-a-cursor', '!!!', 'e30', 'bnVsbA', 'WzFd', 'MTIz'),
    fc.uint8Array({ minLength: 1, maxLength: 60 }).map((b) => Buffer.from(b).toString('base64url')),
    fc.jsonValue({ maxDepth: 3 }).map((v) => Buffer.from(JSON.stringify(v) ?? 'null').toString('base64url')),
    fc
      .record({
        part: fc.oneof(fc.constantFrom(...partitions), fc.string({ maxLength: 10 }), fc.constant('SUB#TENANT#other')),
        after: fc.oneof(
          fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v) ?? 'null'),
          // Values never name a real partition, so no position here is ever a valid one.
          fc.dictionary(fc.constantFrom('pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk', 'gsi3pk', 'gsi3sk', 'x'), fc.oneof(fc.string({ maxLength: 6 }).map((v) => `z${v}`), fc.constant(''), hugeString(1025, 1400)), { minKeys: 0, maxKeys: 5 }).map((v) => JSON.stringify(v)),
          fc.constant('{not json'),
        ),
      })
      .map((cursor) => Buffer.from(JSON.stringify(cursor)).toString('base64url')),
  );

/** A cursor the API never returned; only a problem when the rest of the query is valid (it is read later). */
const cursorParam = (partitions: readonly string[]): fc.Arbitrary<BadParam> =>
  fc.oneof(
    fc.constantFrom('', 'a'.repeat(2049)).map((value) => ({ name: 'cursor', value, schema: true })),
    forgedCursor(partitions).filter((c) => c.length <= 2048).map((value) => ({ name: 'cursor', value, schema: false })),
  );

const BAD_LIMIT = fc.constantFrom('0', '101', '-1', 'abc', '1.5', 'Infinity', 'NaN', '', ' ', '1e400', '99999999999999999999', '10a', '5,5');

function queryCases(path: string, bad: fc.Arbitrary<BadParam>, known: readonly string[], valid: Record<string, string>): fc.Arbitrary<FuzzCase> {
  const unknown = fc.tuple(unknownKey(known), fc.string({ maxLength: 10 })).map(([name, value]): BadParam => ({ name, value, schema: true }));
  return fc
    .tuple(fc.uniqueArray(fc.oneof({ weight: 5, arbitrary: bad }, { weight: 1, arbitrary: unknown }), { minLength: 1, maxLength: 3, selector: (p) => p.name }), fc.subarray(Object.keys(valid)))
    .map(([params, extras]): FuzzCase => {
      const query = new URLSearchParams();
      for (const name of extras) if (!params.some((p) => p.name === name)) query.append(name, valid[name]!);
      for (const p of params) query.append(p.name, p.value);
      // A query carries UTF-8: a lone surrogate in a name arrives as U+FFFD.
      const schemaLevel = params.filter((p) => p.schema).map((p) => wellFormed(p.name));
      return { kind: `query ${params.map((p) => p.name).join(', ')}`, method: 'GET', path, query: query.toString(), expect: [400], fields: schemaLevel.length > 0 ? schemaLevel : ['cursor'] };
    });
}

/** A tenant subscription's body: the path names the tenant and the event types. */
const TENANT_BODY_FIELDS = KNOWN_SUBSCRIPTION_FIELDS.filter((f) => f !== 'tenant' && f !== 'eventTypes');

const replayMutation: fc.Arbitrary<Mutation> = fc.oneof(
  BAD_ISO.map((v) => setField('since', v)),
  BAD_ISO.map((v) => setField('until', v)),
  fc.constant(dropField('since')),
  notBoolean.map((v) => setField('onlyFailed', v)),
  fc.tuple(unknownKey(['since', 'until', 'onlyFailed']), fc.jsonValue({ maxDepth: 2 })).map(([k, v]) => setField(k, v)),
);

// ---- the routes ----------------------------------------------------------------------------------------

/** One arbitrary per route of docs/openapi.json (`METHOD /template`). */
export function routeCases(ctx: FuzzContext): Record<string, fc.Arbitrary<FuzzCase>> {
  return { ...intakeCases(ctx), ...subscriptionCases(ctx), ...tenantCases(ctx), ...readCases(ctx) };
}

/** Bad requests for POST /v1/events and /v1/events/batch. */
function intakeCases(ctx: FuzzContext): Record<string, fc.Arbitrary<FuzzCase>> {
  const validEvent = { type: 'order.created', tenant: 'shop-1', payload: { n: 1 } };
  const eventMutation: fc.Arbitrary<Mutation> = fc.oneof(
    badEventType.map((v) => setField('type', v)),
    badTenant.map((v) => setField('tenant', v)),
    fc.constant(dropField('type')),
    fc.constant(dropField('payload')),
    fc.integer({ min: 32, max: 2000 }).chain((depth) => fc.constantFrom<'object' | 'array'>('object', 'array').map((k) => setField('payload', nested(depth, 1, k)))),
    BAD_ISO.map((v) => setField('eventTime', v)),
    fc.tuple(unknownKey(['type', 'tenant', 'payload', 'eventTime']), fc.jsonValue({ maxDepth: 2 })).map(([k, v]) => setField(k, v)),
  );

  return {
    'POST /v1/events': fc.oneof(
      { weight: 6, arbitrary: mutated('POST', '/v1/events', validEvent, distinct(eventMutation), 'bad event', ctx.eventBodyBytes) },
      { weight: 2, arbitrary: bodyAttacks('POST', '/v1/events', validEvent, ctx.eventBodyBytes) },
      {
        weight: 1,
        arbitrary: fc.integer({ min: ctx.maxPayloadBytes - 1, max: ctx.eventBodyBytes - 100 }).map(
          (n): FuzzCase => ({ kind: `payload ${n + 2} bytes`, method: 'POST', path: '/v1/events', headers: JSON_TYPE, body: JSON.stringify({ type: 'a.b', payload: 'x'.repeat(n) }), expect: [413] }),
        ),
      },
      {
        weight: 1,
        arbitrary: fc.oneof(fc.constantFrom('', ' ', 'a b', 'x'.repeat(256)), nonAscii, withControl).map(
          (key): FuzzCase => ({ kind: 'bad Idempotency-Key', method: 'POST', path: '/v1/events', headers: { ...JSON_TYPE, 'idempotency-key': key }, body: JSON.stringify(validEvent), expect: [400], fields: ['Idempotency-Key'] }),
        ),
      },
      { weight: 1, arbitrary: fc.constantFrom('[]', '"x"', '1', 'true', 'null', '{}').map((body): FuzzCase => ({ kind: `body ${body}`, method: 'POST', path: '/v1/events', headers: JSON_TYPE, body, expect: [400] })) },
    ),
    // Bad events inside a valid envelope are per-event results (207, tested in the e2e suite); here the envelope.
    'POST /v1/events/batch': fc.oneof(
      { weight: 4, arbitrary: bodyAttacks('POST', '/v1/events/batch', { events: [validEvent] }, ctx.batchBodyBytes) },
      {
        weight: 2,
        arbitrary: fc.constantFrom('[]', '"x"', '1', 'true', 'null', '{}', '{"events":[]}', '{"events":{}}', '{"events":"x"}', '{"events":[{}],"extra":1}').map(
          (body): FuzzCase => ({ kind: `batch body ${body}`, method: 'POST', path: '/v1/events/batch', headers: JSON_TYPE, body, expect: [400] }),
        ),
      },
      {
        weight: 1,
        arbitrary: fc.integer({ min: 101, max: 400 }).map(
          (n): FuzzCase => ({ kind: `${n} events`, method: 'POST', path: '/v1/events/batch', headers: JSON_TYPE, body: JSON.stringify({ events: Array(n).fill(validEvent) }), expect: [413] }),
        ),
      },
    ),
  };
}

/** Bad requests for the /v1/subscriptions routes. */
function subscriptionCases(ctx: FuzzContext): Record<string, fc.Arbitrary<FuzzCase>> {
  const sub = `/v1/subscriptions/${ctx.subscriptionId}`;
  const subIds = [ctx.subscriptionId];
  const validSubscription = { url: ctx.loopbackUrl, eventTypes: ['order.created'] };
  const hourAgo = new Date(Date.now() - 3_600_000).toISOString();
  const subscriptionCreate = (path: string) =>
    fc.oneof(
      { weight: 6, arbitrary: mutated('POST', path, validSubscription, distinct(subscriptionMutation(KNOWN_SUBSCRIPTION_FIELDS, true)), 'bad fields', ctx.adminBodyBytes) },
      { weight: 2, arbitrary: bodyAttacks('POST', path, validSubscription, ctx.adminBodyBytes) },
      { weight: 1, arbitrary: fc.constantFrom('[]', '"x"', '1', 'true', 'null', '{}').map((body): FuzzCase => ({ kind: `body ${body}`, method: 'POST', path, headers: JSON_TYPE, body, expect: [400] })) },
      { weight: 1, arbitrary: fc.constant<FuzzCase>({ kind: 'no body', method: 'POST', path, expect: [400], fields: ['(body)'] }) },
    );

  return {
    'POST /v1/subscriptions': subscriptionCreate('/v1/subscriptions'),
    'POST /v1/subscriptions/test': subscriptionCreate('/v1/subscriptions/test'),
    'GET /v1/subscriptions': queryCases(
      '/v1/subscriptions',
      fc.oneof(
        BAD_LIMIT.map((value): BadParam => ({ name: 'limit', value, schema: true })),
        fc.oneof(fc.constantFrom('enabled', 'ACTIVE', '', 'active '), nonAscii).map((value): BadParam => ({ name: 'status', value, schema: true })),
        fc.constantFrom('tenant', 'eventType').chain((name) => fc.oneof(fc.constant(''), hugeString(129, 3000)).map((value): BadParam => ({ name, value, schema: true }))),
        cursorParam(['SUBS', 'SUB#TENANT#shop-1']),
      ),
      ['tenant', 'eventType', 'status', 'limit', 'cursor'],
      { limit: '5', status: 'active', tenant: 'shop-1', eventType: 'order.created' },
    ),
    'GET /v1/subscriptions/{id}': idCases('GET', '/v1/subscriptions/{id}', subIds),
    'PATCH /v1/subscriptions/{id}': fc.oneof(
      { weight: 6, arbitrary: mutated('PATCH', sub, {}, distinct(subscriptionMutation(KNOWN_SUBSCRIPTION_FIELDS, false)), 'bad patch', ctx.adminBodyBytes) },
      { weight: 2, arbitrary: bodyAttacks('PATCH', sub, { description: 'x' }, ctx.adminBodyBytes) },
      { weight: 1, arbitrary: fc.constantFrom('[]', '"x"', '1', 'true', 'null').map((body): FuzzCase => ({ kind: `body ${body}`, method: 'PATCH', path: sub, headers: JSON_TYPE, body, expect: [400] })) },
      { weight: 1, arbitrary: fc.constant<FuzzCase>({ kind: 'no body', method: 'PATCH', path: sub, expect: [400], fields: ['(body)'] }) },
      { weight: 2, arbitrary: idCases('PATCH', '/v1/subscriptions/{id}', subIds, { headers: JSON_TYPE, body: JSON.stringify({ description: 'x' }) }) },
    ),
    'DELETE /v1/subscriptions/{id}': idCases('DELETE', '/v1/subscriptions/{id}', subIds),
    'GET /v1/subscriptions/{id}/secret': idCases('GET', '/v1/subscriptions/{id}/secret', subIds),
    'POST /v1/subscriptions/{id}/rotate-secret': fc.oneof(
      {
        weight: 4,
        arbitrary: mutated(
          'POST',
          `${sub}/rotate-secret`,
          {},
          distinct(
            fc.oneof(
              fc.oneof(fc.constantFrom(-1, 604_801, 1.5, null), notNumber).map((v) => setField('graceSeconds', v)),
              fc.tuple(unknownKey(['graceSeconds']), fc.jsonValue({ maxDepth: 2 })).map(([k, v]) => setField(k, v)),
            ),
          ),
          'bad rotation',
          ctx.adminBodyBytes,
        ),
      },
      { weight: 2, arbitrary: bodyAttacks('POST', `${sub}/rotate-secret`, { graceSeconds: 60 }, ctx.adminBodyBytes) },
      // `null` is absent on purpose: an empty or `null` body is a valid rotation with the default grace.
      { weight: 1, arbitrary: fc.constantFrom('[]', '"x"', '1', 'true', '[{}]').map((body): FuzzCase => ({ kind: `body ${body}`, method: 'POST', path: `${sub}/rotate-secret`, headers: JSON_TYPE, body, expect: [400] })) },
      { weight: 2, arbitrary: idCases('POST', '/v1/subscriptions/{id}/rotate-secret', subIds) },
    ),
    'POST /v1/subscriptions/{id}/enable': idCases('POST', '/v1/subscriptions/{id}/enable', subIds),
    'POST /v1/subscriptions/{id}/disable': idCases('POST', '/v1/subscriptions/{id}/disable', subIds),
    'POST /v1/subscriptions/{id}/test': idCases('POST', '/v1/subscriptions/{id}/test', subIds),
    'POST /v1/subscriptions/{id}/replay': fc.oneof(
      { weight: 5, arbitrary: mutated('POST', `${sub}/replay`, { since: hourAgo }, distinct(replayMutation), 'bad replay', ctx.adminBodyBytes) },
      {
        weight: 1,
        arbitrary: fc.integer({ min: 0, max: 10 * 86_400_000 }).map((gap): FuzzCase => {
          const until = new Date(Date.now() - 86_400_000).toISOString();
          const since = new Date(Date.parse(until) + gap).toISOString();
          return { kind: 'since not before until', method: 'POST', path: `${sub}/replay`, headers: JSON_TYPE, body: JSON.stringify({ since, until }), expect: [400], fields: ['since'] };
        }),
      },
      { weight: 2, arbitrary: bodyAttacks('POST', `${sub}/replay`, { since: hourAgo }, ctx.adminBodyBytes) },
      { weight: 1, arbitrary: fc.constant<FuzzCase>({ kind: 'no body', method: 'POST', path: `${sub}/replay`, expect: [400], fields: ['(body)'] }) },
      { weight: 2, arbitrary: idCases('POST', '/v1/subscriptions/{id}/replay', subIds, { headers: JSON_TYPE, body: JSON.stringify({ since: hourAgo }) }) },
    ),
  };
}

/** Bad requests for the tenant routes (by tenant and event type). */
function tenantCases(ctx: FuzzContext): Record<string, fc.Arbitrary<FuzzCase>> {
  const sub = `/v1/subscriptions/${ctx.subscriptionId}`;
  const tenantTyped = '/v1/tenants/fuzz-nobody/subscriptions/order.created';

  return {
    'GET /v1/tenants/{tenant}/subscriptions': queryCases(
      '/v1/tenants/shop-1/subscriptions',
      fc.oneof(
        BAD_LIMIT.map((value): BadParam => ({ name: 'limit', value, schema: true })),
        fc.oneof(fc.constantFrom('enabled', 'ACTIVE', '', 'active '), nonAscii).map((value): BadParam => ({ name: 'status', value, schema: true })),
        fc.oneof(fc.constant(''), hugeString(129, 3000)).map((value): BadParam => ({ name: 'eventType', value, schema: true })),
        cursorParam(['SUBS', 'SUB#TENANT#shop-1']),
      ),
      ['eventType', 'status', 'limit', 'cursor'],
      { limit: '5', status: 'active', eventType: 'order.created' },
    ),
    // The path names the tenant and the type; the body is CreateSubscription without them.
    'PUT /v1/tenants/{tenant}/subscriptions/{eventType}': fc.oneof(
      { weight: 6, arbitrary: mutated('PUT', tenantTyped, { url: ctx.loopbackUrl }, distinct(subscriptionMutation(TENANT_BODY_FIELDS, false)), 'bad put', ctx.adminBodyBytes) },
      { weight: 2, arbitrary: bodyAttacks('PUT', tenantTyped, { url: ctx.loopbackUrl }, ctx.adminBodyBytes) },
      { weight: 1, arbitrary: fc.constantFrom('[]', '"x"', '1', 'true', 'null', '{}').map((body): FuzzCase => ({ kind: `body ${body}`, method: 'PUT', path: tenantTyped, headers: JSON_TYPE, body, expect: [400] })) },
      { weight: 1, arbitrary: fc.constantFrom('tenant', 'eventTypes').map((field): FuzzCase => ({ kind: `${field} in the body`, method: 'PUT', path: tenantTyped, headers: JSON_TYPE, body: JSON.stringify({ url: ctx.loopbackUrl, [field]: field === 'tenant' ? 'shop-1' : ['order.created'] }), expect: [400], fields: [field] })) },
    ),
    'DELETE /v1/tenants/{tenant}/subscriptions/{eventType}': fc.oneof(
      badEventType
        .filter((t): t is string => typeof t === 'string')
        .map((t): FuzzCase => ({ kind: `bad event type ${t.slice(0, 40)}`, method: 'DELETE', path: `/v1/tenants/shop-1/subscriptions/${percentEncode(t)}`, expect: [400, 404, 405], fields: ['eventType'] })),
      fc.string({ minLength: 1, maxLength: 40 }).map((t): FuzzCase => ({ kind: 'nobody holds the pair', method: 'DELETE', path: `/v1/tenants/fuzz-nobody/subscriptions/${percentEncode(t)}`, expect: [400, 404], fields: ['eventType'] })),
    ),
  };
}

/** Bad requests for replays, messages and deliveries. */
function readCases(ctx: FuzzContext): Record<string, fc.Arbitrary<FuzzCase>> {
  const sub = `/v1/subscriptions/${ctx.subscriptionId}`;
  const hourAgo = new Date(Date.now() - 3_600_000).toISOString();

  return {
    'GET /v1/replays/{id}': idCases('GET', '/v1/replays/{id}', ['rpl_0123456789abcdef01234567']),
    'GET /v1/messages/{id}': idCases('GET', '/v1/messages/{id}', [ctx.messageId]),
    'GET /v1/deliveries': queryCases(
      '/v1/deliveries',
      fc.oneof(
        BAD_LIMIT.map((value): BadParam => ({ name: 'limit', value, schema: true })),
        fc.oneof(fc.constantFrom('done', 'SUCCEEDED', '', 'active'), nonAscii).map((value): BadParam => ({ name: 'status', value, schema: true })),
        fc.oneof(fc.constantFrom('sub_', 'sub_!!', 'msg_X', 'x', `sub_${'a'.repeat(65)}`, `${ctx.subscriptionId} `), nonAscii).map((value): BadParam => ({ name: 'subscriptionId', value, schema: true })),
        fc.constantFrom('since', 'until').chain((name) => BAD_ISO.filter((v): v is string => typeof v === 'string').map((value): BadParam => ({ name, value, schema: true }))),
        fc.constantFrom('tenant', 'eventType').chain((name) => fc.oneof(fc.constant(''), hugeString(129, 3000)).map((value): BadParam => ({ name, value, schema: true }))),
        cursorParam([`DLV#SUB#${ctx.subscriptionId}`, `DLV#HOUR#${new Date().toISOString().slice(0, 13)}`]),
      ),
      ['subscriptionId', 'tenant', 'eventType', 'status', 'since', 'until', 'limit', 'cursor'],
      { subscriptionId: ctx.subscriptionId, limit: '5', status: 'pending', since: hourAgo },
    ),
    'GET /v1/deliveries/{id}': idCases('GET', '/v1/deliveries/{id}', [ctx.deliveryId]),
    'POST /v1/deliveries/{id}/retry': idCases('POST', '/v1/deliveries/{id}/retry', [ctx.deliveryId]),
  };
}


/** Methods a path does not allow, unknown paths, and paths outside the API. */
export function strayCases(ctx: FuzzContext, allowed: Record<string, readonly string[]>): fc.Arbitrary<FuzzCase> {
  const concrete = (template: string) =>
    template.replace('{id}', template.startsWith('/v1/messages') ? ctx.messageId : template.startsWith('/v1/deliveries') ? ctx.deliveryId : template.startsWith('/v1/replays') ? 'rpl_0123456789abcdef01234567' : ctx.subscriptionId);
  const wrongMethod = fc
    .tuple(fc.constantFrom(...Object.keys(allowed)), fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'TRACE', 'CONNECT', 'FOO'))
    .filter(([template, method]) => !allowed[template]!.includes(method))
    .map(([template, method]): FuzzCase => ({ kind: `${method} ${template}`, method, path: concrete(template), expect: [404, 405] }));
  const unknownPath = fc
    .oneof(
      fc.constantFrom('/', '/v1', '/v1/', '/v2/events', '/v1//subscriptions', '/v1/events/x', '/v1/admin', '/.env', '/v1/%2e%2e/%2e%2e/etc/passwd', '/v1/subscriptions/x/y/z'),
      fc.string({ minLength: 1, maxLength: 30 }).map((s) => `/v1/${percentEncode(s)}`),
      fc.string({ minLength: 1, maxLength: 30 }).map((s) => `/${percentEncode(s)}`),
    )
    .chain((path) => fc.constantFrom('GET', 'POST', 'DELETE').map((method): FuzzCase => ({ kind: `unknown ${method} ${path}`, method, path, expect: [404, 405] })));
  return fc.oneof(wrongMethod, unknownPath);
}
