/**
 * Applies what flows decided, idempotently: ids are chosen before the write
 * (a member's id is picked when registration starts), writes are upserts or
 * guarded updates, so handling the same message twice changes nothing more.
 * Also tells the other people concerned: the chair about a new request, the
 * member about the chair's decision.
 *
 * Membership and meeting effects are applied by membership-effects.ts and
 * meeting-effects.ts; what reaches chats (notices, flows opened, each member's
 * chat) by chat-delivery.ts; the rest here.
 */

import type { Clock } from '../clock.ts';
import type { Engine } from '../engine/engine.ts';
import type { Renderer } from '../engine/render.ts';
import type { Effect, NotifyEffect, ScheduledEffect, StartEffect, Who } from '../engine/types.ts';
import type { Translate } from '../i18n.ts';
import type { FanOut } from '../jobs/fan-out.ts';
import type { MeetingPlanner } from '../jobs/meeting-planner.ts';
import type { MessageLog } from '../jobs/message-log.ts';
import type { Outbox } from '../jobs/outbox.ts';
import type { QuietHours } from '../jobs/quiet-hours.ts';
import type { Firing, Scheduler } from '../jobs/scheduler.ts';
import type { Models } from '../models/index.ts';
import { applyReopenWeeklyReport, applySaveWeeklyReport } from '../reports/chat.ts';
import type { ReportSettings } from '../reports/store.ts';
import type { ChatKey, ChatStates } from '../store/chat-state.ts';
import type { LinkCodes } from '../store/link-codes.ts';
import type { MongoLookups } from '../store/lookups.ts';
import type { Audiences } from './audiences.ts';
import { ChatDelivery, type MemberChat } from './chat-delivery.ts';
import { eraseMember } from './erase-member.ts';
import { HealthRecords } from './health.ts';
import { runHealthRound } from './health-rounds.ts';
import { MeetingEffects } from './meeting-effects.ts';
import { MembershipEffects } from './membership-effects.ts';
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
  readonly #meetings: MeetingEffects;
  /** Applies the broadcast effects (src/runtime/broadcasts.ts; set once the app has built it). */
  broadcasts: { apply(effect: Effect, now: Date): Promise<void> } | undefined;

  constructor(deps: EffectsDeps) {
    this.#deps = deps;
    const apply: ApplyEffects = (effects, now) => this.apply(effects, now);
    this.#delivery = new ChatDelivery({ ...deps, apply });
    this.#membership = new MembershipEffects({ ...deps, delivery: this.#delivery, apply });
    this.#meetings = new MeetingEffects({ ...deps, delivery: this.#delivery });
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
          await this.#meetings.setMeetingRule(effect, now);
          break;
        case 'moveMeeting':
        case 'cancelMeeting':
          await this.#meetings.changeMeeting(effect, now);
          break;
        case 'createMeeting':
          if (await this.#meetings.createMeeting(effect))
            await this.#deps.meetingPlanner.planReminders(effect.clubId);
          break;
        case 'meetingReminder':
          await this.#meetings.remindMeeting(effect, now);
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
          await this.#meetings.setRsvp(effect, now);
          break;
        case 'setAttendance':
          await this.#meetings.setAttendance(effect, now);
          break;
        case 'checkIn':
          await this.#meetings.checkIn(effect.meetingId, effect.memberId);
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
