/**
 * The copy of a member's chats on her record (src/store/member-chats.ts): what reminders and
 * notices read instead of one Identity read per member. Every change to her chats — linked,
 * blocked, written again, passed to someone else — must show in whom a notice reaches.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Effect, NotifyEffect } from '../src/engine/types.ts';
import { eventually } from './support/app.ts';
import { type ChannelHarness, simulatorHarness } from './support/chats.ts';

describe("a member's chats, copied on her record", () => {
  let h: ChannelHarness;
  let key = 0;
  const apply = (...effects: Effect[]) => h.test.app.effects.apply(effects, new Date());
  const notice = (memberId: string, text: string): NotifyEffect => ({
    type: 'notify',
    to: { members: [memberId] },
    say: { key: 'approve.alreadyDecided', vars: { name: text } },
    kind: 'notice',
    key: `chats-notice-${key++}`,
  });
  const received = async (chatId: string) => {
    const response = await fetch(`${h.test.url}/sim/api/messages?chatId=${chatId}&after=0`);
    const { messages } = (await response.json()) as { messages: { from: string; text: string }[] };
    return messages.filter((m) => m.from === 'bot').map((m) => m.text);
  };
  const copy = async (memberId: string) =>
    (await h.test.app.models.Member.findById(memberId).lean())?.chats?.map((chat) => ({
      id: chat._id,
      stopped: Boolean(chat.stoppedAt),
    }));
  const newMember = async (fullName: string) =>
    String(
      (await h.test.app.models.Member.create({ fullName, status: 'active', clubIds: ['c'], roles: [] }))._id,
    );

  beforeAll(async () => {
    h = await simulatorHarness();
  });
  afterAll(() => h.stop());

  it('follows her chat linked, blocked, written from again, and taken by someone else', async () => {
    const lan = await newMember('Lan');
    const mai = await newMember('Mai');
    const { effects } = h.test.app;
    const chat = { channel: 'simulator' as const, chatId: 'copy-1' };

    await apply({ type: 'linkIdentity', memberId: lan, identity: chat });
    expect(await copy(lan)).toEqual([{ id: 'simulator:copy-1', stopped: false }]);
    await apply(notice(lan, 'First'));
    await eventually(async () => (await received('copy-1')).some((t) => t.includes('First')), 'notice');

    await effects.markStopped(chat, new Date());
    expect(await copy(lan)).toEqual([{ id: 'simulator:copy-1', stopped: true }]);
    expect(await effects.chatsOf([lan])).toEqual([]);

    await effects.markResumed(chat);
    expect((await effects.chatsOf([lan])).map((target) => target.chat)).toEqual([chat]);

    // The same chat linked to someone else: it is hers now, and no longer Lan's.
    await apply({ type: 'linkIdentity', memberId: mai, identity: chat });
    expect(await copy(lan)).toEqual([]);
    expect(await copy(mai)).toEqual([{ id: 'simulator:copy-1', stopped: false }]);
    expect(await effects.chatsOf([lan])).toEqual([]);
    const [target] = await effects.chatsOf([mai]);
    expect(target?.chat).toEqual(chat);
    // Who she is comes with her chat (a flow opened there needs no second read of her).
    expect(target?.who?.memberId).toBe(mai);
  });

  it('a member stored before the copy existed is still reached through her Identity', async () => {
    const old = await newMember('Cúc');
    await h.test.app.models.Identity.create({
      _id: 'simulator:copy-old',
      channel: 'simulator',
      chatId: 'copy-old',
      memberId: old,
    });
    expect(await copy(old)).toBeUndefined();
    await apply(notice(old, 'Old'));
    await eventually(async () => (await received('copy-old')).some((t) => t.includes('Old')), 'notice');
  });
});
