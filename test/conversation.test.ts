/**
 * What a newcomer meets in a conversation (issue 10): yes-words at yes/no questions, ages typed
 * for a birth year, names without letters, greetings and thanks, help that names the chair,
 * going back a question, and leaving registration half-way — on every channel.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_CODES, DEMO_PEOPLE, seedDemoData } from '../src/demo/seed.ts';
import { formatPhone } from '../src/engine/format.ts';
import { type ChannelHarness, type ChatDriver, HARNESSES } from './support/chats.ts';
import { chatOfPhone } from './support/people.ts';
import { vi } from './support/text.ts';

const CLUB1 = 'CLB Liên thế hệ tự giúp nhau thôn Đông Hồng';

describe.each(HARNESSES)('conversation on $name', ({ start }) => {
  let h: ChannelHarness;
  let person = 300;
  const thisYear = new Date().getFullYear();
  /** A person the bot has never seen. */
  const newcomer = () => h.chat(person++);

  /** Opens registration with club 1's open code and answers the language question. */
  async function upToConsent(chat: ChatDriver) {
    await chat.say(`/start ${DEMO_CODES.openClub1}`);
    const consent = await chat.say('1');
    expect(consent.text).toContain(vi('register.agree'));
    return consent;
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
    // The consent question, with its two answers, fits on a phone screen.
    expect((await upToConsent(chat)).text.length).toBeLessThanOrEqual(300);
    expect((await chat.say('khong')).text).toContain(vi('register.declined'));
  });

  /** Up to the birth-year question. */
  async function upToYear(chat: ChatDriver) {
    await upToConsent(chat);
    await chat.say('1');
    expect((await chat.say('Lê Thị Hoa')).text).toContain(vi('register.askYear'));
  }

  /** Answers the rest (gender, phone) and returns the summary. */
  async function summaryAfterYear(chat: ChatDriver, reply: { text: string }) {
    expect(reply.text).toContain(vi('register.askGender'));
    await chat.say('1');
    return chat.say(`09810${String(person).padStart(5, '0')}`);
  }

  it('"75 tuoi" is an age: born this year − 75', async () => {
    const chat = newcomer();
    await upToYear(chat);
    const summary = await summaryAfterYear(chat, await chat.say('75 tuoi'));
    expect(summary.text).toContain(String(thisYear - 75));
    // The summary is a yes/no question too: "có" sends it.
    expect((await chat.say('có')).text).toContain(vi('register.donePending', { club: CLUB1 }));
  });

  it('a bare "75" is asked back as an age; yes takes the age, no takes the year', async () => {
    const asAge = newcomer();
    await upToYear(asAge);
    const asked = await asAge.say('75');
    expect(asked.text).toContain(vi('register.askAgeConfirm', { age: 75, year: thisYear - 75 }));
    expect(asked.choices).toEqual([vi('register.ageRight'), vi('register.ageWrong')]);
    const summary = await summaryAfterYear(asAge, await asAge.say('vâng'));
    expect(summary.text).toContain(String(thisYear - 75));

    const asYear = newcomer();
    await upToYear(asYear);
    await asYear.say('48');
    const taken = await asYear.say('2');
    expect(taken.text).toContain(vi('register.yearTaken', { year: 1948 }));
    expect((await summaryAfterYear(asYear, taken)).text).toContain('1948');
  });

  it('a name needs letters, and the hint fits the mistake', async () => {
    const chat = newcomer();
    await upToConsent(chat);
    expect((await chat.say('1')).text).toContain(vi('register.askName'));
    for (const symbols of ['ʕ•ᴥ•ʔ', '🙏']) {
      const reply = await chat.say(symbols);
      expect(reply.text, symbols).toContain(vi('register.nameHintLetters'));
      expect(reply.text, symbols).not.toContain(vi('register.nameHint'));
    }
    const other = newcomer();
    await upToConsent(other);
    await other.say('1');
    expect((await other.say('Lan 2')).text).toContain(vi('register.nameHint'));
  });

  async function chairOfClub1() {
    const chair = await h.test.app.models.Member.findOne({ phone: DEMO_PEOPLE.chairClub1 }).lean();
    return { name: chair!.fullName, phone: formatPhone(DEMO_PEOPLE.chairClub1) };
  }

  it('a greeting outside a conversation is answered with a greeting and the menu', async () => {
    const guest = await newcomer().say('xin chao');
    expect(guest.text).toContain(vi('menu.titleGuest'));
    expect(guest.text).not.toContain(vi('common.notUnderstood'));
    const member = await (await chatOfPhone(h, DEMO_PEOPLE.memberClub1, 290)).say('Chào bác');
    expect(member.text).toContain(vi('common.hello'));
    expect(member.text).toContain(vi('menu.title'));
  });

  it('thank-yous and greetings in the middle of a question never count as a failed try', async () => {
    const chat = newcomer();
    await upToConsent(chat);
    const thanked = await chat.say('cam on');
    expect(thanked.text).toContain(vi('common.thanksReply'));
    expect(thanked.text).toContain(vi('register.agree'));
    expect((await chat.say('Xin chào ạ')).text).toContain(vi('common.hello'));
    await chat.say('cảm ơn bác nhiều nhé');
    await chat.say('thank you');
    expect((await chat.say('1')).text).toContain(vi('register.askName'));
    expect((await newcomer().say('cảm ơn')).text).toContain(vi('common.thanksIdle'));
  });

  it('a thank-you while "try again / back to the menu" is open asks that again, not the hard question', async () => {
    const chat = newcomer();
    await chat.say(`/start ${DEMO_CODES.openClub1}`);
    await chat.say('gì vậy');
    await chat.say('🙂');
    expect((await chat.say('???')).text).toContain(vi('common.stuck'));
    const thanked = await chat.say('cảm ơn');
    expect(thanked.text).toContain(vi('common.thanksReply'));
    expect(thanked.text).toContain(vi('common.stuck'));
    expect(thanked.choices).toEqual([vi('common.tryAgain'), vi('common.backToMenu')]);
    expect((await chat.say('1')).text).toContain(vi('register.askLanguage'));
  });

  it('help is short and names the chair and the chair’s phone, for a member and during registration', async () => {
    const chair = await chairOfClub1();
    const member = await chatOfPhone(h, DEMO_PEOPLE.memberClub1, 291);
    const help = await member.say('help');
    expect(help.text).toContain(vi('common.helpCall', chair));
    expect(help.text.length).toBeLessThanOrEqual(300);

    const chat = newcomer();
    expect((await chat.say('giúp')).text).toContain(vi('common.helpAsk'));
    await upToConsent(chat);
    expect((await chat.say('trợ giúp')).text).toContain(vi('common.helpCall', chair));
  });

  it('leaving registration half-way with MENU or HUỶ says the answers were not saved', async () => {
    const viaMenu = newcomer();
    await upToConsent(viaMenu);
    await viaMenu.say('1');
    const menu = await viaMenu.say('menu');
    expect(menu.text).toContain(vi('common.notSaved'));
    expect(menu.text).toContain(vi('menu.titleGuest'));

    const viaCancel = newcomer();
    await upToConsent(viaCancel);
    const cancelled = await viaCancel.say('huỷ');
    expect(cancelled.text).toContain(vi('common.cancelled'));
    expect(cancelled.text).toContain(vi('common.notSaved'));
    // Nothing open: no answers to lose.
    expect((await viaCancel.say('menu')).text).not.toContain(vi('common.notSaved'));
  });

  it('"quay lại" returns to the previous question, its answer undone; at the first question, the menu', async () => {
    const chat = newcomer();
    await upToYear(chat);
    // The session, its history with it, lives in Redis between these messages.
    expect((await chat.say('quay lại')).text).toContain(vi('register.askName'));
    expect((await chat.say('Trần Văn Nam')).text).toContain(vi('register.askYear'));
    const summary = await summaryAfterYear(chat, await chat.say('1950'));
    expect(summary.text).toContain('Trần Văn Nam');
    expect(summary.text).not.toContain('Lê Thị Hoa');

    const first = newcomer();
    await first.say(`/start ${DEMO_CODES.openClub1}`);
    const back = await first.say('back');
    expect(back.text).toContain(vi('common.nothingToGoBack'));
    expect(back.text).toContain(vi('menu.titleGuest'));
    expect(back.text.length).toBeLessThanOrEqual(300);
  });

  it('addresses people by age and gender: "bác" for elders and the unknown, "anh"/"chị" for younger adults', async () => {
    const { Member } = h.test.app.models;
    const volunteer = await Member.findOne({ phone: DEMO_PEOPLE.volunteerClub1 }).lean();
    expect(volunteer).toMatchObject({ gender: 'male' });
    expect(thisYear - volunteer!.birthYear!).toBeLessThan(55);
    const young = await chatOfPhone(h, DEMO_PEOPLE.volunteerClub1, 292);
    expect((await young.say('menu')).text).toContain(vi('menu.title', {}, 'man'));
    const elder = await chatOfPhone(h, DEMO_PEOPLE.chairClub1, 293);
    expect((await elder.say('menu')).text).toContain(vi('menu.title', {}, 'elder'));

    // A newcomer is "bác" until birth year and gender are known, then as they are.
    const chat = newcomer();
    await upToConsent(chat);
    await chat.say('1');
    await chat.say('Phạm Thu Trang');
    expect((await chat.say('1998')).text).toContain(vi('register.askGender', {}, 'elder'));
    expect((await chat.say('1')).text).toContain(vi('register.askPhone', {}, 'woman'));
    const summary = await chat.say(`09810${String(person).padStart(5, '0')}`);
    expect(summary.text).toContain(vi('register.summary', { name: 'x' }, 'woman').split('\n')[0]);
    expect((await chat.say('1')).text).toContain(vi('register.donePending', { club: CLUB1 }, 'woman'));

    // Registering someone else, the volunteer is still addressed as himself.
    const menu = await young.say('menu');
    const proxy = await young.say(String(menu.choices.indexOf(vi('menu.registerProxy')) + 1));
    expect(proxy.text).toContain(vi('register.consentProxy', { club: CLUB1 }, 'man'));
  });
});
