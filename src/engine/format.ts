/** Display forms of stored values (no words: those live in locales/). */

/** "84912345678" → "0912 345 678", the way Vietnamese write a mobile number. */
export function formatPhone(phone: string): string {
  const local = `0${phone.slice(2)}`;
  return `${local.slice(0, 4)} ${local.slice(4, 7)} ${local.slice(7)}`;
}

/** A day as Vietnamese write it, "02/03/2026", in Vietnam's time (UTC+7 all year). */
export function formatDate(date: Date): string {
  const local = new Date(date.getTime() + 7 * 3600_000);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(local.getUTCDate())}/${two(local.getUTCMonth() + 1)}/${local.getUTCFullYear()}`;
}
