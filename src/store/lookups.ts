/**
 * What flows may read, over MongoDB. Every function is one or two indexed
 * queries; the hot path (who is behind a chat) goes by `_id`.
 */

import type { ChannelName, InviteView, Lookups, MemberView, Who } from '../engine/types.ts';
import type { Models } from '../models/index.ts';
import type { LinkCodes } from './link-codes.ts';

type MemberRecord = {
  _id: unknown;
  fullName: string;
  birthYear?: number | null;
  gender?: string | null;
  phone?: string | null;
  status: string;
  clubIds: string[];
  roles: { role: string; clubId?: string | null; orgUnitId?: string | null }[];
  language?: string | null;
  decidedBy?: string | null;
};

export class MongoLookups implements Lookups {
  readonly #models: Models;
  readonly #linkCodes: LinkCodes;

  constructor(models: Models, linkCodes: LinkCodes) {
    this.#models = models;
    this.#linkCodes = linkCodes;
  }

  async takeLinkCode(code: string): Promise<MemberView | undefined> {
    const memberId = await this.#linkCodes.take(code);
    return memberId ? this.getMember(memberId) : undefined;
  }

  async findInvite(code: string, now: Date): Promise<InviteView | undefined> {
    const invite = await this.#models.Invite.findById(code).lean();
    if (!invite) return undefined;
    if (invite.expiresAt && invite.expiresAt < now) return undefined;
    if (invite.kind === 'personal' && invite.usedBy) return undefined;
    const club = await this.#models.Club.findById(invite.clubId, { name: 1 }).lean();
    if (!club) return undefined;
    return {
      code: invite._id,
      clubId: invite.clubId,
      clubName: club.name,
      role: invite.role,
      kind: invite.kind,
    };
  }

  async findClubMemberByPhone(clubId: string, phone: string): Promise<MemberView | undefined> {
    const member = await this.#models.Member.findOne({ clubIds: clubId, phone }).lean();
    return member ? this.#view(member as MemberRecord) : undefined;
  }

  async nextPendingMember(clubIds: string[], except: string[] = []): Promise<MemberView | undefined> {
    if (clubIds.length === 0) return undefined;
    const member = await this.#models.Member.findOne({
      clubIds: { $in: clubIds },
      status: 'pending',
      _id: { $nin: except.filter((id) => /^[0-9a-f]{24}$/.test(id)) },
    })
      .sort({ createdAt: 1 })
      .lean();
    return member ? this.#view(member as MemberRecord) : undefined;
  }

  async getMember(memberId: string): Promise<MemberView | undefined> {
    if (!/^[0-9a-f]{24}$/.test(memberId)) return undefined;
    const member = await this.#models.Member.findById(memberId).lean();
    return member ? this.#view(member as MemberRecord) : undefined;
  }

  /** Who is behind a chat, and whether that chat had been marked stopped (two `_id` reads). */
  async resolveWho(channel: ChannelName, chatId: string): Promise<{ who: Who | null; stopped: boolean }> {
    const identity = await this.#models.Identity.findById(`${channel}:${chatId}`).lean();
    if (!identity) return { who: null, stopped: false };
    const member = await this.#models.Member.findById(identity.memberId).lean();
    if (!member) return { who: null, stopped: false };
    return { who: toWho(member as MemberRecord), stopped: Boolean(identity.stoppedAt) };
  }

  async #view(member: MemberRecord): Promise<MemberView> {
    const clubs = await this.#models.Club.find({ _id: { $in: member.clubIds } }, { name: 1 }).lean();
    const identity = await this.#models.Identity.exists({ memberId: String(member._id) });
    return {
      id: String(member._id),
      fullName: member.fullName,
      birthYear: member.birthYear ?? undefined,
      gender: (member.gender ?? undefined) as MemberView['gender'],
      phone: member.phone ?? undefined,
      status: member.status as MemberView['status'],
      clubIds: member.clubIds,
      clubNames: member.clubIds.map((id) => clubs.find((club) => club._id === id)?.name ?? id),
      roles: toWho(member).roles,
      hasChat: Boolean(identity),
      decidedBy: member.decidedBy ?? undefined,
    };
  }
}

export function toWho(member: MemberRecord): Who {
  return {
    memberId: String(member._id),
    status: member.status as Who['status'],
    lang: (member.language ?? 'vi') as Who['lang'],
    clubIds: member.clubIds,
    roles: member.roles.map((grant) => ({
      role: grant.role as Who['roles'][number]['role'],
      ...(grant.clubId ? { clubId: grant.clubId } : {}),
      ...(grant.orgUnitId ? { orgUnitId: grant.orgUnitId } : {}),
    })),
  };
}
