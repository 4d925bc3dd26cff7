/**
 * The bot in a club's Telegram group, and inline buttons: a command or a mention in a group gets
 * one short pointer to the private chat (at most one a minute per group), nothing else happens in
 * groups; a pressed button is answered at once and read as if its text had been typed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from './support/app.ts';
import { telegramHarness } from './support/chats.ts';
import { vi } from './support/text.ts';

/** Long enough for a message that was going to be sent to have arrived. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 600));

describe.each(['webhook', 'polling'] as const)('Telegram groups and buttons (%s)', (mode) => {
  let h: Awaited<ReturnType<typeof telegramHarness>>;
  // Group ids are negative on Telegram; each test uses its own group and people.
  const base = mode === 'webhook' ? 0 : 100;
  const group = (n: number) => ({ id: -1_001_000_000_000 - base - n, title: 'CLB Đồng Hòa' });
  const person = (n: number) => ({ id: 890_000 + base + n, first_name: 'Lan' });
  const pointer = () =>
    vi('telegram.groupPointer', { link: `https://t.me/${h.fake.botUser.username}?start=` });

  beforeAll(async () => {
    h = await telegramHarness(mode);
  });
  afterAll(() => h.stop());

  it('answers a command in a group with one pointer to the private chat, and nothing else', async () => {
    const chat = group(1);
    await h.deliver(h.fake.groupTextUpdate(person(1), chat, '/start'));
    const [reply] = await h.fake.waitForSentCount(1, chat.id);
    expect(reply!.text).toBe(pointer());
    expect(reply!.text).toContain('https://t.me/ishc_test_bot?start=');
    await settle();
    expect(h.fake.sent(chat.id)).toHaveLength(1);
    expect(h.fake.sent(person(1).id)).toEqual([]);
    // Its record is written to MongoDB in the message log's next batch.
    const { Message } = h.test.app.models;
    const records = () => Message.countDocuments({ chatId: String(chat.id) });
    await eventually(async () => (await records()) > 0 || undefined, 'the pointer recorded');
    expect(await records()).toBe(1);
  });

  it('says nothing more to a second command in the same group within the minute', async () => {
    const chat = group(2);
    await h.deliver(h.fake.groupTextUpdate(person(2), chat, '/menu@ishc_test_bot'));
    await h.fake.waitForSentCount(1, chat.id);
    await h.deliver(h.fake.groupTextUpdate(person(3), chat, '/help'));
    await h.deliver(h.fake.groupTextUpdate(person(2), chat, 'Hỏi @ishc_test_bot với'));
    await settle();
    expect(h.fake.sent(chat.id)).toHaveLength(1);
  });

  it('ignores ordinary group messages: no reply, nothing stored', async () => {
    const chat = group(3);
    for (const text of ['Chào cả nhà', '1', 'menu', '/start@some_other_bot', 'Hỏi @ishc_test_bot2 nhé']) {
      await h.deliver(h.fake.groupTextUpdate(person(4), chat, text));
    }
    await settle();
    expect(h.fake.sent(chat.id)).toEqual([]);
    expect(h.fake.sent(person(4).id)).toEqual([]);
    const { Message } = h.test.app.models;
    expect(await Message.countDocuments({ chatId: String(chat.id) })).toBe(0);
    // The rate limit was not used up by the ignored messages: a command still gets its pointer.
    await h.deliver(h.fake.groupTextUpdate(person(4), chat, '/start'));
    const [reply] = await h.fake.waitForSentCount(1, chat.id);
    expect(reply!.text).toBe(pointer());
  });

  it('answers a mention of the bot, and a reply to one of its messages, with the pointer', async () => {
    const mentioned = group(4);
    await h.deliver(h.fake.groupTextUpdate(person(5), mentioned, 'Cho tôi hỏi @ISHC_test_bot'));
    expect((await h.fake.waitForSentCount(1, mentioned.id))[0]!.text).toBe(pointer());

    const replied = group(5);
    const botMessage = { messageId: 7, from: h.fake.botUser };
    await h.deliver(h.fake.groupTextUpdate(person(5), replied, 'Vâng ạ', botMessage));
    expect((await h.fake.waitForSentCount(1, replied.id))[0]!.text).toBe(pointer());
  });

  it('answers a pressed button and reads it as the typed text', async () => {
    const typing = h.chat(10);
    await typing.say('/start');
    const typed = await typing.say('menu');

    const pressing = person(11);
    await h.deliver(h.fake.textUpdate(pressing, '/start'));
    await h.fake.waitForSentCount(1, pressing.id);
    const press = h.fake.callbackQueryUpdate(pressing, 'menu');
    await h.deliver(press);
    const [, reply] = await h.fake.waitForSentCount(2, pressing.id);
    expect(reply!.text).toBe(typed.text);
    expect(h.fake.answeredCallbackQueries()).toContain(press.callback_query!.id);
  });

  it('answers a button pressed in a group, and does nothing else', async () => {
    const chat = group(6);
    const pressing = person(13);
    const press = h.fake.callbackQueryUpdate(pressing, 'menu');
    const query = press.callback_query!;
    const inGroup = {
      ...press,
      callback_query: { ...query, message: { ...query.message!, chat: { id: chat.id, type: 'supergroup' } } },
    };
    await h.deliver(inGroup);
    await eventually(() => h.fake.answeredCallbackQueries().includes(query.id), 'the press answered');
    await settle();
    expect(h.fake.sent(chat.id)).toEqual([]);
    expect(h.fake.sent(pressing.id)).toEqual([]);
  });

  it('handles a button press delivered twice once, and answers it', async () => {
    const pressing = person(12);
    const say = async (text: string, count: number) => {
      await h.deliver(h.fake.textUpdate(pressing, text));
      return (await h.fake.waitForSentCount(count, pressing.id)).at(-1)!;
    };
    await say('/start', 1);
    await say('menu', 2);
    // "2 = change language", pressed once but delivered twice: a second run would pick English.
    const press = h.fake.callbackQueryUpdate(pressing, '2');
    await h.deliver(press);
    await h.deliver({ ...press, update_id: h.fake.nextUpdateId() });
    expect((await h.fake.waitForSentCount(3, pressing.id))[2]!.text).toContain(vi('language.ask'));
    expect((await say('menu', 4)).text).toContain(vi('menu.titleGuest'));
    await settle();
    expect(h.fake.sent(pressing.id)).toHaveLength(4);
    expect(h.fake.answeredCallbackQueries()).toContain(press.callback_query!.id);
  });
});
