/**
 * Request bodies (DESIGN §5): JSON as given or wrapped in the `standard` envelope, XML, and
 * the query string of GET deliveries.
 */
import { XMLBuilder } from 'fast-xml-parser';
import type { Subscription } from './model.js';
import { shopifyXmlRoot } from './provider-headers.js';

export interface RenderableMessage {
  id: string;
  type: string;
  /** ISO-8601 */
  eventTime: string;
  payload: unknown;
}

export interface RenderedBody {
  body: string;
  contentType: string;
}

export const JSON_CONTENT_TYPE = 'application/json';
export const XML_CONTENT_TYPE = 'application/xml; charset=utf-8';
/** @default 4096 bytes of query string for GET deliveries */
export const DEFAULT_QUERY_MAX_BYTES = 4096;

/** `"YYYY-MM-DD HH:mm:ss"` in UTC, the envelope's time format (the messaging provider's contract). */
export function envelopeTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) throw new RangeError(`not a date: ${iso}`);
  return date.toISOString().slice(0, 19).replace('T', ' ');
}

/** The `standard` envelope: `{id, type, eventTime, body}`. */
export function envelopeOf(message: RenderableMessage): { id: string; type: string; eventTime: string; body: unknown } {
  return { id: message.id, type: message.type, eventTime: envelopeTime(message.eventTime), body: message.payload };
}

export type RenderOptions = Pick<Subscription, 'format' | 'envelope'> & Partial<Pick<Subscription, 'xmlRoot' | 'preset'>>;

export function renderBody(sub: RenderOptions, message: RenderableMessage): RenderedBody {
  const content = sub.envelope === 'standard' ? envelopeOf(message) : message.payload;
  if (sub.format === 'xml') return { body: toXml(xmlRootOf(sub, message.type), content), contentType: XML_CONTENT_TYPE };
  return { body: JSON.stringify(content ?? null), contentType: JSON_CONTENT_TYPE };
}

const builder = new XMLBuilder({ ignoreAttributes: true, format: false, suppressEmptyNode: false, processEntities: true });

/** A well-formed XML document with root `<root>`; arrays become repeated elements. */
export function toXml(root: string, value: unknown): string {
  return `<?xml version="1.0" encoding="UTF-8"?>${builder.build({ [root]: xmlNode(value) }) as string}`;
}

/** The subscription's `xmlRoot`, else its preset's rule (`shopify`: the topic's singular resource), else `xmlRootName`. */
export function xmlRootOf(sub: Pick<RenderOptions, 'xmlRoot' | 'preset'>, eventType: string): string {
  if (sub.xmlRoot !== undefined) return sub.xmlRoot;
  if (sub.preset === 'shopify') return xmlName(shopifyXmlRoot(eventType) || 'event');
  return xmlRootName(eventType);
}

/**
 * The default root element: the event type's last segment (after `.`, `:` or `/`), sanitised to an
 * XML name: `order.created` → `created`, `orders/create` → `create`, `2fa` → `_2fa`.
 */
export function xmlRootName(eventType: string): string {
  const segments = eventType.split(/[.:/]/).filter((s) => s.length > 0);
  return xmlName(segments.at(-1) ?? 'event');
}

/** Replaces characters not allowed in an XML name; names may not start with a digit, `-`, `.` or `xml`. */
export function xmlName(key: string): string {
  const cleaned = key.replace(/[^A-Za-z0-9_.-]/g, '_');
  if (cleaned.length === 0) return '_';
  return /^[A-Za-z_]/.test(cleaned) && !/^xml/i.test(cleaned) ? cleaned : `_${cleaned}`;
}

/** Converts JSON into the builder's tree: sanitised keys, nested arrays wrapped in `<item>`. */
function xmlNode(value: unknown): unknown {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) {
    // A bare array has no element name of its own: its entries become <item> children.
    return { item: value.map((v) => xmlNode(v)) };
  }
  if (typeof value === 'object') {
    // No prototype: payload keys such as `valueOf` or `__proto__` are plain element names.
    const out = Object.create(null) as Record<string, unknown>;
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
      const name = xmlName(key);
      const node = Array.isArray(child) ? arrayChildren(child) : xmlNode(child);
      out[name] = Object.hasOwn(out, name) ? ([] as unknown[]).concat(out[name], node) : node;
    }
    return out;
  }
  return xmlText(String(value));
}

/** `{"items": [1, 2]}` → `<items>1</items><items>2</items>`; an empty array → one empty element. */
function arrayChildren(values: unknown[]): unknown {
  if (values.length === 0) return '';
  return values.map((v) => xmlNode(v));
}

/** XML 1.0 cannot carry most control characters, even escaped: they become U+FFFD. */
function xmlText(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '\uFFFD');
}

/**
 * GET deliveries: `id`, `type`, `eventTime` (ISO-8601) and the payload's top-level scalars
 * (strings, numbers, booleans; the three names above are Hookline's and win), URL-encoded.
 * Payload fields are added in order until the next would exceed `maxBytes`; the rest are left out.
 */
export function getQuery(message: RenderableMessage, maxBytes: number = DEFAULT_QUERY_MAX_BYTES): string {
  const params = new URLSearchParams({ id: message.id, type: message.type, eventTime: message.eventTime });
  let query = params.toString();
  const payload = message.payload;
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) return query;
  for (const [key, value] of Object.entries(payload as Record<string, unknown>)) {
    if (key === 'id' || key === 'type' || key === 'eventTime') continue;
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') continue;
    const pair = new URLSearchParams({ [key]: String(value) }).toString();
    if (Buffer.byteLength(query) + 1 + Buffer.byteLength(pair) > maxBytes) break;
    query += `&${pair}`;
  }
  return query;
}
