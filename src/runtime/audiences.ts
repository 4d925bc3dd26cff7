/**
 * Who is in an audience (see `Audience` in engine/types.ts), as member ids, a
 * page at a time: small audiences fit one page; an area's members are read in
 * pages by the fan-out job, so no request holds thousands of ids.
 *
 * Shaped for FerretDB: no $lookup or $elemMatch — a role grant is matched by
 * `roles.role` in the query and checked for its club or unit in code.
 */

import type { QueryFilter } from 'mongoose';
import { CLUB_LEADERS, REPORTERS } from '../engine/roles.ts';
import type { Audience, Role } from '../engine/types.ts';
import type { MemberDoc, Models } from '../models/index.ts';
import { readEach } from '../store/read-each.ts';

/** Member ids per page. */
export const AUDIENCE_PAGE = 200;
/** Up to this many clubs, role holders are read club by club (see `#holders`). */
const FEW_CLUBS = 8;

export interface AudiencePage {
  memberIds: string[];
  /** Pass back to read the next page; undefined after the last one. */
  after?: string;
}

type Grant = { role: string; clubId?: string | null; orgUnitId?: string | null };

export class Audiences {
  readonly #models: Models;

  constructor(models: Models) {
    this.#models = models;
  }

  /** Whether reading this audience may take many pages (it is then sent by the fan-out job). */
  static isLarge(audience: Audience): boolean {
    return 'orgUnit' in audience;
  }

  /** One page of the audience's member ids, in `_id` order, after `after`. */
  async page(audience: Audience, after?: string): Promise<AudiencePage> {
    if ('members' in audience) return after ? { memberIds: [] } : { memberIds: audience.members };
    if ('proxiesOf' in audience) {
      const member = await this.#models.Member.findById(audience.proxiesOf, { proxyIds: 1 }).lean();
      return after ? { memberIds: [] } : { memberIds: member?.proxyIds ?? [] };
    }
    if ('leadersOf' in audience) return this.#holders([audience.leadersOf], [], CLUB_LEADERS, after);
    if ('reportersOf' in audience) return this.#holders([audience.reportersOf], [], REPORTERS, after);
    if ('volunteersOf' in audience) return this.#volunteersOf(audience.volunteersOf, after);
    if ('anyOf' in audience) {
      if (after) return { memberIds: [] };
      const pages = await Promise.all(audience.anyOf.map((part) => this.page(part)));
      return { memberIds: [...new Set(pages.flatMap((part) => part.memberIds))] };
    }
    const [units, clubs] = await Promise.all([
      this.#models.OrgUnit.find(
        { $or: [{ _id: audience.orgUnit }, { ancestors: audience.orgUnit }] },
        { _id: 1 },
      )
        .lean()
        .then((found) => found.map((unit) => String(unit._id))),
      this.#models.Club.find(
        { $or: [{ orgUnitId: audience.orgUnit }, { ancestors: audience.orgUnit }] },
        { _id: 1 },
      )
        .lean()
        .then((found) => found.map((club) => String(club._id))),
    ]);
    return this.#holders(clubs, units, audience.roles, after);
  }

  /**
   * The volunteers assigned to a member who still volunteer in one of her clubs; when none
   * is (nobody assigned yet, or they stopped), every volunteer of her clubs — an alert about
   * her must reach someone who can help, and only people of her clubs.
   */
  async #volunteersOf(memberId: string, after?: string): Promise<AudiencePage> {
    const member = await this.#models.Member.findById(memberId, { clubIds: 1, volunteerIds: 1 }).lean();
    const clubIds = member?.clubIds ?? [];
    const assigned = member?.volunteerIds ?? [];
    if (assigned.length > 0 && !after) {
      const { memberIds } = await this.#holders(clubIds, [], ['volunteer'], undefined, assigned);
      if (memberIds.length > 0) return { memberIds };
    }
    return this.#holders(clubIds, [], ['volunteer'], after);
  }

  /** Active members (among `only`, when given) holding one of `roles` in one of these clubs or org units. */
  async #holders(
    clubIds: string[],
    unitIds: string[],
    roles: Role[],
    after?: string,
    only?: string[],
  ): Promise<AudiencePage> {
    if (clubIds.length === 0 && unitIds.length === 0) return { memberIds: [] };
    const base = {
      status: 'active' as const,
      'roles.role': roles.length === 1 ? roles[0] : { $in: roles },
      ...(after ? { _id: { $gt: after } } : {}),
    };
    const page = (filter: { clubIds: string } | { $or: QueryFilter<MemberDoc>[] }) =>
      this.#models.Member.find({ ...base, ...filter }, { roles: 1 })
        .sort({ _id: 1 })
        .limit(AUDIENCE_PAGE)
        .lean();
    // A few clubs (a member's, a club's leaders): one equality each, which FerretDB answers from
    // PostgreSQL, where `$in` would read every member (see store/read-each.ts). An area's clubs
    // and units are many: one query.
    const found =
      unitIds.length === 0 && clubIds.length <= FEW_CLUBS
        ? (await readEach(clubIds, (clubId) => page({ clubIds: clubId })))
            .filter((member, at, all) => all.findIndex((m) => m._id === member._id) === at)
            .sort((a, b) => String(a._id).localeCompare(String(b._id)))
            .slice(0, AUDIENCE_PAGE)
        : await page({
            $or: [
              ...(clubIds.length ? [{ clubIds: { $in: clubIds } }] : []),
              ...(unitIds.length ? [{ 'roles.orgUnitId': { $in: unitIds } }] : []),
            ],
          });
    const holds = (grant: Grant) =>
      roles.includes(grant.role as Role) &&
      ((grant.clubId && clubIds.includes(grant.clubId)) ||
        (grant.orgUnitId && unitIds.includes(grant.orgUnitId)));
    const last = found.at(-1);
    return {
      memberIds: found
        .filter((member) => member.roles.some(holds))
        .map((member) => String(member._id))
        .filter((id) => !only || only.includes(id)),
      after: found.length === AUDIENCE_PAGE && last ? String(last._id) : undefined,
    };
  }
}
