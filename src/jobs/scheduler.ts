/**
 * Things that happen later: "remind at 07:00 on the 21st", "every Monday 08:00", "if no answer
 * in 2 h". A caller names each plan with a `key` of its own (e.g. `meeting.<id>.reminder`) and
 * gives a JSON payload; the worker hands the payload back when the time comes.
 *
 * - One plan per key: scheduling a key again replaces its plan (a moved meeting's old reminder
 *   never fires); `unschedule(key)` cancels it.
 * - Each occurrence fires once: its job id is built from the key and the occurrence's time, so
 *   two planners (or a retried request) add one job; a Redis "fired" marker stops an occurrence
 *   that already fired from firing again when it is planned anew; the worker also fires a job
 *   only while it is still the key's current plan, so a replaced plan whose job was not removed
 *   in time is skipped.
 * - Plans live in Redis (BullMQ delayed jobs and job schedulers): a restart between planning
 *   and firing loses nothing.
 * - `at` delays are computed from the `Clock`, so a test clock set ahead fires at once.
 *   `every` schedulers run on BullMQ's own (real) time: `ms` first fires one interval after it is
 *   planned, a cron `pattern` (read in APP_TIMEZONE) at its next match. Scheduling the same
 *   `every` again keeps its cadence and takes the new payload.
 *
 * `onFire` may run again after a crash in the middle of it (at least once, not exactly once,
 * for what it does itself): derive the ids of what it queues from `key` and `occurrence`.
 *
 * @example
 * const scheduler = new Scheduler<ScheduledEffect>({ connection, prefix, redis, clock, timeZone, log });
 * await scheduler.schedule(`meeting.${id}.reminder`, { at: new Date('2026-12-21T00:00:00Z') }, effect);
 * await scheduler.schedule('weekly-report.nudge', { every: { pattern: '0 8 * * 1' } }, effect);
 * scheduler.startWorker(async ({ key, payload, occurrence }) => apply(payload, `${key}@${occurrence.getTime()}`));
 */
import { type ConnectionOptions, type Job, Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';

const QUEUE = 'scheduled';
/** How long an occurrence is remembered as fired (a re-plan of it within this time does not fire again). */
const FIRED_TTL_SECONDS = 30 * 24 * 3600;
/** A failing `onFire` is retried with backoff this many times in all. */
const ATTEMPTS = 6;

/** When a plan fires: once at a time, or repeatedly (every `ms` milliseconds, or on a cron `pattern`). */
export type When = { at: Date } | { every: { ms: number } | { pattern: string } };

/** One occurrence handed to the worker. */
export interface Firing<P> {
  key: string;
  payload: P;
  /** The planned time of this occurrence (not when the worker got to it): stable across retries. */
  occurrence: Date;
}

export interface SchedulerOptions {
  connection: ConnectionOptions;
  /** BullMQ key prefix; the scheduler's own Redis keys live under it too. */
  prefix: string;
  /** Plain Redis connection for the plan and "fired" markers. */
  redis: Redis;
  clock: Clock;
  /** IANA zone in which cron patterns are read (APP_TIMEZONE). */
  timeZone: string;
  log: Logger;
}

interface ScheduledJob<P> {
  key: string;
  payload: P;
}

export class Scheduler<P = unknown> {
  readonly #options: SchedulerOptions;
  readonly queue: Queue<ScheduledJob<P>>;

  constructor(options: SchedulerOptions) {
    this.#options = options;
    this.queue = new Queue<ScheduledJob<P>>(QUEUE, {
      connection: options.connection,
      prefix: options.prefix,
    });
    this.queue.on('error', (error) => options.log.error({ err: error }, 'scheduler queue error'));
  }

  /** Plans `payload` for `key` (replacing the key's previous plan). Resolves once the plan is stored in Redis. */
  async schedule(key: string, when: When, payload: P): Promise<void> {
    const planId = 'at' in when ? atJobId(key, when.at) : schedulerId(key);
    const previous = await this.#setPlan(key, planId, 'at' in when ? when.at : undefined);
    // A scheduler upserted again is updated in place (keeping its cadence); any other plan is removed,
    // a one-time job even when it is the same occurrence (its payload may have changed).
    const sameScheduler = previous === planId && 'every' in when;
    if (previous !== null && !sameScheduler) await this.#remove(previous);
    const data = { key, payload };
    if ('every' in when) {
      // `every` starts one interval after planning (BullMQ would fire at once); BullMQ runs it on real time.
      const repeat =
        'ms' in when.every
          ? { every: when.every.ms, startDate: new Date(Date.now() + when.every.ms) }
          : { pattern: when.every.pattern, tz: this.#options.timeZone };
      await this.queue.upsertJobScheduler(planId, repeat, {
        name: 'every',
        data,
        opts: { attempts: ATTEMPTS, backoff: { type: 'exponential', delay: 5000 }, ...removal() },
      });
      return;
    }
    if (await this.#fired(planId)) return;
    const delay = Math.max(0, when.at.getTime() - this.#options.clock.now().getTime());
    await this.queue.add('at', data, {
      jobId: planId,
      delay,
      attempts: ATTEMPTS,
      backoff: { type: 'exponential', delay: 5000 },
      ...removal(),
    });
  }

  /** Cancels the key's plan, whichever kind it is; a key with no plan is fine. */
  async unschedule(key: string): Promise<void> {
    const previous = await this.#options.redis.getdel(this.#planKey(key));
    if (previous !== null) await this.#remove(previous);
  }

  /**
   * Starts a worker that calls `onFire` for each due occurrence of a current plan. A throw
   * retries the occurrence with backoff (up to 6 attempts in all).
   */
  startWorker(onFire: (firing: Firing<P>) => Promise<void>): Worker<ScheduledJob<P>> {
    const { connection, prefix, redis, log } = this.#options;
    const worker = new Worker<ScheduledJob<P>>(
      QUEUE,
      async (job) => {
        const { key, payload } = job.data;
        const id = job.id!;
        const [plan, fired] = await redis.mget(this.#planKey(key), this.#firedKey(id));
        if (plan !== planIdOf(job) || fired !== null) return 'skipped';
        await onFire({ key, payload, occurrence: occurrenceOf(job) });
        await redis.set(this.#firedKey(id), '1', 'EX', FIRED_TTL_SECONDS);
        return 'fired';
      },
      // A firing may open a flow in a whole club's chats: on a busy process its lock's renewal can
      // come late, and BullMQ would take the job for stalled and fire it again (seen in the
      // reminders bench: every chat loaded twice). A process that died is taken over after 2 min.
      { connection, prefix, concurrency: 8, lockDuration: 120_000 },
    );
    worker.on('error', (error) => log.error({ err: error }, 'scheduler worker error'));
    worker.on('failed', (job, error) =>
      log.warn({ job: job?.id, attempts: job?.attemptsMade, err: error }, 'scheduled occurrence failed'),
    );
    return worker;
  }

  close(): Promise<void> {
    return this.queue.close();
  }

  /** Stores the key's current plan; returns the plan it replaces. */
  async #setPlan(key: string, planId: string, at: Date | undefined): Promise<string | null> {
    const planKey = this.#planKey(key);
    if (!at) return this.#options.redis.set(planKey, planId, 'GET');
    // A one-time plan is forgotten some time after its occurrence (with the occurrence's marker).
    const ttl = Math.max(0, Math.ceil((at.getTime() - this.#options.clock.now().getTime()) / 1000));
    return this.#options.redis.set(planKey, planId, 'EX', ttl + FIRED_TTL_SECONDS, 'GET');
  }

  /** Removes a plan's job or scheduler (with its next job). */
  async #remove(planId: string): Promise<void> {
    if (planId.startsWith('every|')) await this.queue.removeJobScheduler(planId);
    // A running job cannot be removed: it is firing now (it was due) or will be skipped (no longer the plan).
    else await this.queue.remove(planId).catch(() => undefined);
  }

  async #fired(jobId: string): Promise<boolean> {
    return (await this.#options.redis.exists(this.#firedKey(jobId))) === 1;
  }

  #planKey(key: string): string {
    return `${this.#options.prefix}:schedule-plan:${key}`;
  }

  #firedKey(jobId: string): string {
    return `${this.#options.prefix}:schedule-fired:${jobId}`;
  }
}

/** Keys may hold any character; BullMQ forbids ':' in custom job ids, so it (and the escape) are encoded. */
function encodeKey(key: string): string {
  if (key === '') throw new Error('Scheduler: a plan needs a non-empty key');
  return key.replaceAll('%', '%25').replaceAll(':', '%3A');
}

function atJobId(key: string, at: Date): string {
  if (Number.isNaN(at.getTime())) throw new Error(`Scheduler: invalid date for key ${key}`);
  return `at|${encodeKey(key)}|${at.getTime()}`;
}

function schedulerId(key: string): string {
  return `every|${encodeKey(key)}`;
}

/** The plan a job belongs to: its scheduler for repeated jobs, itself for one-time ones. */
function planIdOf(job: Job): string | undefined {
  return job.repeatJobKey ?? job.id;
}

/** The occurrence's time ends every id: ours (`at|<key>|<ms>`) and BullMQ's scheduler jobs (`repeat:<id>:<ms>`). */
function occurrenceOf(job: Job): Date {
  return new Date(Number(/(\d+)$/.exec(job.id!)?.[1]));
}

/** Finished jobs are kept a week (for inspection); the "fired" markers are what stops repeats. */
function removal() {
  return { removeOnComplete: { age: 7 * 24 * 3600 }, removeOnFail: { age: 30 * 24 * 3600 } };
}
