/**
 * Meeting effects: a meeting created, moved or cancelled, and a club's meeting rule set, by a
 * leader of its club; a meeting's reminder (its RSVP question opened in the members' chats, the
 * answers so far sent to its leaders); an answer, a check-in and a roll-call saved.
 */

import { createHash } from 'node:crypto';
import type { QueryFilter } from 'mongoose';
import { meetingId, rsvpTally } from '../engine/meetings.ts';
import { CLUB_LEADERS } from '../engine/roles.ts';
import type { Effect, MeetingReminderEffect, StartEffect } from '../engine/types.ts';
import { msUntilQuietEnds } from '../jobs/quiet-hours.ts';
import type { MeetingDoc } from '../models/index.ts';
import { addAnswers, readAnswers, removePresence, setRsvp } from '../store/meeting-answers.ts';
import type { ChatDelivery } from './chat-delivery.ts';
import type { EffectsDeps } from './effects.ts';
import { leadsClub } from './membership-effects.ts';

export interface MeetingEffectsDeps extends EffectsDeps {
  /** What meeting effects write to chats with. */
  delivery: Pick<ChatDelivery, 'notify' | 'notifyChats' | 'start' | 'startIn' | 'clubChats'>;
}

export class MeetingEffects {
  readonly #deps: MeetingEffectsDeps;

  constructor(deps: MeetingEffectsDeps) {
    this.#deps = deps;
  }

  /**
   * A leader of the meeting's club moves or cancels it, while it is still scheduled. A moved
   * meeting's reminders are planned anew (its old ones find it moved and do nothing); the members
   * already reminded of it are told (`notice`, once per change).
   */
  async changeMeeting(
    change: Extract<Effect, { type: 'moveMeeting' | 'cancelMeeting' }>,
    now: Date,
  ): Promise<void> {
    const { Meeting } = this.#deps.models;
    const meeting = await Meeting.findById(change.meetingId, { clubId: 1 }).lean();
    if (!meeting || !(await leadsClub(this.#deps.models, change.byMemberId, meeting.clubId))) return;
    const startsAt = change.type === 'moveMeeting' ? new Date(change.startsAt) : undefined;
    const set = startsAt
      ? { startsAt, movedAt: now, changedBy: change.byMemberId, remindersFor: null }
      : { status: 'cancelled', changedBy: change.byMemberId };
    // A retry of the same change matches again (a move: still scheduled; a cancel: cancelled by this
    // same leader), and its notices are keyed alike, so nobody is told twice.
    const guard: QueryFilter<MeetingDoc> = startsAt
      ? { status: 'scheduled' }
      : { $or: [{ status: 'scheduled' }, { status: 'cancelled', changedBy: change.byMemberId }] };
    const changed = await Meeting.findOneAndUpdate(
      { _id: change.meetingId, ...guard },
      { $set: set },
      { returnDocument: 'after' },
    ).lean();
    if (!changed) return;
    if (startsAt) await this.#deps.meetingPlanner.planReminders(meeting.clubId);
    else await this.#deps.meetingPlanner.unplanReminders(change.meetingId, meeting.clubId);
    const { reminded } = await readAnswers(this.#deps.models, change.meetingId);
    if (reminded.length === 0) return;
    await this.#deps.delivery.notify(
      {
        type: 'notify',
        to: { members: reminded },
        say: change.notice,
        kind: 'notice',
        key: `meeting.${change.meetingId}.${startsAt ? `moved.${startsAt.getTime()}` : 'cancelled'}`,
      },
      now,
    );
  }

  /**
   * A club's new rule, set by one of its leaders (her role read again now); members reminded of a
   * meeting it moved or removed are told (once per rule).
   */
  async setMeetingRule(effect: Extract<Effect, { type: 'setMeetingRule' }>, now: Date): Promise<void> {
    if (!(await leadsClub(this.#deps.models, effect.byMemberId, effect.clubId))) return;
    const reminded = await this.#deps.meetingPlanner.setRule(effect.clubId, effect.rule);
    if (reminded.length === 0) return;
    const rule = createHash('sha256').update(JSON.stringify(effect.rule)).digest('hex').slice(0, 12);
    await this.#deps.delivery.notify(
      {
        type: 'notify',
        to: { members: reminded },
        say: effect.notice,
        kind: 'notice',
        key: `meeting-rule.${effect.clubId}.${now.getTime()}.${rule}`,
      },
      now,
    );
  }

  /**
   * A meeting's reminder is due (see `MeetingReminderEffect`): checked against the meeting as it
   * is now, held to the end of the quiet hours (on the scheduler, checked again then), then the
   * RSVP question is opened for each member who has not said no — in her chat, or in her
   * proxies' chats when she has none. Each opening is keyed by the reminder and the member.
   */
  async remindMeeting(effect: MeetingReminderEffect, now: Date): Promise<void> {
    const { models, scheduler, quietHours } = this.#deps;
    const meeting = await models.Meeting.findById(effect.meetingId, {
      clubId: 1,
      startsAt: 1,
      status: 1,
    }).lean();
    if (meeting?.status !== 'scheduled') return;
    if (meeting.startsAt.toISOString() !== effect.startsAt || meeting.startsAt <= now) return;
    const untilMorning = msUntilQuietEnds(now, quietHours);
    if (untilMorning > 0) {
      const morning = new Date(now.getTime() + untilMorning);
      // Pointless once the meeting has started: dropped.
      if (morning < meeting.startsAt)
        await scheduler.schedule(`${effect.key}.morning`, { at: morning }, effect);
      return;
    }
    const { rsvps } = await readAnswers(models, effect.meetingId);
    const { members, chats } = await this.#deps.delivery.clubChats(meeting.clubId);
    const invited = members.filter((member) => rsvps[String(member._id)] !== 'no');
    const chatOf = new Map(chats.map((target) => [target.memberId, target]));
    // Who is asked for whom: each member with a chat for herself, each proxy for the members without one.
    const askFor = new Map<string, string[]>();
    for (const member of invited) {
      const memberId = String(member._id);
      for (const asked of chatOf.has(memberId) ? [memberId] : (member.proxyIds ?? [])) {
        askFor.set(asked, [...(askFor.get(asked) ?? []), memberId]);
      }
    }
    const reminder = (name: string, args: Record<string, unknown>, to: string[]): StartEffect => ({
      type: 'start',
      flow: 'meetingRsvp',
      args: { meetingId: effect.meetingId, ...args },
      for: { members: to },
      ifBusy: 'wait',
      key: `${effect.key}.${name}`,
      kind: 'meeting_reminder',
      // Stuck in the queue until the meeting started, it is not sent.
      expiresAt: meeting.startsAt.toISOString(),
      busy: { otherFlow: { key: 'meetingRsvp.busy' } },
    });
    // Those asked only for themselves, together (their chats are known); a proxy on her own, for
    // herself first, then for each member she answers for.
    const alone = [...askFor].filter(([asked, ids]) => ids.length === 1 && ids[0] === asked);
    await this.#deps.delivery.startIn(
      reminder('members', {}, []),
      alone.flatMap(([asked]) => chatOf.get(asked) ?? []),
      now,
    );
    for (const [asked, ids] of askFor) {
      if (ids.length === 1 && ids[0] === asked) continue;
      const memberIds = [...ids].sort((a, b) => Number(b === asked) - Number(a === asked));
      await this.#deps.delivery.start(reminder(asked, { memberIds }, [asked]), now);
    }
    // The club's leaders get the answers so far with each reminder.
    const leads = (member: (typeof members)[number]) =>
      member.roles.some((grant) => grant.clubId === meeting.clubId && CLUB_LEADERS.includes(grant.role));
    const leaders = new Set(members.filter(leads).map((member) => String(member._id)));
    await this.#deps.delivery.notifyChats(
      {
        type: 'notify',
        to: { leadersOf: meeting.clubId },
        say: {
          key: 'meetings.tallyNotice',
          vars: rsvpTally(
            rsvps,
            members.map((member) => String(member._id)),
          ),
        },
        kind: 'notice',
        key: `${effect.key}.tally`,
        // Her own RSVP question has just been opened in her chat: not asked twice.
        alone: true,
      },
      chats.filter((target) => leaders.has(target.memberId)),
      now,
    );
    // Those reminded before keep the time of their first reminder.
    await addAnswers(
      models,
      effect.meetingId,
      invited.map((member) => ({ memberId: String(member._id), fact: 'reminded', set: { remindedAt: now } })),
    );
  }

  /**
   * Saves a member's answer to the meeting while it is scheduled and has not started: given by
   * her, or by one of her proxies, and only for a member of the meeting's club.
   */
  async setRsvp(answer: Extract<Effect, { type: 'setRsvp' }>, now: Date): Promise<void> {
    const { models } = this.#deps;
    const { meetingId, memberId, byMemberId, rsvp } = answer;
    if (!/^[0-9a-f]{24}$/.test(memberId)) return;
    const [meeting, member] = await Promise.all([
      models.Meeting.findById(meetingId, { clubId: 1, status: 1, startsAt: 1 }).lean(),
      models.Member.findById(memberId, { clubIds: 1, proxyIds: 1 }).lean(),
    ]);
    if (meeting?.status !== 'scheduled' || meeting.startsAt <= now) return;
    if (!member?.clubIds.includes(meeting.clubId)) return;
    if (byMemberId !== memberId && !member.proxyIds?.includes(byMemberId)) return;
    await setRsvp(models, meetingId, memberId, rsvp);
  }

  /** A one-off meeting, named by its club and date (a retry, or a meeting that day already, inserts nothing). */
  async createMeeting(create: Extract<Effect, { type: 'createMeeting' }>): Promise<boolean> {
    if (!(await leadsClub(this.#deps.models, create.byMemberId, create.clubId))) return false;
    await this.#deps.models.Meeting.updateOne(
      { _id: meetingId(create.clubId, create.date) },
      {
        $setOnInsert: {
          clubId: create.clubId,
          date: create.date,
          startsAt: new Date(create.startsAt),
          place: create.place,
          source: 'once',
          status: 'scheduled',
          changedBy: create.byMemberId,
        },
      },
      { upsert: true },
    );
    return true;
  }

  /**
   * Roll-call, by a leader of the meeting's club, while it has started and is not closed: the
   * members named are present, the rest of the list are not (a check-in included: the chair's
   * list decides); or only a head count. Applied again, it writes the same. The list is written
   * before the meeting closes, so a retry after a failure between the two completes it.
   */
  async setAttendance(call: Extract<Effect, { type: 'setAttendance' }>, now: Date): Promise<void> {
    const { models } = this.#deps;
    const meeting = await models.Meeting.findById(call.meetingId, {
      clubId: 1,
      status: 1,
      startsAt: 1,
    }).lean();
    if (meeting?.status !== 'scheduled' || meeting.startsAt > now) return;
    if (!(await leadsClub(this.#deps.models, call.byMemberId, meeting.clubId))) return;
    // Those marked present already (her check-in) stay as they are; those left out are removed.
    const marked = (await readAnswers(models, call.meetingId)).present;
    const present = new Set(call.present);
    await addAnswers(
      models,
      call.meetingId,
      call.present.map((memberId) => ({ memberId, fact: 'present', set: { present: 'roll-call' } })),
    );
    await removePresence(
      models,
      call.meetingId,
      marked.filter((id) => call.roster.includes(id) && !present.has(id)),
    );
    await models.Meeting.updateOne(
      { _id: call.meetingId, status: 'scheduled' },
      {
        $set: {
          headCount: call.headCount ?? null,
          changedBy: call.byMemberId,
          ...(call.close ? { status: 'held', closedAt: now } : {}),
        },
      },
    );
  }

  /** A member of the meeting's club says she is there, while it is open. */
  async checkIn(meetingId: string, memberId: string): Promise<void> {
    const { models } = this.#deps;
    const [meeting, member] = await Promise.all([
      models.Meeting.findById(meetingId, { clubId: 1, status: 1 }).lean(),
      /^[0-9a-f]{24}$/.test(memberId) ? models.Member.findById(memberId, { clubIds: 1 }).lean() : null,
    ]);
    if (meeting?.status !== 'scheduled' || !member?.clubIds.includes(meeting.clubId)) return;
    await addAnswers(models, meetingId, [{ memberId, fact: 'present', set: { present: 'self' } }]);
  }
}
