/**
 * Several Telegram bots in one deployment (TELEGRAM_BOT_TOKENS, e.g. one per province): one bot
 * sends ~30 messages a second, so a national announcement goes out through many in parallel.
 *
 * - Each bot has its own webhook (the first keeps /webhooks/telegram and TELEGRAM_WEBHOOK_SECRET;
 *   the others /webhooks/telegram/<bot id>, with a secret derived from it) or its own polling loop.
 * - A Telegram user can only be written to by a bot she started: each chat is bound to the bot
 *   she last wrote to — in Redis (read for every message queued) and on her Identity (`botId`,
 *   where the binding is read back from when Redis lost it). Writing to another bot re-binds her.
 * - Each bot has its own outbox queue (the first keeps `outbox-telegram`) and its own worker, at
 *   its own rate: TELEGRAM_RATE_PER_SECOND, or TELEGRAM_PAID_RATE_PER_SECOND for the bots in
 *   TELEGRAM_PAID_BROADCAST_BOTS, which send with `allow_paid_broadcast`.
 *
 * With a single bot nothing of this runs: no binding is read or written.
 */
import { createHmac } from 'node:crypto';
import type { Redis } from 'ioredis';
import { outboxQueueName } from '../jobs/outbox.ts';
import type { Models } from '../models/index.ts';

/** One bot's settings, derived from the configuration. */
export interface TelegramBot {
  token: string;
  /** The number before ':' in its token (public: it is the bot's user id). */
  botId: string;
  webhookPath: string;
  webhookSecret: string | undefined;
  /** Sends with allow_paid_broadcast, at the paid rate. */
  paid: boolean;
  ratePerSecond: number;
  queueName: string;
}

export function telegramBotId(token: string): string {
  return token.split(':')[0] ?? token;
}

/** The bots of TELEGRAM_BOTS, the first as a single bot always was. */
export function telegramBots(
  tokens: string[],
  options: { webhookSecret?: string; paidBots?: string; ratePerSecond: number; paidRatePerSecond: number },
): TelegramBot[] {
  const paid = new Set((options.paidBots ?? '').split(',').map((id) => id.trim()));
  return tokens.map((token, index) => {
    const botId = telegramBotId(token);
    const first = index === 0;
    return {
      token,
      botId,
      webhookPath: first ? '/webhooks/telegram' : `/webhooks/telegram/${botId}`,
      webhookSecret:
        first || !options.webhookSecret
          ? options.webhookSecret
          : createHmac('sha256', options.webhookSecret).update(botId).digest('hex'),
      paid: paid.has(botId),
      ratePerSecond: paid.has(botId) ? options.paidRatePerSecond : options.ratePerSecond,
      queueName: first ? outboxQueueName('telegram') : `${outboxQueueName('telegram')}-${botId}`,
    };
  });
}

/** Which bot each chat belongs to (see the file's comment). */
export class TelegramBindings {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #models: Models;
  readonly #bots: Map<string, TelegramBot>;
  readonly #first: TelegramBot;

  constructor(redis: Redis, prefix: string, models: Models, bots: TelegramBot[]) {
    this.#redis = redis;
    this.#prefix = prefix;
    this.#models = models;
    this.#bots = new Map(bots.map((bot) => [bot.botId, bot]));
    this.#first = bots[0]!;
  }

  /** The chat wrote to `botId`: it is that bot's now (one Redis command; MongoDB only on a change). */
  async bind(chatId: string, botId: string): Promise<void> {
    const before = await this.#redis.set(this.#key(chatId), botId, 'GET');
    if (before === botId) return;
    await this.#models.Identity.updateOne({ _id: `telegram:${chatId}` }, { $set: { botId } });
  }

  /** The outbox queue of each chat's bot (the first bot's for a chat bound to none). */
  async queuesOf(chatIds: string[]): Promise<string[]> {
    if (chatIds.length === 0) return [];
    const bound = await this.#redis.mget(chatIds.map((chatId) => this.#key(chatId)));
    return Promise.all(
      chatIds.map(async (chatId, index) => {
        const botId = bound[index] ?? (await this.#storedBot(chatId));
        return (this.#bots.get(botId ?? '') ?? this.#first).queueName;
      }),
    );
  }

  /** The binding kept on the Identity, put back in Redis (after Redis lost it). */
  async #storedBot(chatId: string): Promise<string | undefined> {
    const identity = await this.#models.Identity.findById(`telegram:${chatId}`, { botId: 1 }).lean();
    const botId = identity?.botId ?? undefined;
    if (botId) await this.#redis.set(this.#key(chatId), botId, 'NX');
    return botId;
  }

  #key(chatId: string): string {
    return `${this.#prefix}:telegram-bot:${chatId}`;
  }
}
