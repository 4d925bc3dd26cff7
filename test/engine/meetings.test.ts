/**
 * The meeting flows as engine cases: a member's "lịch họp", and a chair setting the rule,
 * moving, cancelling and adding a meeting by chat. The database side (planning, the guarded
 * writes) is in test/meetings.test.ts. Now is Monday 2 March 2026, 10:00 in Vietnam.
 */
import { describe, expect, it } from 'vitest';
import { parseDayMonth, parseRsvp, parseTimeOfDay, parseWeekday } from '../../src/engine/answers.ts';
import { converse, DH, PEOPLE, standardWorld } from '../support/engine.ts';

/** Điền Hồng meets on the 31st (the last day of shorter months); April's meeting was cancelled. */
function meetingWorld() {
  const world = standardWorld();
  world.lookups.rules.set(DH, { kind: 'monthlyDay', day: 31, time: '08:00', place: 'Nhà văn hoá' });
  world.lookups.meetings.push(
    {
      id: `${DH}|2026-03-31`,
      clubId: DH,
      startsAt: new Date('2026-03-31T01:00:00Z'),
      place: 'Nhà văn hoá',
      status: 'scheduled',
      rsvps: {},
      present: [],
    },
    {
      id: `${DH}|2026-04-30`,
      clubId: DH,
      startsAt: new Date('2026-04-30T01:00:00Z'),
      place: 'Nhà văn hoá',
      status: 'cancelled',
      rsvps: {},
      present: [],
    },
  );
  return world;
}

/** What the chair reads on "lịch họp": the rule, the two meetings, the answers so far, and what to change. */
const CHAIR_LIST = [
  'meetings.ruleMonthlyDay',
  'meetings.next',
  'meetings.line',
  'meetings.lineCancelled',
  'meetings.tally',
  'meetings.askLeader',
];

describe('lịch họp', () => {
  it("a member sees the club's rule and its next meetings, and may say now whether she will come", async () => {
    const [reply, , answered] = await converse(meetingWorld().chat(PEOPLE.member.chat), [
      [
        'lịch họp',
        [
          'meetings.ruleMonthlyDay',
          'meetings.next',
          'meetings.line',
          'meetings.lineCancelled',
          'meetings.askMember',
        ],
      ],
      ['1', ['meetingRsvp.reminder', 'meetingRsvp.ask']],
      ['3', 'meetingRsvp.thanksMaybe'],
    ]);
    expect(answered!.effects).toEqual([
      {
        type: 'setRsvp',
        meetingId: `${DH}|2026-03-31`,
        memberId: PEOPLE.member.id,
        rsvp: 'maybe',
        byMemberId: PEOPLE.member.id,
      },
    ]);
    expect(reply!.vars.slice(0, 4)).toEqual([
      { day: 31, time: '08:00', place: 'Nhà văn hoá' },
      {},
      { weekday: 'weekday.2', date: '31/03', time: '08:00', place: 'Nhà văn hoá' },
      { weekday: 'weekday.4', date: '30/04', time: '08:00', place: 'Nhà văn hoá' },
    ]);
  });

  it('the chair sees how the next meeting was answered so far', async () => {
    const world = meetingWorld();
    Object.assign(world.lookups.meetings[0]!.rsvps, {
      [PEOPLE.member.id]: 'yes',
      [PEOPLE.noChat.id]: 'no',
      other: 'yes',
    });
    const [reply] = await converse(world.chat(PEOPLE.chair.chat), [['lịch họp', CHAIR_LIST]]);
    // Of the club's four members: one coming, one not, two not answered (an answer of a non-member is not counted).
    expect(reply!.vars[4]).toEqual({
      yes: 1,
      no: 1,
      maybe: 0,
      none: 2,
      weekday: 'weekday.2',
      date: '31/03',
      time: '08:00',
    });
  });

  it('a club with no meeting says so', async () => {
    await converse(standardWorld().chat(PEOPLE.member.chat), [['lich hop', ['meetings.none', 'menu.title']]]);
    // Only a cancelled one coming: nothing to answer.
    const world = meetingWorld();
    world.lookups.meetings[0]!.status = 'cancelled';
    await converse(world.chat(PEOPLE.member.chat), [
      [
        'lich hop',
        [
          'meetings.ruleMonthlyDay',
          'meetings.next',
          'meetings.lineCancelled',
          'meetings.lineCancelled',
          'menu.title',
        ],
      ],
    ]);
  });

  it('a chair sets "the second Thursday, 8:00" as the rule', async () => {
    const replies = await converse(meetingWorld().chat(PEOPLE.chair.chat), [
      ['lịch họp', CHAIR_LIST],
      ['1', 'meetingRule.askKind'],
      ['2', 'meetingRule.askWeekday'],
      ['thứ năm', 'meetingRule.askWeek'],
      ['2', 'meetingRule.askTime'],
      ['8h', 'meetingRule.askPlace'],
      ['Sân đình', ['meetings.ruleMonthlyWeekday', 'meetingRule.askConfirm']],
      ['có', ['meetingRule.saved', 'menu.title']],
    ]);
    expect(replies[6]!.vars[0]).toEqual({ weekday: 'weekday.4', week: 2, time: '08:00', place: 'Sân đình' });
    expect(replies[7]!.effects).toEqual([
      {
        type: 'setMeetingRule',
        clubId: DH,
        rule: { kind: 'monthlyWeekday', weekday: 4, week: 2, time: '08:00', place: 'Sân đình' },
        byMemberId: PEOPLE.chair.id,
        notice: {
          key: 'meetingRsvp.ruleChangedMonthlyWeekday',
          vars: { weekday: 'weekday.4', week: 2, time: '08:00', place: 'Sân đình' },
        },
      },
    ]);
  });

  it('a chair reads a rule "every Saturday at half past two in the afternoon"', async () => {
    const replies = await converse(meetingWorld().chat(PEOPLE.chair.chat), [
      ['lich hop', CHAIR_LIST],
      ['1', 'meetingRule.askKind'],
      ['3', 'meetingRule.askWeekday'],
      ['9', ['meetingRule.weekdayHint', 'meetingRule.askWeekday']],
      ['7', 'meetingRule.askTime'],
      ['2 giờ rưỡi chiều', 'meetingRule.askPlace'],
      ['x', ['meetingRule.placeHint', 'meetingRule.askPlace']],
      ['Nhà bác Tư', ['meetings.ruleWeekly', 'meetingRule.askConfirm']],
      ['2', ['meetingRule.notSaved', 'menu.title']],
    ]);
    expect(replies[7]!.vars[0]).toEqual({ weekday: 'weekday.6', time: '14:30', place: 'Nhà bác Tư' });
    expect(replies[8]!.effects).toEqual([]);
  });
});

describe('đổi lịch, huỷ buổi họp, tạo buổi họp', () => {
  it("a chair moves March's meeting (the 31st) into April", async () => {
    const chair = meetingWorld().chat(PEOPLE.chair.chat);
    const replies = await converse(chair, [
      ['đổi lịch', 'meetingMove.askWhich'],
      ['1', 'meetingMove.askDate'],
      ['31/4', ['meetingMove.dateHint', 'meetingMove.askDate']],
      ['2/4', 'meetingMove.askTime'],
      ['14h', 'meetingMove.askConfirm'],
      ['1', ['meetingMove.moved', 'menu.title']],
    ]);
    // Only the scheduled meeting can be moved; the cancelled one is not offered.
    expect(replies[0]!.choices).toEqual(['weekday.2 31/03, 08:00']);
    expect(replies[4]!.vars[0]).toEqual({
      from: 'weekday.2 31/03',
      weekday: 'weekday.4',
      date: '02/04',
      time: '14:00',
    });
    expect(replies[5]!.effects).toEqual([
      {
        type: 'moveMeeting',
        meetingId: `${DH}|2026-03-31`,
        startsAt: '2026-04-02T07:00:00.000Z',
        byMemberId: PEOPLE.chair.id,
        notice: {
          key: 'meetingRsvp.movedNotice',
          vars: { from: 'weekday.2 31/03', weekday: 'weekday.4', date: '02/04', time: '14:00' },
        },
      },
    ]);
  });

  it('a meeting is not moved to a time already past', async () => {
    await converse(meetingWorld().chat(PEOPLE.chair.chat), [
      ['doi lich', 'meetingMove.askWhich'],
      ['1', 'meetingMove.askDate'],
      ['2/3', 'meetingMove.askTime'],
      ['8', ['meetingMove.past', 'meetingMove.askTime']],
      ['15h', 'meetingMove.askConfirm'],
    ]);
  });

  it('a chair cancels a meeting, after confirming', async () => {
    const replies = await converse(meetingWorld().chat(PEOPLE.chair.chat), [
      ['huỷ buổi họp', 'meetingCancel.askWhich'],
      ['1', 'meetingCancel.askConfirm'],
      ['co', ['meetingCancel.cancelled', 'menu.title']],
    ]);
    expect(replies[2]!.effects).toEqual([
      {
        type: 'cancelMeeting',
        meetingId: `${DH}|2026-03-31`,
        byMemberId: PEOPLE.chair.id,
        notice: { key: 'meetingRsvp.cancelledNotice', vars: { meeting: 'weekday.2 31/03, 08:00' } },
      },
    ]);
  });

  it('a chair adds a one-off meeting, on a day the club has none', async () => {
    const replies = await converse(meetingWorld().chat(PEOPLE.chair.chat), [
      ['tạo buổi họp', 'meetingAdd.askDate'],
      ['31/3', ['meetingAdd.taken', 'meetingAdd.askDate']],
      ['ngày 15 tháng 3', 'meetingRule.askTime'],
      ['7:30', 'meetingRule.askPlace'],
      ['Trạm y tế xã', 'meetingAdd.askConfirm'],
      ['1', ['meetingAdd.created', 'menu.title']],
    ]);
    expect(replies[5]!.effects).toEqual([
      {
        type: 'createMeeting',
        clubId: DH,
        date: '2026-03-15',
        startsAt: '2026-03-15T00:30:00.000Z',
        place: 'Trạm y tế xã',
        byMemberId: PEOPLE.chair.id,
      },
    ]);
  });

  it('a member who leads no club is told these are for leaders', async () => {
    const member = meetingWorld().chat(PEOPLE.member.chat);
    for (const words of ['đổi lịch', 'huỷ buổi họp', 'tạo buổi họp']) {
      await converse(member, [[words, ['meetings.leadersOnly', 'menu.title']]]);
    }
  });
});

describe('dates and times as people type them', () => {
  it.each([
    ['8', '08:00'],
    ['8h', '08:00'],
    ['8:30', '08:30'],
    ['8h30', '08:30'],
    ['14 giờ', '14:00'],
    ['2 giờ chiều', '14:00'],
    ['7 giờ tối', '19:00'],
    ['8 rưỡi', '08:30'],
    ['25', undefined],
    ['8:75', undefined],
    ['sáng mai', undefined],
  ])('time "%s" is %s', (text, time) => {
    expect(parseTimeOfDay(text)).toBe(time);
  });

  it.each([
    ['thứ 5', 4],
    ['thu nam', 4],
    ['5', 4],
    ['T7', 6],
    ['chủ nhật', 0],
    ['CN', 0],
    ['8', 0],
    ['thứ hai', 1],
    ['1', undefined],
    ['9', undefined],
  ])('weekday "%s" is %s', (text, weekday) => {
    expect(parseWeekday(text)).toBe(weekday);
  });

  it.each([
    ['25/12', '2026-12-25'],
    ['5-4', '2026-04-05'],
    ['ngày 2 tháng 3', '2026-03-02'],
    ['1/3', '2027-03-01'],
    ['29/2/2028', '2028-02-29'],
    ['29/2/2027', undefined],
    ['31/4', undefined],
    ['5/4/2027', '2027-04-05'],
    ['hôm nay', undefined],
  ])('date "%s" is %s (today is 2 March 2026)', (text, date) => {
    expect(parseDayMonth(text, '2026-03-02')).toBe(date);
  });
});

describe('the reminder and its RSVP question', () => {
  const meetingId = `${DH}|2026-03-31`;

  it('a member answers by words; her answer is saved for her', async () => {
    const chat = meetingWorld().chat(PEOPLE.member.chat);
    const opened = await chat.open('meetingRsvp', { meetingId });
    expect(opened.keys).toEqual(['meetingRsvp.reminder', 'meetingRsvp.ask']);
    expect(opened.choices).toEqual(['meetingRsvp.yes', 'meetingRsvp.no', 'meetingRsvp.maybe']);
    const [answered] = await converse(chat, [['khong di duoc', 'meetingRsvp.thanksNo']]);
    expect(answered!.effects).toEqual([
      { type: 'setRsvp', meetingId, memberId: PEOPLE.member.id, rsvp: 'no', byMemberId: PEOPLE.member.id },
    ]);
  });

  it('a volunteer answers for herself, then for the member without a chat; the last answer is shown', async () => {
    const world = meetingWorld();
    world.lookups.meetings[0]!.rsvps[PEOPLE.noChat.id] = 'yes';
    const chat = world.chat(PEOPLE.volunteer.chat);
    await chat.open('meetingRsvp', { meetingId, memberIds: [PEOPLE.volunteer.id, PEOPLE.noChat.id] });
    const replies = await converse(chat, [
      ['1', ['meetingRsvp.thanksYes', 'meetingRsvp.answeredBeforeFor', 'meetingRsvp.askFor']],
      ['5', ['common.pickNumber', 'meetingRsvp.askFor']],
      ['chưa biết', 'meetingRsvp.thanksMaybe'],
    ]);
    expect(replies[0]!.vars[2]).toEqual({ name: 'Đỗ Thị Lan' });
    expect(replies[2]!.effects).toEqual([
      {
        type: 'setRsvp',
        meetingId,
        memberId: PEOPLE.noChat.id,
        rsvp: 'maybe',
        byMemberId: PEOPLE.volunteer.id,
      },
    ]);
  });

  it('a meeting cancelled (or started) by the time the question opens says so', async () => {
    const cancelled = await meetingWorld()
      .chat(PEOPLE.member.chat)
      .open('meetingRsvp', { meetingId: `${DH}|2026-04-30` });
    expect(cancelled.keys).toEqual(['meetingRsvp.over', 'menu.title']);
  });

  it.each([
    ['1', 'yes'],
    ['có', 'yes'],
    ['co di', 'yes'],
    ['được', 'yes'],
    ['2', 'no'],
    ['không', 'no'],
    ['khong di duoc', 'no'],
    ['ko', 'no'],
    ['bận', 'no'],
    ['3', 'maybe'],
    ['chưa biết', 'maybe'],
    ['chua chac', 'maybe'],
    ['có lẽ', 'maybe'],
    ['không biết', 'maybe'],
    ['mai tính', undefined],
  ])('"%s" is %s', (text, rsvp) => {
    expect(parseRsvp(text)).toBe(rsvp);
  });
});
