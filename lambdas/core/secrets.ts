/**
 * Signing secrets. Generated ones are `whsec_` + base64 of 32 CSPRNG bytes (Standard Webhooks
 * format); a subscriber may also bring its own. The HMAC key depends on the scheme (DESIGN §4):
 * `standard-webhooks` decodes the base64 part (the spec), `hmac-sha256` and `authorization` use
 * the secret string exactly as held, UTF-8 (as Shopify's and TikTok's own verifiers do).
 * Rotation keeps the previous secrets signing until their grace period ends.
 */
import { randomBytes } from 'node:crypto';
import type { SigningConfig, SigningSecret } from './model.js';

export const SECRET_PREFIX = 'whsec_';
/** @default 86400 (24 h) */
export const DEFAULT_ROTATION_GRACE_SECONDS = 86_400;
/** Secrets kept at most (the current one and those still in their grace period). */
export const MAX_SECRETS = 5;

export function generateSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString('base64');
}

export function isWebhookSecret(value: string): boolean {
  return /^whsec_[A-Za-z0-9+/]{32,}={0,2}$/.test(value);
}

/** The Standard Webhooks HMAC key of a `whsec_…` secret (the decoded base64 part). */
export function secretKey(whsec: string): Buffer {
  const encoded = whsec.startsWith(SECRET_PREFIX) ? whsec.slice(SECRET_PREFIX.length) : whsec;
  return Buffer.from(encoded, 'base64');
}

/** The HMAC key `scheme` signs with: see the module comment. */
export function signingKey(scheme: SigningConfig['scheme'], secret: string): Buffer {
  return scheme === 'standard-webhooks' ? secretKey(secret) : Buffer.from(secret, 'utf8');
}

/** The `Subscription.keying` every subscription written by this version carries. */
export const CURRENT_KEYING = 2 as const;

/**
 * A subscription stored before `hmac-sha256` and `authorization` keyed with the secret string:
 * signing it now would change its key under its receivers' feet, so it is not signed at all.
 */
export function hasLegacyKeying(sub: { keying?: number; signing: SigningConfig }): boolean {
  return sub.keying !== CURRENT_KEYING && (sub.signing.scheme === 'hmac-sha256' || sub.signing.scheme === 'authorization');
}

export const LEGACY_KEYING_REASON =
  'stored before hmac-sha256/authorization keyed with the secret string: not signed (never silently re-keyed); rotate-secret, give the subscriber the new secret, then replay';

/** Bounds of an imported secret (DESIGN §4; issue 17). */
export const WHSEC_MIN_BYTES = 24;
export const WHSEC_MAX_BYTES = 64;
export const STRING_SECRET_MIN = 16;
export const STRING_SECRET_MAX = 256;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const PRINTABLE_NO_SPACE = /^[\x21-\x7e]+$/;

/**
 * Why `secret` cannot sign with `scheme`, or undefined when it can. `standard-webhooks`:
 * `whsec_` + base64 of 24–64 bytes; the other schemes: 16–256 printable ASCII characters, no spaces.
 * The message never quotes the secret.
 */
export function secretProblem(scheme: SigningConfig['scheme'], secret: string): string | undefined {
  if (scheme === 'standard-webhooks') {
    const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : undefined;
    const bytes = encoded !== undefined && BASE64.test(encoded) && encoded.length % 4 === 0 ? Buffer.from(encoded, 'base64').length : 0;
    if (bytes < WHSEC_MIN_BYTES || bytes > WHSEC_MAX_BYTES) {
      return `must be "${SECRET_PREFIX}" followed by the base64 of ${WHSEC_MIN_BYTES}-${WHSEC_MAX_BYTES} bytes for signing scheme "standard-webhooks"`;
    }
    return undefined;
  }
  if (secret.length < STRING_SECRET_MIN || secret.length > STRING_SECRET_MAX || !PRINTABLE_NO_SPACE.test(secret)) {
    return `must be ${STRING_SECRET_MIN}-${STRING_SECRET_MAX} printable ASCII characters without spaces for signing scheme "${scheme}"`;
  }
  return undefined;
}

/**
 * Puts `newSecret` first; the previous secrets keep signing until `now + graceSeconds`
 * (an earlier expiry they already had is kept). Expired secrets are dropped.
 */
export function rotateSecrets(
  secrets: readonly SigningSecret[],
  newSecret: string,
  now: number,
  graceSeconds: number = DEFAULT_ROTATION_GRACE_SECONDS,
): SigningSecret[] {
  const graceEnd = now + graceSeconds * 1000;
  const previous = secrets
    .filter((s) => isActive(s, now))
    .map((s) => {
      const expires = s.expiresAt === undefined ? graceEnd : Math.min(Date.parse(s.expiresAt), graceEnd);
      return { secret: s.secret, createdAt: s.createdAt, expiresAt: new Date(expires).toISOString() };
    })
    .filter((s) => Date.parse(s.expiresAt) > now);
  return [{ secret: newSecret, createdAt: new Date(now).toISOString() }, ...previous].slice(0, MAX_SECRETS);
}

/** The `whsec_…` values that sign at `now`, current first. */
export function activeSecrets(secrets: readonly SigningSecret[], now: number): string[] {
  return secrets.filter((s) => isActive(s, now)).map((s) => s.secret);
}

function isActive(secret: SigningSecret, now: number): boolean {
  return secret.expiresAt === undefined || Date.parse(secret.expiresAt) > now;
}
