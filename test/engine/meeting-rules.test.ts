/**
 * Meeting rules expanded into meetings, as a table: each line is a rule, a window and the local
 * dates (and times) it gives. Vietnam time, UTC+7.
 */
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_REMINDERS,
  daysInMonth,
  isReminderOffset,
  localClock,
  localDate,
  localTime,
  type MeetingRule,
  meetingId,
  plannedMeetings,
  reminderTimes,
} from '../../src/engine/meetings.ts';

const TZ = 'Asia/Ho_Chi_Minh';
const at = (local: string) => new Date(`${local}+07:00`);

const CASES: { name: string; rule: MeetingRule; from: string; until: string; dates: string[] }[] = [
  {
    name: 'the 21st of each month',
    rule: { kind: 'monthlyDay', day: 21, time: '08:00' },
    from: '2026-01-01T00:00',
    until: '2026-04-01T00:00',
    dates: ['2026-01-21', '2026-02-21', '2026-03-21'],
  },
  {
    name: 'the 31st falls on the last day of shorter months',
    rule: { kind: 'monthlyDay', day: 31, time: '08:00' },
    from: '2026-01-01T00:00',
    until: '2026-05-01T00:00',
    dates: ['2026-01-31', '2026-02-28', '2026-03-31', '2026-04-30'],
  },
  {
    name: 'the 30th in a leap February is the 29th',
    rule: { kind: 'monthlyDay', day: 30, time: '14:00' },
    from: '2028-02-01T00:00',
    until: '2028-04-01T00:00',
    dates: ['2028-02-29', '2028-03-30'],
  },
  {
    name: 'the 29th in a common February is the 28th',
    rule: { kind: 'monthlyDay', day: 29, time: '14:00' },
    from: '2027-02-01T00:00',
    until: '2027-03-01T00:00',
    dates: ['2027-02-28'],
  },
  {
    name: 'the second Thursday (thứ Năm tuần thứ hai)',
    rule: { kind: 'monthlyWeekday', weekday: 4, week: 2, time: '08:00' },
    from: '2026-03-01T00:00',
    until: '2026-06-01T00:00',
    dates: ['2026-03-12', '2026-04-09', '2026-05-14'],
  },
  {
    name: 'a fifth Thursday: only in months that have one',
    rule: { kind: 'monthlyWeekday', weekday: 4, week: 5, time: '08:00' },
    from: '2026-01-01T00:00',
    until: '2026-07-01T00:00',
    dates: ['2026-01-29', '2026-04-30'],
  },
  {
    name: 'the last Sunday',
    rule: { kind: 'monthlyWeekday', weekday: 0, week: 'last', time: '07:30' },
    from: '2026-02-01T00:00',
    until: '2026-04-01T00:00',
    dates: ['2026-02-22', '2026-03-29'],
  },
  {
    name: 'every Saturday',
    rule: { kind: 'weekly', weekday: 6, time: '15:00' },
    from: '2026-12-20T00:00',
    until: '2027-01-10T00:00',
    dates: ['2026-12-26', '2027-01-02', '2027-01-09'],
  },
  {
    name: 'a meeting already begun is not planned; one later that day is',
    rule: { kind: 'weekly', weekday: 1, time: '08:00' },
    from: '2026-03-02T08:00:01',
    until: '2026-03-17T00:00',
    dates: ['2026-03-09', '2026-03-16'],
  },
];

describe('meeting rules', () => {
  it.each(CASES)('$name', ({ rule, from, until, dates }) => {
    const planned = plannedMeetings(rule, at(from), at(until), TZ);
    expect(planned.map((meeting) => meeting.date)).toEqual(dates);
    for (const meeting of planned) {
      expect(localDate(meeting.startsAt, TZ)).toBe(meeting.date);
      expect(localClock(meeting.startsAt, TZ)).toBe(rule.time);
    }
  });

  it('starts at the local time, seven hours ahead of UTC, across the new year', () => {
    const [meeting] = plannedMeetings(
      { kind: 'monthlyDay', day: 1, time: '06:30' },
      at('2026-12-31T00:00'),
      at('2027-01-02T00:00'),
      TZ,
    );
    expect(meeting).toEqual({ date: '2027-01-01', startsAt: new Date('2026-12-31T23:30:00Z') });
    expect(localTime('2027-01-01', '06:30', TZ)).toEqual(new Date('2026-12-31T23:30:00Z'));
  });

  it('names a meeting by its club and planned date, so a moved one is never planned again', () => {
    // January's meeting (the 31st) moved to 2 February keeps its name; February's is another.
    const rule: MeetingRule = { kind: 'monthlyDay', day: 31, time: '08:00' };
    const january = plannedMeetings(rule, at('2026-01-01T00:00'), at('2026-02-01T00:00'), TZ);
    const february = plannedMeetings(rule, at('2026-02-01T00:00'), at('2026-03-01T00:00'), TZ);
    expect(january.map((m) => meetingId('club-a', m.date))).toEqual(['club-a|2026-01-31']);
    expect(february.map((m) => meetingId('club-a', m.date))).toEqual(['club-a|2026-02-28']);
  });

  it('knows leap years', () => {
    expect([2024, 2025, 2100, 2000].map((year) => daysInMonth(year, 2))).toEqual([29, 28, 28, 29]);
  });

  it('reminds the day before at 18:00 and 2 hours before, by default', () => {
    const startsAt = at('2026-03-01T08:00'); // a meeting on the 1st: the day before is in February
    expect(reminderTimes(startsAt, DEFAULT_REMINDERS, TZ)).toEqual([
      { offset: '-1d@18:00', at: at('2026-02-28T18:00') },
      { offset: '-2h', at: at('2026-03-01T06:00') },
    ]);
    // An early meeting: "2 hours before" is at night (quiet hours then hold it); one unread offset is left out.
    expect(reminderTimes(at('2026-03-02T07:00'), ['-2h', '-30m', 'soon', '-0m'], TZ)).toEqual([
      { offset: '-2h', at: at('2026-03-02T05:00') },
      { offset: '-30m', at: at('2026-03-02T06:30') },
    ]);
    expect(['-1d@18:00', '-2h', '-45m', '-2d@07:30', '-1d@25:00', '2h', 'x'].map(isReminderOffset)).toEqual([
      true,
      true,
      true,
      true,
      false,
      false,
      false,
    ]);
  });
});
