/**
 * Keeps each club's next meetings in the database, MEETING_PLAN_WEEKS ahead, so members see
 * them and reminders can be planned. Runs hourly on a BullMQ job scheduler (one per deployment,
 * whatever the number of workers), and for one club at once when its chair sets a rule.
 *
 * Safe to run any number of times at once: a planned meeting's `_id` is its club and local date
 * (`meetingId`), and the planner only inserts — FerretDB has no transactions, so two planners
 * that insert the same meeting meet at the unique `_id`, one wins and the other's duplicate-key
 * error is ignored. A meeting a leader moved or cancelled is never touched again by planning.
 *
 * Each meeting's reminders (the club's `reminderOffsets`, else DEFAULT_REMINDERS) are planned on
 * the scheduler under keys of the meeting and offset (`reminderKey`), and the meeting records the
 * start time they were planned for (`remindersFor`): a meeting new or moved has none, so a run
 * that stopped half-way is finished by the next, and planning twice plans the same jobs.
 */
import type { Queue, Worker } from 'bullmq';
import type { Clock } from '../clock.ts';
import {
  DEFAULT_REMINDERS,
  type MeetingRule,
  meetingId,
  plannedMeetings,
  reminderTimes,
} from '../engine/meetings.ts';
import type { ClubMeetingRule, ScheduledEffect } from '../engine/types.ts';
import type { ClubDoc, Models } from '../models/index.ts';
import { readAnswers, removeAnswers } from '../store/meeting-answers.ts';
import { readEach } from '../store/read-each.ts';
import { type HourlyOptions, hourlyQueue, startHourly } from './hourly.ts';
import type { Scheduler } from './scheduler.ts';

const QUEUE = 'meeting-planner';
export const PLANNER_SCHEDULER_ID = 'meeting-planner';
const LABEL = 'meeting planner';
const WEEK_MS = 7 * 24 * 3600_000;
/** Clubs read per page. */
const PAGE = 500;
/** MongoDB's duplicate-key error. */
const DUPLICATE_KEY = 11000;

export interface MeetingPlannerOptions extends HourlyOptions {
  models: Models;
  clock: Clock;
  timeZone: string;
  weeksAhead: number;
  /** Where each meeting's reminders are planned. */
  scheduler: Scheduler<ScheduledEffect>;
}

/** The scheduler key of one reminder of a meeting: planning it again replaces it (a moved meeting). */
export function reminderKey(meetingId: string, offset: string): string {
  return `meeting.${meetingId}.reminder.${offset}`;
}

type PlannedClub = Pick<ClubDoc, '_id' | 'meetingRule'>;

export class MeetingPlanner {
  readonly #options: MeetingPlannerOptions;
  readonly queue: Queue;

  constructor(options: MeetingPlannerOptions) {
    this.#options = options;
    this.queue = hourlyQueue(QUEUE, options, LABEL);
  }

  /** Registers the hourly run (upserting it again changes nothing) and starts its worker. */
  start(): Promise<Worker> {
    const ids = { schedulerId: PLANNER_SCHEDULER_ID, jobName: 'plan', label: LABEL };
    return startHourly(this.queue, ids, () => this.planAll(), this.#options);
  }

  /** Plans every club that has a rule; returns how many meetings this run inserted. */
  async planAll(): Promise<number> {
    let inserted = 0;
    let after: string | undefined;
    for (;;) {
      const clubs = await this.#options.models.Club.find(
        { meetingRule: { $ne: null }, ...(after ? { _id: { $gt: after } } : {}) },
        { meetingRule: 1 },
      )
        .sort({ _id: 1 })
        .limit(PAGE)
        .lean();
      for (const club of clubs) inserted += await this.planClub(club);
      if (clubs.length < PAGE) break;
      after = clubs.at(-1)!._id;
    }
    if (inserted > 0) this.#options.log.info({ inserted }, 'meetings planned');
    await this.planReminders();
    return inserted;
  }

  /** Inserts the club's meetings of the coming weeks that are not there yet; returns how many. */
  async planClub(club: PlannedClub): Promise<number> {
    const { models, clock } = this.#options;
    const rule = club.meetingRule as (MeetingRule & { place?: string }) | null | undefined;
    if (!rule?.kind) return 0;
    const planned = this.#window(rule, clock.now());
    if (planned.length === 0) return 0;
    const docs = planned.map(({ date, startsAt }) => ({
      _id: meetingId(club._id, date),
      clubId: club._id,
      date,
      startsAt,
      place: rule.place ?? '',
      source: 'rule' as const,
    }));
    try {
      const result = await models.Meeting.insertMany(docs, { ordered: false, rawResult: true });
      return result.insertedCount;
    } catch (error) {
      // The meetings already there (planned before, or by another planner this very moment).
      if (!onlyDuplicates(error)) throw error;
      return (error as { insertedCount?: number }).insertedCount ?? 0;
    }
  }

  /**
   * A club's new rule: stored, its coming meetings planned, and the meetings the old rule gave
   * changed with it — those still scheduled and never moved by a leader (a moved or cancelled one
   * stays as the leader left it): on a date the new rule has, moved to its time and place (their
   * reminders planned anew); on other dates, removed. Returns the members who were reminded of a
   * meeting that moved or went away, to be told.
   */
  async setRule(clubId: string, rule: ClubMeetingRule): Promise<string[]> {
    const { models, clock } = this.#options;
    await models.Club.updateOne({ _id: clubId }, { $set: { meetingRule: rule } });
    const now = clock.now();
    const wanted = new Map(
      this.#window(rule, now).map(({ date, startsAt }) => [meetingId(clubId, date), startsAt]),
    );
    const planned = await models.Meeting.find(
      { clubId, source: 'rule', status: 'scheduled', movedAt: null, startsAt: { $gt: now } },
      { startsAt: 1, place: 1 },
    ).lean();
    const reminded = new Set<string>();
    for (const meeting of planned) {
      const startsAt = wanted.get(meeting._id);
      if (startsAt?.getTime() === meeting.startsAt.getTime() && meeting.place === rule.place) continue;
      // The filter repeats the conditions: a leader who moves it this very moment keeps her change.
      const still = { _id: meeting._id, status: 'scheduled' as const, movedAt: null };
      const changed = startsAt
        ? await models.Meeting.updateOne(still, {
            $set: { startsAt, place: rule.place, remindersFor: null },
          })
        : await models.Meeting.deleteOne(still);
      const count = 'modifiedCount' in changed ? changed.modifiedCount : changed.deletedCount;
      if (count === 0) continue;
      for (const id of (await readAnswers(models, meeting._id)).reminded) reminded.add(id);
      if (startsAt) continue;
      await this.unplanReminders(meeting._id, clubId);
      // Its answers go with it (a later rule may plan a meeting that day again, with the same name).
      await removeAnswers(models, meeting._id);
    }
    await this.planClub({ _id: clubId, meetingRule: rule });
    await this.planReminders(clubId);
    return [...reminded];
  }

  /**
   * Plans the reminders of the coming meetings (of one club, or all) that have none planned for
   * their start time yet. A reminder whose time has passed is not planned (a meeting added late).
   */
  async planReminders(clubId?: string): Promise<void> {
    const { models, clock, scheduler, timeZone } = this.#options;
    for (;;) {
      const now = clock.now();
      const due = await models.Meeting.find(
        { remindersFor: null, status: 'scheduled', startsAt: { $gt: now }, ...(clubId ? { clubId } : {}) },
        { clubId: 1, startsAt: 1 },
      )
        .limit(PAGE)
        .lean();
      if (due.length === 0) return;
      const clubs = await readEach(
        due.map((meeting) => meeting.clubId),
        (id) => models.Club.findById(id, { reminderOffsets: 1 }).lean(),
      );
      const offsets = new Map(
        clubs.map((club) => [
          club._id,
          club.reminderOffsets?.length ? club.reminderOffsets : DEFAULT_REMINDERS,
        ]),
      );
      for (const meeting of due) {
        for (const { offset, at } of reminderTimes(
          meeting.startsAt,
          offsets.get(meeting.clubId) ?? DEFAULT_REMINDERS,
          timeZone,
        )) {
          if (at <= now) continue;
          const key = reminderKey(meeting._id, offset);
          const startsAt = meeting.startsAt.toISOString();
          await scheduler.schedule(
            key,
            { at },
            { type: 'meetingReminder', meetingId: meeting._id, offset, startsAt, key },
          );
        }
        // Guarded by the start time: a meeting moved meanwhile is planned again by the next run.
        await models.Meeting.updateOne(
          { _id: meeting._id, startsAt: meeting.startsAt },
          { $set: { remindersFor: meeting.startsAt } },
        );
      }
      if (due.length < PAGE) return;
    }
  }

  /**
   * Removes a meeting's reminder plans (cancelled, or gone with the old rule), with any held to
   * the morning by quiet hours. (Were one to fire anyway, it finds the meeting changed and sends
   * nothing; this keeps the queue to what will be sent.)
   */
  async unplanReminders(meetingId: string, clubId: string): Promise<void> {
    const { models, scheduler } = this.#options;
    const club = await models.Club.findById(clubId, { reminderOffsets: 1 }).lean();
    const offsets = club?.reminderOffsets?.length ? club.reminderOffsets : DEFAULT_REMINDERS;
    for (const offset of offsets) {
      const key = reminderKey(meetingId, offset);
      await Promise.all([scheduler.unschedule(key), scheduler.unschedule(`${key}.morning`)]);
    }
  }

  /** The meetings `rule` gives from `now` to the planning horizon. */
  #window(rule: MeetingRule, now: Date) {
    const { timeZone, weeksAhead } = this.#options;
    return plannedMeetings(rule, now, new Date(now.getTime() + weeksAhead * WEEK_MS), timeZone);
  }

  close(): Promise<void> {
    return this.queue.close();
  }
}

/** Whether an `insertMany` failed only because some documents were there already. */
function onlyDuplicates(error: unknown): boolean {
  const { code, writeErrors } = error as {
    code?: number;
    writeErrors?: { code?: number; err?: { code?: number } }[];
  };
  if (!writeErrors) return code === DUPLICATE_KEY;
  const list = Array.isArray(writeErrors) ? writeErrors : [writeErrors];
  return list.every((entry) => (entry.code ?? entry.err?.code) === DUPLICATE_KEY);
}
