/**
 * Short-lived codes that link a second chat app to a member: shown on an app
 * the member already uses, typed on the new one. The code proves the person
 * holds the first chat, so the link needs no chair's check.
 *
 * Guessing is hopeless: 8 symbols from 31 (about 10^12 codes, see
 * engine/codes.ts) live 10 minutes, and a chat that types too many wrong codes
 * is not listened to for an hour. The same counters limit the one-time confirm
 * codes sent to one member.
 */
import type { Redis } from 'ioredis';
import { countInWindow } from '../db/redis.ts';
import { canonicalCode } from '../engine/codes.ts';
import type { ChatRef } from '../engine/types.ts';

const TTL_SECONDS = 10 * 60;
/** Wrong codes (club or link) one chat may type per hour. */
export const WRONG_CODES_PER_HOUR = 10;
/** One-time confirm codes sent to one member per hour. */
export const CONFIRM_CODES_PER_HOUR = 3;
const HOUR_SECONDS = 3600;

export class LinkCodes {
  readonly #redis: Redis;
  readonly #prefix: string;

  constructor(redis: Redis, prefix: string) {
    this.#redis = redis;
    this.#prefix = prefix;
  }

  async save(code: string, memberId: string): Promise<void> {
    await this.#redis.set(this.#codeKey(code), memberId, 'EX', TTL_SECONDS);
  }

  /** The member a code belongs to (it stays usable until `use`). Wrong codes count against the chat. */
  async find(code: string, chat: ChatRef): Promise<string | 'tooManyTries' | undefined> {
    const triesKey = `${this.#prefix}:wrong-codes:${chat.channel}:${chat.chatId}`;
    if (Number(await this.#redis.get(triesKey)) >= WRONG_CODES_PER_HOUR) return 'tooManyTries';
    const memberId = await this.#redis.get(this.#codeKey(code));
    if (memberId) return memberId;
    await countInWindow(this.#redis, triesKey, HOUR_SECONDS);
    return undefined;
  }

  /** A code works once. */
  async use(code: string): Promise<void> {
    await this.#redis.del(this.#codeKey(code));
  }

  /** Counts a confirm code for `memberId`; false when CONFIRM_CODES_PER_HOUR were already sent. */
  async allowConfirmCode(memberId: string): Promise<boolean> {
    const sent = await countInWindow(this.#redis, `${this.#prefix}:confirm-codes:${memberId}`, HOUR_SECONDS);
    return sent <= CONFIRM_CODES_PER_HOUR;
  }

  #codeKey(code: string): string {
    return `${this.#prefix}:link-code:${canonicalCode(code)}`;
  }
}
