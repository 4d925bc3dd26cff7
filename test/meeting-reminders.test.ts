/**
 * Meeting reminders on the real app (FerretDB, Redis, BullMQ, the simulator) with a moved clock:
 * planned per meeting and offset, each sent once whoever plans it and across a restart, held in
 * quiet hours, never sent for a moved meeting's old time; the RSVP answer saved on the meeting,
 * "không" answerers not reminded again, a proxy asked for a member without a chat, and nobody
 * outside the club able to answer.
 */
import { type Job, Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.ts';
import { TestClock } from '../src/clock.ts';
import type { Effect } from '../src/engine/types.ts';
import { type BulkJob, bulkQueueName, outboxQueueName } from '../src/jobs/outbox.ts';
import { readAnswers } from '../src/store/meeting-answers.ts';
import { dropTestData, eventually, isolatedEnv, startTestApp, type TestApp } from './support/app.ts';
import { type ChatDriver, simulatorChat } from './support/chats.ts';
import { vi } from './support/text.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Tuesday 10 March 2026, 10:00 in Hanoi. */
const NOW = new Date('2026-03-10T03:00:00Z');
const at = (local: string) => new Date(`${local}+07:00`);

describe('meeting reminders', () => {
  const clock = new TestClock(NOW);
  const env = isolatedEnv({ SIMULATOR: 'true', QUIET_HOURS_START: '21:00', QUIET_HOURS_END: '06:00' });
  let test: TestApp;
  let app: App;
  let chatNo = 0;

  beforeAll(async () => {
    test = await startTestApp(env, { clock });
    app = test.app;
  });
  afterAll(async () => {
    await app.stop();
    await dropTestData(env);
  });

  /** An active member of `clubId` with a simulator chat (or none), and a proxy if given. */
  async function member(
    clubId: string,
    name: string,
    options: { chat?: boolean; proxyId?: string; role?: string } = {},
  ) {
    const created = await app.models.Member.create({
      fullName: name,
      birthYear: 1950,
      gender: 'female',
      status: 'active',
      clubIds: [clubId],
      roles: [{ role: options.role ?? 'member', clubId }],
      proxyIds: options.proxyId ? [options.proxyId] : [],
    });
    const id = String(created._id);
    if (options.chat === false) return { id, chat: undefined as unknown as ChatDriver };
    const chatId = `8496${String(++chatNo).padStart(7, '0')}`;
    await app.models.Identity.create({
      _id: `simulator:${chatId}`,
      channel: 'simulator',
      chatId,
      memberId: id,
    });
    return { id, chat: simulatorChat(test.url, chatId) };
  }

  async function meeting(clubId: string, local: string, offsets?: string[]) {
    await app.models.Club.updateOne(
      { _id: clubId },
      { $set: { name: clubId, orgUnitId: 'commune', ...(offsets ? { reminderOffsets: offsets } : {}) } },
      { upsert: true },
    );
    const date = local.slice(0, 10);
    const id = `${clubId}|${date}`;
    await app.models.Meeting.create({
      _id: id,
      clubId,
      date,
      startsAt: at(local),
      place: 'Nhà văn hoá',
      source: 'once',
    });
    return id;
  }

  /** The reminder jobs waiting for a meeting, by their scheduler key. */
  async function reminderJobs(meetingId: string): Promise<Job[]> {
    const delayed = await app.scheduler.queue.getDelayed();
    return delayed.filter((job) => String(job.data.key).startsWith(`meeting.${meetingId}.`));
  }

  /** Moves the clock to `when` and lets the reminder job (of `offset`) come due now. */
  async function fire(meetingId: string, offset: string, when: Date) {
    clock.set(when);
    const job = (await reminderJobs(meetingId)).find((j) =>
      String(j.data.key).endsWith(`.reminder.${offset}`),
    );
    expect(job, `a planned ${offset} reminder`).toBeDefined();
    await job!.promote();
    return job!;
  }

  const messagesOf = async (chat: ChatDriver) => (await app.simulator!.messages(chat.chatId, 0)).length;
  const rsvp = async (meetingId: string) => (await readAnswers(app.models, meetingId)).rsvps;

  it('asks each member once per reminder, saves the answers, and does not remind "không" again', async () => {
    const volunteer = await member('club-a', 'Lê Thị Mai', { role: 'volunteer' });
    const lan = await member('club-a', 'Nguyễn Thị Lan');
    const hung = await member('club-a', 'Trần Văn Hùng');
    const tu = await member('club-a', 'Đỗ Thị Tư', { chat: false, proxyId: volunteer.id });
    const id = await meeting('club-a', '2026-03-12T08:00');

    // Planned by two planners at once, and again: one job per offset.
    await Promise.all([app.meetingPlanner.planReminders(), app.meetingPlanner.planReminders('club-a')]);
    await app.models.Meeting.updateOne({ _id: id }, { $set: { remindersFor: null } });
    await app.meetingPlanner.planReminders();
    const jobs = await reminderJobs(id);
    expect(jobs.map((job) => [job.data.key, job.timestamp + job.delay - Date.now() > 0]).sort()).toEqual([
      [`meeting.${id}.reminder.-1d@18:00`, true],
      [`meeting.${id}.reminder.-2h`, true],
    ]);

    // The day before at 18:00: everyone is asked; Bà Tư (no chat) through her volunteer.
    await fire(id, '-1d@18:00', at('2026-03-11T18:00'));
    const asked = await lan.chat.nextWith(
      vi('meetingRsvp.reminder', { weekday: 'Thứ Năm', date: '12/03', time: '08:00', place: 'Nhà văn hoá' }),
    );
    // Had it waited in the queue until the meeting began, it would not have been sent.
    // (A club's reminders go out in bulk jobs: one job, many chats' messages.)
    const bulk = new Queue<BulkJob>(bulkQueueName(outboxQueueName('simulator')), {
      connection: { url: test.config.REDIS_URL },
      prefix: `${test.config.REDIS_PREFIX}:bull`,
    });
    const queued = (await bulk.getJobs(['completed', 'active', 'wait', 'delayed'])).flatMap(
      (job) => job.data.items,
    );
    await bulk.close();
    expect(
      queued
        .filter(({ message }) => message.chatId === lan.chat.chatId)
        .map(({ message }) => [message.kind, message.expiresAt]),
    ).toContainEqual(['meeting_reminder', at('2026-03-12T08:00').toISOString()]);
    expect(asked.text).toContain(vi('meetingRsvp.ask', { You: 'Bác' }));
    expect(asked.choices).toEqual([vi('meetingRsvp.yes'), vi('meetingRsvp.no'), vi('meetingRsvp.maybe')]);
    expect((await lan.chat.say('khong di duoc')).text).toContain(vi('meetingRsvp.thanksNo'));
    await hung.chat.nextWith(vi('meetingRsvp.ask', { You: 'Bác' }));
    expect((await hung.chat.say('1')).text).toContain(vi('meetingRsvp.thanksYes', { you: 'bác' }));
    // The volunteer is asked for herself, then for Bà Tư, in one conversation.
    await volunteer.chat.nextWith(vi('meetingRsvp.ask', { You: 'Bác' }));
    const forTu = await volunteer.chat.say('có');
    expect(forTu.text).toContain(vi('meetingRsvp.askFor', { name: 'Đỗ Thị Tư' }));
    expect((await volunteer.chat.say('chua biet')).text).toContain(vi('meetingRsvp.thanksMaybe'));
    expect(await rsvp(id)).toEqual({
      [lan.id]: 'no',
      [hung.id]: 'yes',
      [volunteer.id]: 'yes',
      [tu.id]: 'maybe',
    });

    // 2 hours before: Hùng changes his mind; Lan, who said no, is not asked again.
    const lanBefore = await messagesOf(lan.chat);
    await fire(id, '-2h', at('2026-03-12T06:00'));
    const again = await hung.chat.nextWith(vi('meetingRsvp.ask', { You: 'Bác' }));
    expect(again.text).toContain(
      vi('meetingRsvp.answeredBefore', { you: 'bác', answer: vi('meetingRsvp.yes') }),
    );
    await hung.chat.say('chưa chắc');
    await volunteer.chat.nextWith(vi('meetingRsvp.ask', { You: 'Bác' }));
    await sleep(300);
    expect(await messagesOf(lan.chat)).toBe(lanBefore);
    expect((await rsvp(id))[hung.id]).toBe('maybe');
    // Her "lịch họp" shows her answer.
    const list = (await lan.chat.say('lịch họp')).text;
    expect(list).toContain(`${vi('meetingRsvp.no')})`);

    // Someone of another club cannot answer for this meeting, for herself or for a member.
    const other = await member('club-x', 'Phạm Văn Khoa');
    const answers: Effect[] = [
      { type: 'setRsvp', meetingId: id, memberId: other.id, rsvp: 'yes', byMemberId: other.id },
      { type: 'setRsvp', meetingId: id, memberId: lan.id, rsvp: 'yes', byMemberId: other.id },
    ];
    await app.effects.apply(answers, clock.now());
    expect(await rsvp(id)).toEqual({
      [lan.id]: 'no',
      [hung.id]: 'maybe',
      [volunteer.id]: 'yes',
      [tu.id]: 'maybe',
    });
  });

  it('holds a reminder due at 21:30 until 06:00, and drops one that would come after the start', async () => {
    const mai = await member('club-b', 'Vũ Thị Mai');
    const id = await meeting('club-b', '2026-03-14T08:00', ['-1d@21:30']);
    await app.meetingPlanner.planReminders('club-b');
    await fire(id, '-1d@21:30', at('2026-03-13T21:30'));
    const morning = await eventually(
      async () => (await reminderJobs(id)).find((job) => String(job.data.key).endsWith('.morning')),
      'the reminder planned for 06:00',
    );
    expect(morning.delay).toBe(8.5 * 3600_000);
    await sleep(300);
    expect(await messagesOf(mai.chat)).toBe(0);
    clock.set(at('2026-03-14T06:00'));
    await morning.promote();
    await mai.chat.nextWith(vi('meetingRsvp.ask', { You: 'Bác' }));

    // A meeting at 05:30 reminded at 04:30: by 06:00 it has started, so nothing is sent.
    const early = await meeting('club-b', '2026-03-16T05:30', ['-1h']);
    await app.meetingPlanner.planReminders('club-b');
    await fire(early, '-1h', at('2026-03-16T04:30'));
    await sleep(500);
    expect((await reminderJobs(early)).length).toBe(0);
  });

  it("never sends a moved meeting's old reminders, and tells those already reminded where it went", async () => {
    const chair = await member('club-c', 'Chủ nhiệm Hoa', { role: 'chair' });
    const binh = await member('club-c', 'Lý Văn Bình');
    const id = await meeting('club-c', '2026-03-20T08:00');
    await app.meetingPlanner.planReminders('club-c');
    const [before] = await reminderJobs(id).then((jobs) =>
      jobs.filter((job) => String(job.data.key).endsWith('-1d@18:00')),
    );
    await fire(id, '-1d@18:00', at('2026-03-19T18:00'));
    // The chair gets the answers so far with the reminder (nobody had answered yet).
    await chair.chat.nextWith(vi('meetings.tallyNotice', { yes: 0, no: 0, maybe: 0, none: 2 }));
    await binh.chat.nextWith(vi('meetingRsvp.ask', { You: 'Bác' }));
    await binh.chat.say('1');

    // The chair moves it to the next week: the members reminded hear of it, once.
    const moved: Effect = {
      type: 'moveMeeting',
      meetingId: id,
      startsAt: at('2026-03-27T08:00').toISOString(),
      byMemberId: chair.id,
      notice: {
        key: 'meetingRsvp.movedNotice',
        vars: { from: 'Thứ Sáu 20/03', weekday: 'Thứ Sáu', date: '27/03', time: '08:00' },
      },
    };
    await app.effects.apply([moved, moved], clock.now());
    const notice = await binh.chat.nextWith(vi('meetingRsvp.movedNotice', moved.notice.vars));
    expect(notice.text).toContain('27/03');

    // The old "2 hours before" (06:00 on the 20th) is no longer planned; were it to fire anyway, nothing is sent.
    const jobs = await reminderJobs(id);
    expect(jobs.map((job) => job.timestamp + job.delay).sort()).toEqual([
      expect.any(Number),
      expect.any(Number),
    ]);
    expect(jobs.every((job) => job.data.payload.startsAt === at('2026-03-27T08:00').toISOString())).toBe(
      true,
    );
    const sent = await messagesOf(binh.chat);
    clock.set(at('2026-03-20T06:00'));
    // (as the scheduler's worker would, had it not been removed)
    await app.effects.fire(
      { key: before!.data.key, payload: before!.data.payload, occurrence: at('2026-03-20T06:00') },
      clock.now(),
    );
    await sleep(300);
    expect(await messagesOf(binh.chat)).toBe(sent);
    // At its new time it reminds again.
    await fire(id, '-2h', at('2026-03-27T06:00'));
    await binh.chat.nextWith(vi('meetingRsvp.ask', { You: 'Bác' }));
  });

  it('a new rule moves or removes the meetings of the old one, and tells the members already reminded', async () => {
    clock.set(NOW);
    const chair = await member('club-r', 'Chủ nhiệm Quý', { role: 'chair' });
    const thu = await member('club-r', 'Đỗ Thị Thu');
    await app.models.Club.updateOne(
      { _id: 'club-r' },
      {
        $set: {
          name: 'club-r',
          orgUnitId: 'commune',
          meetingRule: { kind: 'monthlyDay', day: 21, time: '08:00', place: 'Nhà văn hoá' },
        },
      },
      { upsert: true },
    );
    await app.meetingPlanner.planAll();
    const first = 'club-r|2026-03-21';
    await fire(first, '-1d@18:00', at('2026-03-20T18:00'));
    await thu.chat.nextWith(vi('meetingRsvp.ask', { You: 'Bác' }));
    clock.set(at('2026-03-20T19:00'));
    const joinedSince = await member('club-r', 'Hà Văn Mới');
    const changeTo = async (time: string, day: number) => {
      const rule = { kind: 'monthlyDay' as const, day, time, place: 'Đình làng' };
      const notice = { key: 'meetingRsvp.ruleChangedMonthlyDay', vars: { day, time, place: 'Đình làng' } };
      const effect: Effect = { type: 'setMeetingRule', clubId: 'club-r', rule, byMemberId: chair.id, notice };
      await app.effects.apply([effect, effect], clock.now());
      return notice;
    };

    // Same day, another time and place: the meeting moves with the rule; she hears of it once.
    const later = await changeTo('14:00', 21);
    await thu.chat.nextWith(vi(later.key, later.vars));
    const moved = await app.models.Meeting.findById(first).lean();
    expect([moved?.startsAt, moved?.place]).toEqual([at('2026-03-21T14:00'), 'Đình làng']);
    expect((await reminderJobs(first)).map((job) => job.data.payload.startsAt)).toEqual([
      at('2026-03-21T14:00').toISOString(),
    ]);

    // Another day: the meeting she was reminded of goes away, and she is told the new rule.
    const otherDay = await changeTo('14:00', 25);
    await thu.chat.nextWith(vi(otherDay.key, otherDay.vars));
    expect(await app.models.Meeting.exists({ _id: first })).toBeNull();
    expect(await reminderJobs(first)).toEqual([]);
    expect(await app.models.Meeting.exists({ _id: 'club-r|2026-03-25' })).not.toBeNull();
    // Each change told once, though applied twice (the chair was reminded too, as a member); who
    // joined since the reminder was not reminded, and is not told.
    await sleep(300);
    const told = async (chat: ChatDriver) =>
      (await app.simulator!.messages(chat.chatId, 0)).filter((m) =>
        m.text.includes(vi(later.key, later.vars).slice(0, 20)),
      );
    expect(await told(thu.chat)).toHaveLength(2);
    expect(await told(chair.chat)).toHaveLength(2);
    expect(await told(joinedSince.chat)).toHaveLength(0);
  });

  it("a cancelled meeting's reminders leave the queue", async () => {
    clock.set(NOW);
    const chair = await member('club-k', 'Chủ nhiệm Kim', { role: 'chair' });
    const id = await meeting('club-k', '2026-03-18T08:00');
    await app.meetingPlanner.planReminders('club-k');
    expect(await reminderJobs(id)).toHaveLength(2);
    const notice = { key: 'meetingRsvp.cancelledNotice', vars: { meeting: '18/03' } };
    await app.effects.apply(
      [{ type: 'cancelMeeting', meetingId: id, byMemberId: chair.id, notice }],
      clock.now(),
    );
    expect(await reminderJobs(id)).toEqual([]);
  });

  it('asks about a second meeting after she answered the first, not instead of it', async () => {
    clock.set(NOW);
    const hoa = await member('club-s1', 'Ngô Thị Hoà');
    await app.models.Member.updateOne(
      { _id: hoa.id },
      { $set: { clubIds: ['club-s1', 'club-s2'] }, $push: { roles: { role: 'member', clubId: 'club-s2' } } },
    );
    const first = await meeting('club-s1', '2026-03-17T08:00', ['-1d@18:00']);
    const second = await meeting('club-s2', '2026-03-17T14:00', ['-1d@18:00']);
    await app.meetingPlanner.planReminders('club-s1');
    await app.meetingPlanner.planReminders('club-s2');
    await fire(first, '-1d@18:00', at('2026-03-16T18:00'));
    await hoa.chat.nextWith(vi('meetingRsvp.ask', { You: 'Bác' }));
    // The second club's reminder comes while she is on the first question: it waits.
    await fire(second, '-1d@18:00', at('2026-03-16T18:00'));
    await hoa.chat.nextWith(vi('meetingRsvp.busy'));
    const next = await hoa.chat.say('1');
    expect(next.text).toContain(vi('meetingRsvp.ask', { You: 'Bác' }));
    await hoa.chat.say('2');
    expect((await rsvp(first))[hoa.id]).toBe('yes');
    expect((await rsvp(second))[hoa.id]).toBe('no');
  });

  it('sends a reminder planned before a restart exactly once after it, by either of two processes', async () => {
    clock.set(NOW);
    const an = await member('club-d', 'Hà Thị An');
    const id = await meeting('club-d', '2026-03-22T08:00');
    await app.meetingPlanner.planReminders('club-d');
    await app.stop();
    // Two processes come up on the same database and Redis (one restarted, one more); both plan again.
    const [one, two] = await Promise.all([startTestApp(env, { clock }), startTestApp(env, { clock })]);
    app = one.app;
    await Promise.all([one.app.meetingPlanner.planAll(), two.app.meetingPlanner.planAll()]);
    test = one;
    await fire(id, '-1d@18:00', at('2026-03-21T18:00'));
    const chat = simulatorChat(one.url, an.chat.chatId);
    await chat.nextWith(vi('meetingRsvp.ask', { You: 'Bác' }));
    await sleep(800);
    expect(await messagesOf(chat)).toBe(1);
    await two.app.stop();
  });
});
