/**
 * Who is in an audience (see `Audience` in engine/types.ts), as member ids, a
 * page at a time: small audiences fit one page; an area's members are read in
 * pages by the fan-out job, so no request holds thousands of ids.
 *
 * Shaped for FerretDB: no $lookup or $elemMatch — a role grant is matched by
 * `roles.role` in the query and checked for its club or unit in code.
 */
import { CLUB_LEADERS } from '../engine/roles.ts';
import type { Audience, Role } from '../engine/types.ts';
import type { Models } from '../models/index.ts';

/** Member ids per page. */
export const AUDIENCE_PAGE = 200;

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
    if ('volunteersOf' in audience) {
      const member = await this.#models.Member.findById(audience.volunteersOf, { clubIds: 1 }).lean();
      return this.#holders(member?.clubIds ?? [], [], ['volunteer'], after);
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

  /** Active members holding one of `roles` in one of these clubs or org units. */
  async #holders(clubIds: string[], unitIds: string[], roles: Role[], after?: string): Promise<AudiencePage> {
    if (clubIds.length === 0 && unitIds.length === 0) return { memberIds: [] };
    const where = [
      ...(clubIds.length ? [{ clubIds: { $in: clubIds } }] : []),
      ...(unitIds.length ? [{ 'roles.orgUnitId': { $in: unitIds } }] : []),
    ];
    const found = await this.#models.Member.find(
      {
        status: 'active',
        'roles.role': { $in: roles },
        $or: where,
        ...(after ? { _id: { $gt: after } } : {}),
      },
      { roles: 1 },
    )
      .sort({ _id: 1 })
      .limit(AUDIENCE_PAGE)
      .lean();
    const holds = (grant: Grant) =>
      roles.includes(grant.role as Role) &&
      ((grant.clubId && clubIds.includes(grant.clubId)) ||
        (grant.orgUnitId && unitIds.includes(grant.orgUnitId)));
    const last = found.at(-1);
    return {
      memberIds: found.filter((member) => member.roles.some(holds)).map((member) => String(member._id)),
      after: found.length === AUDIENCE_PAGE && last ? String(last._id) : undefined,
    };
  }
}
