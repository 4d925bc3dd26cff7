/**
 * Meetings planned from clubs' rules on the real database: N weeks ahead, each once however many
 * planners run at once, and a meeting a leader moved or cancelled is left as it is.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TestClock } from '../src/clock.ts';
import { MeetingPlanner } from '../src/jobs/meeting-planner.ts';
import { createLogger } from '../src/log.ts';
import { readAnswers } from '../src/store/meeting-answers.ts';
import { isolatedEnv, startTestApp, type TestApp } from './support/app.ts';

/** Sunday 1 March 2026, 10:00 in Hanoi. */
const NOW = new Date('2026-03-01T03:00:00Z');

describe('meeting planner', () => {
  const clock = new TestClock(NOW);
  let test: TestApp;
  const planner = () =>
    new MeetingPlanner({
      connection: { url: test.config.REDIS_URL },
      prefix: `${test.config.REDIS_PREFIX}:bull`,
      models: test.app.models,
      clock,
      timeZone: 'Asia/Ho_Chi_Minh',
      weeksAhead: 8,
      scheduler: test.app.scheduler,
      log: createLogger('silent'),
    });
  const meetings = (clubId: string) => test.app.models.Meeting.find({ clubId }).sort({ startsAt: 1 }).lean();

  beforeAll(async () => {
    test = await startTestApp(isolatedEnv(), { clock });
  });
  afterAll(() => test.stop());
  beforeEach(() => clock.set(NOW));

  async function club(id: string, meetingRule: Record<string, unknown> | null) {
    await test.app.models.Club.create({ _id: id, name: id, orgUnitId: 'commune', meetingRule });
    return { _id: id, meetingRule } as Parameters<MeetingPlanner['planClub']>[0];
  }

  it('plans the coming weeks once, even with two planners at once', async () => {
    await club('club-a', {
      kind: 'monthlyWeekday',
      weekday: 4,
      week: 2,
      time: '08:00',
      place: 'Nhà văn hoá',
    });
    await club('club-b', { kind: 'weekly', weekday: 6, time: '15:00' });
    await club('club-none', null);
    const [a, b] = [planner(), planner()];
    // (The app's own hourly planner may run meanwhile too.)
    const inserted = await Promise.all([a.planAll(), b.planAll(), a.planAll()]);
    expect(inserted.reduce((sum, n) => sum + n, 0)).toBeLessThanOrEqual(2 + 8);
    // Second Thursdays in 8 weeks from 1 March: 12 March, 9 April; Saturdays: 7 March … 25 April.
    expect((await meetings('club-a')).map((m) => [m._id, m.startsAt, m.place, m.status])).toEqual([
      ['club-a|2026-03-12', new Date('2026-03-12T01:00:00Z'), 'Nhà văn hoá', 'scheduled'],
      ['club-a|2026-04-09', new Date('2026-04-09T01:00:00Z'), 'Nhà văn hoá', 'scheduled'],
    ]);
    expect(await meetings('club-b')).toHaveLength(8);
    expect(await meetings('club-none')).toEqual([]);
    expect(await Promise.all([a.planAll(), b.planAll()])).toEqual([0, 0]);
    await Promise.all([a.close(), b.close()]);
  });

  it('leaves a meeting moved across a month where the leader put it', async () => {
    const rule = await club('club-c', { kind: 'monthlyDay', day: 31, time: '08:00' });
    const p = planner();
    await p.planClub(rule);
    // March's meeting (the 31st) moved to 2 April; planning again a week later plans April's 30th only.
    await test.app.models.Meeting.updateOne(
      { _id: 'club-c|2026-03-31' },
      { $set: { startsAt: new Date('2026-04-02T01:00:00Z'), movedAt: NOW } },
    );
    clock.set(new Date('2026-04-01T03:00:00Z'));
    expect(await p.planClub(rule)).toBe(1);
    expect((await meetings('club-c')).map((m) => [m._id, m.startsAt])).toEqual([
      ['club-c|2026-03-31', new Date('2026-04-02T01:00:00Z')],
      ['club-c|2026-04-30', new Date('2026-04-30T01:00:00Z')],
    ]);
    await p.close();
  });

  it("applies a leader's changes, and nobody else's", async () => {
    const { Member, Meeting } = test.app.models;
    const rule = await club('club-d', { kind: 'monthlyDay', day: 21, time: '08:00', place: 'Đình' });
    const chair = await Member.create({
      fullName: 'Chủ nhiệm',
      status: 'active',
      clubIds: ['club-d'],
      roles: [{ role: 'chair', clubId: 'club-d' }],
    });
    const member = await Member.create({
      fullName: 'Hội viên',
      status: 'active',
      clubIds: ['club-d'],
      roles: [{ role: 'member', clubId: 'club-d' }],
    });
    await planner().planClub(rule);
    const apply = (effects: Parameters<TestApp['app']['effects']['apply']>[0]) =>
      test.app.effects.apply(effects, clock.now());
    const [chairId, memberId] = [String(chair._id), String(member._id)];
    const notice = { key: 'meetingRsvp.cancelledNotice', vars: { meeting: 'Thứ Bảy 21/03, 08:00' } };

    await apply([{ type: 'cancelMeeting', meetingId: 'club-d|2026-03-21', byMemberId: memberId, notice }]);
    const memberRule = { kind: 'weekly', weekday: 5, time: '15:00', place: 'Nhà văn hoá' } as const;
    await apply([
      { type: 'setMeetingRule', clubId: 'club-d', rule: memberRule, byMemberId: memberId, notice },
    ]);
    expect((await test.app.models.Club.findById('club-d').lean())?.meetingRule).toEqual(rule.meetingRule);
    await apply([
      {
        type: 'moveMeeting',
        meetingId: 'club-d|2026-04-21',
        startsAt: '2026-04-22T01:00:00Z',
        byMemberId: chairId,
        notice,
      },
      { type: 'cancelMeeting', meetingId: 'club-d|2026-03-21', byMemberId: chairId, notice },
    ]);
    // A new rule (the first Monday): the old rule's meetings go, but the one moved by the chair stays.
    await apply([
      {
        type: 'setMeetingRule',
        clubId: 'club-d',
        rule: { kind: 'monthlyWeekday', weekday: 1, week: 1, time: '14:00', place: 'Đình' },
        byMemberId: chairId,
        notice,
      },
    ]);
    const create = {
      type: 'createMeeting' as const,
      clubId: 'club-d',
      date: '2026-03-15',
      startsAt: '2026-03-15T01:00:00Z',
      place: 'Trạm y tế',
      byMemberId: chairId,
    };
    await apply([create, create, { ...create, date: '2026-03-16', byMemberId: memberId }]);
    expect((await meetings('club-d')).map((m) => [m._id, m.status, m.source, m.startsAt])).toEqual([
      ['club-d|2026-03-02', 'scheduled', 'rule', new Date('2026-03-02T07:00:00Z')],
      ['club-d|2026-03-15', 'scheduled', 'once', new Date('2026-03-15T01:00:00Z')],
      ['club-d|2026-03-21', 'cancelled', 'rule', new Date('2026-03-21T01:00:00Z')],
      ['club-d|2026-04-06', 'scheduled', 'rule', new Date('2026-04-06T07:00:00Z')],
      ['club-d|2026-04-21', 'scheduled', 'rule', new Date('2026-04-22T01:00:00Z')],
    ]);
    expect(await Meeting.countDocuments({ clubId: 'club-d', changedBy: memberId })).toBe(0);
    expect((await test.app.models.Club.findById('club-d').lean())?.meetingRule?.kind).toBe('monthlyWeekday');
  });

  it("takes roll-call and check-ins only from the meeting's club, and none after it is closed", async () => {
    const { Member, Meeting } = test.app.models;
    await club('club-e', null);
    await club('club-f', null);
    const make = async (name: string, clubId: string, role: string) =>
      String(
        (
          await Member.create({
            fullName: name,
            status: 'active',
            clubIds: [clubId],
            roles: [{ role, clubId }],
          })
        )._id,
      );
    const chair = await make('Chủ E', 'club-e', 'chair');
    const lan = await make('Lan E', 'club-e', 'member');
    const otherChair = await make('Chủ F', 'club-f', 'chair');
    const stranger = await make('Khách F', 'club-f', 'member');
    await Meeting.create({
      _id: 'club-e|2026-03-01',
      clubId: 'club-e',
      date: '2026-03-01',
      startsAt: new Date('2026-03-01T01:00:00Z'),
      source: 'once',
    });
    const apply = (effects: Parameters<TestApp['app']['effects']['apply']>[0]) =>
      test.app.effects.apply(effects, clock.now());
    const call = { type: 'setAttendance' as const, meetingId: 'club-e|2026-03-01', roster: [chair, lan] };
    const present = async () => (await readAnswers(test.app.models, 'club-e|2026-03-01')).present.sort();

    await apply([
      { ...call, present: [chair, lan], byMemberId: otherChair },
      { type: 'checkIn', meetingId: 'club-e|2026-03-01', memberId: stranger },
    ]);
    expect(await present()).toEqual([]);
    await apply([{ type: 'checkIn', meetingId: 'club-e|2026-03-01', memberId: lan }]);
    expect(await present()).toEqual([lan]);
    // The chair's list decides: Lan, who checked in, was not there after all; then closed.
    await apply([{ ...call, present: [chair], byMemberId: chair, close: true }]);
    expect(await present()).toEqual([chair]);
    await apply([
      { ...call, present: [chair, lan], byMemberId: chair },
      { type: 'checkIn', meetingId: 'club-e|2026-03-01', memberId: lan },
    ]);
    expect(await present()).toEqual([chair]);
    expect((await Meeting.findById('club-e|2026-03-01').lean())?.status).toBe('held');
  });
});
