/**
 * Telegram through grammY: turns updates into `Inbound`s, sends `Outbound`s
 * with a reply keyboard (typed digits always work too), and runs either the
 * webhook (PUBLIC_URL set) or long polling.
 */
import { Bot, GrammyError, HttpError, type Keyboard } from 'grammy';
import { z } from 'zod';
import type { Inbound, Outbound } from '../engine/types.ts';
import { sameSecret, type WebhookResult, type WebhookRoute } from '../http/server.ts';
import type { Translate } from '../i18n.ts';
import type { Logger } from '../log.ts';
import {
  type Channel,
  type ChannelContext,
  type ChannelSender,
  cleanText,
  ignoreOddShape,
  SendError,
  splitText,
} from './types.ts';

const MAX_TEXT = 4096;
/** Updates we ask Telegram for; anything else is acknowledged and ignored. */
export const TELEGRAM_UPDATES = ['message', 'my_chat_member'] as const;

export function createTelegramBot(options: { token: string; apiRoot: string }): Bot {
  return new Bot(options.token, { client: { apiRoot: options.apiRoot } });
}

const chat = z.object({ id: z.number().int(), type: z.string() });

/** The parts of a Telegram update we read, checked before anything else sees them (unknown keys dropped). */
const telegramUpdateSchema = z.object({
  update_id: z.number().int().nonnegative(),
  message: z
    .object({
      message_id: z.number().int(),
      // Seconds since 1970; the bound keeps the Date valid.
      date: z
        .number()
        .int()
        .nonnegative()
        .max(2 ** 32),
      chat,
      from: z.object({ id: z.number().int(), is_bot: z.boolean().optional() }).optional(),
      text: z.string().optional(),
      contact: z
        .object({ phone_number: z.string().max(40), user_id: z.number().int().optional() })
        .optional(),
    })
    .optional(),
  my_chat_member: z.object({ chat, new_chat_member: z.object({ status: z.string() }) }).optional(),
});

export type TelegramUpdate = z.output<typeof telegramUpdateSchema>;

/** The `Inbound` for an update, or undefined for updates that carry nothing to answer. */
export function telegramInbound(update: TelegramUpdate): Inbound | undefined {
  const message = update.message;
  if (message?.chat.type !== 'private' || !message.from || message.from.is_bot) return undefined;
  const base = {
    channel: 'telegram' as const,
    chatId: String(message.chat.id),
    userId: String(message.from.id),
    messageId: String(message.message_id),
    at: new Date(message.date * 1000),
  };
  if (typeof message.text === 'string') return { ...base, kind: 'text', text: cleanText(message.text) };
  if (message.contact) {
    // Telegram vouches for a number only on a contact card whose user_id is the sender's own.
    const { phone_number, user_id } = message.contact;
    const vouched = user_id === message.from.id;
    return {
      ...base,
      kind: 'contact',
      contact: { phone: phone_number, vouched, foreign: user_id !== undefined && !vouched },
    };
  }
  return { ...base, kind: 'unsupported' };
}

/** True when the update says the person blocked the bot. */
export function telegramBlocked(update: TelegramUpdate): { chatId: string } | undefined {
  const change = update.my_chat_member;
  if (change?.chat.type === 'private' && change.new_chat_member.status === 'kicked') {
    return { chatId: String(change.chat.id) };
  }
  return undefined;
}

export class TelegramSender implements ChannelSender {
  readonly channel = 'telegram' as const;
  readonly ratePerSecond: number;
  readonly #bot: Bot;

  constructor(bot: Bot, ratePerSecond: number) {
    this.#bot = bot;
    this.ratePerSecond = ratePerSecond;
  }

  async send(message: Outbound): Promise<{ platformMessageId: string }> {
    const parts = splitText(message.text, MAX_TEXT);
    let lastId = '';
    for (const [index, part] of parts.entries()) {
      const last = index === parts.length - 1;
      try {
        const sent = await this.#bot.api.sendMessage(message.chatId, part, {
          reply_markup: last ? replyMarkup(message) : undefined,
        });
        lastId = String(sent.message_id);
      } catch (error) {
        throw toSendError(error);
      }
    }
    return { platformMessageId: lastId };
  }
}

function replyMarkup(message: Outbound) {
  const rows: Keyboard['keyboard'] = (message.choices ?? []).map((label, index) => [
    { text: `${index + 1} · ${label}` },
  ]);
  if (message.contactButton) rows.unshift([{ text: message.contactButton, request_contact: true }]);
  if (rows.length === 0) return { remove_keyboard: true as const };
  return { keyboard: rows, resize_keyboard: true, one_time_keyboard: true, is_persistent: false };
}

export function toSendError(error: unknown): SendError {
  if (error instanceof GrammyError) {
    const description = `${error.error_code} ${error.description}`;
    if (error.error_code === 429) {
      return new SendError('rateLimited', description, (error.parameters.retry_after ?? 1) * 1000);
    }
    if (error.error_code === 403) return new SendError('recipientGone', description);
    if (error.error_code >= 500) return new SendError('transient', description);
    return new SendError('permanent', description);
  }
  if (error instanceof HttpError) return new SendError('transient', `network: ${error.message}`);
  return new SendError('transient', String(error));
}

/** Registers the commands shown in Telegram's menu, in both languages. */
export async function setTelegramCommands(bot: Bot, translate: Translate): Promise<void> {
  const commands = (lang: 'vi' | 'en') =>
    ['start', 'menu', 'help', 'cancel', 'language'].map((command) => ({
      command,
      description: translate(lang, `telegram.commands.${command}`),
    }));
  await bot.api.setMyCommands(commands('vi'));
  await bot.api.setMyCommands(commands('en'), { language_code: 'en' });
}

/**
 * Routes one Telegram update; returns what happened so the webhook can answer
 * (a blocked-bot notice marks the chat stopped; other update kinds are ignored).
 * A body without an update id is 'invalid' (400); an update whose parts are not
 * the shape we know is acknowledged and ignored, or Telegram would send it forever.
 */
export async function handleTelegramUpdate(
  body: unknown,
  ctx: Pick<ChannelContext, 'conversations' | 'log'>,
  onBlocked: (chatId: string) => Promise<void>,
): Promise<WebhookResult | 'invalid'> {
  const parsed = telegramUpdateSchema.safeParse(body);
  if (!parsed.success) {
    const { issues } = parsed.error;
    if (issues.some((issue) => issue.path.length === 0 || issue.path[0] === 'update_id')) return 'invalid';
    return ignoreOddShape(ctx.log, 'telegram', String(issues[0]!.path[0]));
  }
  const update = parsed.data;
  const inbound = telegramInbound(update);
  if (inbound) return ctx.conversations.handle(inbound, `telegram.${update.update_id}`);
  const blocked = telegramBlocked(update);
  if (blocked) await onBlocked(blocked.chatId);
  return 'ignored';
}

/** The webhook route: Telegram signs nothing, but sends back the secret given to setWebhook. */
export function telegramWebhook(
  secret: string | undefined,
  handle: (body: unknown) => Promise<WebhookResult | 'invalid'>,
): WebhookRoute {
  return {
    path: '/webhooks/telegram',
    authorize: (headers) => !secret || sameSecret(headers['x-telegram-bot-api-secret-token'], secret),
    handle,
  };
}

/** Long polling: grammY fetches updates; a failed update is retried a few times before it is logged and skipped. */
export function startTelegramPolling(
  bot: Bot,
  handle: (update: unknown) => Promise<unknown>,
  log: Logger,
): Promise<void> {
  bot.use(async (ctx) => {
    for (let attempt = 1; ; attempt++) {
      try {
        await handle(ctx.update);
        return;
      } catch (error) {
        if (attempt >= 5) throw error;
        await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** attempt));
      }
    }
  });
  bot.catch((error) => log.error({ err: error.error, update: error.ctx.update.update_id }, 'update failed'));
  return bot.start({ allowed_updates: [...TELEGRAM_UPDATES], drop_pending_updates: false });
}

export interface TelegramSettings {
  token: string;
  apiRoot: string;
  ratePerSecond: number;
  mode: 'webhook' | 'polling';
  webhookSecret?: string;
}

/** Telegram as a `Channel`: sender, webhook route, and webhook registration or polling. */
export function telegramChannel(settings: TelegramSettings, ctx: ChannelContext): Channel & { bot: Bot } {
  const bot = createTelegramBot(settings);
  const handle = (update: unknown) =>
    handleTelegramUpdate(update, ctx, (chatId) =>
      ctx.effects.markStopped({ channel: 'telegram', chatId }, new Date()),
    );
  let polling: Promise<void> | undefined;
  return {
    bot,
    sender: new TelegramSender(bot, settings.ratePerSecond),
    webhook: telegramWebhook(settings.webhookSecret, handle),
    async startInbound() {
      await setTelegramCommands(bot, ctx.translate).catch((error) =>
        ctx.log.warn({ err: error }, 'could not set Telegram commands'),
      );
      if (settings.mode === 'webhook') {
        await bot.api.setWebhook(`${ctx.publicUrl}/webhooks/telegram`, {
          secret_token: settings.webhookSecret,
          allowed_updates: [...TELEGRAM_UPDATES],
        });
        ctx.log.info('telegram webhook set');
      } else {
        polling = startTelegramPolling(bot, handle, ctx.log);
        polling.catch((error) => ctx.log.error({ err: error }, 'telegram polling stopped'));
      }
    },
    async stop() {
      if (!polling) return;
      await bot.stop();
      await polling.catch(() => undefined);
    },
  };
}
