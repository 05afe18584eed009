/**
 * Create and PATCH semantics of a subscription (DESIGN §4–5) over the schemas of
 * `subscription-schema.ts`, with precise per-field errors. Policy-dependent checks (URL policy)
 * and cross-field rules run after the schema.
 */
import type * as z from 'zod';
import { ValidationError, type FieldError } from './errors.js';
import { friendlyMessage, zodFieldErrors } from './validation.js';
import { checkSubscriptionUrl, type SubscriptionPolicy } from './url-policy.js';
import { presetValues } from './presets.js';
import { activeSecrets, CURRENT_KEYING, secretProblem } from './secrets.js';
import { PRESET_NAMES } from './vocabulary.js';
import type { SigningConfig, Subscription, SubscriptionId } from './model.js';
import {
  createSubscriptionSchema,
  INPUT_FIELDS,
  patchSubscriptionSchema,
  PRESET_FIELDS,
  signingSchema,
  type PresetField,
  type SubscriptionInput,
  type SubscriptionSettings,
} from './subscription-schema.js';

export type { SubscriptionPolicy } from './url-policy.js';

/** Validates a create body; throws `ValidationError` listing every problem. The URL comes back normalised. */
export function parseCreateSubscription(body: unknown, policy: SubscriptionPolicy): SubscriptionInput {
  return checkCrossField(parseBody(createSubscriptionSchema, body, policy), policy);
}

export interface BuildOptions {
  id: SubscriptionId;
  /** Epoch ms. */
  now: number;
  /** The first signing secret: the imported `secret` of the input, or a generated `whsec_…`. */
  secret: string;
}

/** The stored subscription: preset values first, explicit fields over them. */
export function buildSubscription(input: SubscriptionInput, options: BuildOptions): Subscription {
  const iso = new Date(options.now).toISOString();
  return {
    id: options.id,
    ...settingsOf(input, presetValues(input.preset)),
    status: 'active',
    secrets: [{ secret: options.secret, createdAt: iso }],
    keying: CURRENT_KEYING,
    consecutiveFailures: 0,
    createdAt: iso,
    updatedAt: iso,
    version: 1,
  };
}

/**
 * PATCH semantics: the given fields replace the current ones (`null` clears an optional field);
 * a `preset` in the body re-applies that preset's values to every preset field the body does not
 * set; the merged result is validated as a whole (as a create would be). Identity, status,
 * secrets and counters are kept; `version` is bumped and `updatedAt` set.
 */
export function applySubscriptionPatch(current: Subscription, body: unknown, policy: SubscriptionPolicy, now: number): Subscription {
  const patch = parseBody(patchSubscriptionSchema, body, policy);

  const merged: Record<string, unknown> = inputView(current);
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    if (value === null) delete merged[key];
    else merged[key] = value;
  }
  if (patch.preset !== undefined) {
    const preset = presetValues(patch.preset);
    for (const field of PRESET_FIELDS) if (patch[field] === undefined) merged[field] = preset[field];
  }

  const settings = settingsOf(parseCreateSubscription(merged, policy), current);
  if (settings.signing.scheme !== current.signing.scheme) checkSecretsFit(settings.signing.scheme, activeSecrets(current.secrets, now));
  const kept: Record<string, unknown> = { ...current };
  for (const field of INPUT_FIELDS) delete kept[field];
  return { ...(kept as Omit<Subscription, keyof SubscriptionSettings>), ...settings, updatedAt: new Date(now).toISOString(), version: current.version + 1 };
}

/** The client-controlled fields of a stored subscription, as a create body would carry them. */
export function inputView(sub: Subscription): Record<string, unknown> {
  const view: Record<string, unknown> = {};
  for (const field of INPUT_FIELDS) if (sub[field] !== undefined) view[field] = structuredClone(sub[field]);
  return view;
}

/** The one copy of a parsed body into stored settings: the preset fields it leaves out come from `defaults`. */
function settingsOf(input: SubscriptionInput, defaults: Pick<Subscription, PresetField>): SubscriptionSettings {
  const settings: Record<string, unknown> = {};
  for (const field of INPUT_FIELDS) {
    const value = input[field] ?? (isPresetField(field) ? defaults[field] : undefined);
    if (value !== undefined) settings[field] = structuredClone(value);
  }
  // Every field the schema requires or defaults is set, and the preset fields are filled above.
  return settings as SubscriptionSettings;
}

function isPresetField(field: string): field is PresetField {
  return (PRESET_FIELDS as readonly string[]).includes(field);
}

/**
 * A scheme change keeps the stored secrets: each one still signing must suit the new scheme
 * (a Shopify-style string secret is no `whsec_` key), else rotate-secret first.
 */
function checkSecretsFit(scheme: SigningConfig['scheme'], secrets: readonly string[]): void {
  if (secrets.some((secret) => secretProblem(scheme, secret) !== undefined)) {
    throw new ValidationError([
      { field: 'signing.scheme', message: `the current signing secret does not suit "${scheme}": rotate-secret with a suitable secret first` },
    ]);
  }
}

/** Rules that involve the deployment policy or more than one field. The preset's signing fills an absent `signing`. */
function checkCrossField(parsed: SubscriptionInput, policy: SubscriptionPolicy): SubscriptionInput {
  const input = { ...parsed, signing: parsed.signing ?? presetValues(parsed.preset).signing };
  const errors: FieldError[] = [];
  const url = checkSubscriptionUrl(input.url, policy);
  if (!url.ok) errors.push({ field: 'url', message: url.reason });
  if (input.secret !== undefined) {
    // Never quotes the value: the problem document must not echo a secret.
    const problem = secretProblem(input.signing.scheme, input.secret);
    if (problem !== undefined) errors.push({ field: 'secret', message: problem });
  }
  if (input.signing.scheme === 'hmac-sha256') {
    const header = input.signing.header.toLowerCase();
    for (const name of Object.keys(input.customHeaders)) {
      if (name.toLowerCase() === header) errors.push({ field: `customHeaders.${name}`, message: 'must not override the signature header' });
    }
  }
  if (input.auth !== undefined && input.signing.scheme === 'authorization') {
    const why = parsed.signing === undefined ? ` (the "${input.preset}" preset's signing; set signing to another scheme to send auth)` : '';
    errors.push({ field: 'auth', message: `cannot be combined with signing scheme "authorization" (both use the Authorization header)${why}` });
  }
  if (errors.length > 0) throw new ValidationError(errors);
  return url.ok ? { ...input, url: url.url.href } : input;
}

/** A create or patch body, or a `ValidationError` listing every problem. */
function parseBody<S extends z.ZodType>(schema: S, body: unknown, policy: SubscriptionPolicy): z.output<S> {
  const parsed = schema.safeParse(body, { error: friendlyMessage });
  if (parsed.success) return parsed.data;
  const errors = zodFieldErrors(parsed.error.issues);
  // A URL the policy refuses is reported together with the schema's problems, not one round later.
  const url = (body as { url?: unknown } | null)?.url;
  if (typeof url === 'string' && !errors.some((e) => e.field === 'url')) {
    const check = checkSubscriptionUrl(url, policy);
    if (!check.ok) errors.unshift({ field: 'url', message: check.reason });
  }
  // So is an imported secret that does not suit the scheme the body (or its preset) would sign with.
  const secret = (body as { secret?: unknown } | null)?.secret;
  if (typeof secret === 'string' && !errors.some((e) => e.field === 'secret')) {
    const problem = secretProblem(schemeOfRawBody(body), secret);
    if (problem !== undefined) errors.push({ field: 'secret', message: problem });
  }
  throw new ValidationError(errors);
}

/** The signing scheme a body that failed the schema asks for: its own, else its preset's, else the default preset's. */
function schemeOfRawBody(body: unknown): SigningConfig['scheme'] {
  const raw = body as { signing?: { scheme?: unknown }; preset?: unknown };
  const scheme = signingSchema.options.map((o) => o.shape.scheme.value).find((s) => s === raw.signing?.scheme);
  if (scheme !== undefined) return scheme;
  const preset = PRESET_NAMES.find((p) => p === raw.preset) ?? 'standard';
  return presetValues(preset).signing.scheme;
}
