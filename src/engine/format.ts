/** Display forms of stored values (no words: those live in locales/). */

/** "84912345678" → "0912 345 678", the way Vietnamese write a mobile number. */
export function formatPhone(phone: string): string {
  const local = `0${phone.slice(2)}`;
  return `${local.slice(0, 4)} ${local.slice(4, 7)} ${local.slice(7)}`;
}
