/**
 * The local simulator: a chat app of our own, kept in Redis, used by the
 * browser page and the terminal chat when no real app is configured (and by
 * trainers showing the bot to club leaders). It goes through the same engine
 * and outbox as Telegram and Zalo. The chat id of a simulator chat is the
 * person's phone number (84…), or any short name.
 */
import type { Redis } from 'ioredis';
import type { Inbound, Outbound } from '../engine/types.ts';
import type { Conversations, HandleResult } from '../runtime/conversations.ts';
import { type ChannelSender, cleanText } from './types.ts';

/** What the chat page shows. */
export interface SimulatorEntry {
  seq: number;
  from: 'user' | 'bot';
  text: string;
  choices?: string[];
  requestContact?: boolean;
  at: string;
}

/** Typed text, the "share my phone" button, or a photo (which the bot cannot read). */
export type SimulatorInput = { text: string } | { contact: true } | { photo: true };

const KEEP = 300;

export class SimulatorChats implements ChannelSender {
  readonly channel = 'simulator' as const;
  readonly ratePerSecond: number;
  readonly #redis: Redis;
  readonly #prefix: string;

  constructor(redis: Redis, prefix: string, ratePerSecond: number) {
    this.#redis = redis;
    this.#prefix = prefix;
    this.ratePerSecond = ratePerSecond;
  }

  async #append(chatId: string, entry: Omit<SimulatorEntry, 'seq' | 'at'>): Promise<number> {
    const seq = await this.#redis.incr(`${this.#prefix}:sim:seq:${chatId}`);
    const listKey = `${this.#prefix}:sim:log:${chatId}`;
    const record: SimulatorEntry = { seq, ...entry, at: new Date().toISOString() };
    await this.#redis.multi().rpush(listKey, JSON.stringify(record)).ltrim(listKey, -KEEP, -1).exec();
    return seq;
  }

  async send(message: Outbound): Promise<{ platformMessageId: string }> {
    const seq = await this.#append(message.chatId, {
      from: 'bot',
      text: message.text,
      ...(message.choices ? { choices: message.choices } : {}),
      ...(message.contactButton ? { requestContact: true } : {}),
    });
    return { platformMessageId: String(seq) };
  }

  /** A person typed, pressed "share my phone", or sent a photo in the simulator. */
  async receive(conversations: Conversations, chatId: string, input: SimulatorInput): Promise<HandleResult> {
    const text = 'text' in input ? cleanText(input.text) : undefined;
    const shown = text ?? ('contact' in input ? `📞 ${chatId}` : '🖼️');
    const seq = await this.#append(chatId, { from: 'user', text: shown });
    const base = {
      channel: 'simulator' as const,
      chatId,
      userId: chatId,
      messageId: String(seq),
      at: new Date(),
    };
    const inbound: Inbound =
      text !== undefined
        ? { ...base, kind: 'text', text }
        : 'contact' in input
          ? // Anyone can open any number in the simulator: its button proves nothing.
            { ...base, kind: 'contact', contact: { phone: chatId, vouched: false } }
          : { ...base, kind: 'unsupported' };
    return conversations.handle(inbound, `simulator.${chatId}.${seq}`);
  }

  async messages(chatId: string, afterSeq: number): Promise<SimulatorEntry[]> {
    const raw = await this.#redis.lrange(`${this.#prefix}:sim:log:${chatId}`, 0, -1);
    return raw.map((line) => JSON.parse(line) as SimulatorEntry).filter((entry) => entry.seq > afterSeq);
  }
}
