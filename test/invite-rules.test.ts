/**
 * The invite rules (src/engine/invite-rules.ts) as functions, no database: who may invite for
 * which role, what a code looks like, when it expires. test/cli.test.ts shows them end to end.
 */
import { describe, expect, it } from 'vitest';
import {
  CODE_ALPHABET,
  drawInviteCode,
  inviteExpiry,
  mayCreateInvite,
  validInviteDays,
} from '../src/engine/invite-rules.ts';
import type { RoleGrant } from '../src/engine/types.ts';

const DAY_MS = 86_400_000;
const clubId = 'club-rules';

describe('who may create an invite', () => {
  const chair: RoleGrant[] = [
    { role: 'member', clubId },
    { role: 'chair', clubId },
  ];

  it('refuses a chair an invite for a leader or staff role, allows member and volunteer', () => {
    for (const role of ['chair', 'vice_chair', 'staff', 'admin'] as const) {
      expect(mayCreateInvite(chair, role), role).toBe(false);
    }
    expect(mayCreateInvite(chair, 'member')).toBe(true);
    expect(mayCreateInvite(chair, 'volunteer')).toBe(true);
  });

  it('lets association staff and administrators invite for every role', () => {
    const staff: RoleGrant[] = [{ role: 'staff', orgUnitId: 'vn-test' }];
    const admin: RoleGrant[] = [{ role: 'admin', orgUnitId: 'vn' }];
    for (const role of ['member', 'volunteer', 'chair', 'vice_chair', 'staff', 'admin'] as const) {
      expect(mayCreateInvite(staff, role), role).toBe(true);
      expect(mayCreateInvite(admin, role), role).toBe(true);
    }
  });

  it('refuses a leader role to someone with no roles at all', () => {
    expect(mayCreateInvite([], 'chair')).toBe(false);
  });
});

describe('invite codes', () => {
  /** A draw that returns the given alphabet positions in turn. */
  const fixed = (positions: number[]) => {
    let next = 0;
    return () => positions[next++ % positions.length]!;
  };
  const at = (char: string) => CODE_ALPHABET.indexOf(char);

  it('draws again when a code is all letters or all digits', () => {
    const lettersOnly = Array(6).fill(at('K'));
    const digitsOnly = Array(6).fill(at('7'));
    const mixed = [...'AB3DE9'].map(at);
    expect(drawInviteCode(fixed([...lettersOnly, ...digitsOnly, ...mixed]))).toBe('AB3DE9');
  });

  it('uses only characters that cannot be misread (no 0, O, 1, I)', () => {
    expect(CODE_ALPHABET).not.toMatch(/[0O1I]/);
    expect(CODE_ALPHABET).toHaveLength(32);
  });
});

describe('invite expiry', () => {
  const now = new Date('2026-03-01T08:00:00Z');

  it('ends a personal invite after 30 days and never an open one, unless days are given', () => {
    expect(inviteExpiry('personal', now)?.getTime()).toBe(now.getTime() + 30 * DAY_MS);
    expect(inviteExpiry('open', now)).toBeNull();
    expect(inviteExpiry('open', now, 7)?.getTime()).toBe(now.getTime() + 7 * DAY_MS);
    expect(inviteExpiry('personal', now, 1)?.getTime()).toBe(now.getTime() + DAY_MS);
  });

  it('allows whole days from 1 to 3650', () => {
    expect([0, 1, 3650, 3651, 1.5, -3].map(validInviteDays)).toEqual([
      false,
      true,
      true,
      false,
      false,
      false,
    ]);
  });
});
