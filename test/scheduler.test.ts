/**
 * The scheduler on real Redis: plans survive a restart, fire once per occurrence whoever plans
 * them, are replaced and cancelled by key. Delays are a few hundred milliseconds of real time
 * (BullMQ's), or none when the clock is set ahead.
 */
import { randomBytes } from 'node:crypto';
import type { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type Clock, systemClock, TestClock } from '../src/clock.ts';
import { type Firing, Scheduler } from '../src/jobs/scheduler.ts';
import { createLogger } from '../src/log.ts';
import { eventually } from './support/app.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `test${randomBytes(4).toString('hex')}:bull`;
const log = createLogger('silent');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Everything one "process" holds; `stop` closes it like a process going down. */
interface Process {
  scheduler: Scheduler<string>;
  worker?: Worker;
  stop(): Promise<void>;
}
const running: Process[] = [];
const fired: Firing<string>[] = [];

function startProcess(options: { worker: boolean; clock?: Clock }): Process {
  const redis = new Redis(REDIS_URL);
  const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const scheduler = new Scheduler<string>({
    connection,
    prefix,
    redis,
    clock: options.clock ?? systemClock,
    timeZone: 'Asia/Ho_Chi_Minh',
    log,
  });
  const worker = options.worker
    ? scheduler.startWorker(async (firing) => {
        fired.push(firing);
      })
    : undefined;
  const started: Process = {
    scheduler,
    worker,
    async stop() {
      await worker?.close();
      await scheduler.close();
      redis.disconnect();
      connection.disconnect();
    },
  };
  running.push(started);
  return started;
}

const firedFor = (key: string) => fired.filter((firing) => firing.key === key);
const inMs = (ms: number) => new Date(Date.now() + ms);

describe('scheduler', () => {
  afterEach(async () => {
    await Promise.all(running.splice(0).map((started) => started.stop()));
  });
  afterAll(async () => {
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  it('fires a plan once when the process stops between planning and firing', async () => {
    const first = startProcess({ worker: true });
    const at = inMs(700);
    await first.scheduler.schedule('meeting.m1.reminder', { at }, 'remind m1');
    await first.stop();

    // Two processes come up again (one restarted, one more): the occurrence fires in one of them.
    startProcess({ worker: true });
    startProcess({ worker: true });
    await eventually(() => firedFor('meeting.m1.reminder').length > 0, 'the reminder fired', 5000);
    await sleep(600);
    expect(firedFor('meeting.m1.reminder')).toEqual([
      { key: 'meeting.m1.reminder', payload: 'remind m1', occurrence: at },
    ]);
    expect(Date.now()).toBeGreaterThanOrEqual(at.getTime());
  });

  it('fires once when two planners schedule the same key at once', async () => {
    const a = startProcess({ worker: true });
    const b = startProcess({ worker: true });
    const at = inMs(300);
    await Promise.all([
      a.scheduler.schedule('report.r1.nudge', { at }, 'nudge'),
      b.scheduler.schedule('report.r1.nudge', { at }, 'nudge'),
    ]);
    await eventually(() => firedFor('report.r1.nudge').length > 0, 'the nudge fired');
    await sleep(600);
    expect(firedFor('report.r1.nudge')).toHaveLength(1);
  });

  it('fires one plan when two planners schedule the same key at different times at once', async () => {
    const a = startProcess({ worker: true });
    const b = startProcess({ worker: true });
    await Promise.all([
      a.scheduler.schedule('meeting.m6.reminder', { at: inMs(200) }, 'planner a'),
      b.scheduler.schedule('meeting.m6.reminder', { at: inMs(400) }, 'planner b'),
    ]);
    await eventually(() => firedFor('meeting.m6.reminder').length > 0, 'a reminder fired');
    await sleep(700);
    expect(firedFor('meeting.m6.reminder')).toHaveLength(1);
  });

  it('never fires an unscheduled key', async () => {
    const { scheduler } = startProcess({ worker: true });
    await scheduler.schedule('meeting.m2.reminder', { at: inMs(300) }, 'cancelled');
    await scheduler.schedule('meeting.m3.reminder', { at: inMs(500) }, 'kept');
    await scheduler.unschedule('meeting.m2.reminder');
    await eventually(() => firedFor('meeting.m3.reminder').length > 0, 'the kept reminder fired');
    await sleep(300);
    expect(firedFor('meeting.m2.reminder')).toEqual([]);
  });

  it('fires a re-scheduled key only at its new time, with its new payload', async () => {
    const { scheduler } = startProcess({ worker: true });
    const moved = inMs(900);
    await scheduler.schedule('meeting.m4.reminder', { at: inMs(300) }, 'old time');
    await scheduler.schedule('meeting.m4.reminder', { at: moved }, 'new time');
    await eventually(() => firedFor('meeting.m4.reminder').length > 0, 'the moved reminder fired');
    expect(Date.now()).toBeGreaterThanOrEqual(moved.getTime());
    await sleep(300);
    expect(firedFor('meeting.m4.reminder')).toEqual([
      { key: 'meeting.m4.reminder', payload: 'new time', occurrence: moved },
    ]);
  });

  it('does not fire an occurrence again when it is planned anew after it fired', async () => {
    const { scheduler } = startProcess({ worker: true });
    const at = new Date(Date.now() - 60_000);
    await scheduler.schedule('alert.a1.escalate', { at }, 'escalate');
    await eventually(() => firedFor('alert.a1.escalate').length > 0, 'the escalation fired');
    await sleep(200);
    await scheduler.schedule('alert.a1.escalate', { at }, 'escalate');
    await sleep(500);
    expect(firedFor('alert.a1.escalate')).toHaveLength(1);
  });

  it('fires at once what is due by the clock, however far ahead the clock was set', async () => {
    const clock = new TestClock(inMs(3 * 24 * 3600_000));
    const { scheduler } = startProcess({ worker: true, clock });
    const startedAt = Date.now();
    await scheduler.schedule('meeting.m5.reminder', { at: inMs(24 * 3600_000) }, 'tomorrow');
    await eventually(() => firedFor('meeting.m5.reminder').length > 0, 'the reminder fired');
    expect(Date.now() - startedAt).toBeLessThan(3000);
  });

  it('fires an `every` plan repeatedly from one interval on, then never after it is unscheduled', async () => {
    const { scheduler } = startProcess({ worker: true });
    const plannedAt = Date.now();
    await scheduler.schedule('roll-call.c1', { every: { ms: 200 } }, 'roll call');
    await eventually(() => firedFor('roll-call.c1').length >= 2, 'two occurrences', 5000);
    expect(firedFor('roll-call.c1')[0]!.occurrence.getTime()).toBeGreaterThanOrEqual(plannedAt + 200);

    // Planned again with a new payload: the same cadence goes on with it.
    await scheduler.schedule('roll-call.c1', { every: { ms: 200 } }, 'roll call, again');
    await eventually(
      () => firedFor('roll-call.c1').some((firing) => firing.payload === 'roll call, again'),
      'the new payload fired',
    );
    await scheduler.unschedule('roll-call.c1');
    await sleep(100);
    const count = firedFor('roll-call.c1').length;
    await sleep(700);
    expect(firedFor('roll-call.c1')).toHaveLength(count);
    const occurrences = firedFor('roll-call.c1').map((firing) => firing.occurrence.getTime());
    expect(new Set(occurrences).size).toBe(occurrences.length);
  });

  it('reads a cron pattern in the app time zone', async () => {
    const { scheduler } = startProcess({ worker: true });
    await scheduler.schedule('tick', { every: { pattern: '* * * * * *' } }, 'each second');
    await eventually(() => firedFor('tick').length >= 1, 'a tick', 5000);
    expect((await scheduler.queue.getJobScheduler('every|tick'))?.tz).toBe('Asia/Ho_Chi_Minh');
    await scheduler.unschedule('tick');
  });
});
