/**
 * Conversations survive a restart of the bot, and expire when left unanswered.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_CODES, seedDemoData } from '../src/demo/seed.ts';
import { dropTestData, eventually, isolatedEnv, startTestApp, type TestApp } from './support/app.ts';
import { simulatorHarness } from './support/chats.ts';
import { vi } from './support/text.ts';

describe('conversation state', () => {
  const env = isolatedEnv({ SIMULATOR: 'true' });
  let test: TestApp | undefined;
  afterAll(async () => {
    await test?.app.stop();
    await dropTestData(env);
  });

  it('resumes the open question after the bot restarts', async () => {
    test = await startTestApp(env);
    await seedDemoData(test.app.models);
    const send = (url: string, text: string) =>
      fetch(`${url}/sim/api/send`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ chatId: '84970000501', text }),
      });
    await send(test.url, `/start ${DEMO_CODES.openClub1}`);
    await send(test.url, '1');
    await test.app.stop();

    test = await startTestApp(env);
    await send(test.url, '1');
    const url = test.url;
    const botTexts = async () => {
      const response = await fetch(`${url}/sim/api/messages?chatId=84970000501&after=0`);
      const { messages } = (await response.json()) as { messages: { from: string; text: string }[] };
      return messages.filter((m) => m.from === 'bot').map((m) => m.text);
    };
    const texts = await eventually(async () => {
      const all = await botTexts();
      return all.length === 3 ? all : undefined;
    }, 'three bot messages');
    expect(texts[2]).toContain(vi('register.askName'));
  });
});

describe('idle conversations', () => {
  it('are closed after SESSION_IDLE_HOURS, and the person is told', async () => {
    // 0.0003 h ≈ 1 s
    const h = await simulatorHarness({ SESSION_IDLE_HOURS: '0.0003' });
    try {
      await seedDemoData(h.test.app.models);
      const chat = h.chat(1);
      await chat.say(`/start ${DEMO_CODES.openClub1}`);
      expect((await chat.say('1')).text).toContain(vi('register.agree'));
      await new Promise((resolve) => setTimeout(resolve, 1300));
      const reply = await chat.say('1');
      expect(reply.text).toContain(vi('common.expired'));
      expect(reply.text).toContain(vi('menu.titleGuest'));
    } finally {
      await h.stop();
    }
  });
});
