/**
 * The rules of invite codes, with no I/O so the command line and the bot apply the same ones:
 * who may create an invite for which role, what a code looks like, and when it expires.
 * Randomness comes in as `draw`, so a test can fix it.
 */
import type { Role, RoleGrant } from './types.ts';

/** Code characters: no 0/O, 1/I, so a code read aloud or off paper is typed right. */
export const CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
const CODE_LENGTH = 6;

/** Invites for these roles may only be made by association staff or an administrator. */
export const STAFF_ONLY_INVITE_ROLES: readonly Role[] = ['chair', 'vice_chair', 'staff', 'admin'];

/** A personal invite lasts this long unless told otherwise; an open one never expires unless told. */
export const PERSONAL_INVITE_DAYS = 30;
export const MAX_INVITE_DAYS = 3650;
const DAY_MS = 86_400_000;

export type InviteKind = 'open' | 'personal';

/** Whether someone holding `grants` may create an invite for `role`. */
export function mayCreateInvite(grants: Iterable<Pick<RoleGrant, 'role'>>, role: Role): boolean {
  if (!STAFF_ONLY_INVITE_ROLES.includes(role)) return true;
  return Array.from(grants).some((grant) => grant.role === 'staff' || grant.role === 'admin');
}

/**
 * A 6-character code with at least one digit and one letter (so it never reads as a number).
 * `draw(n)` returns a whole number from 0 to n - 1.
 */
export function drawInviteCode(draw: (n: number) => number): string {
  for (;;) {
    const code = Array.from({ length: CODE_LENGTH }, () =>
      CODE_ALPHABET.charAt(draw(CODE_ALPHABET.length)),
    ).join('');
    if (/\d/.test(code) && /[A-Z]/.test(code)) return code;
  }
}

/** Whether `days` is an allowed lifetime for an invite. */
export function validInviteDays(days: number): boolean {
  return Number.isInteger(days) && days >= 1 && days <= MAX_INVITE_DAYS;
}

/** When an invite made at `now` expires: after `days`, else 30 days for a personal one, never for an open one. */
export function inviteExpiry(kind: InviteKind, now: Date, days?: number): Date | null {
  const lifetime = days ?? (kind === 'personal' ? PERSONAL_INVITE_DAYS : undefined);
  return lifetime === undefined ? null : new Date(now.getTime() + lifetime * DAY_MS);
}
