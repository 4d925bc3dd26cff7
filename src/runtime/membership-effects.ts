/**
 * Membership effects: a newcomer registered, a member joining one more club (at once with a
 * personal invite, else when a leader decides), her chats linked and unlinked, her one-time code
 * delivered, her preferred chat, a volunteer assigned to her. A leader's role is read from MongoDB
 * when her decision is applied (`leadsClub`), never from a cache.
 */

import type { QueryFilter, UpdateQuery } from 'mongoose';
import { CONSENT_VERSION } from '../../flows/register.ts';
import type { MessageKind } from '../engine/message-kinds.ts';
import { CLUB_LEADERS } from '../engine/roles.ts';
import type { ChannelName, Effect, Outbound, Role, Say, Who } from '../engine/types.ts';
import type { MemberDoc, Models } from '../models/index.ts';
import type { ChatKey } from '../store/chat-state.ts';
import { toWho } from '../store/lookups.ts';
import { syncMemberChats } from '../store/member-chats.ts';
import { readEach } from '../store/read-each.ts';
import type { ChatDelivery } from './chat-delivery.ts';
import type { ApplyEffects, EffectsDeps } from './effects.ts';

export interface MembershipEffectsDeps extends EffectsDeps {
  /** What membership effects write to chats with. */
  delivery: Pick<ChatDelivery, 'chatsOf' | 'noticeFor' | 'leaderChats'>;
  /** Applies what follows a change (the notices of a request or a decision: Effects.apply). */
  apply: ApplyEffects;
}

export class MembershipEffects {
  readonly #deps: MembershipEffectsDeps;

  constructor(deps: MembershipEffectsDeps) {
    this.#deps = deps;
  }

  async createMember(create: Extract<Effect, { type: 'createMember' }>, now: Date): Promise<Who | undefined> {
    const { member, identity } = create;
    const { models } = this.#deps;
    let status = member.status;
    if (member.inviteKind === 'personal' && !(await this.#claimInvite(member.inviteCode, member.id, now))) {
      status = 'pending';
    }
    const fields = {
      fullName: member.fullName,
      birthYear: member.birthYear,
      gender: member.gender,
      phone: member.phone,
      language: member.language,
      roles: [{ role: member.role, clubId: member.clubId }],
      clubIds: [member.clubId],
      status,
      inviteCode: member.inviteCode,
      proxyIds: member.proxyMemberId ? [member.proxyMemberId] : [],
      consent: {
        givenAt: now,
        version: CONSENT_VERSION,
        channel: identity?.channel,
        byMemberId: member.proxyMemberId,
      },
    };
    await models.Member.updateOne({ _id: member.id }, { $setOnInsert: fields }, { upsert: true });
    if (identity) await this.#upsertIdentity(member.id, identity, now);
    await this.#deps.apply((status === 'pending' ? create.whenPending : create.whenActive) ?? [], now);
    return identity ? toWho({ _id: member.id, ...fields }) : undefined;
  }

  /** A personal invite is single-use: claims it (or finds it already ours, on a retry). */
  async #claimInvite(code: string, memberId: string, now: Date): Promise<boolean> {
    const claimed = await this.#deps.models.Invite.updateOne(
      { _id: code, $or: [{ usedBy: null }, { usedBy: memberId }] },
      { $set: { usedBy: memberId, usedAt: now } },
    );
    return claimed.matchedCount > 0;
  }

  /**
   * A member joins one more club: at once with a personal invite, else she waits for its chair
   * (the club is in `pendingClubIds` until then). Returns who she is now.
   */
  async joinClub(join: Extract<Effect, { type: 'joinClub' }>, now: Date): Promise<Who | undefined> {
    const { memberId, clubId } = join;
    const atOnce =
      join.inviteKind === 'personal' && (await this.#claimInvite(join.inviteCode, memberId, now));
    const update = atOnce
      ? {
          $addToSet: { clubIds: clubId, roles: { role: join.role, clubId } },
          $pull: { pendingClubIds: clubId },
        }
      : { $addToSet: { pendingClubIds: clubId } };
    const member = await this.#deps.models.Member.findOneAndUpdate(
      // Already in the club (a retry after joining at once, or from another chat): nothing to do.
      { _id: memberId, clubIds: { $ne: clubId } },
      update,
      { returnDocument: 'after' },
    ).lean();
    if (!member) return undefined;
    if (!atOnce) await this.#deps.apply(join.whenPending ?? [], now);
    return toWho(member);
  }

  async link(memberId: string, identity: ChatKey, now: Date): Promise<Who | undefined> {
    await this.#upsertIdentity(memberId, identity, now);
    // The member's other chats hear of it: a stranger who got in is noticed, and "NGẮT" undoes it.
    const others = await this.#deps.models.Identity.find(
      { memberId, stoppedAt: null, _id: { $ne: `${identity.channel}:${identity.chatId}` } },
      { channel: 1, chatId: 1 },
    ).lean();
    if (others.length > 0) {
      const [member] = await this.#deps.delivery.chatsOf([memberId]);
      const lang = member?.lang ?? 'vi';
      const say = {
        key: 'register.newAppNotice',
        vars: { app: this.#deps.translate(lang, `channels.${identity.channel}`) },
      };
      const notices = await Promise.all(
        others.map((other) =>
          this.#deps.delivery.noticeFor(
            { channel: other.channel as ChannelName, chatId: other.chatId },
            { memberId, lang },
            say,
            now,
          ),
        ),
      );
      await this.#deps.outbox.enqueue(
        tagged(notices.flat(), 'notice'),
        `linked.${memberId}.${identity.channel}.${identity.chatId}`,
      );
    }
    return (await this.#deps.lookups.resolveWho(identity.channel, identity.chatId)).who ?? undefined;
  }

  /** Unlinks the member's chats linked after `keep` (an older chat is never cut off by a newer one). */
  async unlinkNewerChats(memberId: string, keep: ChatKey): Promise<void> {
    const { models, chatStates } = this.#deps;
    const kept = await models.Identity.findById(`${keep.channel}:${keep.chatId}`, { linkedAt: 1 }).lean();
    if (kept?.memberId !== undefined && kept.memberId !== memberId) return;
    const newer = await models.Identity.find(
      { memberId, linkedAt: { $gt: kept?.linkedAt ?? new Date(0) } },
      { channel: 1, chatId: 1 },
    ).lean();
    if (newer.length === 0) return;
    await readEach(newer, (identity) => models.Identity.deleteOne({ _id: identity._id }).then(() => null));
    await syncMemberChats(models, [memberId]);
    await chatStates.forgetWho(
      newer.map((identity) => ({ channel: identity.channel as ChannelName, chatId: identity.chatId })),
    );
  }

  /**
   * The one-time code goes to the member's own chat; a member with none (registered by a helper,
   * or imported) gets it through the people who answer for them: their proxies, else the club's
   * leaders, who hand it over in person. The delivery id never holds the code.
   */
  async sendConfirmCode(memberId: string, code: string, sendId: string, now: Date): Promise<void> {
    const { models, outbox } = this.#deps;
    let to = await this.#deps.delivery.chatsOf([memberId]);
    let say: Say = { key: 'register.confirmCodeSent', vars: { code } };
    if (to.length === 0) {
      const member = await models.Member.findById(memberId, { fullName: 1, clubIds: 1, proxyIds: 1 }).lean();
      if (!member) return;
      to = await this.#deps.delivery.chatsOf((member.proxyIds ?? []).filter((id) => id !== memberId));
      if (to.length === 0 && member.clubIds[0]) {
        to = (await this.#deps.delivery.leaderChats(member.clubIds[0])).filter(
          (chat) => chat.memberId !== memberId,
        );
      }
      say = { key: 'register.confirmCodeForHelper', vars: { code, name: member.fullName } };
    }
    const messages = await Promise.all(
      to.map(({ chat, memberId: recipient, lang }) =>
        this.#deps.delivery.noticeFor(chat, { memberId: recipient, lang }, say, now),
      ),
    );
    await outbox.enqueue(tagged(messages.flat(), 'confirm_code'), `confirm.${memberId}.${sendId}`);
  }

  /** Only a chat of the member's own can be her preferred one. */
  async setPreferredChat(memberId: string, { channel, chatId }: ChatKey): Promise<void> {
    const { models } = this.#deps;
    const id = `${channel}:${chatId}`;
    if (!(await models.Identity.exists({ _id: id, memberId }))) return;
    await models.Member.updateOne({ _id: memberId }, { $set: { preferredChat: id } });
  }

  async #upsertIdentity(memberId: string, { channel, chatId }: ChatKey, now: Date): Promise<void> {
    const { models } = this.#deps;
    const before = await models.Identity.findOneAndUpdate(
      { _id: `${channel}:${chatId}` },
      { $set: { memberId, channel, chatId, stoppedAt: null }, $setOnInsert: { linkedAt: now } },
      { upsert: true, returnDocument: 'before' },
    ).lean();
    // Hers now, and no longer the member's it was (a chat that passed to someone else).
    await syncMemberChats(models, [memberId, before?.memberId]);
  }

  /**
   * Applies a leader's decision on someone waiting to join a club: a newcomer (status pending,
   * the club in `clubIds`) becomes active or rejected; a member asking to join one more club
   * (the club in `pendingClubIds`) is added to it, or not. The leader's role is read here, at
   * the moment of applying: a role taken away minutes ago decides nothing.
   */
  async decide(decision: Decision, now: Date): Promise<boolean> {
    const { models, chatStates } = this.#deps;
    const { memberId, clubId, byMemberId } = decision;
    const [leads, member] = await Promise.all([
      leadsClub(models, byMemberId, clubId),
      models.Member.findById(memberId, { clubIds: 1, pendingClubIds: 1 }).lean(),
    ]);
    if (!leads || !member) return false;
    // Joining one more club, or (a retry after approving) the newcomer path no longer applies.
    const joining = Boolean(member.pendingClubIds?.includes(clubId)) || !member.clubIds.includes(clubId);
    const { filter, update } = decisionWrite(decision, joining, now);
    // A retry of the same decision (after a failure further on) matches again and re-sends the notices,
    // whose job ids are deterministic, so nobody is told twice.
    const changed = await models.Member.findOneAndUpdate({ _id: memberId, ...filter }, update, {
      returnDocument: 'after',
    }).lean();
    if (!changed) return false;
    // Their chats learn who they are now at their next message.
    const chats = await this.#deps.delivery.chatsOf([memberId, ...(changed.proxyIds ?? [])]);
    await chatStates.forgetWho(chats.map(({ chat }) => chat));
    return true;
  }

  /**
   * A leader's assignment of a volunteer to a member (or its removal), if the leader leads the
   * club now, the member is an active member of it and (to assign) the volunteer volunteers in it.
   */
  async assign(effect: Extract<Effect, { type: 'assignVolunteer' }>): Promise<boolean> {
    const { models } = this.#deps;
    const { memberId, volunteerId, clubId } = effect;
    const [leader, volunteer] = await Promise.all([
      models.Member.findById(effect.byMemberId, { status: 1, roles: 1 }).lean(),
      models.Member.findById(volunteerId, { status: 1, roles: 1 }).lean(),
    ]);
    if (!holdsRole(leader, clubId, CLUB_LEADERS)) return false;
    if (effect.assign && !holdsRole(volunteer, clubId, ['volunteer'])) return false;
    const written = await models.Member.updateOne(
      { _id: memberId, clubIds: clubId, status: 'active' },
      effect.assign ? { $addToSet: { volunteerIds: volunteerId } } : { $pull: { volunteerIds: volunteerId } },
    );
    return written.matchedCount > 0;
  }
}

/** Whether `memberId` is an active chair or vice chair of `clubId` now (read from MongoDB, not a cache). */
export async function leadsClub(models: Models, memberId: string, clubId: string): Promise<boolean> {
  const leader = await models.Member.findById(memberId, { status: 1, roles: 1 }).lean();
  return holdsRole(leader, clubId, CLUB_LEADERS);
}

type Decision = Extract<Effect, { type: 'decideMember' }>;

/** Whether `member` is active and holds one of `roles` in `clubId` (read at the moment of applying). */
function holdsRole(
  member: { status: string; roles: { role: string; clubId?: string | null }[] } | null,
  clubId: string,
  roles: Role[],
): boolean {
  return (
    member?.status === 'active' &&
    member.roles.some((grant) => grant.clubId === clubId && roles.includes(grant.role as Role))
  );
}

/**
 * The guarded write of a decision: it matches while the person still waits for this club, or
 * when this same leader's same decision is already recorded (a retry).
 */
function decisionWrite(
  { clubId, approve, byMemberId }: Decision,
  joining: boolean,
  now: Date,
): { filter: QueryFilter<MemberDoc>; update: UpdateQuery<MemberDoc> } {
  const decided = { decidedBy: byMemberId, decidedAt: now };
  if (!joining) {
    const status = approve ? 'active' : 'rejected';
    return {
      filter: { $or: [{ status: 'pending' }, { status, decidedBy: byMemberId }] },
      update: { $set: { status, ...decided } },
    };
  }
  if (approve) {
    return {
      filter: { $or: [{ pendingClubIds: clubId }, { clubIds: clubId, decidedBy: byMemberId }] },
      update: {
        $pull: { pendingClubIds: clubId },
        $addToSet: { clubIds: clubId, roles: { role: 'member', clubId } },
        $set: decided,
      },
    };
  }
  return {
    filter: { $or: [{ pendingClubIds: clubId }, { clubIds: { $ne: clubId }, decidedBy: byMemberId }] },
    update: { $pull: { pendingClubIds: clubId }, $set: decided },
  };
}

function tagged(messages: Outbound[], kind: MessageKind): Outbound[] {
  return messages.map((message) => ({ ...message, kind }));
}
