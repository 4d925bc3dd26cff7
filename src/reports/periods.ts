/**
 * Report periods as DHIS2 writes them: an ISO week '2026W47' (weeks start on Monday; week 1 holds
 * the year's first Thursday) or a month '202611'. A week belongs to the month of its Thursday, so
 * every week is in exactly one month; the week that holds its month's last Thursday "closes" the
 * month and carries the monthly data elements.
 *
 * Dates are local calendar days ("YYYY-MM-DD") in APP_TIMEZONE; pure functions, no I/O.
 */
import { localDate, localTime } from '../engine/meetings.ts';

export type Period = string;
export type ParsedPeriod =
  | { kind: 'week'; year: number; week: number }
  | { kind: 'month'; year: number; month: number };

const WEEK = /^(\d{4})W(\d{1,2})$/;
const MONTH = /^(\d{4})(\d{2})$/;
const DAY_MS = 86_400_000;

/** Reads '2026W47' or '202611'; undefined when it is neither (or week 53 of a 52-week year). */
export function parsePeriod(text: string): ParsedPeriod | undefined {
  const trimmed = text.trim().toUpperCase();
  const week = WEEK.exec(trimmed);
  if (week) {
    const year = Number(week[1]);
    const n = Number(week[2]);
    if (year < 2000 || year > 2100 || n < 1 || n > weeksInYear(year)) return undefined;
    return { kind: 'week', year, week: n };
  }
  const month = MONTH.exec(trimmed);
  if (month) {
    const year = Number(month[1]);
    const m = Number(month[2]);
    if (year < 2000 || year > 2100 || m < 1 || m > 12) return undefined;
    return { kind: 'month', year, month: m };
  }
  return undefined;
}

export function formatPeriod(p: ParsedPeriod): Period {
  return p.kind === 'week' ? `${p.year}W${p.week}` : `${p.year}${String(p.month).padStart(2, '0')}`;
}

export function isWeek(period: Period): boolean {
  return parsePeriod(period)?.kind === 'week';
}

/** Days since 1970-01-01 of a local day. */
function dayNumber(day: string): number {
  const [y, m, d] = day.split('-').map(Number);
  return Math.floor(Date.UTC(y!, m! - 1, d!) / DAY_MS);
}

function dayString(n: number): string {
  return new Date(n * DAY_MS).toISOString().slice(0, 10);
}

/** Monday of ISO week 1 of `year`, as a day number. */
function week1Monday(year: number): number {
  const jan4 = dayNumber(`${year}-01-04`);
  const weekday = (jan4 + 3) % 7; // 0 = Monday (1970-01-01 was a Thursday)
  return jan4 - weekday;
}

function weeksInYear(year: number): number {
  return (week1Monday(year + 1) - week1Monday(year)) / 7;
}

/** The ISO week of a local day ('2026-11-18' → '2026W47'). */
export function weekOfDay(day: string): Period {
  const n = dayNumber(day);
  const thursday = n - ((n + 3) % 7) + 3;
  const year = Number(dayString(thursday).slice(0, 4));
  return `${year}W${Math.floor((thursday - week1Monday(year)) / 7) + 1}`;
}

/** The ISO week an instant falls in, in `timeZone`. */
export function weekOf(at: Date, timeZone: string): Period {
  return weekOfDay(localDate(at, timeZone));
}

/** The month an instant falls in ('202611'). */
export function monthOf(at: Date, timeZone: string): Period {
  return localDate(at, timeZone).slice(0, 7).replace('-', '');
}

/** First and last local day of a period (Monday–Sunday, or the calendar month). */
export function periodDays(period: Period): { first: string; last: string } {
  const p = parsePeriod(period);
  if (!p) throw new Error(`not a period: ${period}`);
  if (p.kind === 'week') {
    const monday = week1Monday(p.year) + (p.week - 1) * 7;
    return { first: dayString(monday), last: dayString(monday + 6) };
  }
  const first = `${p.year}-${String(p.month).padStart(2, '0')}-01`;
  const last = dayString(
    dayNumber(
      p.month === 12 ? `${p.year + 1}-01-01` : `${p.year}-${String(p.month + 1).padStart(2, '0')}-01`,
    ) - 1,
  );
  return { first, last };
}

/** The month a week belongs to (its Thursday's). */
export function monthOfWeek(week: Period): Period {
  const thursday = dayString(dayNumber(periodDays(week).first) + 3);
  return thursday.slice(0, 7).replace('-', '');
}

/** The weeks of a month (those whose Thursday is in it), in order. */
export function weeksOfMonth(month: Period): Period[] {
  const { first, last } = periodDays(month);
  const weeks: Period[] = [];
  for (let n = dayNumber(first); n <= dayNumber(last); n++) {
    if ((n + 3) % 7 === 3) weeks.push(weekOfDay(dayString(n)));
  }
  return weeks;
}

/** Whether a week is the last of its month (it carries the monthly elements). */
export function closesMonth(week: Period): boolean {
  return monthOfWeek(shiftPeriod(week, 1)) !== monthOfWeek(week);
}

/** The period `n` periods after (negative: before) this one, of the same kind. */
export function shiftPeriod(period: Period, n: number): Period {
  const p = parsePeriod(period);
  if (!p) throw new Error(`not a period: ${period}`);
  if (p.kind === 'week') return weekOfDay(dayString(dayNumber(periodDays(period).first) + 7 * n));
  const index = p.year * 12 + (p.month - 1) + n;
  return formatPeriod({ kind: 'month', year: Math.floor(index / 12), month: (index % 12) + 1 });
}

/** Sortable key of a period of either kind. */
function ordinal(period: Period): number {
  return dayNumber(periodDays(period).first);
}

/**
 * Every period from `from` to `to`, both included, in order ('2026W45'..'2026W47' → three weeks).
 * Both must be of one kind; `to` before `from`, or an unknown period, throws (callers check with
 * {@link parsePeriod} first). At most 520 periods.
 */
export function periodsBetween(from: Period, to: Period): Period[] {
  const a = parsePeriod(from);
  const b = parsePeriod(to);
  if (!a || !b || a.kind !== b.kind) throw new Error(`bad period range ${from}..${to}`);
  const start = formatPeriod(a);
  const end = formatPeriod(b);
  if (ordinal(end) < ordinal(start)) throw new Error(`bad period range ${from}..${to}`);
  const out: Period[] = [start];
  while (out[out.length - 1] !== end) {
    if (out.length >= 520) throw new Error(`period range too long ${from}..${to}`);
    out.push(shiftPeriod(out[out.length - 1]!, 1));
  }
  return out;
}

/** Reads "2026W47" or "2026W40..2026W47" (the API's `period`); undefined when not valid. */
export function parsePeriodRange(text: string): Period[] | undefined {
  if (text.length > 40) return undefined;
  const [from = '', to = from, ...rest] = text.split('..');
  if (rest.length > 0 || !parsePeriod(from) || !parsePeriod(to)) return undefined;
  try {
    return periodsBetween(from, to);
  } catch {
    return undefined;
  }
}

/**
 * The cut-off of a week: edits are open until then (default: the Monday after the week, 12:00).
 * `cutoff` is "<days after the week's Sunday> <HH:MM>", e.g. "1 12:00".
 */
export function weekCutoff(week: Period, cutoff: string, timeZone: string): Date {
  const [days = '1', time = '12:00'] = cutoff.trim().split(/\s+/);
  const sunday = dayNumber(periodDays(week).last);
  return localTime(dayString(sunday + Number(days)), time, timeZone);
}
