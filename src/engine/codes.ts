/**
 * Codes people read and type: the link code's alphabet and form, and the
 * source of randomness flows use for ids and codes. Flows get randomness
 * through their context, so an engine test can seed it and replay a turn.
 */

/** Easy to read aloud and to type: no O/0, no I/1 (and so no L either). */
export const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
export const LINK_CODE_LENGTH = 8;

/** A link code as typed, as stored: upper case, no spaces or dashes. */
export function canonicalCode(code: string): string {
  return code.replace(/[\s-]/g, '').toUpperCase();
}

/** Where flows get ids and codes from. */
export interface RandomSource {
  /** A new 24-hex id (e.g. a member's, chosen before the member exists, so creating is idempotent). */
  id(): string;
  /** `length` random decimal digits (a one-time code). */
  digits(length: number): string;
  /** A link code as shown: "ABCD 2345" (CODE_ALPHABET, always holding a digit). */
  linkCode(): string;
}

/** A RandomSource over `int(n)` (a uniform integer in [0, n)): crypto in the app, seeded in tests. */
export function randomSource(int: (n: number) => number): RandomSource {
  const pick = (alphabet: string, length: number) =>
    Array.from({ length }, () => alphabet.charAt(int(alphabet.length))).join('');
  return {
    id: () => pick('0123456789abcdef', 24),
    digits: (length) => pick('0123456789', length),
    linkCode() {
      for (;;) {
        const code = pick(CODE_ALPHABET, LINK_CODE_LENGTH);
        if (/\d/.test(code)) return `${code.slice(0, 4)} ${code.slice(4)}`;
      }
    },
  };
}
