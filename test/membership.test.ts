/**
 * Who belongs where, on every channel: the menu after registering is the new
 * member's menu, a member who types a club code again is not registered twice,
 * and someone registered by a helper lands in a club where the helper may
 * vouch for them (the chair is told) — otherwise the chair approves.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_CODES, DEMO_PEOPLE, seedDemoData } from '../src/demo/seed.ts';
import { type ChannelHarness, type ChatDriver, HARNESSES } from './support/chats.ts';
import { chatOfPhone, fillIn, memberWith } from './support/people.ts';
import { vi } from './support/text.ts';

const CLUB1 = 'CLB Liên thế hệ tự giúp nhau thôn Đông Hồng';
const CLUB2 = 'CLB Liên thế hệ tự giúp nhau xóm Trung Kỳ';
const HONG = 'club-dien-hong';
const KY = 'club-dien-ky';

describe.each(HARNESSES)('membership on $name', ({ start }) => {
  let h: ChannelHarness;
  let chair1: ChatDriver;
  let chair2: ChatDriver;
  /** Demo member of club 1. */
  let member: ChatDriver;
  let person = 100;
  const newcomer = () => h.chat(person++);
  const byName = (fullName: string) => h.test.app.models.Member.findOne({ fullName }).lean();

  beforeAll(async () => {
    h = await start();
    await seedDemoData(h.test.app.models);
    chair1 = await chatOfPhone(h, DEMO_PEOPLE.chairClub1, 1);
    chair2 = await chatOfPhone(h, DEMO_PEOPLE.chairClub2, 2);
    member = await chatOfPhone(h, DEMO_PEOPLE.memberClub1, 3);
  });
  afterAll(() => h.stop());

  it('after "Đúng rồi, gửi đi" the menu is a pending member’s, and its first line does what it says', async () => {
    const chat = newcomer();
    await fillIn(chat, DEMO_CODES.openClub1, '0983 000 001', 'dinh thi lua');
    const done = await chat.say('1');
    expect(done.text).toContain(vi('register.donePending', { club: CLUB1 }));
    expect(done.choices).not.toContain(vi('menu.register'));
    expect(done.choices[0]).toBe(vi('menu.myInfo'));
    expect((await chat.say('1')).text).toContain(vi('status.pending'));

    // The chair approves while her menu is on screen: its first line still opens what it says,
    // though she is a member now and a fresh menu would start with something else.
    expect((await chat.say('menu')).choices[0]).toBe(vi('menu.myInfo'));
    await chair1.nextWith('Dinh Thi Lua');
    await chair1.say('1');
    expect((await chat.next()).text).toContain(vi('register.approvedNotice', { club: CLUB1 }));
    expect((await chat.say('1')).text).toContain(vi('status.active'));
    expect((await chat.say('menu')).choices[0]).toBe(vi('menu.healthCheck'));
  });

  it('after a personal code the menu is an active member’s', async () => {
    const chat = newcomer();
    await fillIn(chat, DEMO_CODES.personalMember2, '0983 000 002', 'dinh van hai');
    const done = await chat.say('1');
    expect(done.text).toContain(vi('register.doneActive', { name: 'Dinh Van Hai', club: CLUB1 }));
    expect(done.choices).not.toContain(vi('menu.register'));
    expect(done.choices).toContain(vi('menu.registerProxy'));
  });

  it('a member who types /start with her own club’s code is told she is in it, not asked again', async () => {
    const reply = await member.say(`/start ${DEMO_CODES.openClub1}`);
    expect(reply.text).toContain(vi('register.alreadyMember', { club: CLUB1 }));
    expect(reply.text).not.toContain(vi('register.askLanguage'));
  });

  it('a pending member who types her code again is told her request is waiting', async () => {
    const chat = newcomer();
    await fillIn(chat, DEMO_CODES.openClub2, '0983 000 003', 'ngo thi tam');
    await chat.say('1');
    await chair2.nextWith('Ngo Thi Tam');
    const reply = await chat.say(`/start ${DEMO_CODES.openClub2}`);
    expect(reply.text).toContain(vi('register.alreadyWaiting', { club: CLUB2 }));
    expect(reply.text).not.toContain(vi('register.askLanguage'));
    await chair2.say('1');
  });

  it('a member given another club’s code is asked whether to join it too; yes asks that club’s chair', async () => {
    const { Member } = h.test.app.models;
    const before = await Member.findOne({ phone: DEMO_PEOPLE.memberClub1 }).lean();
    const asked = await member.say(`/start ${DEMO_CODES.openClub2}`);
    expect(asked.text).toContain(vi('register.askJoinOther', { clubs: CLUB1, club: CLUB2 }));
    expect(asked.choices).toEqual([vi('register.joinYes'), vi('register.joinNo')]);

    const sent = await member.say('1');
    expect(sent.text).toContain(vi('register.donePending', { club: CLUB2 }));
    const request = await chair2.nextWith(before!.fullName);
    expect(request.text).toContain(CLUB2);
    expect((await Member.findById(before!._id).lean())?.clubIds).toEqual([HONG]);

    expect((await chair2.say('1')).text).toContain(
      vi('approve.approved', { name: before!.fullName, club: CLUB2 }),
    );
    expect((await member.nextWith(CLUB2)).text).toContain(vi('register.approvedNotice', { club: CLUB2 }));
    const after = await Member.findById(before!._id).lean();
    expect(after).toMatchObject({ status: 'active', clubIds: [HONG, KY] });
    expect(after?.roles).toContainEqual({ role: 'member', clubId: KY });
    expect(await Member.countDocuments({ phone: DEMO_PEOPLE.memberClub1 })).toBe(1);
    // Typing that code once more: she is in both clubs now.
    expect((await member.say(`/start ${DEMO_CODES.openClub2}`)).text).toContain(
      vi('register.alreadyMember', { club: CLUB2 }),
    );
  });

  it('a member given another club’s personal code joins it at once, and her menu says so', async () => {
    const { id, chat } = await memberWith(h, 13, 'Mai Thi Ngoc', [{ role: 'member', clubId: HONG }]);
    expect((await chat.say(`/start ${DEMO_CODES.personalMemberClub2}`)).text).toContain(
      vi('register.askJoinOther', { clubs: CLUB1, club: CLUB2 }),
    );
    const joined = await chat.say('1');
    expect(joined.text).toContain(vi('register.doneActive', { name: 'Mai Thi Ngoc', club: CLUB2 }));
    const after = await h.test.app.models.Member.findById(id).lean();
    expect(after).toMatchObject({ status: 'active', clubIds: [HONG, KY], pendingClubIds: [] });
    expect(after?.roles).toContainEqual({ role: 'member', clubId: KY });
    expect(joined.choices).toContain(vi('menu.registerProxy'));
    expect((await chat.say(String(joined.choices.indexOf(vi('menu.myInfo')) + 1))).text).toContain(
      `${CLUB1}, ${CLUB2}`,
    );
  });

  /** A helper registers someone without a phone; returns the helper's last reply. */
  async function registersSomeone(helper: ChatDriver, name: string, clubQuestion?: number) {
    const menu = await helper.say('menu');
    let reply = await helper.say(String(menu.choices.indexOf(vi('menu.registerProxy')) + 1));
    if (clubQuestion) reply = await helper.say(String(clubQuestion));
    const consent = reply;
    await helper.say('1');
    await helper.say(name);
    await helper.say('1940');
    await helper.say('1');
    await helper.say('0');
    return { consent, done: await helper.say('1') };
  }

  it('a volunteer of club 1 who is a plain member of club 2 registers someone active in club 1; its chair is told', async () => {
    const { chat: helper } = await memberWith(h, 10, 'Mai Thi Giup', [
      { role: 'member', clubId: KY },
      { role: 'member', clubId: HONG },
      { role: 'volunteer', clubId: HONG },
    ]);
    const { consent, done } = await registersSomeone(helper, 'Lò Thị Nhớ');
    expect(consent.text).toContain(vi('register.consentProxy', { club: CLUB1 }));
    expect(done.text).toContain(vi('register.doneProxy', { name: 'Lò Thị Nhớ', club: CLUB1 }));
    expect(await byName('Lò Thị Nhớ')).toMatchObject({ status: 'active', clubIds: [HONG] });
    await chair1.nextWith(
      vi('approve.proxyAddedNotice', { helper: 'Mai Thi Giup', name: 'Lò Thị Nhớ', year: 1940, club: CLUB1 }),
    );
  });

  it('a plain member registers someone: pending in her own club, for its chair to approve', async () => {
    const { chat: helper } = await memberWith(h, 11, 'Mai Thi Thuong', [{ role: 'member', clubId: KY }]);
    const { done } = await registersSomeone(helper, 'Cầm Văn Ba');
    expect(done.text).toContain(vi('register.doneProxyPending', { name: 'Cầm Văn Ba', club: CLUB2 }));
    expect(await byName('Cầm Văn Ba')).toMatchObject({ status: 'pending', clubIds: [KY] });
    await chair2.nextWith('Cầm Văn Ba');
    await chair2.say('3');
  });

  it('a volunteer of two clubs is asked which club, by number', async () => {
    const { chat: helper } = await memberWith(h, 12, 'Mai Thi Hai', [
      { role: 'volunteer', clubId: HONG },
      { role: 'volunteer', clubId: KY },
    ]);
    const menu = await helper.say('menu');
    const asked = await helper.say(String(menu.choices.indexOf(vi('menu.registerProxy')) + 1));
    expect(asked.text).toContain(vi('register.askProxyClub'));
    expect(asked.choices).toEqual([CLUB1, CLUB2]);
    const { consent, done } = await registersSomeone(helper, 'Hà Thị Ba', 2);
    expect(consent.text).toContain(vi('register.consentProxy', { club: CLUB2 }));
    expect(done.text).toContain(vi('register.doneProxy', { name: 'Hà Thị Ba', club: CLUB2 }));
    expect(await byName('Hà Thị Ba')).toMatchObject({ status: 'active', clubIds: [KY] });
  });
});
