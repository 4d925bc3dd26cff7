/**
 * Applies what flows decided, idempotently: ids are chosen before the write
 * (a member's id is picked when registration starts), writes are upserts or
 * guarded updates, so handling the same message twice changes nothing more.
 * Also tells the other people concerned: the chair about a new request, the
 * member about the chair's decision.
 */

import { createHash } from 'node:crypto';
import type { QueryFilter } from 'mongoose';
import type { Clock } from '../clock.ts';
import type { Engine } from '../engine/engine.ts';
import { meetingId, rsvpTally } from '../engine/meetings.ts';
import type { Renderer } from '../engine/render.ts';
import { CLUB_LEADERS } from '../engine/roles.ts';
import type {
  Effect,
  MeetingReminderEffect,
  NotifyEffect,
  ScheduledEffect,
  StartEffect,
  Who,
} from '../engine/types.ts';
import type { Translate } from '../i18n.ts';
import type { FanOut } from '../jobs/fan-out.ts';
import type { MeetingPlanner } from '../jobs/meeting-planner.ts';
import type { MessageLog } from '../jobs/message-log.ts';
import type { Outbox } from '../jobs/outbox.ts';
import { msUntilQuietEnds, type QuietHours } from '../jobs/quiet-hours.ts';
import type { Firing, Scheduler } from '../jobs/scheduler.ts';
import type { MeetingDoc, Models } from '../models/index.ts';
import { applyReopenWeeklyReport, applySaveWeeklyReport } from '../reports/chat.ts';
import type { ReportSettings } from '../reports/store.ts';
import type { ChatKey, ChatStates } from '../store/chat-state.ts';
import type { LinkCodes } from '../store/link-codes.ts';
import type { MongoLookups } from '../store/lookups.ts';
import { addAnswers, readAnswers, removePresence, setRsvp } from '../store/meeting-answers.ts';
import type { Audiences } from './audiences.ts';
import { ChatDelivery, type MemberChat } from './chat-delivery.ts';
import { eraseMember } from './erase-member.ts';
import { HealthRecords } from './health.ts';
import { runHealthRound } from './health-rounds.ts';
import { leadsClub, MembershipEffects } from './membership-effects.ts';
import type { ReportFiles } from './report-files.ts';
import { reportNudges } from './report-nudges.ts';

export interface EffectsDeps {
  models: Models;
  lookups: MongoLookups;
  chatStates: ChatStates;
  engine: Engine;
  renderer: Renderer;
  outbox: Outbox;
  linkCodes: LinkCodes;
  translate: Translate;
  audiences: Audiences;
  fanOut: FanOut;
  scheduler: Scheduler<ScheduledEffect>;
  meetingPlanner: MeetingPlanner;
  quietHours: QuietHours;
  clock: Clock;
  messageLog: Pick<MessageLog, 'flush'>;
  /** Weekly reports' time zone and cut-off (REPORT_CUTOFF). */
  reports: ReportSettings;
  /** Report files and the DHIS2 push for staff (src/runtime/report-files.ts). */
  reportFiles?: ReportFiles;
}

/** Applies the effects that follow one just applied (Effects.apply). */
export type ApplyEffects = (effects: Effect[], now: Date) => Promise<unknown>;

export class Effects {
  readonly #deps: EffectsDeps;
  readonly #health: HealthRecords;
  readonly #delivery: ChatDelivery;
  readonly #membership: MembershipEffects;
  /** Applies the broadcast effects (src/runtime/broadcasts.ts; set once the app has built it). */
  broadcasts: { apply(effect: Effect, now: Date): Promise<void> } | undefined;

  constructor(deps: EffectsDeps) {
    this.#deps = deps;
    const apply: ApplyEffects = (effects, now) => this.apply(effects, now);
    this.#delivery = new ChatDelivery(deps, apply);
    this.#membership = new MembershipEffects(deps, this.#delivery, apply);
    this.#health = new HealthRecords(deps.models, apply);
  }

  /**
   * Applies `effects` caused by a message in `chat`. Returns the member now
   * behind that chat when an effect changed it (registration, linking).
   */
  async apply(effects: Effect[], now: Date): Promise<Who | undefined> {
    let who: Who | undefined;
    for (const effect of effects) {
      switch (effect.type) {
        case 'notify':
          await this.notify(effect, now);
          break;
        case 'start':
          // Opened by the fan-out job, after the reply to the person who caused it.
          await this.#deps.fanOut.add(effect);
          break;
        case 'schedule': {
          const { when } = effect;
          await this.#deps.scheduler.schedule(
            effect.key,
            'at' in when ? { at: new Date(when.at) } : when,
            effect.effect,
          );
          break;
        }
        case 'stepTimeout':
          await this.#delivery.stepTimeout(effect, now);
          break;
        case 'unschedule':
          await this.#deps.scheduler.unschedule(effect.key);
          break;
        case 'createMember':
          who = (await this.#membership.createMember(effect, now)) ?? who;
          break;
        case 'linkIdentity':
          who = await this.#membership.link(effect.memberId, effect.identity, now);
          break;
        case 'unlinkNewerChats':
          await this.#membership.unlinkNewerChats(effect.memberId, effect.keep);
          break;
        case 'decideMember':
          if (await this.#membership.decide(effect, now)) await this.apply(effect.whenDecided ?? [], now);
          break;
        case 'joinClub':
          who = await this.#membership.joinClub(effect, now);
          break;
        case 'sendConfirmCode':
          await this.#membership.sendConfirmCode(effect.memberId, effect.code, effect.sendId, now);
          break;
        case 'useLinkCode':
          await this.#deps.linkCodes.use(effect.code);
          break;
        case 'createLinkCode':
          await this.#deps.linkCodes.save(effect.code, effect.memberId);
          break;
        case 'setLanguage':
          await this.#deps.models.Member.updateOne(
            { _id: effect.memberId },
            { $set: { language: effect.lang } },
          );
          break;
        case 'setPreferredChat':
          await this.#membership.setPreferredChat(effect.memberId, effect.chat);
          break;
        case 'setMeetingRule':
          if (await leadsClub(this.#deps.models, effect.byMemberId, effect.clubId))
            await this.#setMeetingRule(effect, now);
          break;
        case 'moveMeeting':
        case 'cancelMeeting':
          await this.#changeMeeting(effect, now);
          break;
        case 'createMeeting':
          if (await this.#createMeeting(effect)) await this.#deps.meetingPlanner.planReminders(effect.clubId);
          break;
        case 'meetingReminder':
          await this.#remindMeeting(effect, now);
          break;
        case 'healthRound':
          await runHealthRound(effect, now, {
            ...this.#deps,
            clubChats: (clubId) => this.#delivery.clubChats(clubId),
            startIn: (start, chats, at) => this.#delivery.startIn(start, chats, at),
            start: (start, at) => this.#delivery.start(start, at),
          });
          break;
        case 'setRsvp':
          await this.#setRsvp(effect, now);
          break;
        case 'setAttendance':
          await this.#setAttendance(effect, now);
          break;
        case 'checkIn':
          await this.#checkIn(effect.meetingId, effect.memberId);
          break;
        case 'saveHealthResponse':
          await this.#health.saveResponse(effect, now);
          break;
        case 'raiseHealthAlert':
          await this.#health.raise(effect, now);
          break;
        case 'escalateHealthAlert':
          await this.#health.escalate(effect, now);
          break;
        case 'acknowledgeHealthAlert':
          await this.#health.acknowledge(effect, now);
          break;
        case 'assignVolunteer':
          if (await this.#membership.assign(effect)) await this.apply(effect.whenDone ?? [], now);
          break;
        case 'eraseMember':
          await eraseMember(
            { ...this.#deps, notify: (notice) => this.notify(notice, now) },
            effect.memberId,
            now,
          );
          break;
        case 'saveWeeklyReport':
          await applySaveWeeklyReport(this.#deps.models, effect, now, this.#deps.reports);
          break;
        case 'reopenWeeklyReport':
          if (await applyReopenWeeklyReport(this.#deps.models, effect))
            await this.apply(effect.whenReopened, now);
          break;
        case 'reportNudges':
          await this.apply(
            await reportNudges(this.#deps.models, effect, now, this.#deps.reports.timeZone),
            now,
          );
          break;
        case 'setOptOut':
          // Opting out again keeps the first time (a retried turn changes nothing).
          await this.#deps.models.Member.updateOne(
            effect.optedOut ? { _id: effect.memberId, optedOutAt: null } : { _id: effect.memberId },
            { $set: { optedOutAt: effect.optedOut ? now : null } },
          );
          break;
        case 'sendReportFiles':
          await this.#deps.reportFiles?.sendFiles(effect);
          break;
        case 'pushReportsToDhis2':
          // DHIS2 may take long: the turn does not wait (the summary comes as a message of its own).
          this.#deps.reportFiles?.pushInBackground(effect);
          break;
        case 'createBroadcast':
        case 'cancelBroadcast':
        case 'acknowledgeBroadcast':
        case 'sendBroadcast':
          await this.broadcasts?.apply(effect, now);
          break;
      }
    }
    return who;
  }

  /**
   * A leader of the meeting's club moves or cancels it, while it is still scheduled. A moved
   * meeting's reminders are planned anew (its old ones find it moved and do nothing); the members
   * already reminded of it are told (`notice`, once per change).
   */
  async #changeMeeting(
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
    await this.notify(
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

  /** A club's new rule; members reminded of a meeting it moved or removed are told (once per rule). */
  async #setMeetingRule(effect: Extract<Effect, { type: 'setMeetingRule' }>, now: Date): Promise<void> {
    const reminded = await this.#deps.meetingPlanner.setRule(effect.clubId, effect.rule);
    if (reminded.length === 0) return;
    const rule = createHash('sha256').update(JSON.stringify(effect.rule)).digest('hex').slice(0, 12);
    await this.notify(
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
  async #remindMeeting(effect: MeetingReminderEffect, now: Date): Promise<void> {
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
    const { members, chats } = await this.clubChats(meeting.clubId);
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
    await this.#delivery.startIn(
      reminder('members', {}, []),
      alone.flatMap(([asked]) => chatOf.get(asked) ?? []),
      now,
    );
    for (const [asked, ids] of askFor) {
      if (ids.length === 1 && ids[0] === asked) continue;
      const memberIds = [...ids].sort((a, b) => Number(b === asked) - Number(a === asked));
      await this.start(reminder(asked, { memberIds }, [asked]), now);
    }
    // The club's leaders get the answers so far with each reminder.
    const leads = (member: (typeof members)[number]) =>
      member.roles.some((grant) => grant.clubId === meeting.clubId && CLUB_LEADERS.includes(grant.role));
    const leaders = new Set(members.filter(leads).map((member) => String(member._id)));
    await this.#delivery.notifyChats(
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
  async #setRsvp(answer: Extract<Effect, { type: 'setRsvp' }>, now: Date): Promise<void> {
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
  async #createMeeting(create: Extract<Effect, { type: 'createMeeting' }>): Promise<boolean> {
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
  async #setAttendance(call: Extract<Effect, { type: 'setAttendance' }>, now: Date): Promise<void> {
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
  async #checkIn(meetingId: string, memberId: string): Promise<void> {
    const { models } = this.#deps;
    const [meeting, member] = await Promise.all([
      models.Meeting.findById(meetingId, { clubId: 1, status: 1 }).lean(),
      /^[0-9a-f]{24}$/.test(memberId) ? models.Member.findById(memberId, { clubIds: 1 }).lean() : null,
    ]);
    if (meeting?.status !== 'scheduled' || !member?.clubIds.includes(meeting.clubId)) return;
    await addAnswers(models, meetingId, [{ memberId, fact: 'present', set: { present: 'self' } }]);
  }
  /**
   * A planned effect's time came: it is applied with deliveries keyed by its plan and that time,
   * so a firing handled twice (a crash half-way) tells nobody twice.
   */
  async fire({ payload, occurrence }: Firing<ScheduledEffect>, now: Date): Promise<void> {
    await this.apply([{ ...payload, key: `${payload.key}@${occurrence.getTime()}` }], now);
  }

  /** Tells an audience (see `ChatDelivery.notify`). */
  notify(effect: NotifyEffect, now: Date): Promise<void> {
    return this.#delivery.notify(effect, now);
  }

  /** Tells these members of `effect`'s audience (see `ChatDelivery.notifyPage`). */
  notifyPage(effect: NotifyEffect, memberIds: string[], now: Date): Promise<void> {
    return this.#delivery.notifyPage(effect, memberIds, now);
  }

  /** Opens a flow in the audience's chats (see `ChatDelivery.start`). */
  start(effect: StartEffect, now: Date): Promise<void> {
    return this.#delivery.start(effect, now);
  }

  /** One chat per member to write to (see `ChatDelivery.chatsOf`). */
  chatsOf(memberIds: string[]): Promise<MemberChat[]> {
    return this.#delivery.chatsOf(memberIds);
  }

  /** A club's active members and their chats (see `ChatDelivery.clubChats`). */
  clubChats(clubId: string) {
    return this.#delivery.clubChats(clubId);
  }

  /** Tells the leaders of `clubId` that these members could not be reached for one event. */
  notifyUnreachable(clubId: string, eventKey: string, memberIds: string[]): Promise<void> {
    return this.#delivery.notifyUnreachable(clubId, eventKey, memberIds);
  }

  /** The platform says this chat is gone (blocked, deactivated): stop writing to it. */
  markStopped(chat: ChatKey, now: Date): Promise<void> {
    return this.#delivery.markStopped(chat, now);
  }

  /** A stopped chat wrote again: it is live, and so is its member. */
  markResumed(chat: ChatKey): Promise<void> {
    return this.#delivery.markResumed(chat);
  }
}
