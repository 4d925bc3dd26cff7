/**
 * A club's meeting rule and the meetings it gives, as pure functions (no clock, no database):
 * the planner (src/jobs/meeting-planner.ts) materialises what `plannedMeetings` returns, and
 * flows show and set rules with the same words.
 *
 * Times are the clubs' local time (APP_TIMEZONE, Asia/Ho_Chi_Minh: UTC+7 all year). A meeting
 * planned by a rule is named by its club and its local date (`meetingId`), so planning the same
 * weeks again, or two planners at once, names the same meetings and inserts each once.
 *
 * What a rule means in a month that lacks its day:
 * - "ngày 31 hằng tháng" in a 30-day month (or February) is the month's last day: the club still
 *   meets that month, at the end of it;
 * - "thứ Năm tuần thứ năm" in a month with four Thursdays gives no meeting that month (the chair
 *   who wants "the last Thursday" chooses `week: 'last'`).
 *
 * @example
 * plannedMeetings(
 *   { kind: 'monthlyWeekday', weekday: 4, week: 2, time: '08:00' },
 *   new Date('2026-03-01T00:00:00Z'), new Date('2026-04-30T00:00:00Z'), 'Asia/Ho_Chi_Minh',
 * ); // [{ date: '2026-03-12', startsAt: 2026-03-12T01:00:00Z }, { date: '2026-04-09', … }]
 */
import { localParts, twoDigits } from './local-time.ts';

/** 0 = Chủ nhật (Sunday), 1 = thứ Hai (Monday) … 6 = thứ Bảy (Saturday), as `Date.getUTCDay`. */
export type Weekday = 0 | 1 | 2 | 3 | 4 | 5 | 6;
/** Which of the month's weekdays: the first … fifth, or the last. */
export type WeekOfMonth = 1 | 2 | 3 | 4 | 5 | 'last';

export const MEETING_RULE_KINDS = ['monthlyDay', 'monthlyWeekday', 'weekly'] as const;

/** When a club meets. `time` is local "HH:MM". */
export type MeetingRule =
  /** "ngày 21 hằng tháng": day 1–31 (a month without that day: its last day). */
  | { kind: 'monthlyDay'; day: number; time: string }
  /** "thứ Năm tuần thứ hai": the `week`-th `weekday` of each month (none that month if it lacks one). */
  | { kind: 'monthlyWeekday'; weekday: Weekday; week: WeekOfMonth; time: string }
  /** "thứ Bảy hằng tuần". */
  | { kind: 'weekly'; weekday: Weekday; time: string };

/** A meeting a rule gives: its local date (which names it) and when it starts. */
export interface PlannedMeeting {
  date: string;
  startsAt: Date;
}

/** The id of a club's meeting on a local date ("YYYY-MM-DD"): the same whoever plans it. */
export function meetingId(clubId: string, date: string): string {
  return `${clubId}|${date}`;
}

/**
 * The meetings `rule` gives that start in [from, until), in order. Pure: the caller gives the
 * window (the planner: now to N weeks ahead) and the time zone.
 */
export function plannedMeetings(
  rule: MeetingRule,
  from: Date,
  until: Date,
  timeZone: string,
): PlannedMeeting[] {
  const planned: PlannedMeeting[] = [];
  const last = localDate(until, timeZone);
  // Day by day through the window: a few dozen days, and each rule reads as one test of a date.
  for (let day = localDate(from, timeZone); day <= last; day = nextDay(day)) {
    if (!matches(rule, day)) continue;
    const startsAt = localTime(day, rule.time, timeZone);
    if (startsAt >= from && startsAt < until) planned.push({ date: day, startsAt });
  }
  return planned;
}

/** Whether `rule` meets on the local date `day` ("YYYY-MM-DD"). */
function matches(rule: MeetingRule, day: string): boolean {
  const [year, month, date] = parts(day);
  const weekday = new Date(Date.UTC(year, month - 1, date)).getUTCDay();
  const length = daysInMonth(year, month);
  switch (rule.kind) {
    case 'weekly':
      return weekday === rule.weekday;
    case 'monthlyDay':
      return date === Math.min(rule.day, length);
    case 'monthlyWeekday':
      if (weekday !== rule.weekday) return false;
      return rule.week === 'last' ? date + 7 > length : Math.ceil(date / 7) === rule.week;
  }
}

/**
 * When a club's members are reminded of a meeting: "-1d@18:00" (the day before at 18:00, local
 * time), "-2h", "-30m" (that long before it starts). Clubs without their own get
 * `DEFAULT_REMINDERS`.
 */
export type ReminderOffset = string;
export const DEFAULT_REMINDERS: ReminderOffset[] = ['-1d@18:00', '-2h'];
const DAYS_BEFORE = /^-(\d{1,2})d@([01]\d|2[0-3]):([0-5]\d)$/;
const TIME_BEFORE = /^-(\d{1,4})([hm])$/;

/** Whether `offset` is a reminder offset this module reads. */
export function isReminderOffset(offset: string): boolean {
  return DAYS_BEFORE.test(offset) || TIME_BEFORE.test(offset);
}

/** The reminders of a meeting starting at `startsAt`, in order; an offset that is not before it is left out. */
export function reminderTimes(
  startsAt: Date,
  offsets: ReminderOffset[],
  timeZone: string,
): { offset: string; at: Date }[] {
  return offsets
    .flatMap((offset) => {
      const days = DAYS_BEFORE.exec(offset);
      if (days) {
        const [year, month, date] = parts(localDate(startsAt, timeZone));
        const day = new Date(Date.UTC(year, month - 1, date - Number(days[1]))).toISOString().slice(0, 10);
        return [{ offset, at: localTime(day, `${days[2]}:${days[3]}`, timeZone) }];
      }
      const before = TIME_BEFORE.exec(offset);
      if (!before) return [];
      const ms = Number(before[1]) * (before[2] === 'h' ? 3600_000 : 60_000);
      return [{ offset, at: new Date(startsAt.getTime() - ms) }];
    })
    .filter(({ at }) => at < startsAt)
    .sort((a, b) => a.at.getTime() - b.at.getTime());
}

/** How the members (`memberIds`) answered "will you come": counts of yes, no, maybe, and none yet. */
export function rsvpTally(
  rsvps: Record<string, string>,
  memberIds: string[],
): { yes: number; no: number; maybe: number; none: number } {
  const tally = { yes: 0, no: 0, maybe: 0, none: 0 };
  for (const id of memberIds) {
    const answer = rsvps[id];
    if (answer === 'yes' || answer === 'no' || answer === 'maybe') tally[answer] += 1;
    else tally.none += 1;
  }
  return tally;
}

/** Days in a month (1–12) of a year: February has 29 in leap years. */
export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** The local date ("YYYY-MM-DD") of an instant in `timeZone`. */
export function localDate(at: Date, timeZone: string): string {
  const { year, month, day } = localParts(at, timeZone);
  return `${year}-${twoDigits(month)}-${twoDigits(day)}`;
}

/** The instant of local `day` at local `time` ("HH:MM") in `timeZone`. */
export function localTime(day: string, time: string, timeZone: string): Date {
  const [year, month, date] = parts(day);
  const [hours, minutes] = time.split(':').map(Number);
  const asUtc = Date.UTC(year, month - 1, date, hours, minutes);
  // The zone's offset (Vietnam: +7 h all year, no daylight saving time).
  return new Date(asUtc - offsetMs(new Date(asUtc), timeZone));
}

/** Local "HH:MM" of an instant. */
export function localClock(at: Date, timeZone: string): string {
  const { hour, minute } = localParts(at, timeZone);
  return `${twoDigits(hour)}:${twoDigits(minute)}`;
}

/** How far `timeZone`'s clock is ahead of UTC at `at`, in milliseconds. */
function offsetMs(at: Date, timeZone: string): number {
  const { year, month, day, hour, minute } = localParts(at, timeZone);
  const local = Date.UTC(year, month - 1, day, hour, minute);
  return local - Math.floor(at.getTime() / 60_000) * 60_000;
}

function nextDay(day: string): string {
  const [year, month, date] = parts(day);
  return new Date(Date.UTC(year, month - 1, date + 1)).toISOString().slice(0, 10);
}

function parts(day: string): [number, number, number] {
  const [year, month, date] = day.split('-').map(Number);
  return [year!, month!, date!];
}
