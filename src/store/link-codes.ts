/**
 * Short-lived codes that link a second chat app to a member: shown on an app
 * the member already uses, typed on the new one. The code proves the person
 * holds the first chat, so the link needs no chair's check.
 */
import { randomInt } from 'node:crypto';
import type { Redis } from 'ioredis';

const TTL_SECONDS = 10 * 60;

export class LinkCodes {
  readonly #redis: Redis;
  readonly #prefix: string;

  constructor(redis: Redis, prefix: string) {
    this.#redis = redis;
    this.#prefix = prefix;
  }

  /** A new code: "L" and five digits (typed like a club code, never mistaken for one). */
  static generate(): string {
    return `L${randomInt(10_000, 100_000)}`;
  }

  async save(code: string, memberId: string): Promise<void> {
    await this.#redis.set(`${this.#prefix}:link-code:${code.toUpperCase()}`, memberId, 'EX', TTL_SECONDS);
  }

  /** The member a code belongs to; a code works once. */
  async take(code: string): Promise<string | undefined> {
    return (await this.#redis.getdel(`${this.#prefix}:link-code:${code.toUpperCase()}`)) ?? undefined;
  }
}
