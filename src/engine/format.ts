/** Display forms of stored values (no words: those live in locales/). */

/** "84912345678" → "0912 345 678", the way Vietnamese write a mobile number. */
export function formatPhone(phone: string): string {
  const local = `0${phone.slice(2)}`;
  return `${local.slice(0, 4)} ${local.slice(4, 7)} ${local.slice(7)}`;
}

/** "29/11", or "29/11 10:05" with the time: a date as people read it in the clubs' time zone. */
export function formatDay(at: Date, timeZone: string, withTime = false): string {
  const parts = new Intl.DateTimeFormat('en-GB', {
    day: '2-digit',
    month: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZone,
  }).formatToParts(at);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  const day = `${part('day')}/${part('month')}`;
  return withTime ? `${day} ${part('hour')}:${part('minute')}` : day;
}
