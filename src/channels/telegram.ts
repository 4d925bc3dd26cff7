/**
 * Telegram through grammY: turns updates into `Inbound`s, sends `Outbound`s
 * with a reply keyboard (typed digits always work too), and runs either the
 * webhook (PUBLIC_URL set) or long polling.
 *
 * Conversations happen in private chats only. In a group (a club may add the
 * bot to its own), a command or a mention of the bot gets one short pointer to
 * the private chat, and nothing else happens. A pressed inline button is
 * answered at once and read as if its data had been typed.
 */
import { Bot, GrammyError, HttpError, InputFile, type Keyboard } from 'grammy';
import { z } from 'zod';
import { countInWindow } from '../db/redis.ts';
import type { Inbound, Outbound } from '../engine/types.ts';
import { sameSecret, type WebhookResult, type WebhookRoute } from '../http/server.ts';
import type { Translate } from '../i18n.ts';
import { outboxJobId } from '../jobs/outbox.ts';
import type { Logger } from '../log.ts';
import { grammyFetch } from './http-json.ts';
import type { TelegramBindings, TelegramBot } from './telegram-bots.ts';
import {
  type Channel,
  type ChannelContext,
  type ChannelSender,
  cleanText,
  fetchPicture,
  ignoreOddShape,
  SendError,
  splitText,
} from './types.ts';

const MAX_TEXT = 4096;
/** Updates we ask Telegram for; anything else is acknowledged and ignored. */
export const TELEGRAM_UPDATES = ['message', 'my_chat_member', 'callback_query'] as const;
/** A busy group gets at most one pointer to the private chat in this many seconds. */
const GROUP_POINTER_SECONDS = 60;

export function createTelegramBot(options: { token: string; apiRoot: string }): Bot {
  return new Bot(options.token, { client: { apiRoot: options.apiRoot, fetch: grammyFetch } });
}

const chat = z.object({ id: z.number().int(), type: z.string() });
const sender = z.object({ id: z.number().int(), is_bot: z.boolean().optional() });

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
      from: sender.optional(),
      text: z.string().optional(),
      // A picture in several sizes (the largest last), and its caption.
      photo: z.array(z.object({ file_id: z.string().min(1).max(200) })).optional(),
      caption: z.string().optional(),
      // In groups: whether the message answers one of the bot's own.
      reply_to_message: z.object({ from: sender.optional() }).optional(),
      contact: z
        .object({ phone_number: z.string().max(40), user_id: z.number().int().optional() })
        .optional(),
    })
    .optional(),
  my_chat_member: z.object({ chat, new_chat_member: z.object({ status: z.string() }) }).optional(),
  callback_query: z
    .object({
      id: z.string().min(1).max(64),
      from: sender,
      // The message carrying the button (absent for buttons on inline-mode messages).
      message: z.object({ chat }).optional(),
      data: z.string().optional(),
    })
    .optional(),
});

export type TelegramUpdate = z.output<typeof telegramUpdateSchema>;
type TelegramMessage = NonNullable<TelegramUpdate['message']>;
type CallbackQuery = NonNullable<TelegramUpdate['callback_query']>;

/** The bot itself, as getMe describes it. */
export interface BotIdentity {
  id: number;
  username: string;
}

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
  const photo = message.photo?.at(-1);
  if (photo) return { ...base, kind: 'photo', photo: photo.file_id, text: cleanText(message.caption ?? '') };
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

/**
 * A pressed button as the text it stands for (its data), in the private chat it was pressed in;
 * undefined for buttons elsewhere (a group, an inline-mode message) or without data.
 */
export function callbackInbound(query: CallbackQuery): Inbound | undefined {
  const chat = query.message?.chat;
  if (chat?.type !== 'private' || query.from.is_bot || query.data === undefined) return undefined;
  return {
    channel: 'telegram',
    chatId: String(chat.id),
    userId: String(query.from.id),
    // A press is no message of its own; the query id names it for the outbox job ids.
    messageId: `callback-${query.id}`,
    at: new Date(),
    kind: 'text',
    text: cleanText(query.data),
  };
}

function isGroup(message: TelegramMessage): boolean {
  return message.chat.type === 'group' || message.chat.type === 'supergroup';
}

/**
 * Whether a group message is meant for the bot: a command (but not `/cmd@otherbot`), a mention
 * of the bot, or a reply to one of its messages. Usernames are letters, digits and '_' only.
 */
export function addressesBot(message: TelegramMessage, me: BotIdentity): boolean {
  if (message.from?.is_bot) return false;
  if (message.reply_to_message?.from?.id === me.id) return true;
  const text = message.text ?? '';
  const command = /^\/\w+(?:@(\w+))?/.exec(text);
  if (command && (!command[1] || command[1].toLowerCase() === me.username.toLowerCase())) return true;
  return new RegExp(`(^|\\W)@${me.username}\\b`, 'i').test(text);
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
  readonly queueName: string | undefined;
  readonly #bot: Bot;
  readonly #paid: boolean;
  readonly #reportFile: ChannelContext['reportFile'];
  readonly #picture: ChannelContext['picture'];
  /** The file_id Telegram gave each kept picture this bot uploaded (see `#sendPicture`). */
  readonly #pictureFileIds = new Map<string, Promise<string | undefined>>();

  /** `paid`: every message with allow_paid_broadcast (the bot's paid limit, up to 1,000 a second). */
  constructor(
    bot: Bot,
    ratePerSecond: number,
    options: {
      queueName?: string;
      paid?: boolean;
      reportFile?: ChannelContext['reportFile'];
      picture?: ChannelContext['picture'];
    } = {},
  ) {
    this.#bot = bot;
    this.ratePerSecond = ratePerSecond;
    this.queueName = options.queueName;
    this.#paid = options.paid ?? false;
    this.#reportFile = options.reportFile;
    this.#picture = options.picture;
  }

  async send(message: Outbound): Promise<{ platformMessageId: string }> {
    const { report, picture, type } = message.attachment ?? {};
    const reportFile = this.#reportFile;
    if (report && reportFile) return this.#upload(message, type!, () => reportFile(report));
    const kept = this.#picture;
    if (picture && kept) {
      const sent = await this.#sendPicture(message, picture, kept);
      // A caption holds 1,024 characters: a longer text follows the photo, whole.
      return message.text.length > MAX_CAPTION ? this.#sendText(message) : sent;
    }
    return this.#sendText(message);
  }

  async #sendText(message: Outbound): Promise<{ platformMessageId: string }> {
    const parts = splitText(message.text, MAX_TEXT);
    let lastId = '';
    for (const [index, part] of parts.entries()) {
      const last = index === parts.length - 1;
      try {
        const sent = await this.#bot.api.sendMessage(message.chatId, part, {
          reply_markup: last ? replyMarkup(message) : undefined,
          ...(this.#paid ? { allow_paid_broadcast: true } : {}),
        });
        lastId = String(sent.message_id);
      } catch (error) {
        throw toSendError(error);
      }
    }
    return { platformMessageId: lastId };
  }

  /**
   * A kept picture (a broadcast's photo): uploaded once, then sent by the file_id Telegram gave it
   * — a broadcast to 20,000 members uploads it once per bot, not 20,000 times; those sent while
   * it uploads wait for its id. An id Telegram refuses is forgotten and the picture uploaded again.
   */
  async #sendPicture(
    message: Outbound,
    picture: string,
    kept: NonNullable<ChannelContext['picture']>,
  ): Promise<{ platformMessageId: string }> {
    const pending = this.#pictureFileIds.get(picture);
    const fileId = pending && (await pending);
    if (fileId) {
      try {
        const sent = await this.#bot.api.sendPhoto(message.chatId, fileId, this.#fileOptions(message));
        return { platformMessageId: String(sent.message_id) };
      } catch (error) {
        const failure = toSendError(error);
        if (failure.failure !== 'permanent') throw failure;
      }
    }
    let settle: (fileId: string | undefined) => void = () => {};
    this.#pictureFileIds.set(picture, new Promise((resolve) => (settle = resolve)));
    try {
      return await this.#upload(message, 'photo', () => kept(picture), settle);
    } finally {
      settle(undefined); // no id (the upload failed): the next one uploads again
    }
  }

  /**
   * A file (a report made now, a kept picture) uploaded with the text as its caption — none when
   * the text is longer than a caption may be (the caller sends the text after it).
   */
  async #upload(
    message: Outbound,
    type: 'document' | 'photo',
    make: () => Promise<{ bytes: Buffer; filename: string }>,
    uploaded?: (fileId: string) => void,
  ): Promise<{ platformMessageId: string }> {
    let file: { bytes: Buffer; filename: string };
    try {
      file = await make();
    } catch (error) {
      throw new SendError(
        'transient',
        `file not made: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    const input = new InputFile(file.bytes, file.filename);
    const options = this.#fileOptions(message);
    try {
      if (type === 'document') {
        const sent = await this.#bot.api.sendDocument(message.chatId, input, options);
        return { platformMessageId: String(sent.message_id) };
      }
      const sent = await this.#bot.api.sendPhoto(message.chatId, input, options);
      const fileId = sent.photo.at(-1)?.file_id;
      if (fileId) uploaded?.(fileId);
      return { platformMessageId: String(sent.message_id) };
    } catch (error) {
      throw toSendError(error);
    }
  }

  /** The text as the file's caption (when it fits one), and the bot's paid-broadcast flag. */
  #fileOptions(message: Outbound) {
    return {
      ...(message.text.length <= MAX_CAPTION ? { caption: message.text } : {}),
      ...(this.#paid ? { allow_paid_broadcast: true } : {}),
    };
  }
}

/** Telegram's limit on a caption. */
const MAX_CAPTION = 1024;

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

/** What handling an update needs from Telegram itself. */
export interface TelegramHooks {
  onBlocked(chatId: string): Promise<void>;
  /** Stops the pressed button's spinner (answerCallbackQuery). */
  answerCallback(queryId: string): Promise<void>;
  /** The bot's id and username (getMe, fetched once). */
  me(): Promise<BotIdentity>;
  /** With several bots: the chat wrote to this bot (see telegram-bots.ts). */
  bind?(chatId: string): Promise<void>;
  /** With several bots, every bot but the first: `<bot id>.`, before its update ids. */
  updatePrefix?: string;
}

type UpdateContext = Pick<
  ChannelContext,
  'conversations' | 'log' | 'outbox' | 'translate' | 'redis' | 'prefix'
>;

/**
 * Routes one Telegram update; returns what happened so the webhook can answer
 * (a blocked-bot notice marks the chat stopped; other update kinds are ignored).
 * A body without an update id is 'invalid' (400); an update whose parts are not
 * the shape we know is acknowledged and ignored, or Telegram would send it forever.
 */
export async function handleTelegramUpdate(
  body: unknown,
  ctx: UpdateContext,
  hooks: TelegramHooks,
): Promise<WebhookResult | 'invalid'> {
  const parsed = telegramUpdateSchema.safeParse(body);
  if (!parsed.success) {
    const { issues } = parsed.error;
    if (issues.some((issue) => issue.path.length === 0 || issue.path[0] === 'update_id')) return 'invalid';
    return ignoreOddShape(ctx.log, 'telegram', String(issues[0]!.path[0]));
  }
  const update = parsed.data;
  const inbound = telegramInbound(update);
  if (inbound) {
    await hooks.bind?.(inbound.chatId);
    // Update ids are each bot's own: another bot's update 7 is not this one's.
    return ctx.conversations.handle(inbound, `telegram.${hooks.updatePrefix ?? ''}${update.update_id}`);
  }
  if (update.message && isGroup(update.message)) return pointToPrivateChat(update.message, ctx, hooks);
  if (update.callback_query) return handleCallbackQuery(update.callback_query, ctx, hooks);
  const blocked = telegramBlocked(update);
  if (blocked) await hooks.onBlocked(blocked.chatId);
  return 'ignored';
}

/**
 * A group message meant for the bot gets the link to the private chat, at most once a minute per
 * group (Redis, shared by every web process); everything else in a group is ignored.
 */
async function pointToPrivateChat(
  message: TelegramMessage,
  ctx: UpdateContext,
  hooks: TelegramHooks,
): Promise<WebhookResult> {
  const me = await hooks.me();
  if (!addressesBot(message, me)) return 'ignored';
  const chatId = String(message.chat.id);
  const key = `${ctx.prefix}:telegram-group-pointer:${chatId}`;
  if ((await countInWindow(ctx.redis, key, GROUP_POINTER_SECONDS)) > 1) return 'ignored';
  // Groups have no language setting: the app's default.
  const text = ctx.translate('vi', 'telegram.groupPointer', { link: `https://t.me/${me.username}?start=` });
  // A reply to someone who just wrote, like any answer: sent at once, its (fixed) text not kept.
  const messageId = String(message.message_id);
  const pointer: Outbound = {
    channel: 'telegram',
    chatId,
    lang: 'vi',
    text,
    kind: 'reply',
    replyTo: messageId,
  };
  await ctx.outbox.enqueue([pointer], outboxJobId('telegram', chatId, messageId));
  return 'handled';
}

/** Every pressed button is answered, or it spins for a while; one in a private chat is then read as typed. */
async function handleCallbackQuery(
  query: CallbackQuery,
  ctx: UpdateContext,
  hooks: TelegramHooks,
): Promise<WebhookResult> {
  // An answer can fail harmlessly (a redelivered press is too old to answer): the press still counts.
  await hooks
    .answerCallback(query.id)
    .catch((error) => ctx.log.warn({ err: error }, 'could not answer a Telegram button press'));
  const inbound = callbackInbound(query);
  if (!inbound) return 'ignored';
  await hooks.bind?.(inbound.chatId);
  // The query id, not the update id: one press is handled once however it comes back.
  return ctx.conversations.handle(inbound, `telegram.callback.${query.id}`);
}

/** The webhook route: Telegram signs nothing, but sends back the secret given to setWebhook. */
export function telegramWebhook(
  secret: string | undefined,
  handle: (body: unknown) => Promise<WebhookResult | 'invalid'>,
  path = '/webhooks/telegram',
): WebhookRoute {
  return {
    path,
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
  /** One of several bots (telegram-bots.ts): its webhook path, queue, paid option, and the chats' bindings. */
  several?: { bot: TelegramBot; bindings?: TelegramBindings; first: boolean };
}

/** Telegram as a `Channel`: sender, webhook route, and webhook registration or polling. */
export function telegramChannel(settings: TelegramSettings, ctx: ChannelContext): Channel & { bot: Bot } {
  const bot = createTelegramBot(settings);
  const hooks: TelegramHooks = {
    onBlocked: (chatId) => ctx.effects.markStopped({ channel: 'telegram', chatId }, new Date()),
    answerCallback: async (queryId) => {
      await bot.api.answerCallbackQuery(queryId);
    },
    me: async () => {
      await bot.init(); // once: grammY keeps what getMe said
      return { id: bot.botInfo.id, username: bot.botInfo.username };
    },
  };
  const several = settings.several;
  const bindings = several?.bindings;
  if (several && bindings) {
    hooks.bind = (chatId) => bindings.bind(chatId, several.bot.botId);
    if (!several.first) hooks.updatePrefix = `${several.bot.botId}.`;
  }
  const handle = (update: unknown) => handleTelegramUpdate(update, ctx, hooks);
  const webhookPath = several?.bot.webhookPath ?? '/webhooks/telegram';
  let polling: Promise<void> | undefined;
  return {
    bot,
    sender: new TelegramSender(bot, settings.ratePerSecond, {
      queueName: several?.bot.queueName,
      paid: several?.bot.paid,
      reportFile: ctx.reportFile,
      picture: ctx.picture,
    }),
    // A file_id is this bot's own: another bot's getFile refuses it (the caller tries each bot).
    async fetchPhoto(fileId) {
      const file = await bot.api.getFile(fileId);
      if (!file.file_path) throw new Error('picture not fetched: no file path');
      return fetchPicture(`${settings.apiRoot}/file/bot${settings.token}/${file.file_path}`);
    },
    webhook: telegramWebhook(settings.webhookSecret, handle, webhookPath),
    async startInbound() {
      await setTelegramCommands(bot, ctx.translate).catch((error) =>
        ctx.log.warn({ err: error }, 'could not set Telegram commands'),
      );
      if (settings.mode === 'webhook') {
        await bot.api.setWebhook(`${ctx.publicUrl}${webhookPath}`, {
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
