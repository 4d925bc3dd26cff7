/**
 * Weekly health rounds on the real app (FerretDB, Redis, BullMQ, the simulator) with a moved
 * clock: each club's round planned once on Monday morning at its own minute, its members (a
 * member without a chat: her proxy) invited into the health check, opted-out members skipped,
 * one nudge a day later for those who have not answered, and nothing more.
 */
import type { Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClock } from '../src/clock.ts';
import { clubOffsetMinutes, nextRound } from '../src/jobs/health-rounds.ts';
import { type ChannelHarness, type ChatDriver, simulatorHarness } from './support/chats.ts';
import { memberWith } from './support/people.ts';
import { vi } from './support/text.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Sunday 8 March 2026, 10:00 in Hanoi. */
const NOW = new Date('2026-03-08T03:00:00Z');
const at = (local: string) => new Date(`${local}+07:00`);
const HOUR_MS = 3600_000;

describe('next health round', () => {
  const schedule = { weekday: 1, time: '08:00', spreadMinutes: 120, timeZone: 'Asia/Ho_Chi_Minh' };
  const offset = clubOffsetMinutes('club-r', 120) * 60_000;

  it('is on the local Monday at 08:00 plus the club offset, at most the spread', () => {
    expect(clubOffsetMinutes('club-r', 0)).toBe(0);
    for (const clubId of ['a', 'b', 'club-r', 'club-s']) {
      expect(clubOffsetMinutes(clubId, 120)).toBeGreaterThanOrEqual(0);
      expect(clubOffsetMinutes(clubId, 120)).toBeLessThanOrEqual(120);
    }
    const monday = { date: '2026-03-09', at: new Date(at('2026-03-09T08:00').getTime() + offset) };
    // Sunday 23:30 and Monday 00:30 in Hanoi (both Sunday in UTC), and Monday just before it.
    expect(nextRound('club-r', at('2026-03-08T23:30'), schedule)).toEqual(monday);
    expect(nextRound('club-r', at('2026-03-09T00:30'), schedule)).toEqual(monday);
    expect(nextRound('club-r', new Date(monday.at.getTime() - 1), schedule)).toEqual(monday);
    // Once it has come: next week's.
    expect(nextRound('club-r', monday.at, schedule)).toEqual({
      date: '2026-03-16',
      at: new Date(at('2026-03-16T08:00').getTime() + offset),
    });
  });
});

describe('health rounds', () => {
  const clock = new TestClock(NOW);
  let h: ChannelHarness;

  beforeAll(async () => {
    h = await simulatorHarness({}, { clock });
  });
  afterAll(() => h.stop());

  /** The round jobs waiting for a club's round on `date` (the round, its nudge). */
  async function roundJobs(clubId: string, date: string): Promise<Job[]> {
    const delayed = await h.test.app.scheduler.queue.getDelayed();
    return delayed.filter((job) => String(job.data.key).startsWith(`health-round.${clubId}.${date}`));
  }
  /** A job's planned time ends its id (see scheduler.ts). */
  const dueAt = (job: Job) => new Date(Number(job.id!.split('|').at(-1)));

  /** Moves the clock to the job's time and lets it come due now. */
  async function fire(job: Job, when: Date) {
    clock.set(when);
    await job.promote();
  }

  const messagesOf = async (chat: ChatDriver) =>
    (await h.test.app.simulator!.messages(chat.chatId, 0)).length;

  it('invites each member on Monday morning, skips who opted out, and nudges once who did not answer', async () => {
    const { app } = h.test;
    for (const clubId of ['club-r', 'club-s']) {
      await app.models.Club.create({ _id: clubId, name: clubId, orgUnitId: 'commune' });
    }
    const mai = await memberWith(h, 1, 'Lê Thị Mai', [{ role: 'volunteer', clubId: 'club-r' }]);
    const lan = await memberWith(h, 2, 'Nguyễn Thị Lan', [{ role: 'member', clubId: 'club-r' }]);
    const hung = await memberWith(h, 3, 'Trần Văn Hùng', [{ role: 'member', clubId: 'club-r' }]);
    const opted = await memberWith(h, 4, 'Vũ Thị Hạnh', [{ role: 'member', clubId: 'club-r' }]);
    await app.models.Member.updateOne({ _id: opted.id }, { $set: { optedOutAt: NOW } });
    // Bà Tư has no chat: Mai answers for her.
    await app.models.Member.create({
      fullName: 'Đỗ Thị Tư',
      birthYear: 1940,
      gender: 'female',
      status: 'active',
      clubIds: ['club-r'],
      roles: [{ role: 'member', clubId: 'club-r' }],
      proxyIds: [mai.id],
    });
    const other = await memberWith(h, 5, 'Phạm Văn Khoa', [{ role: 'member', clubId: 'club-s' }]);
    // A club with its own day and time: Wednesday 09:00.
    await app.models.Club.create({
      _id: 'club-w',
      name: 'club-w',
      orgUnitId: 'commune',
      healthRound: { weekday: 3, time: '09:00' },
    });

    // Planned by two planners at once, and again: one round per club, Monday between 08:00 and 10:00.
    await Promise.all([app.healthRounds.planAll(), app.healthRounds.planAll()]);
    await app.healthRounds.planAll();
    const [round, ...more] = await roundJobs('club-r', '2026-03-09');
    expect(more).toEqual([]);
    const [roundS] = await roundJobs('club-s', '2026-03-09');
    const startsAt = dueAt(round!);
    for (const time of [startsAt, dueAt(roundS!)]) {
      expect(time >= at('2026-03-09T08:00') && time <= at('2026-03-09T10:00')).toBe(true);
    }
    // The two clubs' rounds come at different minutes.
    expect(startsAt.getTime()).not.toBe(dueAt(roundS!).getTime());
    expect(await roundJobs('club-w', '2026-03-09')).toEqual([]);
    const [roundW] = await roundJobs('club-w', '2026-03-11');
    expect(dueAt(roundW!) >= at('2026-03-11T09:00') && dueAt(roundW!) <= at('2026-03-11T11:00')).toBe(true);

    const before = { opted: await messagesOf(opted.chat), other: await messagesOf(other.chat) };
    await fire(round!, startsAt);
    const invited = await lan.chat.nextWith(vi('health.roundInvite', { you: 'bác' }));
    expect(invited.text).toContain(vi('health.ask.feeling'));
    expect(invited.text.length).toBeLessThanOrEqual(300);
    expect(invited.choices).toEqual([
      vi('health.feeling.well'),
      vi('health.feeling.soSo'),
      vi('health.feeling.unwell'),
    ]);
    await hung.chat.nextWith(vi('health.ask.feeling'));
    // Mai is asked for whom she answers: Bà Tư, or herself.
    const whom = await mai.chat.nextWith(vi('health.askWhom', { You: 'Bác' }));
    expect(whom.text).toContain(vi('health.roundInvite', { you: 'bác' }));
    expect(whom.choices).toEqual(['Đỗ Thị Tư', vi('health.myself')]);

    // Lan answers; Mai answers for Bà Tư but not for herself.
    for (const answer of ['1', '13/8', '2', '2']) await lan.chat.say(answer);
    expect((await lan.chat.say('0')).text).toContain(vi('health.thanks', { summary: vi('health.level.ok') }));
    await mai.chat.say('1');
    for (const answer of ['1', '13/8', '2', '2']) await mai.chat.say(answer);
    await mai.chat.say('0');

    // Planned again after it fired (a restart, the hourly planner): the round does not come again.
    clock.set(new Date(startsAt.getTime() - HOUR_MS));
    await app.healthRounds.planAll();
    const left = await roundJobs('club-r', '2026-03-09');
    expect(left.map((job) => job.data.payload.nudge ?? false)).toEqual([true]);

    // A day later: one nudge, to Hùng and to Mai (for herself); not to Lan, who answered.
    const lanAnswered = await messagesOf(lan.chat);
    const [nudge] = left;
    expect(dueAt(nudge!)).toEqual(new Date(startsAt.getTime() + 24 * HOUR_MS));
    await fire(nudge!, dueAt(nudge!));
    const nudged = await hung.chat.nextWith(vi('health.roundNudge', { You: 'Bác', you: 'bác' }));
    expect(nudged.text).toContain(vi('health.ask.feeling'));
    await mai.chat.nextWith(vi('health.roundNudge', { You: 'Bác', you: 'bác' }));
    await sleep(500);
    expect(await messagesOf(lan.chat)).toBe(lanAnswered);

    // Nothing more until next week's round; the opted-out member and the other club got nothing.
    expect(await roundJobs('club-r', '2026-03-09')).toEqual([]);
    expect(await messagesOf(opted.chat)).toBe(before.opted);
    expect(await messagesOf(other.chat)).toBe(before.other);
  });
});
