/**
 * A member's settings (flows/settings.ts): the app the bot writes to her on, her language, and
 * opting out of non-essential messages — "dừng nhận tin" (confirmed) and "nhận tin" / "bắt đầu"
 * to opt back in, from anywhere. An opted-out member still gets what is essential (a decision,
 * anything urgent); reminders do not reach her. Every question is answered with one digit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageKind } from '../src/engine/message-kinds.ts';
import { outboxJobId } from '../src/jobs/outbox.ts';
import {
  type ChannelHarness,
  type ChatDriver,
  HARNESSES,
  simulatorChat,
  telegramHarness,
} from './support/chats.ts';
import { memberWith } from './support/people.ts';
import { digitOf, vi } from './support/text.ts';

const CLUB = 'club-settings';
const SETTINGS_ONE_APP = [
  vi('menu.linkApp'),
  vi('menu.language'),
  vi('settings.stop'),
  vi('common.backToMenu'),
];

/** Tells member `memberId` something of `kind` through the runtime, as a flow's effect would. */
async function tell(
  h: ChannelHarness,
  memberId: string,
  key: string,
  kind: MessageKind,
  urgent?: boolean,
): Promise<string> {
  const text = `Tin ${key}`;
  await h.test.app.effects.apply(
    [
      {
        type: 'notify',
        to: { members: [memberId] },
        // Any message will do; the kind decides whether an opted-out member gets it.
        say: { key: 'notices.unreachable', vars: { count: 1, names: text } },
        kind,
        key,
        urgent,
      },
    ],
    new Date(),
  );
  return text;
}

describe.each(HARNESSES)('settings on $name', ({ start }) => {
  let h: ChannelHarness;
  let lan: { id: string; chat: ChatDriver };
  let n = 1;

  beforeAll(async () => {
    h = await start();
    lan = await memberWith(h, n++, 'Nguyễn Thị Lan', [{ role: 'member', clubId: CLUB }]);
  });
  afterAll(() => h.stop());

  /** Whether a message with `key` was queued for Lan's chat at all. */
  const queued = async (key: string) =>
    Boolean(
      await h.test.app.outbox
        .queue(h.channel)
        .getJob(outboxJobId(`${key}.${h.channel}.${lan.chat.chatId}`, 0)),
    );
  const optedOutAt = async () => (await h.test.app.models.Member.findById(lan.id).lean())?.optedOutAt ?? null;

  it('a member’s menu has "cài đặt"; it offers language and stopping messages, each by one digit', async () => {
    const menu = await lan.chat.say('menu');
    const settings = await lan.chat.say(digitOf(menu, vi('menu.settings')));
    expect(settings.text).toContain(vi('settings.ask'));
    // One app only: nothing to choose between.
    expect(settings.choices).toEqual(SETTINGS_ONE_APP);
    const language = await lan.chat.say(digitOf(settings, vi('menu.language')));
    expect(language.text).toContain(vi('language.ask'));
    expect((await lan.chat.say('1')).text).toContain(vi('language.changed'));
  });

  it('"dừng nhận tin", confirmed: reminders stop reaching her, decisions and urgent news still do', async () => {
    // Before: a reminder reaches her.
    const before = await tell(h, lan.id, 'reminder-before', 'meeting_reminder');
    expect((await lan.chat.next()).text).toContain(before);

    const asked = await lan.chat.say('dừng nhận tin');
    expect(asked.text).toContain(vi('settings.askStop'));
    expect(asked.choices).toEqual([vi('settings.stopYes'), vi('settings.stopNo')]);
    expect(await optedOutAt()).toBeNull();
    const stopped = await lan.chat.say('1');
    expect(stopped.text).toContain(vi('settings.stopped'));
    expect(await optedOutAt()).toBeInstanceOf(Date);

    await tell(h, lan.id, 'reminder-stopped', 'meeting_reminder');
    const decision = await tell(h, lan.id, 'decision-stopped', 'decision');
    expect(await queued('reminder-stopped')).toBe(false);
    expect((await lan.chat.next()).text).toContain(decision);
    const urgent = await tell(h, lan.id, 'urgent-stopped', 'meeting_reminder', true);
    expect((await lan.chat.next()).text).toContain(urgent);

    // Her settings now offer to take them back instead.
    const settings = await lan.chat.say('cài đặt');
    expect(settings.text).toContain(vi('settings.askStopped'));
    expect(settings.choices).toEqual([
      vi('menu.linkApp'),
      vi('menu.language'),
      vi('settings.resume'),
      vi('common.backToMenu'),
    ]);
  });

  it('"nhận tin" opts her back in, in the middle of a question too', async () => {
    // She is at her settings question from the test above.
    expect((await lan.chat.say('nhận tin')).text).toContain(vi('settings.resumed'));
    expect(await optedOutAt()).toBeNull();
    const reminder = await tell(h, lan.id, 'reminder-resumed', 'meeting_reminder');
    expect((await lan.chat.next()).text).toContain(reminder);
  });

  it('"dừng nhận tin" answered no changes nothing; "bắt đầu" opts in, and /start stays registration', async () => {
    const asked = await lan.chat.say('dừng nhận tin');
    expect((await lan.chat.say(digitOf(asked, vi('settings.stopNo')))).text).toContain(
      vi('settings.notStopped'),
    );
    expect(await optedOutAt()).toBeNull();

    await lan.chat.say('dừng nhận tin');
    await lan.chat.say('1');
    expect(await optedOutAt()).toBeInstanceOf(Date);
    expect((await lan.chat.say('bắt đầu')).text).toContain(vi('settings.resumed'));
    expect(await optedOutAt()).toBeNull();

    // /start is registration: a member is told she is in her club already.
    expect((await lan.chat.say('/start')).text).toContain(vi('register.alreadyMember', { club: CLUB }));
  });

  it('a newcomer who types "bắt đầu" gets the menu, whose first line is registration', async () => {
    const reply = await h.chat(n++).say('bắt đầu');
    expect(reply.text).not.toContain(vi('common.notUnderstood'));
    expect(reply.text).toContain(vi('menu.titleGuest'));
    expect(reply.choices[0]).toBe(vi('menu.register'));
  });
});

describe('the app to receive messages on', () => {
  let h: Awaited<ReturnType<typeof telegramHarness>>;
  let lan: { id: string; chat: ChatDriver };
  let onSimulator: ChatDriver;

  beforeAll(async () => {
    h = await telegramHarness('webhook', { SIMULATOR: 'true' });
    lan = await memberWith(h, 1, 'Nguyễn Thị Lan', [{ role: 'member', clubId: CLUB }]);
    // She opens the bot on the test page too (linked after her Telegram chat).
    const chatId = '84970000099';
    await h.test.app.models.Identity.create({
      _id: `simulator:${chatId}`,
      channel: 'simulator',
      chatId,
      memberId: lan.id,
    });
    onSimulator = simulatorChat(h.test.url, chatId);
  });
  afterAll(() => h.stop());

  it('is chosen by digit among her apps by name; notices go there while it is live', async () => {
    const settings = await lan.chat.say('cài đặt');
    expect(settings.choices).toEqual([vi('settings.app'), ...SETTINGS_ONE_APP]);
    const apps = await lan.chat.say('1');
    expect(apps.text).toContain(vi('settings.askApp'));
    expect(apps.choices).toEqual([vi('channels.simulator'), vi('channels.telegram')]);
    const chosen = await lan.chat.say(digitOf(apps, vi('channels.simulator')));
    expect(chosen.text).toContain(vi('settings.appChosen', { app: vi('channels.simulator') }));

    // She last wrote on Telegram, yet the notice goes to the app she chose.
    const notice = await tell(h, lan.id, 'notice-chosen', 'notice');
    expect((await onSimulator.next()).text).toContain(notice);
    expect(
      await h.test.app.outbox
        .queue('telegram')
        .getJob(outboxJobId(`notice-chosen.telegram.${lan.chat.chatId}`, 0)),
    ).toBeFalsy();

    // Once the chosen chat is gone (she blocked the bot there), messages go where she writes.
    await h.test.app.models.Identity.updateOne(
      { _id: `simulator:${onSimulator.chatId}` },
      { $set: { stoppedAt: new Date() } },
    );
    const fallback = await tell(h, lan.id, 'notice-fallback', 'notice');
    expect((await lan.chat.nextWith(fallback)).text).toContain(fallback);
  });
});
