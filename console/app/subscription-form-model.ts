/**
 * The subscription form's state (strings, as the inputs hold them) and its translation to and
 * from the API body. Blank optional fields are left out so the preset fills them; an edit sends
 * only the fields that changed. Unparseable JSON is sent as is for the API to name the field.
 */
import { parseJsonOrUndefined } from '../../lambdas/core/json.js';
import type { Subscription } from './model.js';

export interface FormState {
  url: string;
  eventTypes: string;
  tenant: string;
  fallback: boolean;
  method: string;
  format: string;
  envelope: string;
  xmlRoot: string;
  apiVersion: string;
  preset: string;
  signingScheme: string;
  signingHeader: string;
  signingAppKey: string;
  /** Create only: bring your own signing secret (write-only). */
  secret: string;
  authType: string;
  username: string;
  password: string;
  token: string;
  authorization: string;
  customHeaders: string;
  timeoutMs: string;
  acceptStatuses: string;
  retryOn: string[];
  retryPolicy: string;
  failurePolicy: string;
  description: string;
  metadata: string;
}

export const EMPTY_FORM: FormState = {
  url: '', eventTypes: '', tenant: '', fallback: false, method: '', format: '', envelope: '', xmlRoot: '', apiVersion: '', preset: 'standard',
  signingScheme: '', signingHeader: '', signingAppKey: '', secret: '', authType: '', username: '', password: '', token: '', authorization: '',
  customHeaders: '', timeoutMs: '', acceptStatuses: '', retryOn: [], retryPolicy: '', failurePolicy: '', description: '', metadata: '',
};

const list = (s: string) => s.split(',').map((x) => x.trim()).filter((x) => x !== '');
const lines = (s: string) => s.split('\n').map((x) => x.trim()).filter((x) => x !== '');

function pairs(s: string, sep: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of lines(s)) {
    const i = line.indexOf(sep);
    out[(i < 0 ? line : line.slice(0, i)).trim()] = i < 0 ? '' : line.slice(i + 1).trim();
  }
  return out;
}

/** The parsed JSON, or the text itself for the API to name as invalid. */
function jsonOrText(s: string): unknown {
  return parseJsonOrUndefined(s) ?? s;
}

function auth(f: FormState): unknown {
  switch (f.authType) {
    case 'basic': return { type: 'basic', username: f.username, password: f.password };
    case 'bearer': return { type: 'bearer', token: f.token };
    case 'header': return { type: 'header', authorization: f.authorization, ...(f.username && { username: f.username }) };
    default: return undefined;
  }
}

function signing(f: FormState): unknown {
  if (f.signingScheme === 'hmac-sha256' && f.signingHeader) return { scheme: f.signingScheme, header: f.signingHeader };
  if (f.signingScheme === 'authorization' && f.signingAppKey) return { scheme: f.signingScheme, appKey: f.signingAppKey };
  return { scheme: f.signingScheme };
}

/** Every field the form holds, as the API spells it. */
export function toBody(f: FormState): Record<string, unknown> {
  const body: Record<string, unknown> = { url: f.url.trim(), eventTypes: list(f.eventTypes), fallback: f.fallback };
  const set = (key: string, value: unknown, when: boolean) => {
    if (when) body[key] = value;
  };
  set('tenant', f.tenant.trim(), f.tenant.trim() !== '');
  set('method', f.method, f.method !== '');
  set('format', f.format, f.format !== '');
  set('envelope', f.envelope, f.envelope !== '');
  set('xmlRoot', f.xmlRoot.trim(), f.xmlRoot.trim() !== '');
  set('apiVersion', f.apiVersion.trim(), f.apiVersion.trim() !== '');
  set('preset', f.preset, f.preset !== '');
  set('signing', signing(f), f.signingScheme !== '');
  set('secret', f.secret, f.secret !== '');
  set('auth', auth(f), auth(f) !== undefined);
  set('customHeaders', pairs(f.customHeaders, ':'), f.customHeaders.trim() !== '');
  set('timeoutMs', /^\d+$/.test(f.timeoutMs.trim()) ? Number(f.timeoutMs) : f.timeoutMs, f.timeoutMs.trim() !== '');
  set('acceptStatuses', list(f.acceptStatuses).map((s) => (/^\d{3}$/.test(s) ? Number(s) : s)), f.acceptStatuses.trim() !== '');
  set('retryOn', f.retryOn, f.retryOn.length > 0);
  set('retryPolicy', jsonOrText(f.retryPolicy), f.retryPolicy.trim() !== '');
  set('failurePolicy', jsonOrText(f.failurePolicy), f.failurePolicy.trim() !== '');
  set('description', f.description, f.description.trim() !== '');
  set('metadata', pairs(f.metadata, '='), f.metadata.trim() !== '');
  return body;
}

/** The fields of `edited` that differ from `original`; a cleared tenant or description is `null`. */
export function patchBody(original: FormState, edited: FormState): Record<string, unknown> {
  const before = toBody(original);
  const after = toBody(edited);
  const patch: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(after)) if (JSON.stringify(before[k]) !== JSON.stringify(v)) patch[k] = v;
  for (const k of ['tenant', 'description', 'auth']) if (k in before && !(k in after)) patch[k] = null;
  return patch;
}

/** The form for an existing subscription (credentials stay masked server-side: not prefilled; custom header values come as `****`, so an untouched field is not resent). */
export function fromSubscription(s: Subscription): FormState {
  return {
    ...EMPTY_FORM,
    url: s.url,
    eventTypes: s.eventTypes.join(', '),
    tenant: s.tenant ?? '',
    fallback: s.fallback ?? false,
    method: s.method ?? '',
    format: s.format ?? '',
    envelope: s.envelope ?? '',
    xmlRoot: s.xmlRoot ?? '',
    apiVersion: s.apiVersion ?? '',
    preset: s.preset ?? '',
    signingScheme: s.signing?.scheme ?? '',
    signingHeader: s.signing?.header ?? '',
    signingAppKey: s.signing?.appKey ?? '',
    authType: s.auth?.type ?? '',
    username: s.auth?.username ?? '',
    customHeaders: Object.entries(s.customHeaders ?? {}).map(([k, v]) => `${k}: ${v}`).join('\n'),
    timeoutMs: s.timeoutMs === undefined ? '' : String(s.timeoutMs),
    acceptStatuses: (s.acceptStatuses ?? []).join(', '),
    retryOn: s.retryOn ?? [],
    retryPolicy: s.retryPolicy === undefined ? '' : JSON.stringify(s.retryPolicy),
    failurePolicy: s.failurePolicy === undefined ? '' : JSON.stringify(s.failurePolicy),
    description: s.description ?? '',
    metadata: Object.entries(s.metadata ?? {}).map(([k, v]) => `${k}=${v}`).join('\n'),
  };
}
