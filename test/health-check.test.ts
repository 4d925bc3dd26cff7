/**
 * The health check on the real app (FerretDB, Redis, fake platform APIs): a member's check on
 * every channel; then, on Telegram by webhook, what a flagged check sets off — an emergency
 * reaching the volunteer's and the chair's chats within seconds (the latency is measured, from
 * the answer sent to the volunteer's message handed to the Telegram API, and printed),
 * acknowledgement, steps up when nobody acknowledges (the app's clock moved, the scheduler's job
 * run), "cần hỗ trợ", and who may act on an alert.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClock } from '../src/clock.ts';
import type { Role } from '../src/engine/types.ts';
import { dropTestData, eventually, isolatedEnv, startTestApp, type TestApp } from './support/app.ts';
import {
  type ChannelHarness,
  type ChatDriver,
  HARNESSES,
  simulatorChat,
  telegramHarness,
} from './support/chats.ts';
import { WELL_CHECK } from './support/health.ts';
import { chatOf, memberWith } from './support/people.ts';
import { vi } from './support/text.ts';

describe.each(HARNESSES)('health check on $name', ({ start }) => {
  let h: ChannelHarness;
  let hoa: { id: string; chat: ChatDriver };

  beforeAll(async () => {
    h = await start();
    hoa = await memberWith(h, 1, 'Phạm Thị Hoa', [{ role: 'member', clubId: 'club-health' }]);
  });
  afterAll(() => h.stop());

  it('a member who is well answers with one digit each, and reads her result', async () => {
    const feeling = await hoa.chat.say('khám sức khỏe');
    expect(feeling.text).toContain(vi('health.ask.feeling'));
    expect(feeling.choices).toEqual([
      vi('health.feeling.well'),
      vi('health.feeling.soSo'),
      vi('health.feeling.unwell'),
    ]);
    expect((await hoa.chat.say('1')).text).toContain(vi('health.ask.bloodPressure'));
    const fall = await hoa.chat.say('13/8');
    expect(fall.text).toContain(vi('health.ask.fall'));
    expect(fall.choices).toEqual([vi('health.yes'), vi('health.no')]);
    expect((await hoa.chat.say('2')).text).toContain(vi('health.ask.visit'));
    expect((await hoa.chat.say('2')).text).toContain(vi('health.ask.note'));
    const thanks = await hoa.chat.say('0');
    expect(thanks.text).toContain(vi('health.thanks', { summary: vi('health.level.ok') }));

    const [response] = await h.test.app.models.HealthResponse.find({ subjectId: hoa.id }).lean();
    expect(response).toMatchObject({
      answeredBy: hoa.id,
      clubId: 'club-health',
      survey: { id: 'default', version: 1 },
      answers: WELL_CHECK.answers,
      level: 'ok',
      flags: [],
    });
    expect(await h.test.app.models.HealthAlert.countDocuments()).toBe(0);

    const results = await hoa.chat.say('kết quả của tôi');
    expect(results.text).toContain(`${vi('health.feeling.well')} — ${vi('health.level.ok')}`);
  });
});

describe('a check interrupted by a restart', () => {
  const env = isolatedEnv({ SIMULATOR: 'true' });
  let test: TestApp | undefined;
  afterAll(async () => {
    await test?.app.stop();
    await dropTestData(env);
  });

  it('resumes at the question it was on; the answers given before the restart are kept', async () => {
    test = await startTestApp(env);
    const member = await test.app.models.Member.create({
      fullName: 'Đỗ Thị Lan',
      birthYear: 1940,
      status: 'active',
      roles: [{ role: 'member', clubId: 'club-restart' }],
      clubIds: ['club-restart'],
    });
    const chatId = '84970000601';
    await test.app.models.Identity.create({
      _id: `simulator:${chatId}`,
      channel: 'simulator',
      chatId,
      memberId: String(member._id),
    });
    const before = simulatorChat(test.url, chatId);
    await before.say('khám sức khỏe');
    await before.say('3');
    expect((await before.say('0')).text).toContain(vi('health.ask.bloodPressure'));
    await test.app.stop();

    test = await startTestApp(env);
    const after = simulatorChat(test.url, chatId);
    // The chat's earlier messages are still there: the three questions answered or open.
    for (let seen = 0; seen < 3; seen++) await after.next();
    expect((await after.say('0')).text).toContain(vi('health.ask.fall'));
    await after.say('2');
    await after.say('2');
    expect((await after.say('0')).text).toContain(vi('health.volunteerTold'));
    const [response] = await test.app.models.HealthResponse.find({ subjectId: String(member._id) }).lean();
    expect(response).toMatchObject({
      answers: { feeling: 3, dangerSigns: [], bloodPressure: null, fall: false, visit: false, note: null },
      level: 'watch',
    });
  });
});

const COMMUNE = 'xa-thu-nghiem';
const CLUB = 'club-alerts';
const OTHER_CLUB = 'club-other';
/** A Monday, 22:00 in Hanoi (quiet hours, 21:00-06:00), and the next morning at 08:00. */
const NIGHT = new Date('2026-11-30T15:00:00Z');
const MORNING = new Date('2026-12-01T01:00:00Z');

describe('health alerts (Telegram webhook)', () => {
  const clock = new TestClock(NIGHT);
  let h: Awaited<ReturnType<typeof telegramHarness>>;
  let hoa: { id: string; chat: ChatDriver };
  let volunteer: { id: string; chat: ChatDriver };
  let chair: { id: string; chat: ChatDriver };
  let staff: { id: string; chat: ChatDriver };
  let otherVolunteer: { id: string; chat: ChatDriver };

  /** The alert about Hoa's latest check. */
  const latestAlert = async () =>
    (
      await h.test.app.models.HealthAlert.find({ memberId: hoa.id }).sort({ createdAt: -1 }).limit(1).lean()
    )[0]!;
  /** The planned next step of an alert, as a delayed scheduler job. */
  const plannedStep = async (alertId: string) =>
    (await h.test.app.scheduler.queue.getDelayed()).find(
      (job) => job.data.key === `alert.${alertId}.escalate`,
    );

  /** Hoa answers a check up to its last question; `answers` after "khám sức khỏe". */
  async function hoaAnswers(answers: string[]): Promise<void> {
    // A minute apart, so the latest alert is the newest.
    clock.advance(60_000);
    await hoa.chat.say('khám sức khỏe');
    for (const answer of answers) await hoa.chat.say(answer);
  }

  beforeAll(async () => {
    // Hoa answers several checks within a minute of real time: more than a chat's usual allowance.
    const env = { QUIET_HOURS_START: '21:00', QUIET_HOURS_END: '06:00', INBOUND_PER_CHAT_PER_MINUTE: '100' };
    h = await telegramHarness('webhook', env, { clock });
    const { OrgUnit, Club, Member } = h.test.app.models;
    await OrgUnit.create([
      { _id: 'tinh-thu-nghiem', name: 'Tỉnh', kind: 'province', ancestors: [] },
      {
        _id: COMMUNE,
        name: 'Xã',
        kind: 'commune',
        parentId: 'tinh-thu-nghiem',
        ancestors: ['tinh-thu-nghiem'],
      },
    ]);
    await Club.create([
      { _id: CLUB, name: 'CLB Thử Nghiệm', orgUnitId: COMMUNE, ancestors: [COMMUNE, 'tinh-thu-nghiem'] },
      { _id: OTHER_CLUB, name: 'CLB Khác', orgUnitId: 'xa-khac', ancestors: ['xa-khac', 'tinh-thu-nghiem'] },
    ]);
    const inClub = (role: Role, clubId = CLUB) => [
      { role: 'member' as const, clubId },
      ...(role === 'member' ? [] : [{ role, clubId }]),
    ];
    hoa = await memberWith(h, 1, 'Phạm Thị Hoa', inClub('member'));
    await Member.updateOne({ _id: hoa.id }, { $set: { phone: '84912000004', birthYear: 1948 } });
    volunteer = await memberWith(h, 2, 'Lê Thị Giúp', inClub('volunteer'));
    // She stopped reminders and announcements ("dừng nhận tin"): health alerts still reach her.
    await Member.updateOne({ _id: volunteer.id }, { $set: { optedOutAt: NIGHT } });
    chair = await memberWith(h, 3, 'Trần Văn Chủ', inClub('chair'));
    const staffMember = await Member.create({
      fullName: 'Cán Bộ Xã',
      status: 'active',
      roles: [{ role: 'staff', orgUnitId: COMMUNE }],
    });
    staff = { id: String(staffMember._id), chat: await chatOf(h, String(staffMember._id), 4) };
    otherVolunteer = await memberWith(h, 5, 'Tình Nguyện Khác', inClub('volunteer', OTHER_CLUB));
  });
  afterAll(() => h.stop());

  it('an emergency reaches the volunteer and the chair within seconds, at night too; the member is told to call 115', async () => {
    await hoaAnswers(['3', '2', '0', '2', '2']);
    const sentAt = Date.now();
    const answered = await hoa.chat.say('0');
    expect(answered.text).toContain(vi('health.emergency'));

    const toVolunteer = await volunteer.chat.next();
    const handedAt = h.fake.calls.find(
      (call) =>
        call.method === 'sendMessage' &&
        String(call.params.chat_id) === volunteer.chat.chatId &&
        call.at >= sentAt,
    )!.at;
    const latency = handedAt - sentAt;
    console.log(
      `health alert latency (answer sent → volunteer's message handed to the Telegram API): ${latency} ms`,
    );
    expect(latency).toBeLessThan(5000);

    expect(toVolunteer.text).toContain('🚨');
    expect(toVolunteer.text).toContain('Phạm Thị Hoa, 78');
    expect(toVolunteer.text).toContain('CLB Thử Nghiệm');
    expect(toVolunteer.text).toContain(`${vi('health.short.dangerSigns')}: ${vi('health.sign.chestPain')}`);
    expect(toVolunteer.text).toContain('0912 000 004');
    expect(toVolunteer.choices).toEqual([vi('healthAlert.contacted'), vi('healthAlert.needHelp')]);
    expect((await chair.chat.next()).text).toContain('Phạm Thị Hoa, 78');

    const alert = await latestAlert();
    expect(alert).toMatchObject({ clubId: CLUB, level: 'emergency', status: 'open', stage: 0 });
    expect(alert.steps).toEqual([expect.objectContaining({ to: ['volunteer', 'chair'], action: 'told' })]);
    // Unacknowledged, commune staff are asked in 15 minutes.
    const step = await plannedStep(alert._id);
    expect(step!.delay).toBe(15 * 60_000);
  });

  it('"đã liên hệ" acknowledges it: the step up is cancelled, and the chair is told someone has it', async () => {
    const alert = await latestAlert();
    expect((await volunteer.chat.say('1')).text).toContain(
      vi('healthAlert.acknowledged', { name: 'Phạm Thị Hoa' }),
    );
    const after = await h.test.app.models.HealthAlert.findById(alert._id).lean();
    expect(after).toMatchObject({ status: 'acknowledged', acknowledgedBy: volunteer.id });
    expect(after!.steps.at(-1)).toMatchObject({ action: 'acknowledged', by: volunteer.id });
    expect(await plannedStep(alert._id)).toBeUndefined();
    expect((await chair.chat.say('1')).text).toContain(
      vi('healthAlert.alreadyDone', { name: 'Phạm Thị Hoa', helper: 'Lê Thị Giúp' }),
    );
  });

  it('not acknowledged: after two hours the chair is asked, two more and commune staff; each step recorded', async () => {
    // In the day: an alert that is no emergency would wait for the morning.
    clock.set(MORNING);
    await hoaAnswers(['2', '150/95', '2', '2']);
    expect((await hoa.chat.say('0')).text).toContain(vi('health.volunteerTold'));
    expect((await volunteer.chat.next()).text).toContain(vi('health.short.bloodPressure'));
    const alert = await latestAlert();
    expect(alert.level).toBe('high');

    clock.advance(2 * 3600_000);
    await (await plannedStep(alert._id))!.promote();
    const toChair = await chair.chat.next();
    expect(toChair.text).toContain('Phạm Thị Hoa, 78');
    expect(toChair.text).toContain('150/95');

    clock.advance(2 * 3600_000);
    await (await eventually(() => plannedStep(alert._id), 'the step to staff planned'))!.promote();
    expect((await staff.chat.next()).text).toContain('Phạm Thị Hoa, 78');
    const escalated = await h.test.app.models.HealthAlert.findById(alert._id).lean();
    expect(escalated).toMatchObject({ status: 'escalated', stage: 2 });
    expect(escalated!.steps.map((step) => [step.action, step.to])).toEqual([
      ['told', ['volunteer']],
      ['escalated', ['chair']],
      ['escalated', ['staff']],
    ]);

    // Staff of the club's commune may acknowledge; the others then hear it is in hand.
    expect((await staff.chat.say('1')).text).toContain(
      vi('healthAlert.acknowledged', { name: 'Phạm Thị Hoa' }),
    );
    expect((await volunteer.chat.say('1')).text).toContain(
      vi('healthAlert.alreadyDone', { name: 'Phạm Thị Hoa', helper: 'Cán Bộ Xã' }),
    );
    await chair.chat.say('huỷ');
  });

  it('"cần hỗ trợ" asks the chair at once', async () => {
    await hoaAnswers(['1', '0', '1', '2']);
    await hoa.chat.say('0');
    await volunteer.chat.next();
    const alert = await latestAlert();
    expect((await volunteer.chat.say('2')).text).toContain(
      vi('healthAlert.helpSent', { name: 'Phạm Thị Hoa', to: vi('healthAlert.role.chair') }),
    );
    expect((await chair.chat.next()).text).toContain(`${vi('health.short.fall')}: ${vi('health.yes')}`);
    const after = await h.test.app.models.HealthAlert.findById(alert._id).lean();
    expect(after!.steps.map((step) => step.action)).toEqual(['told', 'helpAsked', 'escalated']);
    // The next step (staff) is planned anew from now.
    expect((await plannedStep(alert._id))!.delay).toBe(2 * 3600_000);
  });

  it("only people of the member's club act on it: another club's volunteer neither sees nor acknowledges it", async () => {
    const alert = await latestAlert();
    expect(h.fake.sent(otherVolunteer.chat.chatId).some((m) => m.text.includes('Phạm Thị Hoa'))).toBe(false);
    // Her list holds her own club's alerts only: none.
    expect((await otherVolunteer.chat.say('cảnh báo')).text).toContain(vi('healthAlerts.none'));
    await h.test.app.effects.apply(
      [
        {
          type: 'acknowledgeHealthAlert',
          alertId: alert._id,
          byMemberId: otherVolunteer.id,
          whenAcknowledged: [],
        },
      ],
      clock.now(),
    );
    expect((await h.test.app.models.HealthAlert.findById(alert._id).lean())!.status).toBe('escalated');

    // The chair of this club leaves the alert on her screen, lists the open ones and acknowledges it there.
    await chair.chat.say('huỷ');
    const list = await chair.chat.say('cảnh báo');
    expect(list.text).toContain(vi('healthAlerts.list'));
    expect(list.choices[0]).toContain('Phạm Thị Hoa');
    expect((await chair.chat.say('1')).text).toContain('Phạm Thị Hoa, 78');
    await chair.chat.say('1');
    expect((await h.test.app.models.HealthAlert.findById(alert._id).lean())!.status).toBe('acknowledged');
  });

  it('an alert that is no emergency, raised at night, reaches the volunteer when the quiet hours end', async () => {
    clock.set(new Date(NIGHT.getTime() + 24 * 3600_000));
    await hoaAnswers(['1', '0', '1', '2']);
    const toVolunteerBefore = h.fake.sent(volunteer.chat.chatId).length;
    expect((await hoa.chat.say('0')).text).toContain(vi('health.volunteerTold'));
    const alert = await latestAlert();
    const morning = await eventually(
      async () =>
        (await h.test.app.scheduler.queue.getDelayed()).find(
          (job) => job.data.key === `alert.${alert._id}.0.volunteer.morning`,
        ),
      'the alert planned for 06:00',
    );
    expect(h.fake.sent(volunteer.chat.chatId)).toHaveLength(toVolunteerBefore);
    clock.set(new Date(MORNING.getTime() + 24 * 3600_000));
    await morning.promote();
    expect((await volunteer.chat.next()).text).toContain(`${vi('health.short.fall')}: ${vi('health.yes')}`);
  });
});
