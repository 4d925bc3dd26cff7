/**
 * Invite codes in MongoDB: creating one (under the rules of engine/invite-rules.ts) and listing a
 * club's. Used by the command line; the bot may use the same when leaders create invites in chat.
 */
import { randomInt } from 'node:crypto';
import {
  drawInviteCode,
  type InviteKind,
  inviteExpiry,
  mayCreateInvite,
  validInviteDays,
} from '../engine/invite-rules.ts';
import type { Role } from '../engine/types.ts';
import type { ClubDoc, InviteDoc, Models } from '../models/index.ts';

type Club = Pick<ClubDoc, '_id' | 'name'>;

export interface NewInvite {
  clubId: string;
  role: Role;
  kind: InviteKind;
  /** Member id of whoever creates it. */
  createdBy: string;
  forName?: string;
  /** Lifetime in days; without it, the default of its kind (see inviteExpiry). */
  days?: number;
}

export type CreatedInvite =
  | { ok: true; code: string; club: Club; expiresAt: Date | null }
  | { ok: false; reason: 'unknownClub' | 'unknownMember' }
  | { ok: false; reason: 'notAllowed'; creatorName: string };

/** A fresh random invite code. */
export const inviteCode = (): string => drawInviteCode(randomInt);

/** Creates an invite if the club and its creator exist and the creator may invite for that role. */
export async function createInvite(
  models: Models,
  invite: NewInvite,
  now = new Date(),
): Promise<CreatedInvite> {
  if (invite.days !== undefined && !validInviteDays(invite.days)) throw new RangeError('bad invite lifetime');
  const club = await models.Club.findById(invite.clubId, { name: 1 }).lean();
  if (!club) return { ok: false, reason: 'unknownClub' };
  const creator = /^[0-9a-f]{24}$/i.test(invite.createdBy)
    ? await models.Member.findById(invite.createdBy, { fullName: 1, roles: 1 }).lean()
    : null;
  if (!creator) return { ok: false, reason: 'unknownMember' };
  if (!mayCreateInvite(creator.roles, invite.role)) {
    return { ok: false, reason: 'notAllowed', creatorName: creator.fullName };
  }
  const expiresAt = inviteExpiry(invite.kind, now, invite.days);
  const code = await insertWithFreshCode(models, {
    clubId: invite.clubId,
    role: invite.role,
    kind: invite.kind,
    forName: invite.forName,
    createdBy: invite.createdBy,
    expiresAt,
  });
  return { ok: true, code, club, expiresAt };
}

/** Inserts the invite under a new random code, drawing again in the rare case the code is taken. */
async function insertWithFreshCode(models: Models, fields: Partial<InviteDoc>): Promise<string> {
  for (let attempt = 1; ; attempt += 1) {
    const code = inviteCode();
    try {
      await models.Invite.create({ _id: code, ...fields });
      return code;
    } catch (error) {
      const duplicate = (error as { code?: unknown }).code === 11000;
      if (!duplicate || attempt >= 5) throw error;
    }
  }
}

/** A club and its invites, oldest first; undefined when there is no such club. */
export async function clubInvites(
  models: Models,
  clubId: string,
): Promise<{ club: Club; invites: InviteDoc[] } | undefined> {
  const club = await models.Club.findById(clubId, { name: 1 }).lean();
  if (!club) return undefined;
  const invites = await models.Invite.find({ clubId }).lean();
  invites.sort(
    (a, b) => (a.createdAt?.getTime() ?? 0) - (b.createdAt?.getTime() ?? 0) || a._id.localeCompare(b._id),
  );
  return { club, invites };
}
