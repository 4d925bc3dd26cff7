/**
 * Roll-call and check-in as engine cases: the chair marks who came by numbers, ranges, "tất
 * cả (trừ …)" or a head count, page by page; a member checks in during the meeting. The
 * database side (who may, closing) is in test/meetings.test.ts, the chats on every channel in
 * test/meeting-transcripts.test.ts. Now is Monday 2 March 2026, 10:00; the meeting began at 08:00.
 */
import { describe, expect, it } from 'vitest';
import { parseRollCall } from '../../src/engine/answers.ts';
import { converse, DH, PEOPLE, standardWorld, TK } from '../support/engine.ts';

const MEETING = `${DH}|2026-03-02`;

/** Điền Hồng's meeting of this morning; `extra` more members (for pages). */
function rollCallWorld(extra = 0) {
  const world = standardWorld();
  world.lookups.meetings.push({
    id: MEETING,
    clubId: DH,
    startsAt: new Date('2026-03-02T01:00:00Z'),
    place: 'Nhà văn hoá',
    status: 'scheduled',
    rsvps: {},
    present: [],
  });
  for (let i = 1; i <= extra; i++) {
    const n = String(i).padStart(2, '0');
    world.lookups.member({
      id: `extra-${n}`,
      fullName: `Vũ Thị ${n}`,
      clubIds: [DH],
      roles: [{ role: 'member', clubId: DH }],
    });
  }
  return world;
}

/** The fixture's four members of Điền Hồng, by name: Đỗ Thị Lan, Lê Thị Giúp, Phạm Thị Hoa, Trần Văn Chủ. */
const ROSTER = [PEOPLE.noChat.id, PEOPLE.volunteer.id, PEOPLE.member.id, PEOPLE.chair.id];
const LIST = [
  'rollCall.title',
  'rollCall.page',
  'rollCall.line',
  'rollCall.line',
  'rollCall.line',
  'rollCall.line',
  'rollCall.ask',
];

describe('roll-call', () => {
  it('the chair marks numbers, confirms, and leaves the meeting open', async () => {
    const chat = rollCallWorld().chat(PEOPLE.chair.chat);
    const replies = await converse(chat, [
      ['điểm danh', LIST],
      ['1,3-4', 'rollCall.summary'],
      ['1', ['rollCall.saved', 'rollCall.askClose']],
      ['2', ['rollCall.keptOpen', 'menu.title']],
    ]);
    expect(replies[0]!.vars.slice(1, 3)).toEqual([
      { from: 1, to: 4, total: 4 },
      { n: 1, name: 'Đỗ Thị Lan' },
    ]);
    expect(replies[1]!.vars[0]).toEqual({ count: 3, total: 4, left: 1, names: 'Lê Thị Giúp' });
    expect(replies[2]!.effects).toEqual([
      {
        type: 'setAttendance',
        meetingId: MEETING,
        roster: ROSTER,
        present: [PEOPLE.noChat.id, PEOPLE.member.id, PEOPLE.chair.id],
        byMemberId: PEOPLE.chair.id,
      },
    ]);
    // Again, until closed: those marked have a ✓; "tất cả" then closes it.
    const again = await converse(chat, [
      [
        'diem danh',
        [
          'rollCall.title',
          'rollCall.page',
          'rollCall.linePresent',
          'rollCall.line',
          'rollCall.linePresent',
          'rollCall.linePresent',
          'rollCall.ask',
        ],
      ],
      ['tất cả', 'rollCall.summaryAll'],
      ['1', ['rollCall.saved', 'rollCall.askClose']],
      ['1', ['rollCall.closed', 'menu.title']],
    ]);
    expect(again[3]!.effects).toEqual([
      {
        type: 'setAttendance',
        meetingId: MEETING,
        roster: ROSTER,
        present: ROSTER,
        byMemberId: PEOPLE.chair.id,
        close: true,
      },
    ]);
    await converse(chat, [['điểm danh', ['rollCall.none', 'menu.title']]]);
  });

  it('"tất cả trừ 2,4", a head count, and an answer it cannot read', async () => {
    const chat = rollCallWorld().chat(PEOPLE.chair.chat);
    const replies = await converse(chat, [
      ['điểm danh', LIST],
      ['tat ca tru 2,4', 'rollCall.summary'],
      // Again: the list shows what was typed (✓), to be corrected.
      [
        '2',
        [
          'rollCall.page',
          'rollCall.linePresent',
          'rollCall.line',
          'rollCall.linePresent',
          'rollCall.line',
          'rollCall.ask',
        ],
      ],
      ['1-9', ['rollCall.hint', 'rollCall.ask']],
      ['3', 'rollCall.summaryCount'],
      ['1', ['rollCall.saved', 'rollCall.askClose']],
    ]);
    expect(replies[1]!.vars[0]).toEqual({ count: 2, total: 4, left: 2, names: 'Lê Thị Giúp, Trần Văn Chủ' });
    expect(replies[5]!.effects).toEqual([
      {
        type: 'setAttendance',
        meetingId: MEETING,
        roster: ROSTER,
        present: [],
        headCount: 3,
        byMemberId: PEOPLE.chair.id,
      },
    ]);
  });

  it('lists a large club in pages of 15; numbers run across pages', async () => {
    const chat = rollCallWorld(20).chat(PEOPLE.chair.chat);
    const [first, second, summary] = await converse(chat, [
      [
        'điểm danh',
        ['rollCall.title', 'rollCall.page', ...Array(15).fill('rollCall.line'), 'rollCall.askPaged'],
      ],
      ['0', ['rollCall.page', ...Array(9).fill('rollCall.line'), 'rollCall.askPaged']],
      ['tất cả trừ 1-10, 24', 'rollCall.summary'],
    ]);
    expect(first!.vars[1]).toEqual({ from: 1, to: 15, total: 24 });
    expect(second!.vars[0]).toEqual({ from: 16, to: 24, total: 24 });
    expect(summary!.vars[0]).toMatchObject({ count: 13, total: 24, left: 11 });
    expect(String(summary!.vars[0]!.names).endsWith('…')).toBe(true);
  });

  it('is for the leaders of the club whose meeting it is', async () => {
    const world = rollCallWorld();
    await converse(world.chat(PEOPLE.member.chat), [['điểm danh', ['meetings.leadersOnly', 'menu.title']]]);
    world.lookups.member({
      id: 'chair-tk',
      fullName: 'Chủ Tân Kỳ',
      clubIds: [TK],
      roles: [{ role: 'chair', clubId: TK }],
      chats: [{ channel: 'telegram', chatId: '9101' }],
    });
    await converse(world.chat('9101'), [['điểm danh', ['rollCall.none', 'menu.title']]]);
  });
});

describe('check-in', () => {
  it('a member says "có mặt" during the meeting; long after it, there is none', async () => {
    const world = rollCallWorld();
    const chat = world.chat(PEOPLE.member.chat);
    const [done] = await converse(chat, [['có mặt', 'checkIn.done']]);
    expect(done!.effects).toEqual([{ type: 'checkIn', meetingId: MEETING, memberId: PEOPLE.member.id }]);
    world.advance(5 * 3600_000);
    await converse(chat, [['co mat', ['checkIn.none', 'menu.title']]]);
  });
});

describe('roll-call answers', () => {
  it.each([
    ['1,3,5-7', { kind: 'numbers', numbers: [1, 3, 5, 6, 7] }],
    ['1 3 5 đến 7', { kind: 'numbers', numbers: [1, 3, 5, 6, 7] }],
    ['4 và 7', { kind: 'numbers', numbers: [4, 7] }],
    ['số 5', { kind: 'numbers', numbers: [5] }],
    ['5,', { kind: 'numbers', numbers: [5] }],
    ['tất cả', { kind: 'all' }],
    ['Tất cả đều có mặt', { kind: 'all' }],
    ['tất cả trừ 4,7', { kind: 'allExcept', numbers: [4, 7] }],
    ['trừ 2-3', { kind: 'allExcept', numbers: [2, 3] }],
    ['35', { kind: 'count', count: 35 }],
    ['35 người', { kind: 'count', count: 35 }],
    ['41', undefined],
    ['1-41', undefined],
    ['0-3', undefined],
    ['vài người', undefined],
  ])('"%s"', (text, read) => {
    expect(parseRollCall(text, 40)).toEqual(read);
  });
});
