/**
 * Quiet hours through the real outbox and the simulator, with the app's clock at 21:30 in
 * Hanoi: what may wait is held until 06:00 (the job's delay says so; the test then moves the
 * clock and lets the job come due instead of waiting 8.5 hours), what may not goes at once, and
 * what would be pointless by morning is logged 'expired' and never sent.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TestClock } from '../src/clock.ts';
import { DEMO_CODES, DEMO_PEOPLE, seedDemoData } from '../src/demo/seed.ts';
import { isEssential, type MessageKind, mayHoldAtNight } from '../src/engine/message-kinds.ts';
import type { Outbound } from '../src/engine/types.ts';
import { msUntilQuietEnds, quietHours } from '../src/jobs/quiet-hours.ts';
import { eventually, isolatedEnv, startTestApp, type TestApp } from './support/app.ts';
import { simulatorChat } from './support/chats.ts';
import { fillIn } from './support/people.ts';
import { vi } from './support/text.ts';

/** 21:30 and the next 06:00 in Asia/Ho_Chi_Minh (UTC+7). */
const EVENING = new Date('2026-11-29T14:30:00Z');
const MORNING = new Date('2026-11-29T23:00:00Z');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('quiet hours', () => {
  const clock = new TestClock(EVENING);
  let test: TestApp;
  let chat = 0;

  beforeAll(async () => {
    const env = isolatedEnv({ SIMULATOR: 'true', QUIET_HOURS_START: '21:00', QUIET_HOURS_END: '06:00' });
    test = await startTestApp(env, { clock });
  });
  afterAll(() => test.stop());
  beforeEach(() => clock.set(EVENING));

  /** A message to a chat of its own, so each test reads only its own deliveries. */
  function message(extra: Partial<Outbound> = {}): Outbound {
    chat += 1;
    return { channel: 'simulator', chatId: `quiet-${chat}`, lang: 'vi', text: `Tin ${chat}`, ...extra };
  }
  const received = (m: Outbound) => test.app.simulator!.messages(m.chatId, 0);
  const job = (id: string) => test.app.outbox.queue('simulator').getJob(id);
  const logged = (id: string, status: string) =>
    eventually(
      async () => (await test.app.models.Message.findById(id).lean())?.status === status,
      `message ${id} logged ${status}`,
    );

  it('holds a non-urgent notice until 06:00, then delivers it', async () => {
    const notice = message({ kind: 'notice' });
    await test.app.outbox.enqueue([notice], 'held');
    const held = await job('held|0');
    expect(await held?.getState()).toBe('delayed');
    expect(held?.delay).toBe(MORNING.getTime() - EVENING.getTime());
    await sleep(300);
    expect(await received(notice)).toEqual([]);

    clock.set(MORNING);
    await held!.promote(); // what BullMQ's timer does at 06:00
    await eventually(async () => (await received(notice)).length === 1, 'the notice delivered at 06:00');
    await logged('held|0', 'sent');
  });

  it('sends an urgent message at once', async () => {
    const alert = message({ kind: 'health_alert', urgent: true });
    await test.app.outbox.enqueue([alert], 'urgent');
    await eventually(async () => (await received(alert)).length === 1, 'the urgent alert delivered');
  });

  it('sends replies at once: a conversation reply, and any message that answers one', async () => {
    const reply = message();
    const answer = message({ kind: 'notice', replyTo: 'm-41' });
    await test.app.outbox.enqueue([reply, answer], 'replies');
    await eventually(async () => (await received(reply)).length === 1, 'the reply delivered');
    await eventually(async () => (await received(answer)).length === 1, 'the answer delivered');
  });

  it('drops a reminder that would be out of date by 06:00, and logs it expired', async () => {
    const reminder = message({ kind: 'meeting_reminder', expiresAt: '2026-11-29T16:00:00Z' });
    await test.app.outbox.enqueue([reminder], 'stale');
    await logged('stale|0', 'expired');
    expect(await job('stale|0')).toBeUndefined();
    await sleep(300);
    expect(await received(reminder)).toEqual([]);
  });

  it('holds again a message that comes due at night (a retry, a delay of its own)', async () => {
    const notice = message({ kind: 'notice' });
    // Queued with no delay, as a retry's backoff would leave it: the worker itself must hold it.
    await test.app.outbox
      .queue('simulator')
      .add('notice', { message: notice, queuedAt: EVENING.toISOString() }, { jobId: 'due-at-night' });
    await eventually(async () => (await (await job('due-at-night'))?.getState()) === 'delayed', 'held');
    const held = await job('due-at-night');
    // Moved to the delayed set until 06:00 by the clock (BullMQ stores the real time: allow the run's duration).
    const until = held!.timestamp + held!.delay;
    expect(Math.abs(until - Date.now() - (MORNING.getTime() - EVENING.getTime()))).toBeLessThan(5000);
    expect(await received(notice)).toEqual([]);
  });

  it('drops a held message that comes due after its expiry', async () => {
    const reminder = message({ kind: 'meeting_reminder', expiresAt: '2026-11-30T01:00:00Z' });
    await test.app.outbox.enqueue([reminder], 'late');
    const held = await job('late|0');
    expect(await held?.getState()).toBe('delayed');

    clock.set(new Date('2026-11-30T01:30:00Z')); // the worker got to it only at 08:30, after the meeting began
    await held!.promote();
    await logged('late|0', 'expired');
    expect(await received(reminder)).toEqual([]);
  });
});

describe('quiet hours by the clock', () => {
  const night = quietHours('21:00', '06:00', 'Asia/Ho_Chi_Minh');
  const hanoi = (time: string) => new Date(`2026-11-29T${time}+07:00`);

  it('start at 21:00 sharp and end at 06:00 sharp, local time', () => {
    expect(msUntilQuietEnds(hanoi('20:59:59'), night)).toBe(0);
    expect(msUntilQuietEnds(hanoi('21:00:00'), night)).toBe(9 * 3600_000);
    expect(msUntilQuietEnds(hanoi('05:59:30'), night)).toBe(30_000);
    expect(msUntilQuietEnds(hanoi('06:00:00'), night)).toBe(0);
  });

  it('may lie within one day, or be switched off with equal times', () => {
    const noon = quietHours('12:00', '13:30', 'Asia/Ho_Chi_Minh');
    expect(msUntilQuietEnds(hanoi('12:30:00'), noon)).toBe(3600_000);
    expect(msUntilQuietEnds(hanoi('23:00:00'), noon)).toBe(0);
    expect(msUntilQuietEnds(hanoi('23:00:00'), quietHours('00:00', '00:00', 'Asia/Ho_Chi_Minh'))).toBe(0);
  });
});

describe('message kinds', () => {
  it('let opted-out members miss only reminders, nudges and ordinary announcements', () => {
    const essential: MessageKind[] = [
      'reply',
      'confirm_code',
      'approval_request',
      'decision',
      'health_alert',
    ];
    expect(essential.filter((kind) => !isEssential(kind))).toEqual([]);
    expect(isEssential('meeting_reminder')).toBe(false);
    expect(isEssential('announcement')).toBe(false);
    expect(isEssential('announcement', true)).toBe(true);
  });

  it('never hold at night what a person is waiting for', () => {
    expect(mayHoldAtNight({})).toBe(false);
    expect(mayHoldAtNight({ kind: 'confirm_code' })).toBe(false);
    expect(mayHoldAtNight({ kind: 'meeting_reminder' })).toBe(true);
    expect(mayHoldAtNight({ kind: 'meeting_reminder', urgent: true })).toBe(false);
    expect(mayHoldAtNight({ kind: 'notice', replyTo: 'm-1' })).toBe(false);
  });
});

describe('a flow for someone else at night', () => {
  const clock = new TestClock(EVENING);
  let test: TestApp;
  beforeAll(async () => {
    const env = isolatedEnv({ SIMULATOR: 'true', QUIET_HOURS_START: '21:00', QUIET_HOURS_END: '06:00' });
    test = await startTestApp(env, { clock });
    await seedDemoData(test.app.models);
  });
  afterAll(() => test.stop());

  it('is opened in the morning, so a digit typed at night answers nothing unseen', async () => {
    const newcomer = simulatorChat(test.url, '84983000777');
    await fillIn(newcomer, DEMO_CODES.openClub1, '0983 000 777', 'kieu thi dem');
    await newcomer.say('1');
    // The chair writes at 22:00 and types "1": it answers her menu, it approves nobody.
    const chair = simulatorChat(test.url, DEMO_PEOPLE.chairClub1);
    expect((await chair.say('menu')).text).not.toContain('Kieu Thi Dem');
    await chair.say('1');
    const waiting = await test.app.models.Member.findOne({ phone: '84983000777' }).lean();
    expect(waiting?.status).toBe('pending');
    // At 06:00 the request opens in her chat.
    const plan = await eventually(async () => {
      const delayed = await test.app.scheduler.queue.getDelayed();
      return delayed.find((job) => String(job.data.key).startsWith(`approval.${waiting!._id}`));
    }, 'the morning plan');
    expect(plan.delay).toBe(MORNING.getTime() - EVENING.getTime());
    clock.set(MORNING);
    await plan.promote();
    expect((await chair.nextWith('Kieu Thi Dem')).choices).toEqual([
      vi('approve.yes'),
      vi('approve.no'),
      vi('approve.later'),
    ]);
  });
});
