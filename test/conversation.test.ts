/**
 * What a newcomer meets in a conversation (issue 10): yes-words at yes/no questions, ages typed
 * for a birth year, names without letters, greetings and thanks, help that names the chair,
 * and leaving registration half-way — on every channel.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_CODES, seedDemoData } from '../src/demo/seed.ts';
import { type ChannelHarness, type ChatDriver, HARNESSES } from './support/chats.ts';
import { vi } from './support/text.ts';

describe.each(HARNESSES)('conversation on $name', ({ start }) => {
  let h: ChannelHarness;
  let person = 300;
  /** A person the bot has never seen. */
  const newcomer = () => h.chat(person++);

  /** Opens registration with club 1's open code and answers the language question. */
  async function upToConsent(chat: ChatDriver) {
    await chat.say(`/start ${DEMO_CODES.openClub1}`);
    expect((await chat.say('1')).text).toContain(vi('register.agree'));
  }

  beforeAll(async () => {
    h = await start();
    await seedDemoData(h.test.app.models);
  });
  afterAll(() => h.stop());

  it('a yes/no question takes yes-words ("có", "co", "vâng") and no-words ("khong")', async () => {
    for (const yes of ['co', 'Có ạ', 'vâng', 'ừ']) {
      const chat = newcomer();
      await upToConsent(chat);
      expect((await chat.say(yes)).text, yes).toContain(vi('register.askName'));
    }
    const chat = newcomer();
    await upToConsent(chat);
    expect((await chat.say('khong')).text).toContain(vi('register.declined'));
  });
});
