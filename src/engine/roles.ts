import type { Role, Who } from './types.ts';

/** Roles that may approve members and register people on their behalf as active members. */
export const CLUB_LEADERS: Role[] = ['chair', 'vice_chair'];
export const HELPERS: Role[] = ['chair', 'vice_chair', 'volunteer'];

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
