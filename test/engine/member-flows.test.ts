/**
 * The small flows as engine cases: the menu, language, my info, linking another app and
 * unlinking ("NGẮT"). No database: see test/support/engine.ts. Their channel transcripts are in
 * test/conversation.test.ts, test/membership.test.ts and test/identity.test.ts.
 */

import { describe, expect, it } from 'vitest';
import { WRONG_CODES_PER_HOUR } from '../../src/store/link-codes.ts';
import { converse, DH, PEOPLE, standardWorld, worldWithNewcomer } from '../support/engine.ts';

describe('menu', () => {
  it('a guest may register or choose a language; a digit opens the line shown', async () => {
    const replies = await converse(standardWorld().chat('200'), [
      ['menu', 'menu.titleGuest'],
      ['1', 'register.askCode'],
    ]);
    expect(replies[0]!.choices).toEqual(['menu.register', 'menu.language']);
  });

  it("a chair's menu holds approval; a plain member's does not", async () => {
    const world = standardWorld();
    const [chair] = await converse(world.chat(PEOPLE.chair.chat), [['menu', 'menu.title']]);
    expect(chair!.choices).toEqual([
      'menu.healthCheck',
      'menu.healthResults',
      'menu.meetings',
      'menu.settings',
      'menu.registerProxy',
      'menu.healthAlerts',
      'menu.approve',
      'menu.weeklyReport',
      'menu.assign',
    ]);
    const [member] = await converse(world.chat(PEOPLE.member.chat), [['menu', 'menu.title']]);
    expect(member!.choices).not.toContain('menu.approve');
  });

  it('a line keeps what it said even when the role changed meanwhile (the flow checks again)', async () => {
    const world = standardWorld();
    const chair = world.chat(PEOPLE.chair.chat);
    const [menu] = await converse(chair, [['menu', 'menu.title']]);
    const approve = String(menu!.choices!.indexOf('menu.approve') + 1);
    world.lookups.members.find((member) => member.id === PEOPLE.chair.id)!.roles = [
      { role: 'member', clubId: DH },
    ];
    await converse(chair, [[approve, ['approve.none', 'menu.title']]]);
  });

  it('something not understood gets the menu', async () => {
    await converse(standardWorld().chat(PEOPLE.member.chat), [
      ['what?', ['common.notUnderstood', 'menu.title']],
    ]);
  });
});

describe('language', () => {
  it("a member's choice is stored for her", async () => {
    const chat = standardWorld().chat(PEOPLE.member.chat);
    const replies = await converse(chat, [
      ['ngôn ngữ', 'language.ask'],
      ['2', ['language.changed', 'menu.title']],
    ]);
    expect(replies[1]!.effects).toEqual([{ type: 'setLanguage', memberId: PEOPLE.member.id, lang: 'en' }]);
    expect(chat.state.who?.lang).toBe('en');
  });

  it("a guest's choice stays with the chat", async () => {
    const chat = standardWorld().chat('201');
    const replies = await converse(chat, [
      ['language', 'language.ask'],
      ['2', ['language.changed', 'menu.titleGuest']],
    ]);
    expect(replies[1]!.effects).toEqual([]);
    expect(chat.state.lang).toBe('en');
  });
});

describe('my info', () => {
  it('shows what the club holds about the member', async () => {
    const chat = standardWorld().chat(PEOPLE.member.chat);
    const [menu] = await converse(chat, [['menu', 'menu.title']]);
    const replies = await converse(chat, [
      [String(menu!.choices!.indexOf('menu.myInfo') + 1), 'myInfo.profile'],
      ['3', 'menu.title'],
    ]);
    expect(replies[0]!.vars[0]).toEqual({
      name: 'Phạm Thị Hoa',
      year: '1948',
      gender: 'gender.female',
      phone: '0912 000 004',
      club: 'CLB Điền Hồng',
      roles: 'roles.member',
      status: 'status.active',
    });
    expect(replies.flatMap((reply) => reply.effects)).toEqual([]);
  });
});

describe('link another app', () => {
  it('a code made here links a chat on another app once; a replay of it links nothing', async () => {
    const world = standardWorld();
    const [made] = await converse(world.chat(PEOPLE.member.chat), [['liên kết', 'linkApp.code']]);
    const code = String(made!.vars[0]!.code);
    expect(code).toMatch(/^[A-Z2-9]{4} [A-Z2-9]{4}$/);
    expect(made!.effects).toEqual([{ type: 'createLinkCode', memberId: PEOPLE.member.id, code }]);

    const zalo = world.chat('z-300', 'zalo-oa');
    const [linked] = await converse(zalo, [[code.toLowerCase(), ['register.linkedByCode', 'menu.title']]]);
    expect(linked!.vars[0]).toEqual({ name: 'Phạm Thị Hoa' });
    expect(linked!.effects).toEqual([
      { type: 'useLinkCode', code: code.toLowerCase().replace(' ', '') },
      { type: 'linkIdentity', memberId: PEOPLE.member.id, identity: { channel: 'zalo-oa', chatId: 'z-300' } },
    ]);
    // Used up: on a third chat the same code is no code at all.
    await converse(world.chat('z-301', 'zalo-oa'), [[code, ['register.codeUnknown', 'register.askCode']]]);
  });

  it('the same turn run again before its effects are applied answers the same', async () => {
    const world = standardWorld();
    const [made] = await converse(world.chat(PEOPLE.member.chat), [['liên kết', 'linkApp.code']]);
    const zalo = world.chat('z-304', 'zalo-oa');
    const inbound = {
      ...zalo.ref,
      userId: zalo.ref.chatId,
      messageId: 'm1',
      at: world.now,
      kind: 'text' as const,
      text: String(made!.vars[0]!.code),
    };
    // A turn whose saving failed is run again: the code is only looked up, the effect uses it up.
    const first = await world.engine.handle(zalo.state, inbound, world.lookups, world.now);
    const again = await world.engine.handle(zalo.state, inbound, world.lookups, world.now);
    expect(again.effects).toEqual(first.effects);
    expect(again.effects.map((effect) => effect.type)).toEqual(['useLinkCode', 'linkIdentity']);
  });

  it('a chat that types too many wrong codes is stopped', async () => {
    const chat = standardWorld().chat('z-302', 'zalo-oa');
    // Each wrong code counts, however it is typed (here restarting with /start each time).
    const wrong: [string, string[]][] = Array.from({ length: WRONG_CODES_PER_HOUR }, (_, i) => [
      `/start ABCD${2345 + i}`,
      ['register.codeUnknown', 'register.askCode'],
    ]);
    await converse(chat, [
      ...wrong,
      // The next one is not even looked at.
      ['ABCD 2399', ['register.tooManyWrongCodes', 'menu.titleGuest']],
    ]);
  });

  it('a member who is not active yet gets no code', async () => {
    const world = worldWithNewcomer();
    const [reply] = await converse(world.chat(PEOPLE.pending.chat), [['liên kết', 'menu.title']]);
    expect(reply!.effects).toEqual([]);
  });
});

describe('unlink apps (NGẮT)', () => {
  it('cuts off the chats linked after this one', async () => {
    const replies = await converse(standardWorld().chat(PEOPLE.member.chat), [
      ['NGẮT', 'unlinkApps.ask'],
      ['1', ['unlinkApps.done', 'menu.title']],
    ]);
    expect(replies[1]!.effects).toEqual([
      {
        type: 'unlinkNewerChats',
        memberId: PEOPLE.member.id,
        keep: { channel: 'telegram', chatId: PEOPLE.member.chat },
      },
    ]);
  });

  it('"no" keeps them', async () => {
    const replies = await converse(standardWorld().chat(PEOPLE.member.chat), [
      ['ngắt', 'unlinkApps.ask'],
      ['2', ['unlinkApps.kept', 'menu.title']],
    ]);
    expect(replies.flatMap((reply) => reply.effects)).toEqual([]);
  });

  it('means nothing in a chat nobody is behind', async () => {
    await converse(standardWorld().chat('303'), [['ngắt', 'menu.titleGuest']]);
  });
});
