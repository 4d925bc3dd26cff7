/**
 * Per-chat state in Redis: one hash per chat holding the open session, the
 * language chosen before registration and a cache of who the member is.
 *
 * Why Redis and not MongoDB: a turn then costs no database round trip at all
 * (one HGETALL and one script call on Redis, ~0.1 ms each) while MongoDB only
 * receives records that were decided (a member created, an approval). Redis
 * is durable wherever BullMQ's jobs must be (production runs it with AOF), so
 * a restart resumes every conversation. Idle sessions are expired by the
 * engine from `updatedAt`; the whole hash expires after CHAT_TTL_SECONDS.
 */
import type { Redis } from 'ioredis';
import type { ChatRef, ChatState, Lang, Offer, Session, Who } from '../engine/types.ts';

const CHAT_TTL_SECONDS = 60 * 24 * 3600;

/**
 * Writes the fields only if nobody saved the chat since we read it (optimistic concurrency),
 * and in the same round trip notes the member's last chat (KEYS[2] = ARGV[4], unless empty).
 */
const SAVE_IF_VERSION = `
local v = redis.call('HGET', KEYS[1], 'v') or '0'
if v ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'v', ARGV[2])
if ARGV[4] ~= '' then redis.call('SET', KEYS[2], ARGV[4], 'EX', ARGV[3]) end
for i = 5, #ARGV, 2 do
  if ARGV[i + 1] == '' then redis.call('HDEL', KEYS[1], ARGV[i]) else redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
end
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1`;

export type ChatKey = ChatRef;

export class ChatStates {
  readonly #redis: Redis;
  readonly #prefix: string;

  constructor(redis: Redis, prefix: string) {
    this.#redis = redis;
    this.#prefix = prefix;
    redis.defineCommand('ishcSaveChat', { numberOfKeys: 2, lua: SAVE_IF_VERSION });
  }

  #key({ channel, chatId }: ChatKey): string {
    return `${this.#prefix}:chat:${channel}:${chatId}`;
  }

  async load(chat: ChatKey): Promise<ChatState> {
    const hash = await this.#redis.hgetall(this.#key(chat));
    const cached = hash.who ? (JSON.parse(hash.who) as { who: Who | null; at: number }) : undefined;
    return {
      who: cached?.who ?? null,
      whoCheckedAt: cached?.at ?? 0,
      lang: (hash.lang as Lang | undefined) || undefined,
      session: hash.session ? (JSON.parse(hash.session) as Session) : undefined,
      offers: hash.offers ? (JSON.parse(hash.offers) as Offer[]) : undefined,
      version: Number(hash.v ?? 0),
    };
  }

  /**
   * Saves `state` if the chat is still at `state.version`; false when someone else saved first.
   * The member behind the chat is noted as having last written from it (see `lastChats`).
   */
  async save(chat: ChatKey, state: ChatState): Promise<boolean> {
    const fields = [
      'session',
      state.session ? JSON.stringify(state.session) : '',
      'lang',
      state.lang ?? '',
      'who',
      state.whoCheckedAt ? JSON.stringify({ who: state.who, at: state.whoCheckedAt }) : '',
      'offers',
      state.offers?.length ? JSON.stringify(state.offers) : '',
    ];
    const redis = this.#redis as Redis & {
      ishcSaveChat(key: string, lastChatKey: string, ...args: (string | number)[]): Promise<number>;
    };
    const memberId = state.who?.memberId;
    const saved = await redis.ishcSaveChat(
      this.#key(chat),
      memberId ? this.#lastChatKey(memberId) : this.#key(chat),
      String(state.version),
      String(state.version + 1),
      CHAT_TTL_SECONDS,
      memberId ? `${chat.channel}:${chat.chatId}` : '',
      ...fields,
    );
    if (saved === 1) state.version += 1;
    return saved === 1;
  }

  #lastChatKey(memberId: string): string {
    return `${this.#prefix}:last-chat:${memberId}`;
  }

  /** Member id → the chat (`channel:chatId`) each last wrote from, where known. */
  async lastChats(memberIds: string[]): Promise<Map<string, string>> {
    const values = await this.#redis.mget(memberIds.map((id) => this.#lastChatKey(id)));
    return new Map(memberIds.flatMap((id, index) => (values[index] ? [[id, values[index]]] : [])));
  }

  /**
   * Clears what these chats of a member hold (her data was erased): who, the open session, the
   * offers, the language; and which chat she last wrote from. The version stays, so a turn in
   * one of them still saves what it decided (a chat that knows nobody).
   */
  async clear(chats: ChatKey[], memberId: string): Promise<void> {
    const pipeline = this.#redis.pipeline();
    for (const chat of chats) pipeline.hdel(this.#key(chat), 'who', 'session', 'offers', 'lang');
    pipeline.del(this.#lastChatKey(memberId));
    await pipeline.exec();
  }

  /** Forgets who is behind these chats, so the next message looks them up again. */
  async forgetWho(chats: ChatKey[]): Promise<void> {
    if (chats.length === 0) return;
    const pipeline = this.#redis.pipeline();
    for (const chat of chats) pipeline.hdel(this.#key(chat), 'who');
    await pipeline.exec();
  }
}

/**
 * Each delivery (Telegram update_id, Zalo msg_id…) is processed once.
 * A claim is "processing" for a short time, then "done" for days: a
 * redelivery while processing is told to come back later, and a claim left by
 * a crashed process expires so the platform's next redelivery is handled.
 */
export class Deliveries {
  readonly #redis: Redis;
  readonly #prefix: string;

  constructor(redis: Redis, prefix: string) {
    this.#redis = redis;
    this.#prefix = prefix;
  }

  #key(id: string): string {
    return `${this.#prefix}:seen:${id}`;
  }

  /** 'new' (yours to process), 'done' (already processed) or 'processing' (elsewhere, right now). */
  async claim(id: string): Promise<'new' | 'done' | 'processing'> {
    const key = this.#key(id);
    const claimed = await this.#redis.set(key, 'processing', 'EX', 60, 'NX');
    if (claimed === 'OK') return 'new';
    return (await this.#redis.get(key)) === 'done' ? 'done' : 'processing';
  }

  async done(id: string): Promise<void> {
    await this.#redis.set(this.#key(id), 'done', 'EX', 3 * 24 * 3600);
  }

  async release(id: string): Promise<void> {
    await this.#redis.del(this.#key(id));
  }
}
