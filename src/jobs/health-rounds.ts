/**
 * Plans each club's next weekly health round (the club's `healthRound` weekday and time, else
 * HEALTH_ROUND_WEEKDAY at HEALTH_ROUND_TIME, in APP_TIMEZONE, plus the club's own offset of up to HEALTH_ROUND_SPREAD_MINUTES, so a province's
 * members do not all answer in the same minute). Runs hourly on a BullMQ job scheduler.
 *
 * Safe to run any number of times at once: a round is planned on the scheduler under the key of
 * its club and local date (`roundKey`) at a time that depends only on them, so planning it again
 * adds the same job, and an occurrence that has fired never fires again (see scheduler.ts).
 * A club whose round day changes keeps a round already planned for the old day that week.
 * What a round does when it fires: src/runtime/health-rounds.ts.
 */
import { createHash } from 'node:crypto';
import type { Queue, Worker } from 'bullmq';
import type { Clock } from '../clock.ts';
import { localDate, localTime } from '../engine/meetings.ts';
import type { ScheduledEffect } from '../engine/types.ts';
import type { Models } from '../models/index.ts';
import { type HourlyOptions, hourlyQueue, startHourly } from './hourly.ts';
import type { Scheduler } from './scheduler.ts';

const QUEUE = 'health-rounds';
const LABEL = 'health round';
const DAY_MS = 24 * 3600_000;
/** Clubs read per page. */
const PAGE = 500;

export interface HealthRoundSchedule {
  /** 0 Sunday … 6 Saturday. */
  weekday: number;
  /** "HH:MM" in `timeZone`. */
  time: string;
  spreadMinutes: number;
  timeZone: string;
}

export interface HealthRoundPlannerOptions extends HourlyOptions {
  models: Models;
  clock: Clock;
  schedule: HealthRoundSchedule;
  scheduler: Scheduler<ScheduledEffect>;
}

/** The scheduler key of a club's round on a local date. */
export function roundKey(clubId: string, date: string): string {
  return `health-round.${clubId}.${date}`;
}

/** The club's minutes after the round time: fixed per club, spread evenly over the morning. */
export function clubOffsetMinutes(clubId: string, spreadMinutes: number): number {
  return createHash('sha256').update(clubId).digest().readUInt32BE(0) % (spreadMinutes + 1);
}

/** The club's first round after `now`: its local date and time. */
export function nextRound(
  clubId: string,
  now: Date,
  schedule: HealthRoundSchedule,
): { date: string; at: Date } {
  const offsetMs = clubOffsetMinutes(clubId, schedule.spreadMinutes) * 60_000;
  // Noon of each coming local day names its date and weekday whatever the zone.
  for (let day = 0; ; day++) {
    const date = localDate(new Date(now.getTime() + day * DAY_MS), schedule.timeZone);
    if (new Date(`${date}T12:00:00Z`).getUTCDay() !== schedule.weekday) continue;
    const at = new Date(localTime(date, schedule.time, schedule.timeZone).getTime() + offsetMs);
    if (at > now) return { date, at };
  }
}

export class HealthRoundPlanner {
  readonly #options: HealthRoundPlannerOptions;
  readonly queue: Queue;

  constructor(options: HealthRoundPlannerOptions) {
    this.#options = options;
    this.queue = hourlyQueue(QUEUE, options, LABEL);
  }

  /** Registers the hourly run (upserting it again changes nothing) and starts its worker. */
  start(): Promise<Worker> {
    return startHourly(
      this.queue,
      { schedulerId: QUEUE, jobName: 'plan', label: LABEL },
      () => this.planAll(),
      this.#options,
    );
  }

  /** Plans the next round of every club; returns how many clubs it looked at. */
  async planAll(): Promise<number> {
    const { models, clock, schedule, scheduler } = this.#options;
    let planned = 0;
    let after: string | undefined;
    for (;;) {
      const clubs = await models.Club.find(after ? { _id: { $gt: after } } : {}, { healthRound: 1 })
        .sort({ _id: 1 })
        .limit(PAGE)
        .lean();
      const now = clock.now();
      for (const club of clubs) {
        const own = club.healthRound;
        const { date, at } = nextRound(club._id, now, {
          ...schedule,
          weekday: own?.weekday ?? schedule.weekday,
          time: own?.time ?? schedule.time,
        });
        const key = roundKey(club._id, date);
        await scheduler.schedule(
          key,
          { at },
          { type: 'healthRound', clubId: club._id, startsAt: at.toISOString(), key },
        );
      }
      planned += clubs.length;
      if (clubs.length < PAGE) return planned;
      after = clubs.at(-1)!._id;
    }
  }

  close(): Promise<void> {
    return this.queue.close();
  }
}
