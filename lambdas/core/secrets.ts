/**
 * Signing secrets: `whsec_` + base64 of 32 CSPRNG bytes (Standard Webhooks format). Every
 * signing scheme uses the base64 part as the HMAC key. Rotation keeps the previous secrets
 * signing until their grace period ends, so receivers can switch without a gap.
 */
import { randomBytes } from 'node:crypto';
import type { SigningSecret } from './model.js';

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

/** The HMAC key of a `whsec_…` secret (the decoded base64 part). */
export function secretKey(whsec: string): Buffer {
  const encoded = whsec.startsWith(SECRET_PREFIX) ? whsec.slice(SECRET_PREFIX.length) : whsec;
  return Buffer.from(encoded, 'base64');
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
