/**
 * Prefixed, branded identifiers. Subscription and message ids are ULID-shaped
 * (48-bit millisecond time + 80 CSPRNG bits, Crockford base32) so they sort by creation time;
 * delivery ids are the pair (message, subscription) itself, so a repeated fan-out can never
 * create a second delivery for the same pair and the id alone locates the record (its key is
 * the subscription and the message: table-schema.ts).
 */
import { randomBytes } from 'node:crypto';
import type { DeliveryId, MessageId, ReplayJobId, SubscriptionId } from './model.js';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const ULID_BODY = '[0-7][0-9A-HJKMNP-TV-Z]{25}';
const SUBSCRIPTION_ID = new RegExp(`^sub_${ULID_BODY}$`);
const MESSAGE_ID = new RegExp(`^msg_${ULID_BODY}$`);
const DELIVERY_ID = new RegExp(`^dlv_(${ULID_BODY})(${ULID_BODY})$`);
/** `dlv_` + two ULID bodies: 56 characters. */
export const DELIVERY_ID_LENGTH = 56;
const REPLAY_JOB_ID = /^rpl_[0-9a-f]{24}$/;

/** The 10 time characters of a ULID (ms since epoch, clamped to the 48 bits a ULID holds). */
export function ulidTime(ms: number): string {
  let time = '';
  let t = Math.min(2 ** 48 - 1, Math.max(0, Math.floor(ms)));
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD.charAt(t % 32) + time;
    t = Math.floor(t / 32);
  }
  return time;
}

/** 26 characters: 10 of time (ms since epoch), 16 of randomness. */
export function ulid(now: number = Date.now()): string {
  const time = ulidTime(now);
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

/**
 * Deterministic: `dlv_{message ULID body}{subscription ULID body}` (56 characters), so ids sort
 * by message time and `parseDeliveryId` gives back the pair a point lookup needs.
 */
export function deliveryIdFor(messageId: string, subscriptionId: string): DeliveryId {
  return `dlv_${messageId.slice('msg_'.length)}${subscriptionId.slice('sub_'.length)}` as DeliveryId;
}

/**
 * The inclusive bounds of the message ids created in [sinceMs, untilMs) (until exclusive): the
 * smallest id of the first millisecond and the largest of the last one before `untilMs`.
 */
export function messageIdsBetween(sinceMs: number, untilMs: number): { from: string; to: string } {
  return { from: `msg_${ulidTime(sinceMs)}${'0'.repeat(16)}`, to: `msg_${ulidTime(untilMs - 1)}${'Z'.repeat(16)}` };
}

/** The (message, subscription) pair of a delivery id; undefined for anything that is not one. */
export function parseDeliveryId(id: string): { messageId: MessageId; subscriptionId: SubscriptionId } | undefined {
  const match = DELIVERY_ID.exec(id);
  if (match === null) return undefined;
  return { messageId: `msg_${match[1] as string}` as MessageId, subscriptionId: `sub_${match[2] as string}` as SubscriptionId };
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

/** The delivery-id format before records were keyed by subscription (`dlv_` + 26 base64url characters of a hash). */
export function isPreviousDeliveryId(value: string): boolean {
  return /^dlv_[A-Za-z0-9_-]{26}$/.test(value);
}

export function isReplayJobId(value: unknown): value is ReplayJobId {
  return typeof value === 'string' && REPLAY_JOB_ID.test(value);
}
