/**
 * Quiet hours (QUIET_HOURS_START–QUIET_HOURS_END in APP_TIMEZONE, 21:00–06:00 by default): older
 * people are not woken by a reminder. A message that may wait (see `mayHoldAtNight`) is held
 * until the quiet hours end, or dropped if it expires by then; replies, codes and urgent
 * messages go at once. The outbox applies this when it queues a message and again when the
 * worker takes it (a retried or delayed message may come due at night).
 */
import { localParts } from '../engine/local-time.ts';
import { mayHoldAtNight } from '../engine/message-kinds.ts';
import type { Outbound } from '../engine/types.ts';

const DAY_SECONDS = 24 * 3600;

/** Quiet hours as seconds of the local day; `start === end` means none. */
export interface QuietHours {
  startSecond: number;
  endSecond: number;
  timeZone: string;
}

/** Quiet hours from "HH:MM" times (already validated by the config). */
export function quietHours(start: string, end: string, timeZone: string): QuietHours {
  const seconds = (time: string) => {
    const [hours, minutes] = time.split(':').map(Number);
    return (hours! * 60 + minutes!) * 60;
  };
  return { startSecond: seconds(start), endSecond: seconds(end), timeZone };
}

/** Milliseconds from `now` until the quiet hours end; 0 when `now` is outside them. */
export function msUntilQuietEnds(now: Date, hours: QuietHours): number {
  const { startSecond: start, endSecond: end } = hours;
  const second = localSecondOfDay(now, hours.timeZone);
  const quiet = start < end ? second >= start && second < end : second >= start || second < end;
  if (start === end || !quiet) return 0;
  return ((end - second + DAY_SECONDS) % DAY_SECONDS) * 1000 - now.getMilliseconds();
}

/** What to do with a message now: send it, hold it `ms` longer, or drop it (expired). */
export type Delivery = { action: 'send' } | { action: 'hold'; ms: number } | { action: 'drop' };

export function deliveryNow(message: Outbound, now: Date, hours: QuietHours): Delivery {
  const expiresAt = message.expiresAt ? Date.parse(message.expiresAt) : Number.NaN;
  if (expiresAt <= now.getTime()) return { action: 'drop' };
  const ms = mayHoldAtNight(message) ? msUntilQuietEnds(now, hours) : 0;
  if (ms === 0) return { action: 'send' };
  // Due at the end of the quiet hours, but pointless by then (the meeting has started).
  if (expiresAt <= now.getTime() + ms) return { action: 'drop' };
  return { action: 'hold', ms };
}

/** Seconds since local midnight in `timeZone` (DST shifts are ignored: Vietnam has none). */
function localSecondOfDay(now: Date, timeZone: string): number {
  const { hour, minute, second } = localParts(now, timeZone);
  return hour * 3600 + minute * 60 + second;
}
