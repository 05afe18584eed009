/**
 * Prefixed, branded identifiers. Subscription and message ids are ULID-shaped
 * (48-bit millisecond time + 80 CSPRNG bits, Crockford base32) so they sort by creation time;
 * delivery ids are derived from (message, subscription) so a repeated fan-out can never
 * create a second delivery for the same pair.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { DeliveryId, MessageId, ReplayJobId, SubscriptionId } from './model.js';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const ULID_BODY = '[0-7][0-9A-HJKMNP-TV-Z]{25}';
const SUBSCRIPTION_ID = new RegExp(`^sub_${ULID_BODY}$`);
const MESSAGE_ID = new RegExp(`^msg_${ULID_BODY}$`);
const DELIVERY_ID = /^dlv_[A-Za-z0-9_-]{26}$/;
const REPLAY_JOB_ID = /^rpl_[0-9a-f]{24}$/;

/** 26 characters: 10 of time (ms since epoch), 16 of randomness. */
export function ulid(now: number = Date.now()): string {
  let time = '';
  let t = Math.floor(now);
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD.charAt(t % 32) + time;
    t = Math.floor(t / 32);
  }
  // 10 random bytes = 80 bits = exactly 16 base32 characters.
  const bytes = randomBytes(10);
  let bits = 0n;
  for (const byte of bytes) bits = (bits << 8n) | BigInt(byte);
  let random = '';
  for (let i = 0; i < 16; i++) {
    random = CROCKFORD.charAt(Number(bits & 31n)) + random;
    bits >>= 5n;
  }
  return time + random;
}

export function newSubscriptionId(now?: number): SubscriptionId {
  return `sub_${ulid(now)}` as SubscriptionId;
}

export function newMessageId(now?: number): MessageId {
  return `msg_${ulid(now)}` as MessageId;
}

export function newReplayJobId(): ReplayJobId {
  return `rpl_${randomBytes(12).toString('hex')}` as ReplayJobId;
}

/** Deterministic: `dlv_` + the first 26 characters of base64url(sha256("msg:sub")). */
export function deliveryIdFor(messageId: string, subscriptionId: string): DeliveryId {
  const digest = createHash('sha256').update(`${messageId}:${subscriptionId}`).digest('base64url');
  return `dlv_${digest.slice(0, 26)}` as DeliveryId;
}

/** Strict format checks: anything else (`../`, lower case, wrong length) is not an id and is a 404. */
export function isSubscriptionId(value: unknown): value is SubscriptionId {
  return typeof value === 'string' && SUBSCRIPTION_ID.test(value);
}

export function isMessageId(value: unknown): value is MessageId {
  return typeof value === 'string' && MESSAGE_ID.test(value);
}

export function isDeliveryId(value: unknown): value is DeliveryId {
  return typeof value === 'string' && DELIVERY_ID.test(value);
}

export function isReplayJobId(value: unknown): value is ReplayJobId {
  return typeof value === 'string' && REPLAY_JOB_ID.test(value);
}
