/**
 * Several Telegram bots in one deployment (TELEGRAM_BOT_TOKENS): each bot its own webhook and
 * secret, each chat answered and told by the bot it wrote to (re-bound when it writes to
 * another), each bot its own outbox queue and rate; a paid-broadcast bot sends with
 * allow_paid_broadcast. One TELEGRAM_BOT_TOKEN stays a list of one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { telegramBots } from '../src/channels/telegram-bots.ts';
import { loadConfig } from '../src/config.ts';
import type { Outbound } from '../src/engine/types.ts';
import { FakeTelegram } from './fakes/telegram.ts';
import { eventually, isolatedEnv, startTestApp, type TestApp } from './support/app.ts';

const FIRST = '111111:first-bot-token';
const SECOND = '222222:second-bot-token';
const PAID = '333333:paid-bot-token';
const SECRET = 'multi-bot-secret_1';

describe('several Telegram bots', () => {
  let fake: FakeTelegram;
  let test: TestApp;
  const bots = telegramBots([FIRST, SECOND, PAID], {
    webhookSecret: SECRET,
    paidBots: '333333',
    ratePerSecond: 30,
    paidRatePerSecond: 1000,
  });
  const [first, second, paid] = bots as [(typeof bots)[0], (typeof bots)[0], (typeof bots)[0]];
  const user = (n: number) => ({ id: 660_000 + n, first_name: 'Lan' });
  /** A private message from `n` to one bot, through that bot's webhook with its secret. */
  const write = async (bot: typeof first, n: number, text: string) => {
    const { status } = await fake.deliverWebhook(
      `${test.url}${bot.webhookPath}`,
      fake.textUpdate(user(n), text),
      bot.webhookSecret,
    );
    expect(status).toBe(200);
  };
  const notice = (n: number, text: string): Outbound => ({
    channel: 'telegram',
    chatId: String(user(n).id),
    lang: 'vi',
    text,
    kind: 'notice',
  });
  const sentBy = (n: number) => fake.sent(user(n).id).map((m) => m.botId);

  beforeAll(async () => {
    fake = await FakeTelegram.start({ token: FIRST, tokens: [SECOND, PAID] });
    test = await startTestApp(
      isolatedEnv({
        SIMULATOR: 'false',
        TELEGRAM_BOT_TOKENS: `${FIRST},${SECOND},${PAID}`,
        TELEGRAM_PAID_BROADCAST_BOTS: '333333',
        TELEGRAM_API_ROOT: fake.apiRoot,
        TELEGRAM_MODE: 'webhook',
        PUBLIC_URL: 'https://bot.example.org',
        TELEGRAM_WEBHOOK_SECRET: SECRET,
      }),
    );
  });
  afterAll(async () => {
    await test.stop();
    await fake.close();
  });

  it('sets each bot its own webhook, and refuses one bot’s secret on another’s path', async () => {
    expect(fake.webhookOf(FIRST)).toEqual({
      url: 'https://bot.example.org/webhooks/telegram',
      secretToken: SECRET,
    });
    expect(fake.webhookOf(SECOND)?.url).toBe('https://bot.example.org/webhooks/telegram/222222');
    expect(fake.webhookOf(SECOND)?.secretToken).toBe(second.webhookSecret);
    expect(second.webhookSecret).not.toBe(SECRET);
    const forged = await fake.deliverWebhook(
      `${test.url}${second.webhookPath}`,
      fake.textUpdate(user(9), 'menu'),
      SECRET,
    );
    expect(forged.status).toBe(401);
  });

  it('answers and tells each chat through the bot it wrote to, and re-binds it when it writes to another', async () => {
    await write(first, 1, '/start');
    await write(second, 2, '/start');
    await eventually(() => sentBy(1).length > 0 && sentBy(2).length > 0, 'both answered');
    expect(new Set(sentBy(1))).toEqual(new Set(['111111']));
    expect(new Set(sentBy(2))).toEqual(new Set(['222222']));

    // Later messages not caused by the chat (a notice) go through its bot's own queue.
    await test.app.outbox.enqueue([notice(1, 'Họp A'), notice(2, 'Họp B')], 'bots-notice-1');
    await eventually(() => fake.sent(user(2).id).some((m) => m.text === 'Họp B'), 'notice B');
    expect(fake.sent(user(2).id).find((m) => m.text === 'Họp B')?.botId).toBe('222222');
    await eventually(() => fake.sent(user(1).id).some((m) => m.text === 'Họp A'), 'notice A');
    expect(fake.sent(user(1).id).find((m) => m.text === 'Họp A')?.botId).toBe('111111');

    // She starts the second bot: from now on she hears from it.
    await write(second, 1, 'menu');
    await test.app.outbox.enqueue([notice(1, 'Họp C')], 'bots-notice-2');
    await eventually(() => fake.sent(user(1).id).some((m) => m.text === 'Họp C'), 'notice C');
    expect(fake.sent(user(1).id).find((m) => m.text === 'Họp C')?.botId).toBe('222222');
  });

  it('the same update id from two bots is two updates', async () => {
    const update = fake.textUpdate(user(5), '/start');
    const again = fake.textUpdate(user(6), '/start');
    (again as { update_id: number }).update_id = (update as { update_id: number }).update_id;
    await fake.deliverWebhook(`${test.url}${first.webhookPath}`, update, first.webhookSecret);
    await fake.deliverWebhook(`${test.url}${second.webhookPath}`, again, second.webhookSecret);
    await eventually(() => sentBy(5).length > 0 && sentBy(6).length > 0, 'both answered');
  });

  it('a paid-broadcast bot sends with allow_paid_broadcast, at its own rate', async () => {
    expect(paid.paid).toBe(true);
    expect(paid.ratePerSecond).toBe(1000);
    expect(first.ratePerSecond).toBe(30);
    await write(paid, 3, '/start');
    await eventually(() => fake.sent(user(3).id).length > 0, 'answered by the paid bot');
    expect(fake.sent(user(3).id).every((m) => m.botId === '333333' && m.paid)).toBe(true);
    expect(fake.sent(user(1).id).some((m) => m.paid)).toBe(false);
  });
});

describe('Telegram bot settings', () => {
  it('one TELEGRAM_BOT_TOKEN is a list of one; a list alone gives the first as the bot', () => {
    const base = { NODE_ENV: 'test', SIMULATOR: 'false' };
    expect(loadConfig({ ...base, TELEGRAM_BOT_TOKEN: FIRST }).TELEGRAM_BOTS).toEqual([FIRST]);
    const listed = loadConfig({ ...base, TELEGRAM_BOT_TOKENS: `${FIRST}, ${SECOND}` });
    expect(listed.TELEGRAM_BOTS).toEqual([FIRST, SECOND]);
    expect(listed.TELEGRAM_BOT_TOKEN).toBe(FIRST);
    expect(
      loadConfig({ ...base, TELEGRAM_BOT_TOKEN: FIRST, TELEGRAM_BOT_TOKENS: `${SECOND},${FIRST}` })
        .TELEGRAM_BOTS,
    ).toEqual([FIRST, SECOND]);
    expect(() => loadConfig({ ...base, TELEGRAM_BOT_TOKENS: `${FIRST},not-a-token` })).toThrow(
      /TELEGRAM_BOT_TOKENS/,
    );
    const [only] = telegramBots([FIRST], {
      ratePerSecond: 25,
      paidRatePerSecond: 1000,
      webhookSecret: SECRET,
    });
    expect(only).toMatchObject({
      webhookPath: '/webhooks/telegram',
      webhookSecret: SECRET,
      queueName: 'outbox-telegram',
      paid: false,
    });
  });
});
