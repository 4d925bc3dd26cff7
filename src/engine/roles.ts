import type { Role, RoleGrant, Who } from './types.ts';

/** Roles that may approve members and register people on their behalf as active members. */
export const CLUB_LEADERS: Role[] = ['chair', 'vice_chair'];
export const HELPERS: Role[] = ['chair', 'vice_chair', 'volunteer'];
/** Roles that see other members' data: a new chat is linked to them only with a one-time code. */
export const LEADERS: Role[] = ['chair', 'vice_chair', 'staff', 'admin'];

export function isLeader(roles: RoleGrant[]): boolean {
  return roles.some((grant) => LEADERS.includes(grant.role));
}

export function isActiveMember(who: Who | null): who is Who {
  return who?.status === 'active';
}

/** Clubs in which this person holds one of `roles`. */
export function clubsWithRole(who: Who | null, roles: Role[]): string[] {
  if (!isActiveMember(who)) return [];
  return who.roles
    .filter((grant) => grant.clubId && roles.includes(grant.role))
    .map((grant) => grant.clubId!);
}

/**
 * Whether this person may act on something of club `clubId` (a health alert about one of its
 * members): she belongs to the club, or is staff of the club's org unit or one above it.
 */
export function reachesClub(
  person: { status: string; clubIds: string[]; roles: RoleGrant[] },
  clubId: string,
  orgUnitIds: string[],
): boolean {
  if (person.status !== 'active') return false;
  return (
    person.clubIds.includes(clubId) ||
    person.roles.some(
      (grant) =>
        grant.role === 'staff' && grant.orgUnitId !== undefined && orgUnitIds.includes(grant.orgUnitId),
    )
  );
}

/** Roles that may submit a club's weekly report. */
export const REPORTERS: Role[] = ['chair', 'vice_chair', 'reporter'];

/** Org units this person is staff (or admin) of: their roll-ups are hers to see. */
export function staffUnits(who: Who | null): string[] {
  if (!isActiveMember(who)) return [];
  return who.roles
    .filter((grant) => grant.orgUnitId && (grant.role === 'staff' || grant.role === 'admin'))
    .map((grant) => grant.orgUnitId!);
}

/**
 * Whether this person may see or act for org unit `unit` (its reports, its members): she is
 * active and staff or admin of that unit or of one above it (`unit.ancestors`).
 */
export function reachesOrgUnit(
  person: { status: string; roles: RoleGrant[] },
  unit: { _id: string; ancestors: string[] },
): boolean {
  if (person.status !== 'active') return false;
  return person.roles.some(
    (grant) =>
      (grant.role === 'staff' || grant.role === 'admin') &&
      grant.orgUnitId !== undefined &&
      (grant.orgUnitId === unit._id || unit.ancestors.includes(grant.orgUnitId)),
  );
}
