/**
 * Menus by role, "phân công" (a chair assigns volunteers), "người tôi chăm sóc" (a volunteer's
 * people), "dữ liệu của tôi" and "xoá dữ liệu", as engine cases (no database: see
 * test/support/engine.ts). Their transcripts are in test/assign.test.ts and test/my-data.test.ts;
 * who may see what is in test/authorization.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { LINES_PER_PAGE_CHARS, PEOPLE_PER_PAGE } from '../../flows/pages.ts';
import type { Effect } from '../../src/engine/types.ts';
import { converse, DH, PEOPLE, standardWorld, TK } from '../support/engine.ts';
import { digitOf } from '../support/text.ts';

const of = <T extends Effect['type']>(effects: Effect[], type: T) =>
  effects.filter((effect): effect is Extract<Effect, { type: T }> => effect.type === type);

describe('menus by role', () => {
  it("a member's lines come first, then a volunteer's, then a chair's; nine at most", async () => {
    const world = standardWorld();
    const chair = world.lookups.members.find((member) => member.id === PEOPLE.chair.id)!;
    chair.roles.push({ role: 'volunteer', clubId: DH });
    const [member] = await converse(world.chat(PEOPLE.member.chat), [['menu', 'menu.title']]);
    expect(member!.choices).toEqual([
      'menu.healthCheck',
      'menu.healthResults',
      'menu.meetings',
      'menu.settings',
      'menu.myInfo',
      'menu.registerProxy',
    ]);
    const [volunteer] = await converse(world.chat(PEOPLE.volunteer.chat), [['menu', 'menu.title']]);
    expect(volunteer!.choices).toEqual([...member!.choices!, 'menu.healthAlerts', 'menu.myPeople']);
    const [both] = await converse(world.chat(PEOPLE.chair.chat), [['menu', 'menu.title']]);
    // A chair who volunteers finds her people in "phân công", and her data in the settings
    // (her menu has "báo cáo tuần"): nine lines, not eleven.
    expect(both!.choices).toEqual([
      ...volunteer!.choices!.filter((line) => line !== 'menu.myPeople' && line !== 'menu.myInfo'),
      'menu.approve',
      'menu.weeklyReport',
      'menu.assign',
    ]);
    expect(both!.choices!.length).toBeLessThanOrEqual(9);
  });

  it('a guest sees registration and the language; a member finds the language and other apps in the settings', async () => {
    const world = standardWorld();
    const [guest] = await converse(world.chat('300'), [['menu', 'menu.titleGuest']]);
    expect(guest!.choices).toEqual(['menu.register', 'menu.language']);
    const chat = world.chat(PEOPLE.member.chat);
    const [menu] = await converse(chat, [['menu', 'menu.title']]);
    const [settings] = await converse(chat, [[digitOf(menu!, 'menu.settings'), 'settings.ask']]);
    expect(settings!.choices).toEqual([
      'menu.linkApp',
      'menu.language',
      'settings.stop',
      'common.backToMenu',
    ]);
    await converse(chat, [['1', 'linkApp.code']]);
  });
});

describe('phân công', () => {
  it('the chair picks a member, then a volunteer of the club: the assignment, the volunteer told', async () => {
    const world = standardWorld();
    const chair = world.chat(PEOPLE.chair.chat);
    const [members] = await converse(chair, [['phân công', 'assign.askMember']]);
    // Everyone active in Điền Hồng, by name, then "back to the menu".
    expect(members!.choices).toEqual([
      'Đỗ Thị Lan',
      'Lê Thị Giúp',
      'Phạm Thị Hoa',
      'Trần Văn Chủ',
      'common.backToMenu',
    ]);
    const [action] = await converse(chair, [[digitOf(members!, 'Phạm Thị Hoa'), 'assign.askAction']]);
    expect(action!.vars[0]).toEqual({ name: 'Phạm Thị Hoa', names: 'assign.nobody' });
    expect(action!.choices).toEqual(['assign.add', 'assign.other', 'common.backToMenu']);
    const [volunteers] = await converse(chair, [['1', 'assign.askVolunteer']]);
    expect(volunteers!.choices).toEqual(['Lê Thị Giúp', 'common.backToMenu']);
    // The decision is taken with the chair's role as the database has it then.
    expect(world.engine.actsWithRole(chair.state)).toBe(true);
    const [done] = await converse(chair, [['1', ['assign.assigned', 'assign.askMember']]]);
    expect(done!.vars[0]).toEqual({ name: 'Phạm Thị Hoa', helper: 'Lê Thị Giúp' });
    expect(done!.effects).toEqual([
      {
        type: 'assignVolunteer',
        memberId: PEOPLE.member.id,
        volunteerId: PEOPLE.volunteer.id,
        clubId: DH,
        byMemberId: PEOPLE.chair.id,
        assign: true,
        whenDone: [
          {
            type: 'notify',
            to: { members: [PEOPLE.volunteer.id] },
            say: { key: 'assign.toldVolunteer', vars: { name: 'Phạm Thị Hoa' } },
            kind: 'notice',
            // Named by the chair's fourth message in her chat.
            key: `assign.${PEOPLE.member.id}.${PEOPLE.volunteer.id}.${PEOPLE.chair.chat}.m4`,
          },
        ],
      },
    ]);
    expect(world.lookups.members.find((member) => member.id === PEOPLE.member.id)!.volunteerIds).toEqual([
      PEOPLE.volunteer.id,
    ]);
  });

  it('an assignment can be taken away; with every volunteer assigned, there is nobody to add', async () => {
    const world = standardWorld();
    world.lookups.members.find((member) => member.id === PEOPLE.member.id)!.volunteerIds = [
      PEOPLE.volunteer.id,
    ];
    const chair = world.chat(PEOPLE.chair.chat);
    const [members] = await converse(chair, [['phân công', 'assign.askMember']]);
    const [action] = await converse(chair, [[digitOf(members!, 'Phạm Thị Hoa'), 'assign.askAction']]);
    expect(action!.vars[0]).toEqual({ name: 'Phạm Thị Hoa', names: 'Lê Thị Giúp' });
    await converse(chair, [['1', ['assign.noVolunteers', 'assign.askAction']]]);
    const [remove] = await converse(chair, [[digitOf(action!, 'assign.remove'), 'assign.askRemove']]);
    expect(remove!.choices).toEqual(['Lê Thị Giúp', 'common.backToMenu']);
    expect(world.engine.actsWithRole(chair.state)).toBe(true);
    const [removed] = await converse(chair, [['1', ['assign.removed', 'assign.askMember']]]);
    expect(of(removed!.effects, 'assignVolunteer')).toEqual([
      expect.objectContaining({
        memberId: PEOPLE.member.id,
        volunteerId: PEOPLE.volunteer.id,
        assign: false,
      }),
    ]);
    expect(world.lookups.members.find((member) => member.id === PEOPLE.member.id)!.volunteerIds).toEqual([]);
  });

  it(`a long club is shown ${PEOPLE_PER_PAGE} names a page; "Trang sau" goes on, and round to the first`, async () => {
    const world = standardWorld();
    for (let i = 0; i < 10; i++) {
      world.lookups.member({
        id: `extra-${i}`,
        fullName: `Người ${i}`,
        clubIds: [DH],
        roles: [{ role: 'member', clubId: DH }],
      });
    }
    const chair = world.chat(PEOPLE.chair.chat);
    const [first] = await converse(chair, [['phân công', 'assign.askMember']]);
    expect(first!.choices).toHaveLength(PEOPLE_PER_PAGE + 2);
    expect(first!.choices!.slice(-2)).toEqual(['common.nextPage', 'common.backToMenu']);
    const [second] = await converse(chair, [[String(PEOPLE_PER_PAGE + 1), 'assign.askMember']]);
    expect(second!.choices![0]).not.toBe(first!.choices![0]);
    const pages = Math.ceil(14 / PEOPLE_PER_PAGE);
    let reply = second!;
    for (let page = 2; page <= pages; page++) {
      reply = (await converse(chair, [[digitOf(reply, 'common.nextPage'), 'assign.askMember']]))[0]!;
    }
    expect(reply.choices![0]).toBe(first!.choices![0]);
    await converse(chair, [[digitOf(reply, 'common.backToMenu'), 'menu.title']]);
  });

  it('a chair of two clubs chooses the club first', async () => {
    const world = standardWorld();
    const chair = world.lookups.members.find((member) => member.id === PEOPLE.chair.id)!;
    chair.clubIds.push(TK);
    chair.roles.push({ role: 'vice_chair', clubId: TK });
    const chat = world.chat(PEOPLE.chair.chat);
    const [clubs] = await converse(chat, [['phân công', 'assign.askClub']]);
    expect(clubs!.choices).toEqual(['CLB Điền Hồng', 'CLB Tân Kỳ', 'common.backToMenu']);
    const [members] = await converse(chat, [['2', 'assign.askMember']]);
    expect(members!.choices).toEqual(['Trần Văn Chủ', 'common.backToMenu']);
  });
});

describe('người tôi chăm sóc', () => {
  it('a volunteer sees the members assigned to her: name, age, phone', async () => {
    const world = standardWorld();
    for (const id of [PEOPLE.member.id, PEOPLE.noChat.id]) {
      world.lookups.members.find((member) => member.id === id)!.volunteerIds = [PEOPLE.volunteer.id];
    }
    const [list] = await converse(world.chat(PEOPLE.volunteer.chat), [
      ['người tôi chăm sóc', 'myPeople.list'],
    ]);
    expect(list!.vars[0]).toEqual({
      count: 2,
      lines:
        '1. Đỗ Thị Lan, myPeople.age {"age":86}, 0912 000 007\n2. Phạm Thị Hoa, myPeople.age {"age":78}, 0912 000 004',
    });
    expect(list!.choices).toEqual(['common.backToMenu']);
  });

  it(`a long list comes in pages of at most ${LINES_PER_PAGE_CHARS} characters of lines, "Xem tiếp" to go on`, async () => {
    const world = standardWorld();
    for (let i = 0; i < 12; i++) {
      world.lookups.member({
        id: `cared-${i}`,
        fullName: `Nguyễn Thị Phương Thảo ${String(i).padStart(2, '0')}`,
        birthYear: 1940,
        phone: `849120001${String(i).padStart(2, '0')}`,
        clubIds: [DH],
        volunteerIds: [PEOPLE.volunteer.id],
      });
    }
    const chat = world.chat(PEOPLE.volunteer.chat);
    let [page] = await converse(chat, [['người tôi chăm sóc', 'myPeople.list']]);
    const seen: string[] = [];
    while (page!.choices!.includes('common.nextPage')) {
      seen.push(String(page!.vars[0]!.lines));
      expect(page!.choices).toEqual(['common.nextPage', 'common.backToMenu']);
      [page] = await converse(chat, [['1', 'myPeople.list']]);
    }
    seen.push(String(page!.vars[0]!.lines));
    expect(page!.choices).toEqual(['common.backToMenu']);
    expect(seen.length).toBeGreaterThan(1);
    for (const lines of seen) expect(lines.length).toBeLessThanOrEqual(LINES_PER_PAGE_CHARS);
    // Everyone once, numbered in order across the pages.
    const all = seen.join('\n').split('\n');
    expect(all).toHaveLength(12);
    expect(all.map((line) => line.split('.')[0])).toEqual(
      Array.from({ length: 12 }, (_, i) => String(i + 1)),
    );
  });

  it('nobody assigned yet: she is told so', async () => {
    await converse(standardWorld().chat(PEOPLE.volunteer.chat), [
      ['người tôi chăm sóc', ['myPeople.none', 'menu.title']],
    ]);
  });
});

describe('dữ liệu của tôi', () => {
  it('shows her profile, her consent and apps, her health checks, a page each', async () => {
    const world = standardWorld();
    const hoa = world.lookups.members.find((member) => member.id === PEOPLE.member.id)!;
    hoa.consent = {
      givenAt: new Date('2026-02-01T02:00:00Z'),
      channel: 'telegram',
      byMemberId: PEOPLE.volunteer.id,
    };
    const check = (id: string, at: string, level: 'ok' | 'watch') => ({
      id,
      subjectId: PEOPLE.member.id,
      answeredBy: PEOPLE.member.id,
      clubId: DH,
      survey: { id: 'default', version: 1 },
      answers: {},
      level,
      flags: [],
      at: new Date(at),
    });
    world.lookups.responses.push(
      check('r1', '2026-02-22T02:00:00Z', 'watch'),
      check('r2', '2026-03-01T20:00:00Z', 'ok'),
    );
    const chat = world.chat(PEOPLE.member.chat);
    const [profile, consent, health] = await converse(chat, [
      ['dữ liệu của tôi', 'myInfo.profile'],
      ['1', 'myInfo.consent'],
      ['1', 'myInfo.health'],
    ]);
    expect(profile!.choices).toEqual(['common.nextPage', 'myInfo.erase', 'common.backToMenu']);
    expect(consent!.vars[0]).toEqual({
      date: '01/02/2026',
      how: 'myInfo.consentBy {"name":"Lê Thị Giúp"}',
      app: 'channels.telegram',
    });
    // Counted in Vietnam's time: 20:00 UTC on 1 March is 2 March there.
    expect(health!.vars[0]).toEqual({ count: 2, date: '02/03/2026' });
    expect(health!.choices).toEqual(['myInfo.erase', 'common.backToMenu']);
    await converse(chat, [['1', 'eraseData.ask']]);
  });

  it('a member whose consent was not recorded, with no health check yet: said plainly', async () => {
    const [, consent] = await converse(standardWorld().chat(PEOPLE.member.chat), [
      ['dữ liệu của tôi', 'myInfo.profile'],
      ['1', 'myInfo.noConsent'],
      ['1', 'myInfo.noHealth'],
    ]);
    expect(consent!.vars[0]).toMatchObject({ app: 'channels.telegram' });
  });
});

describe('xoá dữ liệu', () => {
  it('asks twice, one digit each; then erases her and this chat knows nobody', async () => {
    const world = standardWorld();
    const chat = world.chat(PEOPLE.member.chat);
    const replies = await converse(chat, [
      ['xoá dữ liệu', 'eraseData.ask'],
      // A "có" typed by mistake erases nothing: only the digit (or the label) answers.
      ['có', ['common.pickNumber', 'eraseData.ask']],
      ['1', 'eraseData.askAgain'],
      ['1', 'eraseData.done'],
    ]);
    expect(replies[3]!.effects).toEqual([{ type: 'eraseMember', memberId: PEOPLE.member.id }]);
    expect(chat.state.who).toBeNull();
    expect(chat.state.session).toBeUndefined();
    expect(chat.state.lang).toBe('vi');
    await converse(chat, [['menu', 'menu.titleGuest']]);
  });

  it('"2" at either question keeps everything', async () => {
    const world = standardWorld();
    const chat = world.chat(PEOPLE.member.chat);
    const replies = await converse(chat, [
      ['xoá dữ liệu', 'eraseData.ask'],
      ['2', ['eraseData.kept', 'menu.title']],
      ['xoá dữ liệu', 'eraseData.ask'],
      ['1', 'eraseData.askAgain'],
      ['2', ['eraseData.kept', 'menu.title']],
    ]);
    expect(replies.flatMap((reply) => reply.effects)).toEqual([]);
  });

  it('a guest typing it has nothing to erase', async () => {
    await converse(standardWorld().chat('301'), [['xoá dữ liệu', 'menu.titleGuest']]);
  });
});
