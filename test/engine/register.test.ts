/**
 * Registration (flows/register.ts) as engine cases: what the person says, the keys the bot
 * answers with, and the effects the turn asks for. No database: see test/support/engine.ts.
 * The same branches run on every channel against MongoDB and Redis in test/register.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { Effect } from '../../src/engine/types.ts';
import { CODES, converse, DH, NOW, PEOPLE, standardWorld, TK, worldWithNewcomer } from '../support/engine.ts';

/** The first effect of `type` in a turn's effects. */
function effect<T extends Effect['type']>(effects: Effect[], type: T): Extract<Effect, { type: T }> {
  const found = effects.find((e) => e.type === type);
  expect(found, `a ${type} effect`).toBeDefined();
  return found as Extract<Effect, { type: T }>;
}

/** The questions up to the summary, for a person who registers herself. */
const upToSummary = (code: string, phone: string): [string, string][] => [
  [`/start ${code}`, 'register.askLanguage'],
  ['1', 'register.consent'],
  ['1', 'register.askName'],
  ['nguyen thi mai', 'register.askYear'],
  ['1950', 'register.askGender'],
  ['1', 'register.askPhone'],
  [phone, 'register.summary'],
];

describe('registration with an open club code', () => {
  it('makes a pending member on confirming, and asks the club leaders to decide', async () => {
    const world = standardWorld();
    const chat = world.chat('100');
    const replies = await converse(chat, [
      ...upToSummary(CODES.open, '0981 000 001'),
      ['1', ['register.donePending', 'menu.title']],
    ]);
    expect(replies[6]!.vars[0]).toEqual({
      name: 'Nguyen Thi Mai',
      year: 1950,
      gender: 'gender.female',
      phone: '0981 000 001',
      club: 'CLB Điền Hồng',
    });
    // Nothing is stored before the summary is confirmed.
    expect(replies.slice(0, 7).flatMap((reply) => reply.effects)).toEqual([]);

    const { effects } = replies[7]!;
    const created = effect(effects, 'createMember');
    expect(created.member).toMatchObject({
      fullName: 'Nguyen Thi Mai',
      birthYear: 1950,
      gender: 'female',
      phone: '84981000001',
      language: 'vi',
      clubId: DH,
      status: 'pending',
      inviteCode: CODES.open,
      inviteKind: 'open',
    });
    expect(created.identity).toEqual({ channel: 'telegram', chatId: '100' });
    expect(created.whenPending).toEqual([
      expect.objectContaining({
        type: 'start',
        flow: 'approve',
        args: { memberId: created.member.id },
        for: { leadersOf: DH },
        ifBusy: 'wait',
      }),
    ]);
    // A pending member's menu: her settings (her language among them) and her data, nothing more yet.
    expect(replies[7]!.choices).toEqual(['menu.settings', 'menu.myInfo']);
  });

  it('member ids are seeded: the same conversation creates the same id', async () => {
    const ids = [];
    for (const _run of [1, 2]) {
      const chat = standardWorld(7).chat('100');
      const replies = await converse(chat, [
        ...upToSummary(CODES.open, '0981 000 001'),
        ['1', ['register.donePending', 'menu.title']],
      ]);
      ids.push(effect(replies[7]!.effects, 'createMember').member.id);
    }
    expect(ids[0]).toMatch(/^[0-9a-f]{24}$/);
    expect(ids[1]).toBe(ids[0]);
  });

  it('English chosen at the start is kept for the member and the rest of the conversation', async () => {
    const chat = standardWorld().chat('101');
    const replies = await converse(chat, [
      [`/start ${CODES.open}`, 'register.askLanguage'],
      ['2', 'register.consent'],
      ['yes', 'register.askName'],
      ['Mai', 'register.askYear'],
      ['1950', 'register.askGender'],
      ['2', 'register.askPhone'],
      ['0981000002', 'register.summary'],
      ['1', ['register.donePending', 'menu.title']],
    ]);
    expect(replies[1]!.effects).toEqual([]);
    expect(chat.state.lang).toBe('en');
    expect(effect(replies[7]!.effects, 'createMember').member).toMatchObject({
      language: 'en',
      gender: 'male',
    });
  });

  it('declining consent stores nothing and ends the registration', async () => {
    const replies = await converse(standardWorld().chat('102'), [
      [`/start ${CODES.open}`, 'register.askLanguage'],
      ['1', 'register.consent'],
      ['2', 'register.declined'],
    ]);
    expect(replies.flatMap((reply) => reply.effects)).toEqual([]);
  });

  it('"75" alone may be an age: one question settles it', async () => {
    const chat = standardWorld().chat('103');
    const replies = await converse(chat, [
      [`/start ${CODES.open}`, 'register.askLanguage'],
      ['1', 'register.consent'],
      ['1', 'register.askName'],
      ['Lan', 'register.askYear'],
      ['75', 'register.askAgeConfirm'],
      ['có', 'register.askGender'],
    ]);
    expect(replies[4]!.vars[0]).toEqual({ age: 75, year: NOW.getFullYear() - 75 });
  });

  it('a wrong name gets an example, and after three tries a way out', async () => {
    await converse(standardWorld().chat('104'), [
      [`/start ${CODES.open}`, 'register.askLanguage'],
      ['1', 'register.consent'],
      ['1', 'register.askName'],
      ['123', ['register.nameHint', 'register.askName']],
      ['#', ['register.nameHintLetters', 'register.askName']],
      ['x', 'common.stuck'],
      ['1', 'register.askName'],
    ]);
  });

  it('an edit from the summary comes back to the summary', async () => {
    const chat = standardWorld().chat('105');
    const replies = await converse(chat, [
      ...upToSummary(CODES.open, '0981 000 003'),
      ['2', 'register.whichField'],
      ['2', 'register.askYear'],
      ['1952', 'register.summary'],
    ]);
    expect(replies.at(-1)!.vars[0]).toMatchObject({ year: 1952 });
  });

  it('an unknown code is asked again; the right one goes on', async () => {
    await converse(standardWorld().chat('106'), [
      ['/start NOPE99', ['register.codeUnknown', 'register.askCode']],
      ['ZZ9999', ['register.codeUnknown', 'register.askCode']],
      [CODES.open, 'register.askLanguage'],
    ]);
  });
});

describe('registration with a personal invite', () => {
  it('makes an active member at once; nobody is asked to approve', async () => {
    const replies = await converse(standardWorld().chat('110'), [
      ...upToSummary(CODES.personal, '0981 000 010'),
      ['1', ['register.doneActive', 'menu.title']],
    ]);
    const created = effect(replies[7]!.effects, 'createMember');
    expect(created.member).toMatchObject({ status: 'active', inviteKind: 'personal' });
    // An active member's menu offers what members do.
    expect(replies[7]!.choices).toContain('menu.registerProxy');
  });
});

describe('a phone the club already has', () => {
  it('is linked only with the one-time code sent to the member; a wrong code is counted', async () => {
    const world = standardWorld();
    const chat = world.chat('120', 'zalo-oa');
    const replies = await converse(chat, upToSummary(CODES.open, PEOPLE.member.phone).slice(0, 6));
    const sent = await chat.say(PEOPLE.member.phone);
    expect(sent.keys).toEqual(['register.askConfirmCode']);
    const send = effect(sent.effects, 'sendConfirmCode');
    expect(send).toMatchObject({ memberId: PEOPLE.member.id, code: expect.stringMatching(/^\d{6}$/) });
    // The chat state holds a hash of the code, never the code itself.
    expect(JSON.stringify(chat.state)).not.toContain(send.code);

    const wrong = send.code === '000000' ? '111111' : '000000';
    const again = await converse(chat, [
      [wrong, ['register.confirmCodeWrong', 'register.askConfirmCodeAgain']],
      [send.code, ['register.linked', 'menu.title']],
    ]);
    expect(again[0]!.vars[0]).toEqual({ left: 4 });
    expect(again[1]!.effects).toEqual([
      { type: 'linkIdentity', memberId: PEOPLE.member.id, identity: { channel: 'zalo-oa', chatId: '120' } },
    ]);
    expect(replies.flatMap((reply) => reply.effects)).toEqual([]);
  });

  it('a code typed after ten minutes is void: back to the phone question', async () => {
    const world = standardWorld();
    const chat = world.chat('121', 'zalo-oa');
    await converse(chat, upToSummary(CODES.open, PEOPLE.member.phone).slice(0, 6));
    const sent = await chat.say(PEOPLE.member.phone);
    world.advance(11 * 60_000);
    const late = await chat.say(effect(sent.effects, 'sendConfirmCode').code);
    expect(late.keys).toEqual(['register.confirmCodeExpired', 'register.askPhone']);
    expect(late.effects).toEqual([]);
  });

  it('for a member without a chat, the code goes to the people who answer for her', async () => {
    const chat = standardWorld().chat('122', 'zalo-oa');
    await converse(chat, upToSummary(CODES.open, PEOPLE.noChat.phone).slice(0, 6));
    const sent = await chat.say(PEOPLE.noChat.phone);
    expect(sent.keys).toEqual(['register.askConfirmCodeFromHelper']);
    expect(effect(sent.effects, 'sendConfirmCode').memberId).toBe(PEOPLE.noChat.id);
  });

  it('a number the app vouches for links a member at once, but never a leader', async () => {
    const world = standardWorld();
    const member = world.chat('123');
    await converse(member, upToSummary(CODES.open, '').slice(0, 6));
    const linked = await member.say('', { phone: PEOPLE.member.phone, vouched: true });
    expect(linked.keys).toEqual(['register.linked', 'menu.title']);
    expect(linked.effects).toEqual([
      { type: 'linkIdentity', memberId: PEOPLE.member.id, identity: { channel: 'telegram', chatId: '123' } },
    ]);

    const chair = world.chat('124');
    await converse(chair, upToSummary(CODES.open, '').slice(0, 6));
    const asked = await chair.say('', { phone: PEOPLE.chair.phone, vouched: true });
    expect(asked.keys).toEqual(['register.askConfirmCode']);
    expect(effect(asked.effects, 'sendConfirmCode').memberId).toBe(PEOPLE.chair.id);
  });
});

describe('registering someone else (đăng ký hộ)', () => {
  it("a volunteer's person is active at once; the club's leaders are told, the volunteer aside", async () => {
    const chat = standardWorld().chat(PEOPLE.volunteer.chat);
    const replies = await converse(chat, [
      ['đăng ký hộ', 'register.consentProxy'],
      ['1', 'register.askNameProxy'],
      ['Bui Thi Nga', 'register.askYearProxy'],
      ['1938', 'register.askGenderProxy'],
      ['1', 'register.askPhoneProxy'],
      ['0', 'register.summary'],
      ['1', ['register.doneProxy', 'menu.title']],
    ]);
    expect(replies[5]!.vars[0]).toMatchObject({ phone: 'register.noPhone' });
    const created = effect(replies[6]!.effects, 'createMember');
    expect(created.identity).toBeUndefined();
    expect(created.member).toMatchObject({
      fullName: 'Bui Thi Nga',
      status: 'active',
      proxyMemberId: PEOPLE.volunteer.id,
      phone: undefined,
    });
    expect(created.whenActive).toEqual([
      expect.objectContaining({
        type: 'notify',
        to: { leadersOf: DH },
        except: [PEOPLE.volunteer.id],
        say: expect.objectContaining({ key: 'approve.proxyAddedNotice' }),
      }),
    ]);
  });

  it('a plain member registers someone for the chair to approve', async () => {
    const chat = standardWorld().chat(PEOPLE.member.chat);
    const replies = await converse(chat, [
      ['đăng ký hộ', 'register.consentProxy'],
      ['1', 'register.askNameProxy'],
      ['Bui Van Nam', 'register.askYearProxy'],
      ['1941', 'register.askGenderProxy'],
      ['2', 'register.askPhoneProxy'],
      ['0981 000 020', 'register.summary'],
      ['1', ['register.doneProxyPending', 'menu.title']],
    ]);
    const created = effect(replies[6]!.effects, 'createMember');
    expect(created.member).toMatchObject({ status: 'pending', proxyMemberId: PEOPLE.member.id });
    expect(created.whenPending).toEqual([
      expect.objectContaining({ flow: 'approve', for: { leadersOf: DH } }),
    ]);
  });

  it('a helper in two clubs first picks the club', async () => {
    const world = standardWorld();
    world.lookups.member({
      id: 'helper-2',
      fullName: 'Vũ Văn Hai',
      clubIds: [DH, TK],
      roles: [
        { role: 'volunteer', clubId: DH },
        { role: 'volunteer', clubId: TK },
      ],
      chats: [{ channel: 'telegram', chatId: '130' }],
    });
    const replies = await converse(world.chat('130'), [
      ['đăng ký hộ', 'register.askProxyClub'],
      ['2', 'register.consentProxy'],
    ]);
    expect(replies[0]!.choices).toEqual(['CLB Điền Hồng', 'CLB Tân Kỳ']);
    expect(replies[1]!.vars[0]).toEqual({ club: 'CLB Tân Kỳ' });
  });

  it('a person the club already has is not registered twice', async () => {
    await converse(standardWorld().chat(PEOPLE.volunteer.chat), [
      ['đăng ký hộ', 'register.consentProxy'],
      ['1', 'register.askNameProxy'],
      ['Do Thi Lan', 'register.askYearProxy'],
      ['1940', 'register.askGenderProxy'],
      ['1', 'register.askPhoneProxy'],
      [PEOPLE.noChat.phone, ['register.proxyExists', 'menu.title']],
    ]);
  });
});

describe('a member who types a club code', () => {
  it('of her own club is told she is in it', async () => {
    await converse(standardWorld().chat(PEOPLE.member.chat), [
      [`/start ${CODES.open}`, ['register.alreadyMember', 'menu.title']],
    ]);
  });

  it('while still waiting for the chair is told so', async () => {
    const world = worldWithNewcomer();
    const [reply] = await converse(world.chat(PEOPLE.pending.chat), [
      ['/start', ['register.alreadyWaiting', 'menu.title']],
    ]);
    expect(reply!.vars[0]).toEqual({ club: 'CLB Điền Hồng' });
  });

  it('of another club is asked whether to join it too, and waits for its chair', async () => {
    const replies = await converse(standardWorld().chat(PEOPLE.member.chat), [
      [`/start ${CODES.openTanKy}`, 'register.askJoinOther'],
      ['1', ['register.donePending', 'menu.title']],
    ]);
    const join = effect(replies[1]!.effects, 'joinClub');
    expect(join).toMatchObject({ memberId: PEOPLE.member.id, clubId: TK, inviteKind: 'open' });
    expect(join.whenPending).toEqual([expect.objectContaining({ flow: 'approve', for: { leadersOf: TK } })]);
  });
});
