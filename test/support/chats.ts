/**
 * One way to chat with the bot per channel, behind one interface, so a
 * transcript is written once and runs on every channel: the simulator (its
 * HTTP API), Telegram by webhook and Telegram by long polling (through the
 * fake Telegram API, a real HTTP server).
 */
import { expect } from 'vitest';
import type { AppOverrides } from '../../src/app.ts';
import type { ChannelName } from '../../src/engine/types.ts';
import { FakeTelegram, type SentMessage } from '../fakes/telegram.ts';
import { FakeZaloBot } from '../fakes/zalo-bot.ts';
import { FakeZaloOA } from '../fakes/zalo-oa.ts';
import { eventually, isolatedEnv, startTestApp, type TestApp } from './app.ts';

export interface Reply {
  text: string;
  /** The answer buttons the app shows (Telegram keyboard, simulator buttons). */
  choices: string[];
  contactButton: boolean;
  /** A photo came with it (the text is its caption). */
  photo?: true;
}

export type ContactOwner = 'own' | 'someoneElse' | 'noUserId';

export interface ChatDriver {
  readonly chatId: string;
  /** Sends `text` and returns the bot's answer to it. */
  say(text: string): Promise<Reply>;
  /**
   * Shares a phone number through the app's button or form: as the person's own card (`own`), as
   * another user's card (`someoneElse`), or as a card the app does not vouch for (`noUserId`: a
   * Telegram contact without user_id). Apps that never vouch (simulator, Zalo) ignore `whose`.
   */
  shareContact(phone: string, whose?: ContactOwner): Promise<Reply>;
  /** Sends a photo, with this caption where the app has captions (Telegram, Zalo Bot). */
  sendPhoto(caption?: string): Promise<Reply>;
  /** The next message that arrives without this person writing (a notice, a request). */
  next(): Promise<Reply>;
  /** The next message containing `text`, skipping others (for chats that receive many notices). */
  nextWith(text: string): Promise<Reply>;
}

export interface ChannelHarness {
  readonly name: string;
  readonly channel: ChannelName;
  /** Whether the app shows a "share my phone" button (Zalo has none: people type it). */
  readonly contactButton: boolean;
  readonly test: TestApp;
  /** The chat of test person `n` (a new person unless linked to a member). */
  chat(n: number): ChatDriver;
  /** The chat id person `n` has on this channel. */
  chatIdOf(n: number): string;
  stop(): Promise<void>;
}

/** Waits for bot message number `index` (0-based) of a chat. */
abstract class BaseDriver implements ChatDriver {
  abstract readonly chatId: string;
  #seen = 0;
  protected abstract botMessages(): Promise<Reply[]> | Reply[];
  protected abstract sendText(text: string): Promise<void>;
  protected abstract sendContact(phone: string, whose: ContactOwner): Promise<void>;
  protected abstract sendPhotoMessage(caption?: string): Promise<void>;

  async next(): Promise<Reply> {
    const index = this.#seen;
    const reply = await eventually(
      async () => (await this.botMessages())[index],
      `bot message #${index + 1} in chat ${this.chatId}`,
    );
    this.#seen += 1;
    return reply;
  }

  async nextWith(text: string): Promise<Reply> {
    for (;;) {
      const reply = await this.next();
      if (reply.text.includes(text)) return reply;
    }
  }

  async sendPhoto(caption?: string): Promise<Reply> {
    await this.sendPhotoMessage(caption);
    return this.next();
  }

  async say(text: string): Promise<Reply> {
    await this.sendText(text);
    return this.next();
  }

  async shareContact(phone: string, whose: ContactOwner = 'own'): Promise<Reply> {
    await this.sendContact(phone, whose);
    return this.next();
  }
}

// ---------- simulator ----------

class SimulatorDriver extends BaseDriver {
  readonly chatId: string;
  readonly #url: string;

  constructor(url: string, chatId: string) {
    super();
    this.#url = url;
    this.chatId = chatId;
  }

  async #post(body: object): Promise<void> {
    const response = await fetch(`${this.#url}/sim/api/send`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ chatId: this.chatId, ...body }),
    });
    expect(response.status).toBe(202);
  }

  protected sendText(text: string) {
    return this.#post({ text });
  }

  protected sendContact(_phone: string, _whose: ContactOwner) {
    // The simulator's button always shares this chat's own number.
    return this.#post({ contact: true });
  }

  protected sendPhotoMessage() {
    return this.#post({ photo: true });
  }

  protected async botMessages(): Promise<Reply[]> {
    const response = await fetch(`${this.#url}/sim/api/messages?chatId=${this.chatId}&after=0`);
    const { messages } = (await response.json()) as {
      messages: { from: string; text: string; choices?: string[]; requestContact?: boolean }[];
    };
    return messages
      .filter((m) => m.from === 'bot')
      .map((m) => ({ text: m.text, choices: m.choices ?? [], contactButton: Boolean(m.requestContact) }));
  }
}

/** A simulator chat on a running bot (e.g. one that also has other channels). */
export function simulatorChat(url: string, chatId: string): ChatDriver {
  return new SimulatorDriver(url, chatId);
}

export async function simulatorHarness(
  env: Record<string, string> = {},
  overrides: AppOverrides = {},
): Promise<ChannelHarness> {
  const test = await startTestApp(isolatedEnv({ SIMULATOR: 'true', ...env }), overrides);
  const chatIdOf = (n: number) => `8497${String(n).padStart(7, '0')}`;
  return {
    name: 'simulator',
    channel: 'simulator',
    contactButton: true,
    test,
    chatIdOf,
    chat: (n) => new SimulatorDriver(test.url, chatIdOf(n)),
    stop: () => test.stop(),
  };
}

// ---------- Telegram ----------

function telegramReply(message: SentMessage): Reply {
  const markup = message.replyMarkup as
    | { keyboard?: { text: string; request_contact?: boolean }[][] }
    | undefined;
  const buttons = markup?.keyboard?.flat() ?? [];
  return {
    text: message.text,
    choices: buttons.filter((b) => !b.request_contact).map((b) => b.text.replace(/^\d+ · /, '')),
    contactButton: buttons.some((b) => b.request_contact),
    ...(message.file?.kind === 'photo' ? { photo: true as const } : {}),
  };
}

class TelegramDriver extends BaseDriver {
  readonly chatId: string;
  readonly #fake: FakeTelegram;
  readonly #deliver: (update: object) => Promise<void>;
  readonly #user: { id: number; first_name: string };

  constructor(fake: FakeTelegram, userId: number, deliver: (update: object) => Promise<void>) {
    super();
    this.#fake = fake;
    this.#deliver = deliver;
    this.#user = { id: userId, first_name: 'Test' };
    this.chatId = String(userId);
  }

  protected botMessages(): Reply[] {
    return this.#fake.sent(this.chatId).map(telegramReply);
  }

  protected sendText(text: string) {
    return this.#deliver(this.#fake.textUpdate(this.#user, text));
  }

  protected sendContact(phone: string, whose: ContactOwner) {
    const contactUserId = { own: this.#user.id, someoneElse: this.#user.id + 1, noUserId: null }[whose];
    return this.#deliver(this.#fake.contactUpdate(this.#user, phone, contactUserId));
  }

  protected sendPhotoMessage(caption?: string) {
    return this.#deliver(this.#fake.photoUpdate(this.#user, caption));
  }
}

export const WEBHOOK_SECRET = 'test-secret_123';

export async function telegramHarness(
  mode: 'webhook' | 'polling',
  env: Record<string, string> = {},
  overrides: AppOverrides = {},
): Promise<ChannelHarness & { fake: FakeTelegram; deliver: (update: object) => Promise<void> }> {
  const fake = await FakeTelegram.start();
  const test = await startTestApp(
    isolatedEnv({
      SIMULATOR: 'false',
      TELEGRAM_BOT_TOKEN: fake.token,
      TELEGRAM_API_ROOT: fake.apiRoot,
      TELEGRAM_MODE: mode,
      ...(mode === 'webhook'
        ? { PUBLIC_URL: 'https://bot.example.org', TELEGRAM_WEBHOOK_SECRET: WEBHOOK_SECRET }
        : {}),
      ...env,
    }),
    overrides,
  );
  const deliver =
    mode === 'webhook'
      ? async (update: object) => {
          const { status } = await fake.deliverWebhook(
            `${test.url}/webhooks/telegram`,
            update,
            WEBHOOK_SECRET,
          );
          expect(status).toBe(200);
        }
      : async (update: object) => {
          fake.pushUpdate(update);
        };
  const chatIdOf = (n: number) => String(700_000 + n);
  return {
    name: `telegram-${mode}`,
    channel: 'telegram',
    contactButton: true,
    test,
    fake,
    /** Hands an update to the app the way this mode receives it (webhook POST or getUpdates). */
    deliver,
    chatIdOf,
    chat: (n) => new TelegramDriver(fake, 700_000 + n, deliver),
    async stop() {
      await test.stop();
      await fake.close();
    },
  };
}

// ---------- Zalo ----------

/** Zalo shows no buttons: the choices are the "Gõ N = …" lines a person reads. */
function zaloReply({ text, photo }: ZaloMessage): Reply {
  const choices = [...text.matchAll(/^(?:Gõ|Type) \d+ = (.+)$/gm)].map((m) => m[1]!);
  return { text, choices, contactButton: false, ...(photo ? { photo: true as const } : {}) };
}

/** A message the bot sent in a Zalo chat: its text (a photo's caption), and whether a photo came. */
type ZaloMessage = { text: string; photo?: boolean };

/** How to send each kind of message in a Zalo chat, and where the bot's messages land. */
interface ZaloChatIo {
  text(text: string): Promise<void>;
  contact(phone: string): Promise<void>;
  photo(caption?: string): Promise<void>;
  sent(): ZaloMessage[];
}

class ZaloDriver extends BaseDriver {
  readonly chatId: string;
  readonly #io: ZaloChatIo;

  constructor(chatId: string, io: ZaloChatIo) {
    super();
    this.chatId = chatId;
    this.#io = io;
  }

  protected botMessages(): Reply[] {
    return this.#io.sent().map(zaloReply);
  }

  protected sendText(text: string) {
    return this.#io.text(text);
  }

  protected sendContact(phone: string, _whose: ContactOwner) {
    return this.#io.contact(phone);
  }

  protected sendPhotoMessage(caption?: string) {
    return this.#io.photo(caption);
  }
}

export const ZALO_BOT_SECRET = 'zalo-bot-secret-123';

export async function zaloBotHarness(
  env: Record<string, string> = {},
  overrides: AppOverrides = {},
): Promise<ChannelHarness & { fake: FakeZaloBot }> {
  const fake = await FakeZaloBot.start();
  const test = await startTestApp(
    isolatedEnv({
      SIMULATOR: 'false',
      ZALO_BOT_TOKEN: fake.token,
      ZALO_BOT_API_ROOT: fake.apiRoot,
      ZALO_BOT_MODE: 'webhook',
      PUBLIC_URL: 'https://bot.example.org',
      ZALO_BOT_WEBHOOK_SECRET: ZALO_BOT_SECRET,
      ...env,
    }),
    overrides,
  );
  const hook = `${test.url}/webhooks/zalo-bot`;
  const deliver = async (update: object) => {
    const { status } = await fake.deliverWebhook(hook, update, { secret: ZALO_BOT_SECRET });
    expect(status).toBe(200);
  };
  const chatIdOf = (n: number) => String(5_100_000_000 + n);
  return {
    name: 'zalo-bot',
    channel: 'zalo-bot',
    contactButton: false,
    test,
    fake,
    chatIdOf,
    chat: (n) => {
      const from = { id: chatIdOf(n), display_name: 'Test' };
      return new ZaloDriver(from.id, {
        text: (text) => deliver(fake.textEvent(from, text)),
        // No contact button on the Zalo Bot: the person types the number.
        contact: (phone) => deliver(fake.textEvent(from, phone)),
        photo: (caption) => deliver(fake.imageEvent(from, caption)),
        sent: () => fake.sent(from.id).map((m) => ({ text: m.text, photo: Boolean(m.photo) })),
      });
    },
    async stop() {
      await test.stop();
      await fake.close();
    },
  };
}

export async function zaloOaHarness(
  env: Record<string, string> = {},
  overrides: AppOverrides = {},
): Promise<ChannelHarness & { fake: FakeZaloOA }> {
  const fake = await FakeZaloOA.start();
  const test = await startTestApp(
    isolatedEnv({
      SIMULATOR: 'false',
      ZALO_OA_APP_ID: fake.appId,
      ZALO_OA_APP_SECRET: fake.appSecret,
      ZALO_OA_SECRET_KEY: fake.oaSecretKey,
      ZALO_OA_API_ROOT: fake.apiRoot,
      ZALO_OAUTH_API_ROOT: fake.oauthRoot,
      ZNS_API_ROOT: fake.znsRoot,
      ZALO_OA_ACCESS_TOKEN: fake.initialTokens.accessToken,
      ZALO_OA_REFRESH_TOKEN: fake.initialTokens.refreshToken,
      ...env,
    }),
    overrides,
  );
  const hook = `${test.url}/webhooks/zalo-oa`;
  const deliver = async (event: object) => {
    const { status } = await fake.deliverWebhook(hook, event);
    expect(status).toBe(200);
  };
  const chatIdOf = (n: number) => String(8_800_000_000 + n);
  return {
    name: 'zalo-oa',
    channel: 'zalo-oa',
    contactButton: false,
    test,
    fake,
    chatIdOf,
    chat: (n) => {
      const userId = chatIdOf(n);
      return new ZaloDriver(userId, {
        text: (text) => deliver(fake.userSendText(userId, text)),
        // The OA's "share information" form: Zalo vouches for the number.
        contact: (phone) => deliver(fake.userSubmitInfo(userId, phone)),
        photo: () => deliver(fake.userSendImage(userId)),
        sent: () =>
          fake
            .sent()
            .filter((m) => m.userId === userId)
            .map((m) => ({ text: m.text })),
      });
    },
    async stop() {
      await test.stop();
      await fake.close();
    },
  };
}

/** Every channel harness, for `describe.each`. */
export const HARNESSES: { name: string; start: () => Promise<ChannelHarness> }[] = [
  { name: 'simulator', start: () => simulatorHarness() },
  { name: 'telegram-webhook', start: () => telegramHarness('webhook') },
  { name: 'telegram-polling', start: () => telegramHarness('polling') },
  { name: 'zalo-bot', start: () => zaloBotHarness() },
  { name: 'zalo-oa', start: () => zaloOaHarness() },
];
