/**
 * One platform sender's rate (a bot's messages a second), shared by every worker of every process
 * that sends for it: a token bucket kept in Redis, refilled continuously at `perSecond` (Redis's
 * clock, so processes agree), holding at most half a second's worth — the platforms' own buckets
 * (Telegram's is about one second's worth) then never see a burst beyond theirs.
 *
 * Tokens may be taken ahead of time ("this message goes in 180 ms"): the bucket goes into debt,
 * and whoever took the slot waits for it. `take` never reserves further ahead than the caller
 * allows, so bulk deliveries keep at most a moment's worth booked and a reply asked for meanwhile
 * finds a slot soon. A 429 puts the bucket in debt for the platform's `retry_after`, which holds
 * back every sender of that bot.
 */
import type { Redis } from 'ioredis';

/** KEYS[1] the bucket; ARGV: perSecond, capacity, wanted, aheadMs (-1: any), debtMs. */
const TAKE = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + tonumber(time[2]) / 1000
local perMs = tonumber(ARGV[1]) / 1000
local capacity = tonumber(ARGV[2])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or capacity
local at = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - at) * perMs)
local debtMs = tonumber(ARGV[5])
if debtMs > 0 then tokens = math.min(tokens, -debtMs * perMs) end
local wanted = tonumber(ARGV[3])
local ahead = tonumber(ARGV[4])
local granted = wanted
if ahead >= 0 then granted = math.max(0, math.min(wanted, math.floor(tokens + ahead * perMs))) end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens - granted), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], 600000)
return { granted, tostring(tokens) }
`;

type RedisWithTake = Redis & {
  ishcTakeTokens(
    key: string,
    perSecond: number,
    capacity: number,
    wanted: number,
    aheadMs: number,
    debtMs: number,
  ): Promise<[number, string]>;
};

export class RateBucket {
  readonly #redis: RedisWithTake;
  readonly #key: string;
  readonly #perSecond: number;
  readonly #capacity: number;

  constructor(redis: Redis, key: string, perSecond: number) {
    this.#redis = redis as RedisWithTake;
    if (typeof this.#redis.ishcTakeTokens !== 'function')
      redis.defineCommand('ishcTakeTokens', { numberOfKeys: 1, lua: TAKE });
    this.#key = key;
    this.#perSecond = perSecond;
    this.#capacity = Math.max(1, perSecond / 2);
  }

  /**
   * Books up to `wanted` slots, none later than `aheadMs` from now (undefined: as late as it
   * takes). Returns when each booked slot comes, in ms from now; fewer (maybe none) when the
   * bucket is booked that far ahead — `retryInMs` says when to ask again.
   */
  async take(wanted: number, aheadMs?: number): Promise<{ delaysMs: number[]; retryInMs: number }> {
    const [granted, before] = await this.#redis.ishcTakeTokens(
      this.#key,
      this.#perSecond,
      this.#capacity,
      wanted,
      aheadMs ?? -1,
      0,
    );
    const tokens = Number(before);
    const perMs = this.#perSecond / 1000;
    const delaysMs = Array.from({ length: granted }, (_, i) => Math.max(0, (i + 1 - tokens) / perMs));
    const retryInMs = Math.max(1, (1 - tokens) / perMs - (aheadMs ?? 0));
    return { delaysMs, retryInMs };
  }

  /** The platform said "too many": nobody sends for this bot for `ms`. */
  async holdBack(ms: number): Promise<void> {
    await this.#redis.ishcTakeTokens(this.#key, this.#perSecond, this.#capacity, 0, -1, ms);
  }
}
