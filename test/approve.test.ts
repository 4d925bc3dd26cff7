/**
 * The chair's side of approval (flows/approve.ts), on every channel: the
 * chair decides the person on screen, a rejection is confirmed, the request
 * shows what a chair needs to recognise the person, and a decision is taken
 * with the chair's role as it is in the database at that moment.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_CODES, DEMO_PEOPLE, seedDemoData } from '../src/demo/seed.ts';
import { type ChannelHarness, type ChatDriver, HARNESSES } from './support/chats.ts';
import { chatOfPhone, fillIn } from './support/people.ts';
import { vi } from './support/text.ts';

const CLUB1 = 'CLB Liên thế hệ tự giúp nhau thôn Đông Hồng';
const CLUB2 = 'CLB Liên thế hệ tự giúp nhau xóm Trung Kỳ';
const DECIDE = [vi('approve.yes'), vi('approve.no'), vi('approve.later')];

describe.each(HARNESSES)('approval on $name', ({ start }) => {
  let h: ChannelHarness;
  let chair: ChatDriver;
  let person = 100;
  const newcomer = () => h.chat(person++);
  const statusOf = async (phone: string) =>
    (await h.test.app.models.Member.findOne({ phone }).lean())?.status;

  /** A newcomer asks to join with `code`; returns their chat once the request has left. */
  async function asksToJoin(code: string, phone: string, name: string): Promise<ChatDriver> {
    const chat = newcomer();
    await fillIn(chat, code, phone, name);
    await chat.say('1');
    return chat;
  }

  beforeAll(async () => {
    h = await start();
    await seedDemoData(h.test.app.models);
    chair = await chatOfPhone(h, DEMO_PEOPLE.chairClub1, 1);
  });
  afterAll(() => h.stop());

  it('a second request does not take the screen: the chair decides the person shown, by name', async () => {
    const hoa = await asksToJoin(DEMO_CODES.openClub1, '0982 000 001', 'le thi hoa');
    const request = await chair.nextWith('Le Thi Hoa');
    // What a chair needs to recognise the person: name, gender, year, phone, club.
    expect(request.text).toContain(
      vi('approve.ask', {
        name: 'Le Thi Hoa',
        gender: vi('gender.female'),
        year: 1950,
        phone: '0982 000 001',
        club: CLUB1,
      }),
    );
    expect(request.choices).toEqual(DECIDE);

    await asksToJoin(DEMO_CODES.openClub1, '0982 000 002', 'tran thi binh');
    // The note about the second request is followed by the first person again, still to decide.
    const note = await chair.next();
    expect(note.text).toContain(vi('approve.newRequestQueued'));
    expect(note.text).toContain('Le Thi Hoa');
    expect(note.text).not.toContain('Tran Thi Binh');
    expect(note.choices).toEqual(DECIDE);

    const approved = await chair.say('1');
    expect(approved.text).toContain(vi('approve.approved', { name: 'Le Thi Hoa', club: CLUB1 }));
    expect(await statusOf('84982000001')).toBe('active');
    expect(await statusOf('84982000002')).toBe('pending');
    // Then the next person, on screen before any answer about them.
    expect(approved.text).toContain('Tran Thi Binh');
    expect(approved.choices).toEqual(DECIDE);

    // The member hears which club took her.
    expect((await hoa.next()).text).toContain(vi('register.approvedNotice', { club: CLUB1 }));
  });

  it('a chair busy with something else is told, and shown the request when that ends', async () => {
    // Half-way through registering someone on their behalf.
    const menu = await chair.say('menu');
    await chair.say(String(menu.choices.indexOf(vi('menu.registerProxy')) + 1));
    await asksToJoin(DEMO_CODES.openClub1, '0982 000 009', 'vu thi lanh');
    const note = await chair.next();
    expect(note.text).toContain(vi('approve.newRequestBusy'));
    expect(note.text).toContain(vi('register.consentProxy', { club: CLUB1 }));
    expect(note.text).not.toContain('Vu Thi Lanh');
    // Declining the consent question ends that registration: the request comes in place of the menu.
    const next = await chair.say('2');
    expect(next.text).toContain('Vu Thi Lanh');
    expect(next.choices).toEqual(DECIDE);
    expect((await chair.say('1')).text).toContain(
      vi('approve.approved', { name: 'Vu Thi Lanh', club: CLUB1 }),
    );
  });

  it('"Từ chối" asks once, naming the person; "no" goes back to the same person', async () => {
    // Tran Thi Binh is on the chair's screen from the test above.
    const asked = await chair.say('2');
    expect(asked.text).toContain(vi('approve.askReject', { name: 'Tran Thi Binh' }));
    expect(asked.choices).toEqual([vi('approve.rejectSure'), vi('approve.rejectBack')]);
    expect(await statusOf('84982000002')).toBe('pending');

    const back = await chair.say('2');
    expect(back.text).toContain('Tran Thi Binh');
    expect(back.choices).toEqual(DECIDE);
    await chair.say('2');
    const rejected = await chair.say('1');
    expect(rejected.text).toContain(vi('approve.rejected', { name: 'Tran Thi Binh' }));
    expect(rejected.text).toContain(vi('approve.none'));
    expect(await statusOf('84982000002')).toBe('rejected');
  });

  it('"Để sau" answers with a sentence; DUYỆT brings the person back', async () => {
    await asksToJoin(DEMO_CODES.openClub1, '0982 000 003', 'pham van an');
    await chair.nextWith('Pham Van An');
    const later = await chair.say('3');
    expect(later.text).toContain(vi('approve.postponed'));
    expect(await statusOf('84982000003')).toBe('pending');
    const again = await chair.say('duyệt');
    expect(again.text).toContain('Pham Van An');
    expect((await chair.say('1')).text).toContain(
      vi('approve.approved', { name: 'Pham Van An', club: CLUB1 }),
    );
  });

  it('a chair whose role was removed in the database cannot approve, though the chat remembers her role', async () => {
    const chair2 = await chatOfPhone(h, DEMO_PEOPLE.chairClub2, 2);
    await asksToJoin(DEMO_CODES.openClub2, '0982 000 004', 'vo thi thu');
    await chair2.nextWith('Vo Thi Thu');
    const { Member } = h.test.app.models;
    await Member.updateOne(
      { phone: DEMO_PEOPLE.chairClub2 },
      { $set: { roles: [{ role: 'member', clubId: 'club-dien-ky' }] } },
    );
    const refused = await chair2.say('1');
    expect(refused.text).toContain(vi('approve.notAllowed', { club: CLUB2 }));
    expect(refused.text).not.toContain(vi('menu.approve'));
    expect(await statusOf('84982000004')).toBe('pending');
  });
});
