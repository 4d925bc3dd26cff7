/**
 * FakeZaloBot — a fake of the Zalo Bot Platform API served over real HTTP on loopback, for tests.
 *
 * Point the bot at it with `ZALO_BOT_API_ROOT = fake.apiRoot` and `ZALO_BOT_TOKEN = fake.token`. Requests
 * arrive as `/bot<TOKEN>/<method>`: GET with a query string, or POST with a JSON body (form-urlencoded bodies
 * are accepted too). Method names are case-sensitive. Answers follow the platform's envelope:
 * `{"ok":true,"result":...}` with HTTP 200, or `{"ok":false,"error_code":N,"description":"..."}` with HTTP N.
 *
 * | method           | checks (→ error)                                                  | result                          |
 * | ---------------- | ----------------------------------------------------------------- | ------------------------------- |
 * | `getMe`          |                                                                   | `{id, account_name, account_type, can_join_groups}` |
 * | `getUpdates`     | webhook set (→ 400 "webhook is active")                           | queued updates (see below)      |
 * | `setWebhook`     | `url` not https, `secret_token` not 8-256 chars (→ 400)           | `{url, updated_at}`             |
 * | `deleteWebhook`  |                                                                   | `{url: '', updated_at}`         |
 * | `getWebhookInfo` |                                                                   | `{url, updated_at}` (no secret) |
 * | `sendMessage`    | no `chat_id`, `text` not 1-2000 chars (→ 400); chat never wrote (→ 403) | `{message_id, date}`      |
 * | `sendPhoto`      | no `chat_id`, `photo` not an http(s) URL, `caption` > 2000 (→ 400); 403 | `{message_id, date}`      |
 * | `sendSticker`    | no `chat_id`, no `sticker` (→ 400); 403                            | `{message_id, date}`            |
 * | `sendChatAction` | no `chat_id`, `action` not `typing` (→ 400); 403                   | none: the answer is `{"ok":true}` |
 *
 * Other errors: 401 "Unauthorized" for a token that is not this bot's (or after `revokeToken()`), 404 for an
 * unknown method or path. Text length is counted in UTF-16 code units (`string.length`), the stricter reading.
 *
 * Choices where the platform's documentation is silent (unconfirmed; keep the bot tolerant of both):
 * - getUpdates while a webhook is set answers 400 "webhook is active" (the documented codes have no 409).
 * - getUpdates has no offset: the updates returned are consumed. If the response never reaches the client
 *   (it disconnected, or the fake closed during a delay), they are queued again, at the front.
 * - getUpdates' `timeout` (seconds, a string or a number) defaults to 30.
 * - By default getUpdates returns an array of every queued update (`[]` when the long poll times out).
 *   Open-source clients report that the real API returns ONE update object per call and answers 408 when a
 *   long poll times out empty: `start({ getUpdatesResult: 'single' })` serves that shape instead.
 * - "The bot can only write to chats that wrote to it first": every send (message, photo, sticker, chat
 *   action) to a chat id that never reached the bot through `pushUpdate` / `deliverWebhook` (or was let in
 *   with `allowChat`) answers 403.
 *
 * Like FakeTelegram, the fake records calls (`calls`, `sent()`), injects failures (`failNext`,
 * `failForChat`, `revokeToken`), slows responses down (`delayResponses`) and feeds incoming updates to
 * long-polling bots (`pushUpdate` + the `*Event` builders) or to webhook bots (`deliverWebhook`).
 */
import type { IncomingMessage } from 'node:http';
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
  /** 429: the bot's quota is exceeded. */
  | { kind: 'quota' }
  /** 401: the token was rejected (this call only; `revokeToken()` rejects every later call). */
  | { kind: 'badToken' }
  /** 403: e.g. the user blocked the bot. */
  | { kind: 'forbidden' }
  /** 500. */
  | { kind: 'serverError' }
  /** 408. */
  | { kind: 'timeout' }
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
  /** The text, or a photo's caption ('' when none). */
  text: string;
  messageId: string;
  /** sendPhoto: the image URL (the platform fetches it). */
  photo?: string;
}

/** The sender of a fake incoming update. Zalo ids are strings (use digits, e.g. `'5200000001'`). */
export interface FakeUser {
  id: string;
  display_name?: string;
}

export type EventName =
  | 'message.text.received'
  | 'message.image.received'
  | 'message.sticker.received'
  | 'message.unsupported.received';

export interface ZaloBotMessage {
  message_id: string;
  /** Milliseconds since the epoch. */
  date: number;
  text?: string;
  /** The image's URL. */
  photo?: string;
  caption?: string;
  sticker?: string;
  from: { id: string; display_name: string; is_bot: boolean };
  chat: { id: string; chat_type: 'PRIVATE' | 'GROUP' };
}

export interface ZaloBotUpdate {
  event_name: EventName;
  message: ZaloBotMessage;
}

export interface BotInfo {
  id: string;
  account_name: string;
  account_type: string;
  can_join_groups: boolean;
}

export interface WebhookConfig {
  url: string;
  secretToken: string;
  /** Date.now() when setWebhook was called. */
  updatedAt: number;
}

export interface FakeZaloBotOptions {
  /** `digits:chars`; default `'1234567890:zalo-test-token'`. */
  token?: string;
  /** `'array'` (default): every queued update, `[]` on timeout. `'single'`: one update, 408 on timeout. */
  getUpdatesResult?: 'array' | 'single';
}

export interface DeliverOptions {
  /** Sent as `X-Bot-Api-Secret-Token`; no header when omitted. */
  secret?: string;
  /** `true` (default): the documented body `{"ok":true,"result":update}`; `false`: the bare update. */
  wrapped?: boolean;
}

/** What a method handler gets: the request parameters and hooks into the request's lifecycle. */
export interface CallContext {
  params: Params;
  /** Aborted when the client disconnects or the fake is closing. */
  signal: AbortSignal;
  /** Runs `fn` only once the response has actually been written to the client. */
  onDelivered(fn: () => void): void;
  /** Runs `fn` if the response is never written (the client went away, or the fake closed). */
  onUndelivered(fn: () => void): void;
}

/** A handler returns the `result`, `NO_RESULT` (answer `{"ok":true}` alone), or throws an ApiError. */
export type MethodHandler = (ctx: CallContext) => unknown;

export const NO_RESULT: unique symbol = Symbol('no result');

const DEFAULT_TOKEN = '1234567890:zalo-test-token';
const TOKEN_FORMAT = /^\d+:\S+$/;
const MAX_TEXT_LENGTH = 2000;
const DEFAULT_POLL_SECONDS = 30;

export class FakeZaloBot extends BotApiFake<SentMessage, Failure> {
  override readonly token: string;
  /**
   * Every API call with this bot's token, in arrival order (including ones that failed, and calls made
   * after `revokeToken()`). Calls with another token are not recorded.
   */
  declare readonly calls: ApiCall[];
  readonly botInfo: BotInfo;

  private readonly getUpdatesResult: 'array' | 'single';

  private webhookConfig: WebhookConfig | undefined;
  private updates: ZaloBotUpdate[] = [];
  private readonly updateListeners = new Listeners();

  private messageCounter = 0;
  private readonly users = new Map<string, { id: string; display_name: string }>();
  private readonly allowedChats = new Set<string>();

  private revoked = false;

  /** Method handlers, one per Bot API method. */
  protected override readonly handlers: Record<string, MethodHandler> = {
    getMe: () => this.botInfo,

    getUpdates: async ({ params, signal, onUndelivered }) => {
      if (this.webhookConfig) {
        throw new ApiError(400, 'Bad Request: webhook is active; call deleteWebhook to use getUpdates');
      }
      const timeoutSeconds = Math.max(num(params.timeout, DEFAULT_POLL_SECONDS), 0);
      const deadline = Date.now() + timeoutSeconds * 1000;
      while (this.updates.length === 0 && !signal.aborted) {
        const left = deadline - Date.now();
        if (left <= 0) break;
        await this.updateListeners.next(left, signal);
      }
      if (this.getUpdatesResult === 'single') {
        const update = this.updates.shift();
        if (!update) throw new ApiError(408, 'Request Timeout');
        onUndelivered(() => this.updates.unshift(update));
        return update;
      }
      const taken = this.updates;
      this.updates = [];
      onUndelivered(() => {
        this.updates = [...taken, ...this.updates];
      });
      return taken;
    },

    setWebhook: ({ params }) => {
      const url = str(params.url);
      if (!isHttpsUrl(url)) throw new ApiError(400, 'Bad Request: url must be an https URL');
      const secretToken = str(params.secret_token);
      if (secretToken.length < 8 || secretToken.length > 256) {
        throw new ApiError(400, 'Bad Request: secret_token must be 8-256 characters');
      }
      this.webhookConfig = { url, secretToken, updatedAt: Date.now() };
      return { url, updated_at: this.webhookConfig.updatedAt };
    },

    deleteWebhook: () => {
      this.webhookConfig = undefined;
      return { url: '', updated_at: Date.now() };
    },

    getWebhookInfo: () => ({
      url: this.webhookConfig?.url ?? '',
      updated_at: this.webhookConfig?.updatedAt ?? 0,
    }),

    sendMessage: ({ params, onDelivered }) => {
      const chatId = requireChatId(params);
      const text = str(params.text);
      if (text.length < 1 || text.length > MAX_TEXT_LENGTH) {
        throw new ApiError(400, `Bad Request: text must be 1-${MAX_TEXT_LENGTH} characters`);
      }
      this.requireAllowed(chatId);
      const messageId = this.nextMessageId();
      onDelivered(() => this.sentLog.record({ chatId, text, messageId }));
      return { message_id: messageId, date: Date.now() };
    },

    sendPhoto: ({ params, onDelivered }) => {
      const chatId = requireChatId(params);
      if (!/^https?:\/\/\S+$/.test(str(params.photo))) {
        throw new ApiError(400, 'Bad Request: photo must be an image URL');
      }
      if (str(params.caption).length > MAX_TEXT_LENGTH) {
        throw new ApiError(400, `Bad Request: caption must be 1-${MAX_TEXT_LENGTH} characters`);
      }
      this.requireAllowed(chatId);
      const messageId = this.nextMessageId();
      const photo = str(params.photo);
      onDelivered(() => this.sentLog.record({ chatId, text: str(params.caption), messageId, photo }));
      return { message_id: messageId, date: Date.now() };
    },

    sendSticker: ({ params }) => {
      const chatId = requireChatId(params);
      if (str(params.sticker) === '') throw new ApiError(400, 'Bad Request: sticker is empty');
      this.requireAllowed(chatId);
      return { message_id: this.nextMessageId(), date: Date.now() };
    },

    sendChatAction: ({ params }) => {
      const chatId = requireChatId(params);
      if (str(params.action) !== 'typing') {
        throw new ApiError(400, "Bad Request: action must be 'typing'");
      }
      this.requireAllowed(chatId);
      return NO_RESULT;
    },
  };

  private constructor(opts: FakeZaloBotOptions) {
    super('FakeZaloBot', '');
    const token = opts.token ?? DEFAULT_TOKEN;
    if (!TOKEN_FORMAT.test(token)) throw new Error(`FakeZaloBot: token must look like digits:chars`);
    this.token = token;
    this.getUpdatesResult = opts.getUpdatesResult ?? 'array';
    this.botInfo = {
      id: token.split(':')[0]!,
      account_name: 'ISHC Test Bot',
      account_type: 'BASIC',
      can_join_groups: false,
    };
  }

  static async start(opts: FakeZaloBotOptions = {}): Promise<FakeZaloBot> {
    const fake = new FakeZaloBot(opts);
    fake.apiRoot = await fake.http.listen();
    return fake;
  }

  // ---------------------------------------------------------------------------------------------------
  // Inspection

  /** The current webhook as set by setWebhook, secret included (getWebhookInfo doesn't return it). */
  get webhook(): WebhookConfig | undefined {
    return this.webhookConfig;
  }

  /** Updates queued and not yet returned by getUpdates. */
  get pendingUpdates(): readonly ZaloBotUpdate[] {
    return this.updates;
  }

  /** Whether the bot may write to this chat (it wrote to the bot, or `allowChat` let it in). */
  isAllowed(chatId: string | number): boolean {
    return this.allowedChats.has(String(chatId));
  }

  // ---------------------------------------------------------------------------------------------------
  // Behaviour control

  /** Lets the bot write to `chatId` as if the user had written first (for tests that need no update). */
  allowChat(chatId: string | number): void {
    this.allowedChats.add(String(chatId));
  }

  /** Every later call (valid token until now) answers 401 Unauthorized, as if the token had been revoked. */
  revokeToken(): void {
    this.revoked = true;
  }

  /** Adds or replaces the handler of a method (for methods the fake doesn't model). */
  onMethod(method: string, handler: MethodHandler): void {
    this.handlers[method] = handler;
  }

  // ---------------------------------------------------------------------------------------------------
  // Incoming updates (the builders only build: push or deliver the result)

  /** Queues an update for getUpdates pollers and lets the bot write to its chat. Returns the update. */
  pushUpdate<T extends object>(update: T): T {
    this.allowChatOf(update);
    this.updates.push(update as unknown as ZaloBotUpdate);
    this.updateListeners.notify();
    return update;
  }

  protected override serveFile(pathname: string) {
    return /^\/photos\/\d+\.jpg$/.test(pathname)
      ? { bytes: FAKE_JPEG, contentType: 'image/jpeg' }
      : undefined;
  }

  textEvent(from: FakeUser, text: string): ZaloBotUpdate {
    return this.event('message.text.received', from, { text });
  }

  /** An image, as a URL (the fake serves it: FAKE_JPEG); `caption` when given. */
  imageEvent(from: FakeUser, caption?: string): ZaloBotUpdate {
    const photo = `${this.apiRoot}/photos/${this.messageCounter + 1}.jpg`;
    return this.event('message.image.received', from, caption === undefined ? { photo } : { photo, caption });
  }

  stickerEvent(from: FakeUser): ZaloBotUpdate {
    return this.event('message.sticker.received', from, { sticker: `sticker-${this.messageCounter + 1}` });
  }

  /** What Zalo sends for content it doesn't forward (also sent by some protected accounts). */
  unsupportedEvent(from: FakeUser): ZaloBotUpdate {
    return this.event('message.unsupported.received', from, {});
  }

  /**
   * POSTs an update to the bot's webhook the way Zalo does: JSON, header `X-Bot-Api-Secret-Token` when
   * `secret` is given, body `{"ok":true,"result":update}` (documented) or the bare update (`wrapped: false`,
   * as reported from real traffic). Lets the bot write to the update's chat, even if the bot rejects it.
   */
  async deliverWebhook(
    url: string,
    update: object,
    opts: DeliverOptions = {},
  ): Promise<{ status: number; body: string }> {
    this.allowChatOf(update);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (opts.secret !== undefined) headers['x-bot-api-secret-token'] = opts.secret;
    const body = opts.wrapped === false ? update : { ok: true, result: update };
    return postWebhook(url, JSON.stringify(body), headers);
  }

  // ---------------------------------------------------------------------------------------------------
  // HTTP plumbing

  protected override readParams(req: IncomingMessage, url: URL): Promise<Params> {
    return readParams(req, url);
  }

  /** Method names are case-sensitive. */
  protected override findMethod(requested: string): string | undefined {
    return Object.hasOwn(this.handlers, requested) ? requested : undefined;
  }

  protected override failureError(failure: Exclude<Failure, { kind: 'drop' }>): ApiError {
    return failureError(failure);
  }

  /** After `revokeToken()` every call (recorded first) answers 401. */
  protected override checkCall(): void {
    if (this.revoked) throw new ApiError(401, 'Unauthorized');
  }

  /** `NO_RESULT` answers `{"ok":true}` alone. */
  protected override resultBody(result: unknown): Params {
    return result === NO_RESULT ? { ok: true } : { ok: true, result };
  }

  // ---------------------------------------------------------------------------------------------------
  // State helpers

  private requireAllowed(chatId: string): void {
    if (!this.allowedChats.has(chatId)) {
      throw new ApiError(403, 'Forbidden: the user has not sent a message to the bot');
    }
  }

  /** Lets the bot write to the chat of an update (`message.chat.id`, else `message.from.id`), if it has one. */
  private allowChatOf(update: object): void {
    const inner = isObject(update) && isObject(update.result) ? update.result : update;
    const message = isObject(inner) && isObject(inner.message) ? inner.message : undefined;
    const chatId =
      (isObject(message?.chat) ? message.chat.id : undefined) ??
      (isObject(message?.from) ? message.from.id : undefined);
    if (typeof chatId === 'string' || typeof chatId === 'number') this.allowChat(chatId);
  }

  /** Message ids are strings, unique within the fake, shared by the bot's and the users' messages. */
  private nextMessageId(): string {
    this.messageCounter += 1;
    return `m${this.messageCounter}`;
  }

  private event(
    eventName: EventName,
    from: FakeUser,
    content: Pick<ZaloBotMessage, 'text' | 'photo' | 'caption' | 'sticker'>,
  ): ZaloBotUpdate {
    const id = String(from.id);
    const display_name = from.display_name ?? this.users.get(id)?.display_name ?? 'Test';
    this.users.set(id, { id, display_name });
    return {
      event_name: eventName,
      message: {
        message_id: this.nextMessageId(),
        date: Date.now(),
        ...content,
        from: { id, display_name, is_bot: false },
        chat: { id, chat_type: 'PRIVATE' },
      },
    };
  }
}

// -----------------------------------------------------------------------------------------------------
// Free helpers

function failureError(failure: Exclude<Failure, { kind: 'drop' }>): ApiError {
  switch (failure.kind) {
    case 'quota':
      return new ApiError(429, 'Too Many Requests: quota exceeded');
    case 'badToken':
      return new ApiError(401, 'Unauthorized');
    case 'forbidden':
      return new ApiError(403, 'Forbidden');
    case 'serverError':
      return new ApiError(500, 'Internal Server Error');
    case 'timeout':
      return new ApiError(408, 'Request Timeout');
  }
}

async function readParams(req: IncomingMessage, url: URL): Promise<Params> {
  const params: Params = Object.fromEntries(url.searchParams);
  const body = await readBody(req);
  if (body.trim() === '') return params;
  const type = req.headers['content-type'] ?? '';
  if (type.includes('application/x-www-form-urlencoded')) {
    return { ...params, ...Object.fromEntries(new URLSearchParams(body)) };
  }
  // JSON, declared or not.
  if (type === '' || type.includes('json')) {
    return { ...params, ...parseJsonObject(body, (description) => new ApiError(400, description)) };
  }
  throw new ApiError(400, `Bad Request: FakeZaloBot does not accept content-type '${type}'`);
}

function requireChatId(params: Params): string {
  const chatId = str(params.chat_id);
  if (chatId === '') throw new ApiError(400, 'Bad Request: chat_id is empty');
  return chatId;
}

function isHttpsUrl(value: string): boolean {
  try {
    return new URL(value).protocol === 'https:';
  } catch {
    return false;
  }
}

function str(value: unknown): string {
  return value === undefined || value === null ? '' : String(value);
}

function num(value: unknown, fallback: number): number {
  const n = Number(value);
  return value === undefined || value === null || value === '' || !Number.isFinite(n) ? fallback : n;
}
