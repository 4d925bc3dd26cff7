/**
 * One way to chat with the bot per channel, behind one interface, so a
 * transcript is written once and runs on every channel: the simulator (its
 * HTTP API), Telegram by webhook and Telegram by long polling (through the
 * fake Telegram API, a real HTTP server).
 */
import { expect } from 'vitest';
import type { ChannelName } from '../../src/engine/types.ts';
import { FakeTelegram, type SentMessage } from '../fakes/telegram.ts';
import { eventually, isolatedEnv, startTestApp, type TestApp } from './app.ts';

export interface Reply {
  text: string;
  /** The answer buttons the app shows (Telegram keyboard, simulator buttons). */
  choices: string[];
  contactButton: boolean;
}

export interface ChatDriver {
  readonly chatId: string;
  /** Sends `text` and returns the bot's answer to it. */
  say(text: string): Promise<Reply>;
  /** Shares a phone number through the app's button (the person's own unless `foreign`). */
  shareContact(phone: string, foreign?: boolean): Promise<Reply>;
  /** Sends a photo. */
  sendPhoto(): Promise<Reply>;
  /** The next message that arrives without this person writing (a notice, a request). */
  next(): Promise<Reply>;
  /** The next message containing `text`, skipping others (for chats that receive many notices). */
  nextWith(text: string): Promise<Reply>;
}

export interface ChannelHarness {
  readonly name: string;
  readonly channel: ChannelName;
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
  protected abstract sendContact(phone: string, foreign: boolean): Promise<void>;
  protected abstract sendPhotoMessage(): Promise<void>;

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

  async sendPhoto(): Promise<Reply> {
    await this.sendPhotoMessage();
    return this.next();
  }

  async say(text: string): Promise<Reply> {
    await this.sendText(text);
    return this.next();
  }

  async shareContact(phone: string, foreign = false): Promise<Reply> {
    await this.sendContact(phone, foreign);
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

  protected sendContact(_phone: string, _foreign: boolean) {
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

export async function simulatorHarness(env: Record<string, string> = {}): Promise<ChannelHarness> {
  const test = await startTestApp(isolatedEnv({ SIMULATOR: 'true', ...env }));
  const chatIdOf = (n: number) => `8497${String(n).padStart(7, '0')}`;
  return {
    name: 'simulator',
    channel: 'simulator',
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

  protected sendContact(phone: string, foreign: boolean) {
    return this.#deliver(
      this.#fake.contactUpdate(this.#user, phone, foreign ? this.#user.id + 1 : undefined),
    );
  }

  protected sendPhotoMessage() {
    return this.#deliver(this.#fake.photoUpdate(this.#user));
  }
}

export const WEBHOOK_SECRET = 'test-secret_123';

export async function telegramHarness(
  mode: 'webhook' | 'polling',
  env: Record<string, string> = {},
): Promise<ChannelHarness & { fake: FakeTelegram }> {
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
    test,
    fake,
    chatIdOf,
    chat: (n) => new TelegramDriver(fake, 700_000 + n, deliver),
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
];
