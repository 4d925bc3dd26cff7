/**
 * Registration transcripts: every branch of flows/register.ts and the chair's
 * approval, run unchanged on the simulator, Telegram webhook and Telegram
 * long polling, against real FerretDB/MongoDB and Redis.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_CODES, DEMO_PEOPLE, seedDemoData } from '../src/demo/seed.ts';
import { type ChannelHarness, type ChatDriver, HARNESSES } from './support/chats.ts';
import { chatOfPhone, fillIn } from './support/people.ts';
import { en, vi } from './support/text.ts';

const CLUB1 = 'CLB Liên thế hệ tự giúp nhau thôn Đông Hồng';

describe.each(HARNESSES)('registration on $name', ({ start }) => {
  let h: ChannelHarness;
  let chair: ChatDriver;
  let volunteer: ChatDriver;
  let person = 100;
  /** A person the bot has never seen. */
  const newcomer = () => h.chat(person++);

  const memberByPhone = (phone: string) => h.test.app.models.Member.findOne({ phone }).lean();

  beforeAll(async () => {
    h = await start();
    await seedDemoData(h.test.app.models);
    chair = await chatOfPhone(h, DEMO_PEOPLE.chairClub1, 1);
    volunteer = await chatOfPhone(h, DEMO_PEOPLE.volunteerClub1, 2);
  });
  afterAll(() => h.stop());

  it('an open club code makes a pending member; the chair approves; the member is told', async () => {
    const chat = newcomer();
    const summary = await fillIn(chat, DEMO_CODES.openClub1, '0981 000 001', 'nguyen thi mai');
    expect(summary.text).toContain('Nguyen Thi Mai');
    expect(summary.text).toContain('0981 000 001');
    expect(summary.choices).toEqual([vi('register.confirm'), vi('register.edit')]);

    const done = await chat.say('1');
    expect(done.text).toContain(vi('register.donePending', { club: CLUB1 }));
    expect(await memberByPhone('84981000001')).toMatchObject({
      status: 'pending',
      fullName: 'Nguyen Thi Mai',
    });

    const request = await chair.nextWith('Nguyen Thi Mai');
    expect(request.text).toContain(
      vi('approve.ask', {
        name: 'Nguyen Thi Mai',
        gender: vi('gender.female'),
        year: 1950,
        phone: '0981 000 001',
        club: CLUB1,
      }),
    );
    expect((await chair.say('1')).text).toContain(
      vi('approve.approved', { name: 'Nguyen Thi Mai', club: CLUB1 }),
    );

    expect((await chat.next()).text).toContain(vi('register.approvedNotice', { club: CLUB1 }));
    expect(await memberByPhone('84981000001')).toMatchObject({ status: 'active' });
    expect((await chat.say('menu')).text).toContain(vi('menu.myInfo'));
  });

  it('the chair rejects; the person is told kindly', async () => {
    const chat = newcomer();
    await fillIn(chat, DEMO_CODES.openClub1, '0981 000 002', 'tran van nam');
    await chat.say('1');
    await chair.nextWith('Tran Van Nam');
    // A rejection is confirmed once (issue 10, item 3).
    expect((await chair.say('2')).text).toContain(vi('approve.askReject', { name: 'Tran Van Nam' }));
    expect((await chair.say('1')).text).toContain(vi('approve.rejected', { name: 'Tran Van Nam' }));
    expect((await chat.next()).text).toContain(vi('register.rejectedNotice', { club: CLUB1 }));
    expect(await memberByPhone('84981000002')).toMatchObject({ status: 'rejected' });
  });

  it('a personal invite makes an active member at once, and works only once', async () => {
    const chat = newcomer();
    await fillIn(chat, DEMO_CODES.personalMember, '0981 000 003', 'nguyen thi mai');
    expect((await chat.say('1')).text).toContain(
      vi('register.doneActive', { name: 'Nguyen Thi Mai', club: CLUB1 }),
    );
    expect(await memberByPhone('84981000003')).toMatchObject({ status: 'active' });

    const other = newcomer();
    const again = await other.say(`/start ${DEMO_CODES.personalMember}`);
    expect(again.text).toContain(vi('register.codeUnknown'));
  });

  it('declining consent stores nothing and ends kindly', async () => {
    const chat = newcomer();
    const members = await h.test.app.models.Member.countDocuments();
    await chat.say(`/start ${DEMO_CODES.openClub1}`);
    await chat.say('1');
    const declined = await chat.say('2');
    expect(declined.text).toContain(vi('register.declined'));
    expect(await h.test.app.models.Member.countDocuments()).toBe(members);
    expect(await h.test.app.models.Identity.findById(`${h.channel}:${chat.chatId}`)).toBeNull();
  });

  it('the summary can be edited field by field', async () => {
    const chat = newcomer();
    await fillIn(chat, DEMO_CODES.openClub1, '0981 000 004', 'nguyen thi mai');
    expect((await chat.say('2')).text).toContain(vi('register.whichField'));
    expect((await chat.say('1')).text).toContain(vi('register.askName'));
    const summary = await chat.say('Phạm Thị Hồng');
    expect(summary.text).toContain('Phạm Thị Hồng');
    expect(summary.text).toContain('1950');
    await chat.say('2');
    await chat.say('2');
    expect((await chat.say('1948')).text).toContain('1948');
    await chat.say('1');
    expect(await memberByPhone('84981000004')).toMatchObject({ fullName: 'Phạm Thị Hồng', birthYear: 1948 });
  });

  it('a bad year or phone is asked again with an example; "48" means 1948', async () => {
    const chat = newcomer();
    await chat.say(`/start ${DEMO_CODES.openClub1}`);
    await chat.say('1');
    await chat.say('1');
    await chat.say('Lê Văn Tám');
    expect((await chat.say('khong nho')).text).toContain(
      vi('register.yearHint', { min: 1920, max: new Date().getFullYear() - 15 }),
    );
    expect((await chat.say('1890')).text).toContain(
      vi('register.yearHint', { min: 1920, max: new Date().getFullYear() - 15 }),
    );
    expect((await chat.say('năm 48')).text).toContain(vi('register.askGender'));
    await chat.say('2');
    expect((await chat.say('12345')).text).toContain(vi('register.phoneHint'));
    const summary = await chat.say('+84 981 000 005');
    expect(summary.text).toContain('1948');
    expect(summary.text).toContain('0981 000 005');
  });

  /** Starts registering in club 1 and answers up to the phone question. */
  async function upToPhone(chat: ChatDriver, name: string) {
    await chat.say(`/start ${DEMO_CODES.openClub1}`);
    await chat.say('1');
    await chat.say('1');
    await chat.say(name);
    await chat.say('1950');
    await chat.say('1');
  }

  it('a phone of a member who has a chat elsewhere is confirmed with a code sent there, not duplicated', async () => {
    const member = await chatOfPhone(h, DEMO_PEOPLE.memberClub1, 3);
    const existing = await memberByPhone(DEMO_PEOPLE.memberClub1);
    const before = await h.test.app.models.Member.countDocuments();
    const chat = newcomer();
    await upToPhone(chat, 'Lê Thị Phượng');
    const asked = await chat.say(`0${DEMO_PEOPLE.memberClub1.slice(2)}`);
    expect(asked.text).toContain(vi('register.askConfirmCode'));
    const sent = await member.nextWith(vi('register.confirmCodeSent', { code: '' }).split(':')[0]!);
    const code = /\d{6}/.exec(sent.text)![0];
    const wrong = code === '111111' ? '222222' : '111111';
    // A wrong code says what happened and asks again — it does not claim a new code was sent.
    const again = await chat.say(wrong);
    expect(again.text).toContain(vi('register.confirmCodeWrong', { left: 4 }));
    expect(again.text).toContain(vi('register.askConfirmCodeAgain'));
    expect(again.text).not.toContain(vi('register.askConfirmCode'));
    const linked = await chat.say(code);
    expect(linked.text).toContain(vi('register.linked', { name: existing!.fullName, club: CLUB1 }));
    expect(await h.test.app.models.Member.countDocuments()).toBe(before);
    const identity = await h.test.app.models.Identity.findById(`${h.channel}:${chat.chatId}`).lean();
    expect(identity?.memberId).toBe(String(existing!._id));
  });

  it('a phone of a member without any chat is confirmed with a code the chair hands over', async () => {
    const { Member, Identity } = h.test.app.models;
    const phone = `8498${String(person).padStart(7, '0')}`;
    const existing = await Member.create({
      fullName: 'Hồ Thị Sen',
      phone,
      status: 'active',
      clubIds: ['club-dien-hong'],
      roles: [{ role: 'member', clubId: 'club-dien-hong' }],
    });
    const chat = newcomer();
    await upToPhone(chat, 'Hồ Thị Sen');
    expect((await chat.say(`0${phone.slice(2)}`)).text).toContain(vi('register.askConfirmCodeFromHelper'));
    // A typed phone is no proof: nothing is linked until the code comes back.
    expect(await Identity.findById(`${h.channel}:${chat.chatId}`).lean()).toBeNull();
    const handed = await chair.nextWith('Hồ Thị Sen');
    expect(handed.text).toContain(
      vi('register.confirmCodeForHelper', { name: 'Hồ Thị Sen', code: '' }).split(':')[0],
    );
    const code = /\d{6}/.exec(handed.text)![0];
    const linked = await chat.say(code);
    expect(linked.text).toContain(vi('register.linked', { name: 'Hồ Thị Sen', club: CLUB1 }));
    expect((await Identity.findById(`${h.channel}:${chat.chatId}`).lean())?.memberId).toBe(
      String(existing._id),
    );
  });

  it('a volunteer registers someone who has no phone ("đăng ký hộ")', async () => {
    const menu = await volunteer.say('menu');
    const proxyOption = menu.choices.indexOf(vi('menu.registerProxy')) + 1;
    expect(proxyOption).toBeGreaterThan(0);
    expect((await volunteer.say(String(proxyOption))).text).toContain(
      // The demo volunteer is a man under 55: "anh".
      vi('register.consentProxy', { club: CLUB1 }, 'man'),
    );
    expect((await volunteer.say('1')).text).toContain(vi('register.askNameProxy'));
    await volunteer.say('Bùi Thị Nhàn');
    await volunteer.say('1936');
    expect((await volunteer.say('1')).text).toContain(vi('register.askPhoneProxy'));
    const summary = await volunteer.say('0');
    expect(summary.text).toContain(vi('register.noPhone'));
    expect((await volunteer.say('1')).text).toContain(
      vi('register.doneProxy', { name: 'Bùi Thị Nhàn', club: CLUB1 }),
    );

    const volunteerMember = await memberByPhone(DEMO_PEOPLE.volunteerClub1);
    const added = await h.test.app.models.Member.findOne({ fullName: 'Bùi Thị Nhàn' }).lean();
    expect(added).toMatchObject({
      status: 'active',
      birthYear: 1936,
      proxyIds: [String(volunteerMember!._id)],
    });
    expect(added?.phone ?? undefined).toBeUndefined();
    expect(await h.test.app.models.Identity.countDocuments({ memberId: String(added!._id) })).toBe(0);
  });

  it('three answers it cannot read offer help instead of a fourth question', async () => {
    const chat = newcomer();
    await chat.say(`/start ${DEMO_CODES.openClub1}`);
    expect((await chat.say('gì vậy')).text).toContain(vi('common.pickNumber', { max: 2 }));
    await chat.say('🙂');
    const stuck = await chat.say('???');
    expect(stuck.text).toContain(vi('common.stuck'));
    expect(stuck.choices).toEqual([vi('common.tryAgain'), vi('common.backToMenu')]);
    expect((await chat.say('1')).text).toContain(vi('register.askLanguage'));
  });

  it('help, cancel and menu work in the middle of any step', async () => {
    const chat = newcomer();
    await chat.say(`/start ${DEMO_CODES.openClub1}`);
    await chat.say('1');
    await chat.say('1');
    const help = await chat.say('trợ giúp');
    expect(help.text).toContain(vi('common.help'));
    expect(help.text).toContain(vi('register.askName'));
    const cancelled = await chat.say('Huỷ');
    expect(cancelled.text).toContain(vi('common.cancelled'));
    expect(cancelled.text).toContain(vi('menu.register'));
    expect((await chat.say('1')).text).toContain(vi('register.askCode'));
    expect((await chat.say('MENU')).text).toContain(vi('menu.titleGuest'));
  });

  it('/start without a code asks for it and says where to get one; a wrong code is explained', async () => {
    const chat = newcomer();
    const asked = await chat.say('/start');
    expect(asked.text).toContain(vi('register.askCode'));
    expect((await chat.say('ZZ9999')).text).toContain(vi('register.codeUnknown'));
    // Codes are read without regard to case or spaces.
    expect((await chat.say(' dh 2026 ')).text).toContain(vi('register.askLanguage'));
  });

  it('English: every question after the language choice is in English', async () => {
    const chat = newcomer();
    await chat.say(`/start ${DEMO_CODES.openClub1}`);
    expect((await chat.say('2')).text).toContain(en('register.consent', { club: CLUB1 }));
    expect((await chat.say('1')).text).toContain(en('register.askName'));
    expect((await chat.say('menu')).text).toContain(en('menu.titleGuest'));
  });

  it('the phone can be shared with the app button; someone else’s number is refused', async () => {
    const chat = newcomer();
    await chat.say(`/start ${DEMO_CODES.openClub1}`);
    await chat.say('1');
    await chat.say('1');
    await chat.say('Đỗ Văn Lực');
    await chat.say('1944');
    const ask = await chat.say('2');
    expect(ask.contactButton).toBe(h.contactButton);
    if (h.channel === 'telegram') {
      expect((await chat.shareContact('+84981000099', 'someoneElse')).text).toContain(
        vi('register.contactNotYours'),
      );
    }
    const ownPhone = h.channel === 'simulator' ? chat.chatId : '84981000006';
    const summary = await chat.shareContact(`+${ownPhone}`);
    expect(summary.text).toContain(`0${ownPhone.slice(2, 5)}`);
  });

  it('a photo gets a polite request to type, and the question again', async () => {
    const chat = newcomer();
    await chat.say(`/start ${DEMO_CODES.openClub1}`);
    const reply = await chat.sendPhoto();
    expect(reply.text).toContain(vi('common.typePlease'));
    expect(reply.text).toContain(vi('register.askLanguage'));
  });

  it('a 10,000-character message is answered, not choked on', async () => {
    const chat = newcomer();
    await chat.say(`/start ${DEMO_CODES.openClub1}`);
    const reply = await chat.say('a'.repeat(10_000));
    expect(reply.text).toContain(vi('common.tooLong'));
    expect(reply.text).toContain(vi('register.askLanguage'));
  });
});
