/**
 * Short-lived codes that link a second chat app to a member: shown on an app
 * the member already uses, typed on the new one. The code proves the person
 * holds the first chat, so the link needs no chair's check.
 *
 * Guessing is hopeless: 8 symbols from 32 (about 10^12 codes) live 10 minutes,
 * and a chat that types too many wrong codes is not listened to for an hour.
 * The same counters limit the one-time confirm codes sent to one member.
 */
import { randomInt } from 'node:crypto';
import type { Redis } from 'ioredis';
import { countInWindow } from '../db/redis.ts';
import type { ChatRef } from '../engine/types.ts';

const TTL_SECONDS = 10 * 60;
/** Easy to read aloud and to type: no O/0, no I/1 (and so no L/1 either). */
export const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
const CODE_LENGTH = 8;
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

  /** A new code, shown as "ABCD 2345"; always holds a digit, so it is never read as a word. */
  static generate(): string {
    for (;;) {
      const code = Array.from({ length: CODE_LENGTH }, () =>
        CODE_ALPHABET.charAt(randomInt(CODE_ALPHABET.length)),
      );
      if (code.some((c) => /\d/.test(c))) return `${code.slice(0, 4).join('')} ${code.slice(4).join('')}`;
    }
  }

  /** The code as stored: upper case, no spaces or dashes. */
  static canonical(code: string): string {
    return code.replace(/[\s-]/g, '').toUpperCase();
  }

  async save(code: string, memberId: string): Promise<void> {
    await this.#redis.set(this.#codeKey(code), memberId, 'EX', TTL_SECONDS);
  }

  /** The member a code belongs to; a code works once. Wrong codes count against the chat. */
  async take(code: string, chat: ChatRef): Promise<string | 'tooManyTries' | undefined> {
    const triesKey = `${this.#prefix}:wrong-codes:${chat.channel}:${chat.chatId}`;
    if (Number(await this.#redis.get(triesKey)) >= WRONG_CODES_PER_HOUR) return 'tooManyTries';
    const memberId = await this.#redis.getdel(this.#codeKey(code));
    if (memberId) return memberId;
    await countInWindow(this.#redis, triesKey, HOUR_SECONDS);
    return undefined;
  }

  /** Counts a confirm code for `memberId`; false when CONFIRM_CODES_PER_HOUR were already sent. */
  async allowConfirmCode(memberId: string): Promise<boolean> {
    const sent = await countInWindow(this.#redis, `${this.#prefix}:confirm-codes:${memberId}`, HOUR_SECONDS);
    return sent <= CONFIRM_CODES_PER_HOUR;
  }

  #codeKey(code: string): string {
    return `${this.#prefix}:link-code:${LinkCodes.canonical(code)}`;
  }
}
