/** Display forms of stored values (no words: those live in locales/). */
import { localParts, twoDigits } from './local-time.ts';

/** "84912345678" → "0912 345 678", the way Vietnamese write a mobile number. */
export function formatPhone(phone: string): string {
  const local = `0${phone.slice(2)}`;
  return `${local.slice(0, 4)} ${local.slice(4, 7)} ${local.slice(7)}`;
}

/**
 * A date as people read it in the clubs' time zone: "29/11", with `year` "29/11/2026", with
 * `time` "29/11 10:05".
 */
export function formatDay(at: Date, timeZone: string, { year = false, time = false } = {}): string {
  const local = localParts(at, timeZone);
  const day = `${twoDigits(local.day)}/${twoDigits(local.month)}${year ? `/${local.year}` : ''}`;
  return time ? `${day} ${twoDigits(local.hour)}:${twoDigits(local.minute)}` : day;
}
