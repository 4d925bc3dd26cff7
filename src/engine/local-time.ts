/**
 * The wall clock of a time zone (the clubs': Asia/Ho_Chi_Minh), read the one way every part of
 * the app needs it: dates people read, meeting times, quiet hours, the Zalo night ban.
 */

/** An instant as the zone's calendar and clock show it (month 1–12, hour 0–23). */
export interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** Formatters are costly to build and are asked for on every message: one per zone. */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, format);
  }
  return format;
}

/**
 * The parts of recent seconds, by zone and second: every message of a fan-out asks for "now" (quiet
 * hours, dates), and formatToParts was a visible share of a reminder round's CPU.
 */
const recent = new Map<string, LocalParts>();
const RECENT_MAX = 256;

export function localParts(at: Date, timeZone: string): LocalParts {
  const ms = at.getTime();
  const key = `${timeZone}|${Math.floor(ms / 1000)}`;
  const known = recent.get(key);
  if (known) return { ...known };
  const parts = computeParts(at, timeZone);
  if (recent.size >= RECENT_MAX) recent.delete(recent.keys().next().value!);
  recent.set(key, parts);
  return { ...parts };
}

function computeParts(at: Date, timeZone: string): LocalParts {
  const parts = formatter(timeZone).formatToParts(at);
  const part = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return {
    year: part('year'),
    month: part('month'),
    day: part('day'),
    hour: part('hour'),
    minute: part('minute'),
    second: part('second'),
  };
}

/** "07" for 7: two digits, as dates and clocks are written. */
export const twoDigits = (n: number) => String(n).padStart(2, '0');
