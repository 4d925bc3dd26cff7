/**
 * FakeTelegram — a fake Telegram Bot API served over real HTTP on loopback, for tests.
 *
 * Point grammY at it with `new Bot(fake.token, { client: { apiRoot: fake.apiRoot } })`. Requests arrive as
 * `POST /bot<TOKEN>/<method>` (JSON, as grammY sends them; GET with a query string and
 * application/x-www-form-urlencoded bodies are accepted too, and multipart/form-data with file uploads for
 * `sendDocument` / `sendPhoto`, as grammY sends an `InputFile`). Responses follow the real API:
 * `{"ok":true,"result":...}` with HTTP 200, or `{"ok":false,"error_code":N,"description":"..."}` with HTTP N.
 *
 * Beyond serving methods, the fake records every call (`calls`, `sent()`), lets tests inject failures
 * (`failNext`, `failForChat`), slow responses down (`delayResponses`), and feeds incoming updates to
 * long-polling bots (`pushUpdate` + the `*Update` builders) or to webhook bots (`deliverWebhook`).
 */
import type { IncomingMessage } from 'node:http';
import type { Chat, Message, Update, User, UserFromGetMe } from 'grammy/types';
import {
  ApiError,
  BotApiFake,
  FAKE_JPEG,
  isObject,
  Listeners,
  parseJsonObject,
  postWebhook,
  readBody,
} from './fake-server.ts';

export type Failure =
  | { kind: 'rateLimit'; retryAfter: number }
  | { kind: 'blocked' }
  | { kind: 'deactivated' }
  | { kind: 'serverError' }
  | { kind: 'badGateway' }
  /** Destroy the socket without answering (the client sees a network error). */
  | { kind: 'drop' };

export type Params = Record<string, unknown>;

export interface ApiCall {
  method: string;
  params: Params;
  /** Date.now() when the request was received. */
  at: number;
  /** The bot token it was made with. */
  token: string;
}

export interface SentMessage {
  chatId: string;
  /** The text, or a document's or photo's caption ('' when none). */
  text: string;
  replyMarkup?: unknown;
  parseMode?: string;
  messageId: number;
  /** The bot that sent it: the number before ':' in its token. */
  botId: string;
  /** Sent with allow_paid_broadcast (the paid limit, not the free one). */
  paid?: boolean;
  /** A document or photo that was uploaded (sendDocument / sendPhoto). */
  file?: SentFile;
}

export interface SentFile {
  kind: 'document' | 'photo';
  name: string;
  contentType: string;
  bytes: Buffer;
}

/** Messages a second a bot may send with allow_paid_broadcast (Telegram's paid broadcasts). */
export const PAID_BROADCAST_PER_SECOND = 1000;

/** The sender of a fake incoming update. */
export interface FakeUser {
  id: number;
  first_name?: string;
  last_name?: string;
  username?: string;
  language_code?: string;
}

export interface WebhookConfig {
  url: string;
  secretToken?: string;
}

/** What a method handler gets: the request parameters and hooks into the request's lifecycle. */
export interface CallContext {
  params: Params;
  /** Aborted when the client disconnects or the fake is closing. */
  signal: AbortSignal;
  /** Runs `fn` only once the response has actually been written to the client. */
  onDelivered(fn: () => void): void;
  /** The bot token the request was made with. */
  token: string;
}

export type MethodHandler = (ctx: CallContext) => unknown;

const DEFAULT_TOKEN = '123456:TEST-token';
const MAX_MESSAGE_LENGTH = 4096;
/** Telegram's limits: captions 0–1024 characters; uploads 50 MB for documents, 10 MB for photos. */
const MAX_CAPTION_LENGTH = 1024;
const MAX_UPLOAD_BYTES = { document: 50 * 1024 * 1024, photo: 10 * 1024 * 1024 };

export class FakeTelegram extends BotApiFake<SentMessage, Failure> {
  override readonly token: string;
  /** Every API call with a valid token, in arrival order (including ones that failed). */
  declare readonly calls: ApiCall[];
  readonly botUser: UserFromGetMe;

  /** Every bot token served (the first is `token`): several bots may share one API root. */
  readonly tokens: string[];
  /** Each bot's webhook, by token. */
  private readonly webhookConfigs = new Map<string, WebhookConfig>();
  private updates: Update[] = [];
  private lastUpdateId = 0;
  private readonly updateListeners = new Listeners();

  private readonly messageIds = new Map<string, number>();
  private readonly users = new Map<number, User>();
  private callbackQueryCounter = 0;
  /** The sendMessage budget of each bot (see `limitSendRate`); none: unlimited. */
  private sendLimit: number | undefined;
  private readonly sendBuckets = new Map<string, { perSecond: number; tokens: number; at: number }>();

  /** When each delivered sendMessage was accepted (Date.now()), by chat, in order: for rate measurements. */
  readonly deliveredAt: { chatId: string; at: number; botId: string }[] = [];
  /** sendMessage calls answered 429 because the budget of `limitSendRate` was spent. */
  rateLimited = 0;
  /** Files sent, by the file_id they were given: a bot may send one again by its id. */
  private readonly sentFiles = new Map<string, { botId: string; file: SentFile }>();
  /** sendPhoto / sendDocument calls that named a file sent before instead of uploading it. */
  filesReused = 0;

  /**
   * Enforces Telegram's overall limit the way the real API does: at most `perSecond` sendMessage
   * calls a second (a bucket of one second's worth, refilled continuously); a call beyond it gets
   * 429 "retry after 1". `undefined` lifts the limit.
   */
  limitSendRate(perSecond: number | undefined): void {
    this.sendLimit = perSecond;
    this.sendBuckets.clear();
  }

  /**
   * Takes one send from the bot's budget, or answers 429 when it is spent. Each bot has its own;
   * its paid broadcasts (allow_paid_broadcast) have one of PAID_BROADCAST_PER_SECOND.
   */
  private spendSend(token: string, paid: boolean): void {
    if (this.sendLimit === undefined) return;
    const perSecond = paid ? PAID_BROADCAST_PER_SECOND : this.sendLimit;
    const key = `${token}|${paid}`;
    let bucket = this.sendBuckets.get(key);
    if (!bucket) {
      bucket = { perSecond, tokens: perSecond, at: Date.now() };
      this.sendBuckets.set(key, bucket);
    }
    const now = Date.now();
    bucket.tokens = Math.min(bucket.perSecond, bucket.tokens + ((now - bucket.at) / 1000) * bucket.perSecond);
    bucket.at = now;
    if (bucket.tokens < 1) {
      this.rateLimited += 1;
      throw this.failureError({ kind: 'rateLimit', retryAfter: 1 });
    }
    bucket.tokens -= 1;
  }

  /** Method handlers, one per Bot API method; each returns the `result` or throws an ApiError. */
  protected override readonly handlers: Record<string, MethodHandler> = {
    getMe: ({ token }) => this.botUserOf(token),
    // The photos of photoUpdate; the file is then at /file/bot<token>/<file_path>.
    getFile: ({ params }) => {
      const fileId = str(params.file_id);
      if (!/^photo-[\w-]+$/.test(fileId)) throw new ApiError(400, 'Bad Request: invalid file_id');
      return {
        file_id: fileId,
        file_unique_id: fileId,
        file_size: FAKE_JPEG.length,
        file_path: `photos/${fileId}.jpg`,
      };
    },

    setWebhook: ({ params, token }) => {
      const url = str(params.url);
      if (url === '') {
        this.webhookConfigs.delete(token);
      } else {
        const secret = str(params.secret_token);
        this.webhookConfigs.set(token, secret === '' ? { url } : { url, secretToken: secret });
      }
      if (bool(params.drop_pending_updates)) this.updates = [];
      return true;
    },

    deleteWebhook: ({ params, token }) => {
      this.webhookConfigs.delete(token);
      if (bool(params.drop_pending_updates)) this.updates = [];
      return true;
    },

    getWebhookInfo: ({ token }) => ({
      url: this.webhookConfigs.get(token)?.url ?? '',
      has_custom_certificate: false,
      pending_update_count: this.updates.length,
    }),

    getUpdates: async ({ params, signal, token }) => {
      if (this.webhookConfigs.has(token)) {
        throw new ApiError(
          409,
          "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
        );
      }
      const limit = Math.min(Math.max(num(params.limit, 100), 1), 100);
      const timeoutSeconds = Math.max(num(params.timeout, 0), 0);
      // The queued updates are the first bot's; the others' pollers wait and get none.
      if (token !== this.token) {
        await this.updateListeners.next(Math.max(num(params.timeout, 0), 0) * 1000, signal);
        return [];
      }
      this.confirmUpdates(num(params.offset, 0));
      if (this.updates.length === 0 && timeoutSeconds > 0) {
        await this.updateListeners.next(timeoutSeconds * 1000, signal);
      }
      return this.updates.slice(0, limit);
    },

    sendMessage: ({ params, onDelivered, token }) => {
      const chatId = requireChatId(params);
      const text = str(params.text);
      if (text.trim() === '') throw new ApiError(400, 'Bad Request: message text is empty');
      if (text.length > MAX_MESSAGE_LENGTH) throw new ApiError(400, 'Bad Request: message is too long');
      const paid = bool(params.allow_paid_broadcast);
      this.spendSend(token, paid);
      const botId = botIdOf(token);
      const replyMarkup = jsonParam(params.reply_markup);
      const parseMode = str(params.parse_mode);
      const messageId = this.nextMessageId(chatId);
      const acceptedAt = Date.now();
      onDelivered(() => {
        this.deliveredAt.push({ chatId: String(chatId), at: acceptedAt, botId });
        this.sentLog.record({
          chatId: String(chatId),
          text,
          messageId,
          botId,
          ...(paid ? { paid } : {}),
          ...(replyMarkup === undefined ? {} : { replyMarkup }),
          ...(parseMode === '' ? {} : { parseMode }),
        });
      });
      const hasInlineKeyboard = isObject(replyMarkup) && 'inline_keyboard' in replyMarkup;
      return {
        message_id: messageId,
        date: nowSeconds(),
        chat: this.chatFor(chatId),
        from: this.botUserOf(token),
        text,
        ...(hasInlineKeyboard ? { reply_markup: replyMarkup } : {}),
      };
    },

    sendDocument: (ctx) => this.sendFile('document', ctx),
    sendPhoto: (ctx) => this.sendFile('photo', ctx),

    sendChatAction: ({ params }) => {
      requireChatId(params);
      if (str(params.action) === '')
        throw new ApiError(400, 'Bad Request: wrong parameter action in request');
      return true;
    },

    answerCallbackQuery: ({ params }) => {
      if (str(params.callback_query_id) === '') throw new ApiError(400, 'Bad Request: query_id is empty');
      return true;
    },

    setMyCommands: ({ params }) => {
      if (!Array.isArray(jsonParam(params.commands)))
        throw new ApiError(400, 'Bad Request: commands is empty');
      return true;
    },

    deleteMyCommands: () => true,
  };

  private constructor(token: string, more: string[] = []) {
    super('FakeTelegram', '#');
    this.token = token;
    this.tokens = [token, ...more.filter((other) => other !== token)];
    this.botUser = {
      id: Number(token.split(':')[0]) || 123456,
      is_bot: true,
      first_name: 'ISHC Test Bot',
      username: 'ishc_test_bot',
      can_join_groups: true,
      can_read_all_group_messages: false,
      supports_inline_queries: false,
      can_connect_to_business: false,
      has_main_web_app: false,
      has_topics_enabled: false,
      allows_users_to_create_topics: false,
      can_manage_bots: false,
      supports_join_request_queries: false,
    };
  }

  /** `tokens`: more bots served on the same API root (each its own webhook and send budget). */
  static async start(opts: { token?: string; tokens?: string[] } = {}): Promise<FakeTelegram> {
    const fake = new FakeTelegram(opts.token ?? DEFAULT_TOKEN, opts.tokens);
    fake.apiRoot = await fake.http.listen();
    return fake;
  }

  // ---------------------------------------------------------------------------------------------------
  // Inspection

  /** The current webhook, as set by setWebhook (Telegram's getWebhookInfo hides the secret; this doesn't). */
  get webhook(): WebhookConfig | undefined {
    return this.webhookConfigs.get(this.token);
  }

  /** The webhook set by the bot with `token`. */
  webhookOf(token: string): WebhookConfig | undefined {
    return this.webhookConfigs.get(token);
  }

  protected override servesToken(token: string): boolean {
    return this.tokens.includes(token);
  }

  /** getMe of the bot with `token`: the first bot's user, with that bot's id. */
  private botUserOf(token: string): UserFromGetMe {
    return token === this.token ? this.botUser : { ...this.botUser, id: Number(botIdOf(token)) || 0 };
  }

  /** The ids of the callback queries answered with answerCallbackQuery, in order. */
  answeredCallbackQueries(): string[] {
    return this.calls
      .filter((call) => call.method === 'answerCallbackQuery')
      .map((call) => str(call.params.callback_query_id));
  }

  /** Updates queued and not yet confirmed by a getUpdates offset. */
  get pendingUpdates(): readonly Update[] {
    return this.updates;
  }

  // ---------------------------------------------------------------------------------------------------
  // Behaviour control

  /** Adds or replaces the handler of a Bot API method (for methods the fake doesn't model). */
  onMethod(method: string, handler: MethodHandler): void {
    this.handlers[method] = handler;
  }

  // ---------------------------------------------------------------------------------------------------
  // Incoming updates

  nextUpdateId(): number {
    this.lastUpdateId += 1;
    return this.lastUpdateId;
  }

  /** Queues an update for getUpdates pollers, assigning `update_id` if it has none. Returns the update. */
  pushUpdate(update: object): Update {
    const withId = { ...update } as Update;
    if (typeof withId.update_id !== 'number') withId.update_id = this.nextUpdateId();
    this.lastUpdateId = Math.max(this.lastUpdateId, withId.update_id);
    this.updates.push(withId);
    this.updates.sort((a, b) => a.update_id - b.update_id);
    this.updateListeners.notify();
    return withId;
  }

  /** A private-chat text message; commands (`/start ...`) carry a bot_command entity. */
  textUpdate(from: FakeUser, text: string): Update {
    const command = text.startsWith('/') ? text.split(/\s/, 1)[0]! : '';
    const entities =
      command === ''
        ? {}
        : { entities: [{ type: 'bot_command' as const, offset: 0, length: command.length }] };
    return this.messageUpdate({ ...this.incomingMessage(from), text, ...entities });
  }

  /**
   * A text message in a group (a supergroup, as Telegram makes every group nowadays). Commands carry
   * a bot_command entity and `@names` a mention entity; `replyTo` makes it a reply to that message.
   */
  groupTextUpdate(
    from: FakeUser,
    group: { id: number; title?: string },
    text: string,
    replyTo?: { messageId: number; from: User },
  ): Update {
    const entities = [...text.matchAll(/(?<=^|\s)(\/\w+(?:@\w+)?|@\w+)/g)].map((m) => ({
      type: m[0].startsWith('/') ? ('bot_command' as const) : ('mention' as const),
      offset: m.index,
      length: m[0].length,
    }));
    const chat: Chat.SupergroupChat = { id: group.id, type: 'supergroup', title: group.title ?? 'CLB' };
    const message = {
      message_id: this.nextMessageId(group.id),
      date: nowSeconds(),
      chat,
      from: this.userFor(from),
      text,
      ...(entities.length === 0 ? {} : { entities }),
      ...(replyTo
        ? {
            reply_to_message: {
              message_id: replyTo.messageId,
              date: nowSeconds(),
              chat,
              from: replyTo.from,
              text: '…',
            },
          }
        : {}),
    };
    return this.messageUpdate(message as Message & Update.NonChannel);
  }

  /**
   * A shared contact; `contactUserId` defaults to the sender (the user shared their own number);
   * null: a card with no user_id (a number typed into the phone book, which Telegram does not vouch for).
   */
  contactUpdate(from: FakeUser, phone: string, contactUserId?: number | null): Update {
    const sender = this.userFor(from);
    const contact = {
      phone_number: phone,
      first_name: sender.first_name,
      ...(contactUserId === null ? {} : { user_id: contactUserId ?? from.id }),
    };
    return this.messageUpdate({ ...this.incomingMessage(from), contact });
  }

  stickerUpdate(from: FakeUser): Update {
    const sticker = {
      ...fileIds('sticker'),
      type: 'regular' as const,
      width: 512,
      height: 512,
      is_animated: false,
      is_video: false,
      emoji: '👍',
    };
    return this.messageUpdate({ ...this.incomingMessage(from), sticker });
  }

  /** A photo in three sizes (getFile and the file download serve each: FAKE_JPEG); `caption` when given. */
  photoUpdate(from: FakeUser, caption?: string): Update {
    const photo = [
      { ...fileIds('photo-s'), width: 90, height: 67, file_size: 1200 },
      { ...fileIds('photo-m'), width: 320, height: 240, file_size: 15000 },
      { ...fileIds('photo-x'), width: 1280, height: 960, file_size: 120000 },
    ];
    return this.messageUpdate({
      ...this.incomingMessage(from),
      photo,
      ...(caption === undefined ? {} : { caption }),
    });
  }

  protected override serveFile(pathname: string) {
    const match = /^\/file\/bot([^/]+)\/photos\/(photo-[\w-]+)\.jpg$/.exec(pathname);
    return match && this.servesToken(decodeURIComponent(match[1]!))
      ? { bytes: FAKE_JPEG, contentType: 'image/jpeg' }
      : undefined;
  }

  /** The user edited one of their messages (by default the last one they sent in the chat). */
  editedMessageUpdate(from: FakeUser, text: string, messageId?: number): Update {
    const message = this.incomingMessage(from);
    const edited = {
      ...message,
      message_id: messageId ?? this.messageIds.get(String(from.id)) ?? message.message_id,
      edit_date: nowSeconds(),
      text,
    };
    return { update_id: this.nextUpdateId(), edited_message: edited };
  }

  /**
   * The user pressed an inline button. `message` is the bot message carrying the button: by default the
   * last message delivered to the user's chat (so `ctx.chat` works in grammY), else a placeholder.
   */
  callbackQueryUpdate(from: FakeUser, data: string, messageId?: number): Update {
    const chatId = String(from.id);
    const sent = this.sent(chatId);
    const source = messageId === undefined ? sent.at(-1) : sent.find((m) => m.messageId === messageId);
    const message: Message = {
      message_id: messageId ?? source?.messageId ?? this.nextMessageId(from.id),
      date: nowSeconds(),
      chat: this.chatFor(from.id),
      from: this.botUser,
      text: source?.text ?? '…',
    };
    if (isObject(source?.replyMarkup) && 'inline_keyboard' in source.replyMarkup) {
      Object.assign(message, { reply_markup: source.replyMarkup });
    }
    this.callbackQueryCounter += 1;
    const callbackQuery = {
      id: `${from.id}${this.callbackQueryCounter}`,
      from: this.userFor(from),
      message,
      chat_instance: `ci-${from.id}`,
      data,
    };
    return { update_id: this.nextUpdateId(), callback_query: callbackQuery };
  }

  /** POSTs an update to a webhook URL the way Telegram does (JSON + optional secret-token header). */
  async deliverWebhook(
    url: string,
    update: object,
    secret?: string,
  ): Promise<{ status: number; body: string }> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (secret !== undefined) headers['x-telegram-bot-api-secret-token'] = secret;
    return postWebhook(url, JSON.stringify(update), headers);
  }

  // ---------------------------------------------------------------------------------------------------
  // HTTP plumbing

  protected override readParams(req: IncomingMessage, url: URL): Promise<Params> {
    return readParams(req, url);
  }

  /** Method names are case-insensitive, as in the real Bot API. */
  protected override findMethod(requested: string): string | undefined {
    const method = requested.toLowerCase();
    return Object.keys(this.handlers).find((m) => m.toLowerCase() === method);
  }

  protected override failureError(failure: Exclude<Failure, { kind: 'drop' }>): ApiError {
    return failureError(failure);
  }

  // ---------------------------------------------------------------------------------------------------
  // State helpers

  /** getUpdates semantics: a positive offset confirms (drops) every update below it; -N keeps the last N. */
  private confirmUpdates(offset: number): void {
    if (offset > 0) this.updates = this.updates.filter((u) => u.update_id >= offset);
    else if (offset < 0) this.updates = this.updates.slice(offset);
  }

  /** Message ids are per chat and shared by the bot's and the user's messages, as in real private chats. */
  private nextMessageId(chatId: number): number {
    const next = (this.messageIds.get(String(chatId)) ?? 0) + 1;
    this.messageIds.set(String(chatId), next);
    return next;
  }

  private userFor(from: FakeUser): User {
    const known = this.users.get(from.id);
    const user: User = {
      ...known,
      ...from,
      is_bot: false,
      first_name: from.first_name ?? known?.first_name ?? 'Test',
    };
    this.users.set(from.id, user);
    return user;
  }

  /**
   * sendDocument / sendPhoto with an uploaded file (multipart: the field holds the file, or
   * `attach://<name>` naming the part that does), or the file_id of a file this bot sent before.
   * A URL or an unknown id is refused: a fake cannot fetch the bytes of a URL it does not serve.
   */
  private async sendFile(kind: 'document' | 'photo', { params, onDelivered, token }: CallContext) {
    const chatId = requireChatId(params);
    let upload = params[kind];
    if (typeof upload === 'string' && upload.startsWith('attach://'))
      upload = params[upload.slice('attach://'.length)];
    // A file this bot sent before, by the file_id Telegram gave it (file ids are per bot).
    if (typeof upload === 'string' && upload !== '') {
      const known = this.sentFiles.get(upload);
      if (!known || known.botId !== botIdOf(token))
        throw new ApiError(400, 'Bad Request: wrong file identifier/HTTP URL specified');
      upload = new File([new Uint8Array(known.file.bytes)], known.file.name, {
        type: known.file.contentType,
      });
      this.filesReused += 1;
    }
    if (!(upload instanceof Blob)) throw new ApiError(400, `Bad Request: there is no ${kind} in the request`);
    const bytes = Buffer.from(await upload.arrayBuffer());
    if (bytes.length === 0) throw new ApiError(400, `Bad Request: file must be non-empty`);
    if (bytes.length > MAX_UPLOAD_BYTES[kind]) throw new ApiError(413, 'Request Entity Too Large');
    if (kind === 'photo' && !isImage(bytes)) throw new ApiError(400, 'Bad Request: IMAGE_PROCESS_FAILED');
    const caption = str(params.caption);
    if (caption.length > MAX_CAPTION_LENGTH)
      throw new ApiError(400, 'Bad Request: message caption is too long');
    const paid = bool(params.allow_paid_broadcast);
    this.spendSend(token, paid);
    const botId = botIdOf(token);
    const name = upload instanceof File && upload.name ? upload.name : kind;
    const file: SentFile = { kind, name, contentType: upload.type, bytes };
    const messageId = this.nextMessageId(chatId);
    onDelivered(() => {
      this.deliveredAt.push({ chatId: String(chatId), at: Date.now(), botId });
      this.sentLog.record({
        chatId: String(chatId),
        text: caption,
        messageId,
        file,
        botId,
        ...(paid ? { paid } : {}),
      });
    });
    const fileId = `file-${chatId}-${messageId}`;
    this.sentFiles.set(fileId, { botId, file });
    return {
      message_id: messageId,
      date: nowSeconds(),
      chat: this.chatFor(chatId),
      from: this.botUser,
      ...(caption ? { caption } : {}),
      ...(kind === 'document'
        ? {
            document: {
              file_id: fileId,
              file_unique_id: fileId,
              file_name: name,
              mime_type: upload.type,
              file_size: bytes.length,
            },
          }
        : {
            photo: [
              { file_id: fileId, file_unique_id: fileId, width: 1080, height: 1080, file_size: bytes.length },
            ],
          }),
    };
  }

  private chatFor(chatId: number): Chat.PrivateChat {
    const user = this.users.get(chatId);
    return {
      id: chatId,
      type: 'private',
      first_name: user?.first_name ?? 'Test',
      ...(user?.last_name === undefined ? {} : { last_name: user.last_name }),
      ...(user?.username === undefined ? {} : { username: user.username }),
    };
  }

  private incomingMessage(from: FakeUser) {
    const user = this.userFor(from);
    return {
      message_id: this.nextMessageId(from.id),
      date: nowSeconds(),
      chat: this.chatFor(from.id),
      from: user,
    };
  }

  private messageUpdate(message: Message & Update.NonChannel): Update {
    return { update_id: this.nextUpdateId(), message };
  }
}

// -----------------------------------------------------------------------------------------------------
// Free helpers

function failureError(failure: Exclude<Failure, { kind: 'drop' }>): ApiError {
  switch (failure.kind) {
    case 'rateLimit':
      return new ApiError(429, `Too Many Requests: retry after ${failure.retryAfter}`, {
        retry_after: failure.retryAfter,
      });
    case 'blocked':
      return new ApiError(403, 'Forbidden: bot was blocked by the user');
    case 'deactivated':
      return new ApiError(403, 'Forbidden: user is deactivated');
    case 'serverError':
      return new ApiError(500, 'Internal Server Error');
    case 'badGateway':
      return new ApiError(502, 'Bad Gateway');
  }
}

/**
 * A multipart/form-data body (RFC 7578) as params: text fields as strings, file parts as `File`s.
 * Written here rather than with undici's `Response.formData()`, whose parser differs between
 * Node versions (Node 20's refuses grammY's headers, written without a space after the colon).
 */
function parseMultipart(body: Buffer, type: string): Params {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(type);
  if (!boundary) throw new ApiError(400, 'Bad Request: multipart body without a boundary');
  const delimiter = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
  const params: Params = {};
  let at = body.indexOf(delimiter);
  if (at < 0) throw new ApiError(400, 'Bad Request: malformed multipart body');
  for (;;) {
    at += delimiter.length;
    if (body.subarray(at, at + 2).toString() === '--') return params;
    const headersEnd = body.indexOf('\r\n\r\n', at);
    const next = body.indexOf(delimiter, at);
    if (headersEnd < 0 || next < 0 || headersEnd > next)
      throw new ApiError(400, 'Bad Request: malformed multipart body');
    const headers = body.subarray(at, headersEnd).toString('utf8');
    const content = body.subarray(headersEnd + 4, next - 2); // the CRLF before the delimiter
    const name = /name="([^"]*)"/i.exec(headers)?.[1];
    // grammY writes `filename=a.xlsx` unquoted; browsers and curl quote it.
    const filenameMatch = /filename=(?:"([^"]*)"|([^;\r\n]*))/i.exec(headers);
    const filename = filenameMatch ? (filenameMatch[1] ?? filenameMatch[2]) : undefined;
    const contentType = /content-type:\s*([^\r\n;]+)/i.exec(headers)?.[1] ?? 'application/octet-stream';
    if (name !== undefined) {
      params[name] =
        filename === undefined
          ? content.toString('utf8')
          : new File([content], filename, { type: contentType });
    }
    at = next;
  }
}

/** PNG or JPEG, by their first bytes. */
function isImage(bytes: Buffer): boolean {
  return bytes.subarray(1, 4).toString('latin1') === 'PNG' || (bytes[0] === 0xff && bytes[1] === 0xd8);
}

async function readParams(req: IncomingMessage, url: URL): Promise<Params> {
  const params: Params = Object.fromEntries(url.searchParams);
  const type = req.headers['content-type'] ?? '';
  if (type.includes('multipart/form-data')) {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return { ...params, ...parseMultipart(Buffer.concat(chunks), type) };
  }
  const body = await readBody(req);
  if (body === '') return params;
  if (type.includes('application/json')) {
    return { ...params, ...parseJsonObject(body, (description) => new ApiError(400, description)) };
  }
  if (type.includes('application/x-www-form-urlencoded')) {
    return { ...params, ...Object.fromEntries(new URLSearchParams(body)) };
  }
  throw new ApiError(400, `Bad Request: FakeTelegram does not accept content-type '${type}'`);
}

/** chat_id as a number; usernames (`@channel`) are not modelled. */
function requireChatId(params: Params): number {
  const raw = params.chat_id;
  if (raw === undefined || raw === null || raw === '') {
    throw new ApiError(400, 'Bad Request: chat_id is empty');
  }
  const id = Number(raw);
  if (!Number.isSafeInteger(id)) throw new ApiError(400, 'Bad Request: chat not found');
  return id;
}

/** Form-encoded requests carry objects as JSON strings (reply_markup, commands); JSON bodies may too. */
function jsonParam(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

function str(value: unknown): string {
  return value === undefined || value === null ? '' : String(value);
}

function num(value: unknown, fallback: number): number {
  const n = Number(value);
  return value === undefined || value === '' || !Number.isFinite(n) ? fallback : n;
}

function bool(value: unknown): boolean {
  return value === true || value === 'true';
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

let fileCounter = 0;
function fileIds(prefix: string): { file_id: string; file_unique_id: string } {
  fileCounter += 1;
  return { file_id: `${prefix}-file-${fileCounter}`, file_unique_id: `${prefix}-uniq-${fileCounter}` };
}

/** A bot's id: the number before ':' in its token. */
function botIdOf(token: string): string {
  return token.split(':')[0] ?? '';
}
