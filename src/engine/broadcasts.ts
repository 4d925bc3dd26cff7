/**
 * The rules of a broadcast that the staff flow and the runtime share (pure): who "all members",
 * "chairs and board" and "volunteers" are, how long a text may be, who may send and who may
 * send urgently, and the text each recipient gets.
 */
import type { AreaView, BroadcastWho, ChannelName, Lang, Role, RoleGrant } from './types.ts';

/** The longest text a broadcast carries: a Zalo message (2,000 characters); longer is refused, not cut. */
export const BROADCAST_MAX_TEXT = 2000;

/** The roles each choice of "who" addresses in the clubs of the area. */
export const BROADCAST_ROLES: Record<BroadcastWho, Role[]> = {
  all: ['member', 'volunteer', 'chair', 'vice_chair'],
  board: ['chair', 'vice_chair'],
  volunteers: ['volunteer'],
};

/**
 * The apps a broadcast's photo goes out on (with the text as its caption); on the others the
 * recipient gets the text alone. A photo is sent in on these apps too.
 */
export const PHOTO_APPS: readonly ChannelName[] = ['telegram', 'zalo-bot'];

/** Answer 1, 2, 3 of "who" in the flow, in this order. */
export const BROADCAST_WHO: BroadcastWho[] = ['all', 'board', 'volunteers'];

/** Roles that may broadcast: staff of an org unit, and admins. */
const SENDERS: Role[] = ['staff', 'admin'];

/** The org units a person may broadcast to (with everything under them); an admin of none: all. */
export function broadcastUnits(roles: RoleGrant[]): string[] {
  return roles.filter((grant) => SENDERS.includes(grant.role) && grant.orgUnitId).map((g) => g.orgUnitId!);
}

/** Whether someone with these grants may broadcast at all. */
export function mayBroadcast(roles: RoleGrant[]): boolean {
  return roles.some((grant) => SENDERS.includes(grant.role));
}

/** Whether an area lies in the subtree of one of `units` (the unit itself, or under it). */
export function areaWithin(area: Pick<AreaView, 'kind' | 'id' | 'ancestors'>, units: string[]): boolean {
  return units.some((unit) => (area.kind === 'unit' && area.id === unit) || area.ancestors.includes(unit));
}

/**
 * Whether these grants may mark a broadcast urgent (it then goes at night and to those who opted
 * out): admins, and staff of a province or of the centre. `levelOf` gives a unit's level.
 */
export function mayBroadcastUrgent(
  roles: RoleGrant[],
  levelOf: (unitId: string) => string | undefined,
): boolean {
  return roles.some(
    (grant) =>
      grant.role === 'admin' ||
      (grant.role === 'staff' &&
        grant.orgUnitId !== undefined &&
        ['province', 'central'].includes(levelOf(grant.orgUnitId) ?? '')),
  );
}

/** The text a recipient reads: her language's version when there is one, else the Vietnamese. */
export function broadcastText(text: { vi: string; en?: string | null }, lang: Lang): string {
  return (lang === 'en' && text.en) || text.vi;
}

/** A count as people read it: "20.000" in Vietnamese, "20,000" in English. */
export function formatCount(n: number, lang: Lang): string {
  return new Intl.NumberFormat(lang === 'en' ? 'en-US' : 'vi-VN').format(n);
}
