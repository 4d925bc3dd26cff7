/**
 * How many messages one chat may send a minute. A flood from one chat (a stuck
 * key, a script, a forwarded chain) would otherwise fill the outbox and delay
 * everyone else's replies. Counted in Redis, so every web process shares it.
 */
import type { Redis } from 'ioredis';
import { countInWindow } from '../db/redis.ts';
import type { ChatKey } from '../store/chat-state.ts';

/** 'ok': handle it; 'notice': the first one over the limit (say so once); 'silent': drop it. */
export type LimitVerdict = 'ok' | 'notice' | 'silent';

const WINDOW_SECONDS = 60;

export class InboundLimit {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #perMinute: number;

  constructor(redis: Redis, prefix: string, perMinute: number) {
    this.#redis = redis;
    this.#prefix = prefix;
    this.#perMinute = perMinute;
  }

  /** Counts this message (one round trip); the minute starts with the chat's first message. */
  async count({ channel, chatId }: ChatKey): Promise<LimitVerdict> {
    const n = await countInWindow(
      this.#redis,
      `${this.#prefix}:inbound-count:${channel}:${chatId}`,
      WINDOW_SECONDS,
    );
    if (n <= this.#perMinute) return 'ok';
    return n === this.#perMinute + 1 ? 'notice' : 'silent';
  }
}
