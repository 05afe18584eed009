import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import {
  DEFAULT_QUERY_MAX_BYTES,
  envelopeOf,
  envelopeTime,
  getQuery,
  JSON_CONTENT_TYPE,
  renderBody,
  toXml,
  XML_CONTENT_TYPE,
  xmlName,
  xmlRootName,
} from '../../../lambdas/core/formats.js';

const MESSAGE = { id: 'msg_01HMA00000000000000000000X', type: 'order.created', eventTime: '2023-02-22T12:00:00.000Z', payload: { order: 42 } };
/** Values stay strings, whitespace kept: what a strict receiver would read. */
const parser = new XMLParser({ parseTagValue: false, trimValues: false, ignoreDeclaration: true });
const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';

describe('JSON', () => {
  it.each([
    [{ a: 1, b: [true, null, 'x'], c: { d: 'é' } }],
    [[1, 2, 3]],
    ['a string'],
    [12.5],
    [false],
    [null],
  ])('sends the payload as given: %j', (payload) => {
    const rendered = renderBody({ format: 'json', envelope: 'none' }, { ...MESSAGE, payload });
    expect(rendered.contentType).toBe(JSON_CONTENT_TYPE);
    expect(JSON.parse(rendered.body)).toEqual(payload);
  });

  it('keeps the producer key order', () => {
    expect(renderBody({ format: 'json', envelope: 'none' }, { ...MESSAGE, payload: { z: 1, a: 2 } }).body).toBe('{"z":1,"a":2}');
  });
});

describe('standard envelope', () => {
  it('wraps the payload as {id, type, eventTime: "YYYY-MM-DD HH:mm:ss", body} (the messaging provider contract)', () => {
    const rendered = renderBody({ format: 'json', envelope: 'standard' }, MESSAGE);
    expect(rendered.body).toBe(JSON.stringify({ id: MESSAGE.id, type: 'order.created', eventTime: '2023-02-22 12:00:00', body: { order: 42 } }));
    expect(envelopeOf(MESSAGE)).toEqual({ id: MESSAGE.id, type: 'order.created', eventTime: '2023-02-22 12:00:00', body: { order: 42 } });
  });

  it.each([
    ['2023-02-22T12:00:00Z', '2023-02-22 12:00:00'],
    ['2023-02-22T12:00:00.999Z', '2023-02-22 12:00:00'],
    ['2023-02-22T14:30:05+02:00', '2023-02-22 12:30:05'],
    ['2023-12-31T23:30:00-01:00', '2024-01-01 00:30:00'],
    ['2024-02-29T00:00:00.000Z', '2024-02-29 00:00:00'],
  ])('formats %s in UTC as %s', (time, expected) => {
    expect(envelopeTime(time)).toBe(expected);
  });

  it('refuses a time that is not a date', () => {
    expect(() => envelopeTime('yesterday')).toThrow(RangeError);
  });

  it('always matches YYYY-MM-DD HH:mm:ss (property)', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date(0), max: new Date(Date.UTC(9999, 11, 31)), noInvalidDate: true }), (date) => {
        const text = envelopeTime(date.toISOString());
        expect(text).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
        expect(Date.parse(`${text.replace(' ', 'T')}Z`)).toBe(Math.floor(date.getTime() / 1000) * 1000);
      }),
    );
  });
});

describe('XML', () => {
  it('renders keys named like Object.prototype members as plain elements (found by the property below)', () => {
    const payload = JSON.parse('{"valueOf":[],"__proto__":{"a":1},"constructor":"x","toString":[1,2]}') as unknown;
    const body = renderBody({ format: 'xml', envelope: 'none' }, { ...MESSAGE, payload }).body;
    expect(body).toBe('<?xml version="1.0" encoding="UTF-8"?><created><valueOf></valueOf><__proto__><a>1</a></__proto__><constructor>x</constructor><toString>1</toString><toString>2</toString></created>');
  });

  it.each([
    ['order.created', 'created'],
    ['orders/create', 'create'],
    ['shop:order:paid', 'paid'],
    ['whatsapp_mo_message_received', 'whatsapp_mo_message_received'],
    ['order.2fa', '_2fa'],
    ['a.xmlThing', '_xmlThing'],
    ['a.-x', '_-x'],
    ['*', '_'],
    ['...', 'event'],
  ])('names the root element after the last segment of %s: <%s>', (type, root) => {
    expect(xmlRootName(type)).toBe(root);
  });

  it.each([
    ['name', 'name'],
    ['first name', 'first_name'],
    ['a:b', 'a_b'],
    ['@_attr', '__attr'],
    ['#text', '_text'],
    ['1st', '_1st'],
    ['XML', '_XML'],
    ['', '_'],
    ['é', '_'],
  ])('sanitises the key %j to the element name %j', (key, name) => {
    expect(xmlName(key)).toBe(name);
  });

  it('renders nested objects, arrays as repeated elements, scalars as text', () => {
    const payload = { order: { id: 42, paid: true, note: null, lines: [{ sku: 'A', qty: 1 }, { sku: 'B', qty: 2 }], tags: ['x', 'y'], empty: [] } };
    const body = toXml('created', payload);
    expect(body).toBe(
      `${XML_DECLARATION}<created><order><id>42</id><paid>true</paid><note></note>` +
        '<lines><sku>A</sku><qty>1</qty></lines><lines><sku>B</sku><qty>2</qty></lines>' +
        '<tags>x</tags><tags>y</tags><empty></empty></order></created>',
    );
    expect(XMLValidator.validate(body)).toBe(true);
    expect(parser.parse(body)).toEqual({
      created: {
        order: { id: '42', paid: 'true', note: '', lines: [{ sku: 'A', qty: '1' }, { sku: 'B', qty: '2' }], tags: ['x', 'y'], empty: '' },
      },
    });
  });

  it('wraps a bare array and nested arrays in <item> elements', () => {
    expect(toXml('r', [1, [2, 3]])).toBe(`${XML_DECLARATION}<r><item>1</item><item><item>2</item><item>3</item></item></r>`);
    expect(toXml('r', { m: [[1, 2], [3]] })).toBe(`${XML_DECLARATION}<r><m><item>1</item><item>2</item></m><m><item>3</item></m></r>`);
  });

  it('escapes markup in text', () => {
    const text = `<b>"Tom" & 'Jerry'</b> ]]> <!-- x -->`;
    const body = toXml('r', { text });
    expect(body).not.toContain('<b>');
    expect(XMLValidator.validate(body)).toBe(true);
    expect(parser.parse(body)).toEqual({ r: { text } });
  });

  it('keeps Unicode and replaces characters XML 1.0 cannot carry', () => {
    const body = toXml('r', { a: 'Zoë 日本 😀', b: 'bell\u0007 nul\u0000 tab\t ok' });
    expect(XMLValidator.validate(body)).toBe(true);
    expect(parser.parse(body)).toEqual({ r: { a: 'Zoë 日本 😀', b: 'bell\uFFFD nul\uFFFD tab\t ok' } });
  });

  it('merges keys that sanitise to the same name into repeated elements', () => {
    expect(toXml('r', { 'a b': 1, a_b: 2 })).toBe(`${XML_DECLARATION}<r><a_b>1</a_b><a_b>2</a_b></r>`);
  });

  it('renders the envelope in XML too, with the XML content type', () => {
    const rendered = renderBody({ format: 'xml', envelope: 'standard' }, MESSAGE);
    expect(rendered.contentType).toBe(XML_CONTENT_TYPE);
    expect(parser.parse(rendered.body)).toEqual({ created: { id: MESSAGE.id, type: 'order.created', eventTime: '2023-02-22 12:00:00', body: { order: '42' } } });
  });

  it('is always well-formed and carries every scalar of the payload (property)', () => {
    // Text without characters XML 1.0 forbids (those are replaced, tested above) or CR (normalised by parsers).
    const text = fc.string({ unit: fc.oneof(fc.constantFrom('<', '>', '&', '"', "'", ' ', '\n', '\t', ']'), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 })) }).filter((s) => !/[\u0000-\u0008\u000B-\u001F]/.test(s));
    const key = fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('a', 'id', 'xml', '1', 'a b', '@_x', '#text'));
    const scalar = fc.oneof(text, fc.integer(), fc.boolean(), fc.constant(null));
    const { value } = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: 'small' }, scalar, tie('array'), tie('object')),
      array: fc.array(tie('value'), { maxLength: 4 }),
      object: fc.dictionary(key, tie('value'), { maxKeys: 4 }),
    }));
    fc.assert(
      fc.property(fc.dictionary(key, value, { maxKeys: 5 }), fc.constantFrom('order.created', 'a/b', 'x:1'), (payload, type) => {
        const body = renderBody({ format: 'xml', envelope: 'none' }, { ...MESSAGE, type, payload }).body;
        expect(XMLValidator.validate(body)).toBe(true);
        const parsed = parser.parse(body) as Record<string, unknown>;
        expect(Object.keys(parsed)).toEqual([xmlRootName(type)]);
        expect(scalars(parsed).filter((s) => s !== '').sort()).toEqual(scalars(payload).filter((s) => s !== '').sort());
      }),
      { numRuns: 200 },
    );
  });
});

/** Every non-null scalar of a JSON value, as the text XML carries it. */
function scalars(value: unknown): string[] {
  if (value === null || value === undefined) return [];
  if (Array.isArray(value)) return value.flatMap(scalars);
  if (typeof value === 'object') return Object.values(value).flatMap(scalars);
  return [String(value)];
}

describe('GET query', () => {
  it('carries id, type, eventTime (ISO-8601) and the top-level scalars, URL-encoded', () => {
    const query = getQuery({ ...MESSAGE, payload: { order: 42, paid: true, note: 'a b&c=d/é', nested: { x: 1 }, list: [1], nothing: null } });
    expect(query).toBe(`id=${MESSAGE.id}&type=order.created&eventTime=2023-02-22T12%3A00%3A00.000Z&order=42&paid=true&note=a+b%26c%3Dd%2F%C3%A9`);
    expect(Object.fromEntries(new URLSearchParams(query))).toEqual({
      id: MESSAGE.id,
      type: 'order.created',
      eventTime: MESSAGE.eventTime,
      order: '42',
      paid: 'true',
      note: 'a b&c=d/é',
    });
  });

  it('never lets the payload override id, type or eventTime', () => {
    const params = new URLSearchParams(getQuery({ ...MESSAGE, payload: { id: 'forged', type: 'x', eventTime: 'y', ok: 1 } }));
    expect(params.getAll('id')).toEqual([MESSAGE.id]);
    expect(params.getAll('type')).toEqual(['order.created']);
    expect(params.getAll('eventTime')).toEqual([MESSAGE.eventTime]);
    expect(params.get('ok')).toBe('1');
  });

  it.each([[[1, 2]], ['text'], [7], [null]])('sends only the three fields for the non-object payload %j', (payload) => {
    expect([...new URLSearchParams(getQuery({ ...MESSAGE, payload })).keys()]).toEqual(['id', 'type', 'eventTime']);
  });

  it('caps the query size, leaving out the fields that do not fit', () => {
    const payload = { a: 'x'.repeat(100), b: 'y'.repeat(5000), c: 'z' };
    const query = getQuery({ ...MESSAGE, payload });
    expect(DEFAULT_QUERY_MAX_BYTES).toBe(4096);
    expect(Buffer.byteLength(query)).toBeLessThanOrEqual(DEFAULT_QUERY_MAX_BYTES);
    expect([...new URLSearchParams(query).keys()]).toEqual(['id', 'type', 'eventTime', 'a']);
    const small = getQuery({ ...MESSAGE, payload }, 150);
    expect([...new URLSearchParams(small).keys()]).toEqual(['id', 'type', 'eventTime']);
  });

  it('stays within the cap and round-trips what it carries (property)', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ minLength: 1, maxLength: 20 }), fc.oneof(fc.string({ maxLength: 300 }), fc.integer(), fc.boolean(), fc.double({ noNaN: true, noDefaultInfinity: true })), {
          maxKeys: 30,
        }),
        fc.integer({ min: 200, max: 4096 }),
        (payload, maxBytes) => {
          const query = getQuery({ ...MESSAGE, payload }, maxBytes);
          expect(Buffer.byteLength(query)).toBeLessThanOrEqual(maxBytes);
          const params = new URLSearchParams(query);
          expect(params.get('id')).toBe(MESSAGE.id);
          for (const [k, v] of params) {
            if (k === 'id' || k === 'type' || k === 'eventTime') continue;
            expect(String(payload[k])).toBe(v);
          }
        },
      ),
    );
  });
});
