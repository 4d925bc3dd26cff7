/**
 * The Telegram webhook as Telegram (here: the fake) uses it: secret header,
 * redeliveries, bodies that are not updates, and storage that is down.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeTelegram } from './fakes/telegram.ts';
import { dropTestData, isolatedEnv, startTestApp, type TestApp } from './support/app.ts';
import { telegramHarness, WEBHOOK_SECRET } from './support/chats.ts';
import { vi } from './support/text.ts';

describe('Telegram webhook', () => {
  let h: Awaited<ReturnType<typeof telegramHarness>>;
  let hook: string;
  const user = { id: 880_001, first_name: 'Lan' };

  beforeAll(async () => {
    h = await telegramHarness('webhook');
    hook = `${h.test.url}/webhooks/telegram`;
  });
  afterAll(() => h.stop());

  it('registers itself with Telegram: the webhook URL, the secret and the commands', () => {
    expect(h.fake.webhook).toMatchObject({
      url: 'https://bot.example.org/webhooks/telegram',
      secretToken: WEBHOOK_SECRET,
    });
    const commands = h.fake.calls.filter((call) => call.method === 'setMyCommands');
    expect(commands.length).toBe(2);
  });

  it('answers /start with a sendMessage to that chat within 2 s', async () => {
    const startedAt = Date.now();
    const { status } = await h.fake.deliverWebhook(hook, h.fake.textUpdate(user, '/start'), WEBHOOK_SECRET);
    expect(status).toBe(200);
    const sent = await h.fake.waitForSent((m) => m.chatId === String(user.id), 2000);
    expect(Date.now() - startedAt).toBeLessThan(2000);
    expect(sent.text).toContain(vi('register.askCode'));
  });

  it('rejects a wrong or missing secret with 401 and sends nothing', async () => {
    const stranger = { id: 880_002 };
    const wrong = await h.fake.deliverWebhook(hook, h.fake.textUpdate(stranger, '/start'), 'guessed-secret');
    const missing = await h.fake.deliverWebhook(hook, h.fake.textUpdate(stranger, '/start'));
    expect([wrong.status, missing.status]).toEqual([401, 401]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(h.fake.sent(stranger.id)).toEqual([]);
  });

  it('processes a redelivered update once', async () => {
    const person = { id: 880_003 };
    const update = h.fake.textUpdate(person, '/start');
    const first = await h.fake.deliverWebhook(hook, update, WEBHOOK_SECRET);
    const again = await h.fake.deliverWebhook(hook, update, WEBHOOK_SECRET);
    expect([first.status, again.status]).toEqual([200, 200]);
    await h.fake.waitForSentCount(1, person.id);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(h.fake.sent(person.id)).toHaveLength(1);
  });

  it('answers 400 to bodies that are not updates, and 200 to update kinds it does not use', async () => {
    const post = (body: string) =>
      fetch(hook, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': WEBHOOK_SECRET },
        body,
      });
    expect((await post('{"hello":1}')).status).toBe(400);
    expect((await post('not json')).status).toBe(400);
    expect((await post('[]')).status).toBe(400);
    const poll = { update_id: h.fake.nextUpdateId(), poll: { id: '1', question: 'x', options: [] } };
    expect((await post(JSON.stringify(poll))).status).toBe(200);
    const edited = h.fake.editedMessageUpdate({ id: 880_004 }, 'sửa tin');
    expect((await post(JSON.stringify(edited))).status).toBe(200);
    expect(h.fake.sent(880_004)).toEqual([]);
  });

  it('acknowledges updates of a wrong shape (200, never 5xx) and goes on answering', async () => {
    const post = (update: object) =>
      fetch(hook, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': WEBHOOK_SECRET },
        body: JSON.stringify({ update_id: h.fake.nextUpdateId(), ...update }),
      });
    const date = Math.floor(Date.now() / 1000);
    const odd = [
      { message: { message_id: 1, date, from: { id: 880_006, is_bot: false }, text: '/start' } },
      { message: 'hello' },
      { message: { message_id: 2, date, chat: { id: { $gt: 0 }, type: 'private' }, text: '/start' } },
      { message: { message_id: 3, date: 1e300, chat: { id: 880_006, type: 'private' }, text: 'x' } },
      { my_chat_member: { chat: null } },
    ];
    for (const update of odd) expect((await post(update)).status).toBe(200);
    const person = { id: 880_006 };
    await h.fake.deliverWebhook(hook, h.fake.textUpdate(person, '/start'), WEBHOOK_SECRET);
    const [reply] = await h.fake.waitForSentCount(1, person.id);
    expect(reply!.text).toContain(vi('register.askCode'));
  });

  it('strips control characters from what people type', async () => {
    const person = { id: 880_007 };
    const typed = '\u0000/st\u0007ar\u001Ft\u007F\uD800';
    await h.fake.deliverWebhook(hook, h.fake.textUpdate(person, typed), WEBHOOK_SECRET);
    const [reply] = await h.fake.waitForSentCount(1, person.id);
    expect(reply!.text).toContain(vi('register.askCode'));
  });

  it('marks the chat stopped when the person blocks the bot (my_chat_member)', async () => {
    const { Identity, Member } = h.test.app.models;
    const member = await Member.create({ fullName: 'Hoàng Văn Khải', status: 'active', clubIds: ['c1'] });
    await Identity.create({
      _id: 'telegram:880005',
      channel: 'telegram',
      chatId: '880005',
      memberId: String(member._id),
    });
    const blocked = {
      update_id: h.fake.nextUpdateId(),
      my_chat_member: {
        chat: { id: 880_005, type: 'private', first_name: 'K' },
        from: { id: 880_005, is_bot: false, first_name: 'K' },
        date: Math.floor(Date.now() / 1000),
        old_chat_member: { status: 'member', user: h.fake.botUser },
        new_chat_member: { status: 'kicked', user: h.fake.botUser, until_date: 0 },
      },
    };
    expect((await h.fake.deliverWebhook(hook, blocked, WEBHOOK_SECRET)).status).toBe(200);
    expect((await Identity.findById('telegram:880005').lean())?.stoppedAt).toBeInstanceOf(Date);
    expect((await Member.findById(member._id).lean())?.status).toBe('stopped');
  });
});

describe('a flood from one Telegram chat', () => {
  let h: Awaited<ReturnType<typeof telegramHarness>>;
  beforeAll(async () => {
    h = await telegramHarness('webhook');
  });
  afterAll(() => h.stop());

  it('does not delay another chat: past 20 a minute, one notice, then silence', async () => {
    const hook = `${h.test.url}/webhooks/telegram`;
    const flooder = { id: 881_001 };
    const statuses = await Promise.all(
      Array.from({ length: 200 }, async (_, n) => {
        const update = h.fake.textUpdate(flooder, `menu ${n}`);
        return (await h.fake.deliverWebhook(hook, update, WEBHOOK_SECRET)).status;
      }),
    );
    expect(statuses.every((status) => status === 200)).toBe(true);

    const other = { id: 881_002 };
    const startedAt = Date.now();
    await h.fake.deliverWebhook(hook, h.fake.textUpdate(other, '/start'), WEBHOOK_SECRET);
    const reply = await h.fake.waitForSent((m) => m.chatId === String(other.id), 5000);
    expect(Date.now() - startedAt).toBeLessThan(4000);
    expect(reply.text).toContain(vi('register.askCode'));

    await new Promise((resolve) => setTimeout(resolve, 1500));
    const received = h.fake.sent(flooder.id);
    expect(received.filter((m) => m.text === vi('common.tooFast'))).toHaveLength(1);
    expect(received.length).toBeLessThanOrEqual(21);
    expect(received.length).toBeGreaterThanOrEqual(20);
  }, 30_000);
});

describe('Telegram webhook with storage down', () => {
  let fake: FakeTelegram;
  let test: TestApp;

  beforeAll(async () => {
    fake = await FakeTelegram.start();
    // Nothing listens on port 1: every Redis command fails.
    test = await startTestApp(
      isolatedEnv({
        REDIS_URL: 'redis://127.0.0.1:1',
        SIMULATOR: 'false',
        TELEGRAM_BOT_TOKEN: fake.token,
        TELEGRAM_API_ROOT: fake.apiRoot,
        PUBLIC_URL: 'https://bot.example.org',
        TELEGRAM_WEBHOOK_SECRET: WEBHOOK_SECRET,
        ROLE: 'web',
      }),
    );
  });
  afterAll(async () => {
    await test.app.stop();
    await dropTestData({ ...test.env, REDIS_URL: 'redis://127.0.0.1:6379' });
    await fake.close();
  });

  it('answers 5xx so that Telegram delivers the update again, and /readyz names Redis', async () => {
    const update = fake.textUpdate({ id: 880_010 }, '/start');
    const { status } = await fake.deliverWebhook(`${test.url}/webhooks/telegram`, update, WEBHOOK_SECRET);
    expect(status).toBe(503);
    const ready = await fetch(`${test.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ down: ['redis'] });
    expect((await fetch(`${test.url}/healthz`)).status).toBe(200);
  });
});
