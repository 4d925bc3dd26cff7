/**
 * The health check (flows/health-check.ts), its alerts (flows/health-alert.ts), "kết quả của
 * tôi" and the chair's "cảnh báo" as engine cases: turns → keys → effects, no database (see
 * test/support/engine.ts). The transcripts on the five channels are in test/health-check.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { Effect, EscalateAlertEffect, StartEffect } from '../../src/engine/types.ts';
import {
  type CaseChat,
  COMMUNES,
  converse,
  DH,
  type EngineWorld,
  PEOPLE,
  standardWorld,
  TK,
} from '../support/engine.ts';
import { WELL_CHECK } from '../support/health.ts';

const FEELING = ['health.feeling.well', 'health.feeling.soSo', 'health.feeling.unwell'];
const YES_NO = ['health.yes', 'health.no'];

/** The standard world with a commune staff member and a member of the other club. */
function healthWorld(): EngineWorld {
  const world = standardWorld();
  world.lookups.member({
    id: 'staff-dh',
    fullName: 'Cán Bộ Xã',
    roles: [{ role: 'staff', orgUnitId: COMMUNES.dh }],
    chats: [{ channel: 'telegram', chatId: '9100' }],
  });
  world.lookups.member({
    id: 'volunteer-tk',
    fullName: 'Tình Nguyện Tân Kỳ',
    clubIds: [TK],
    roles: [
      { role: 'member', clubId: TK },
      { role: 'volunteer', clubId: TK },
    ],
    chats: [{ channel: 'telegram', chatId: '9200' }],
  });
  return world;
}

const saved = (effects: Effect[]) => effects.find((effect) => effect.type === 'saveHealthResponse');
const starts = (effects: Effect[]) =>
  effects.filter((effect): effect is StartEffect => effect.type === 'start');
const plan = (effects: Effect[]) => effects.find((effect) => effect.type === 'schedule');

/** Opens the check and answers feeling 1 (well) → blood pressure. */
async function upToBloodPressure(chat: CaseChat, feeling = '1') {
  await converse(chat, [
    ['khám sức khỏe', 'health.ask.feeling'],
    [feeling, 'health.ask.bloodPressure'],
  ]);
}

describe('health check', () => {
  it('a member who is well answers five short questions, and one response is stored as ok', async () => {
    const world = healthWorld();
    const chat = world.chat(PEOPLE.member.chat);
    const replies = await converse(chat, [
      ['kham suc khoe', 'health.ask.feeling'],
      ['1', 'health.ask.bloodPressure'],
      ['13/8', 'health.ask.fall'],
      ['không', 'health.ask.visit'],
      ['2', 'health.ask.note'],
      ['0', 'health.thanks'],
    ]);
    expect(replies[0]!.choices).toEqual(FEELING);
    expect(replies[2]!.choices).toEqual(YES_NO);
    expect(replies[5]!.vars[0]).toEqual({ summary: 'health.level.ok' });
    expect(replies[5]!.effects).toEqual([
      {
        type: 'saveHealthResponse',
        response: {
          id: expect.stringMatching(/^[0-9a-f]{24}$/),
          subjectId: PEOPLE.member.id,
          answeredBy: PEOPLE.member.id,
          clubId: DH,
          survey: { id: 'default', version: 1 },
          answers: WELL_CHECK.answers,
          level: 'ok',
          flags: [],
        },
      },
    ]);
    expect(world.lookups.responses).toHaveLength(1);
  });

  it('unwell with a danger sign: "call 115" at once, volunteers and chair alerted urgently, staff planned in 15 min', async () => {
    const world = healthWorld();
    const chat = world.chat(PEOPLE.member.chat);
    const replies = await converse(chat, [
      ['khám sức khỏe', 'health.ask.feeling'],
      ['ko khoe', 'health.ask.dangerSigns'],
      ['2,3', 'health.ask.bloodPressure'],
      ['0', 'health.ask.fall'],
      ['2', 'health.ask.visit'],
      ['2', 'health.ask.note'],
      ['đau ngực từ sáng', ['health.emergency', 'health.thanks']],
    ]);
    expect(replies[1]!.choices).toHaveLength(5);
    const last = replies[6]!;
    expect(last.vars[1]).toEqual({
      summary: 'health.level.emergency, health.reason.unwell, health.reason.dangerSign',
    });
    const response = saved(last.effects);
    expect(response).toMatchObject({
      response: {
        level: 'emergency',
        answers: { feeling: 3, dangerSigns: [2, 3], note: 'đau ngực từ sáng' },
      },
    });
    const id = (response as Extract<Effect, { type: 'saveHealthResponse' }>).response.id;
    expect(last.effects).toContainEqual({
      type: 'raiseHealthAlert',
      alert: { id, memberId: PEOPLE.member.id, clubId: DH, level: 'emergency', responseId: id },
      to: ['volunteer', 'chair'],
    });
    // Both at once, interrupting whatever they do, even at night.
    expect(
      starts(last.effects).map(({ for: to, ifBusy, urgent, kind, flow }) => ({
        to,
        ifBusy,
        urgent,
        kind,
        flow,
      })),
    ).toEqual([
      {
        // One opening for both, so a chair who also volunteers is asked once.
        to: { anyOf: [{ volunteersOf: PEOPLE.member.id }, { leadersOf: DH }] },
        ifBusy: 'interrupt',
        urgent: true,
        kind: 'health_alert',
        flow: 'healthAlert',
      },
    ]);
    const next = plan(last.effects) as Extract<Effect, { type: 'schedule' }>;
    expect(next.key).toBe(`alert.${id}.escalate`);
    expect(next.when).toEqual({ at: new Date(world.now.getTime() + 15 * 60_000).toISOString() });
    const step = next.effect as EscalateAlertEffect;
    expect(step).toMatchObject({ type: 'escalateHealthAlert', alertId: id, stage: 1, to: ['staff'] });
    expect(starts(step.whenOpen)[0]!.for).toEqual({ orgUnit: COMMUNES.dh, roles: ['staff'] });
    // The last step plans nothing further.
    expect(plan(step.whenOpen)).toBeUndefined();
  });

  it('blood pressure over 180/120 is an emergency even for someone who feels well', async () => {
    const chat = healthWorld().chat(PEOPLE.member.chat);
    await upToBloodPressure(chat);
    const replies = await converse(chat, [
      ['190/100', 'health.ask.fall'],
      ['2', 'health.ask.visit'],
      ['2', 'health.ask.note'],
      ['0', ['health.emergency', 'health.thanks']],
    ]);
    expect(saved(replies[3]!.effects)).toMatchObject({
      response: {
        level: 'emergency',
        flags: [{ question: 'bloodPressure', reason: 'health.reason.bpVeryHigh' }],
      },
    });
  });

  it('blood pressure of 14/9 is high: the volunteers are asked, the chair planned in two hours', async () => {
    const world = healthWorld();
    const chat = world.chat(PEOPLE.member.chat);
    await upToBloodPressure(chat, '2');
    const replies = await converse(chat, [
      ['14/9', 'health.ask.fall'],
      ['2', 'health.ask.visit'],
      ['2', 'health.ask.note'],
      ['0', ['health.thanks', 'health.volunteerTold']],
    ]);
    const { effects } = replies[3]!;
    expect(saved(effects)).toMatchObject({ response: { level: 'high' } });
    expect(starts(effects)).toEqual([
      expect.objectContaining({ for: { volunteersOf: PEOPLE.member.id }, ifBusy: 'wait', urgent: false }),
    ]);
    const next = plan(effects) as Extract<Effect, { type: 'schedule' }>;
    expect(next.when).toEqual({ at: new Date(world.now.getTime() + 2 * 3600_000).toISOString() });
    const chairStep = next.effect as EscalateAlertEffect;
    expect(chairStep.to).toEqual(['chair']);
    const staffStep = plan(chairStep.whenOpen) as Extract<Effect, { type: 'schedule' }>;
    expect((staffStep.effect as EscalateAlertEffect).to).toEqual(['staff']);
    expect(staffStep.when).toEqual({ at: new Date(world.now.getTime() + 4 * 3600_000).toISOString() });
  });

  it('a fall, or a visit asked for, is watched: the volunteer is told', async () => {
    for (const [fall, visit, reason] of [
      ['có', 'không', 'health.reason.fall'],
      ['2', '1', 'health.reason.visit'],
    ] as const) {
      const chat = healthWorld().chat(PEOPLE.member.chat);
      await upToBloodPressure(chat);
      const replies = await converse(chat, [
        ['bỏ qua', 'health.ask.fall'],
        [fall, 'health.ask.visit'],
        [visit, 'health.ask.note'],
        ['0', ['health.thanks', 'health.volunteerTold']],
      ]);
      expect(replies[3]!.vars[0]).toEqual({ summary: `health.level.watch, ${reason}` });
      expect(saved(replies[3]!.effects)).toMatchObject({
        response: { level: 'watch', answers: { bloodPressure: null } },
      });
    }
  });

  it('an unclear answer is asked again with an example, never guessed', async () => {
    const chat = healthWorld().chat(PEOPLE.member.chat);
    await converse(chat, [
      ['khám sức khỏe', 'health.ask.feeling'],
      ['7', ['health.hint.feeling', 'health.ask.feeling']],
      ['3', 'health.ask.dangerSigns'],
      ['1,9', ['health.hint.several', 'health.ask.dangerSigns']],
      ['không có', 'health.ask.bloodPressure'],
      ['cao lắm', ['health.hint.bloodPressure', 'health.ask.bloodPressure']],
      ['0', 'health.ask.fall'],
      ['không nhớ rõ', ['health.hint.yesNo', 'health.ask.fall']],
    ]);
  });

  it('unwell with no danger sign is watched, not an emergency', async () => {
    const chat = healthWorld().chat(PEOPLE.member.chat);
    const replies = await converse(chat, [
      ['khám sức khỏe', 'health.ask.feeling'],
      ['mệt', 'health.ask.dangerSigns'],
      ['0', 'health.ask.bloodPressure'],
      ['0', 'health.ask.fall'],
      ['2', 'health.ask.visit'],
      ['2', 'health.ask.note'],
      ['0', ['health.thanks', 'health.volunteerTold']],
    ]);
    expect(saved(replies[6]!.effects)).toMatchObject({
      response: { level: 'watch', answers: { dangerSigns: [] } },
    });
  });

  it('help, menu and huỷ work in the middle; leaving says the answers were not saved', async () => {
    const chat = healthWorld().chat(PEOPLE.member.chat);
    await upToBloodPressure(chat);
    await converse(chat, [
      ['help', ['common.help', 'common.helpCall', 'health.ask.bloodPressure']],
      ['130/85', 'health.ask.fall'],
      ['huỷ', ['common.cancelled', 'common.notSaved', 'menu.title']],
    ]);
    await converse(chat, [
      ['sức khỏe', 'health.ask.feeling'],
      ['menu', ['common.notSaved', 'menu.title']],
    ]);
  });

  it('"không" skips what may be skipped: blood pressure not measured, nothing to add', async () => {
    const chat = healthWorld().chat(PEOPLE.member.chat);
    await upToBloodPressure(chat);
    const replies = await converse(chat, [
      ['chưa đo', 'health.ask.fall'],
      ['ko', 'health.ask.visit'],
      ['không', 'health.ask.note'],
      ['không ạ', 'health.thanks'],
    ]);
    expect(saved(replies[3]!.effects)).toMatchObject({
      response: { answers: { bloodPressure: null, fall: false, visit: false, note: null } },
    });
  });

  it('staff, who belong to no club, have no check of their own', async () => {
    const world = healthWorld();
    const [menu] = await converse(world.chat('9100'), [['menu', 'menu.title']]);
    expect(menu!.choices).not.toContain('menu.healthCheck');
    await converse(world.chat('9100'), [['khám sức khỏe', 'menu.title']]);
  });

  it('the menu of an active member opens the check; a newcomer has none', async () => {
    const world = healthWorld();
    const [menu] = await converse(world.chat(PEOPLE.member.chat), [['menu', 'menu.title']]);
    expect(menu!.choices![0]).toBe('menu.healthCheck');
    expect(menu!.choices).toContain('menu.healthResults');
    const [guest] = await converse(world.chat('777'), [['menu', 'menu.titleGuest']]);
    expect(guest!.choices).not.toContain('menu.healthCheck');
    await converse(world.chat('777'), [['khám sức khỏe', 'menu.titleGuest']]);
  });
});

describe('a proxy answering for others', () => {
  function withProxy() {
    const world = healthWorld();
    const lan = world.lookups.members.find((member) => member.id === PEOPLE.noChat.id)!;
    lan.proxyIds = [PEOPLE.volunteer.id];
    world.lookups.member({
      id: 'minh-dh',
      fullName: 'Ông Minh',
      birthYear: 1942,
      gender: 'male',
      clubIds: [DH],
      roles: [{ role: 'member', clubId: DH }],
      proxyIds: [PEOPLE.volunteer.id],
    });
    return { world, volunteer: world.chat(PEOPLE.volunteer.chat) };
  }

  it('chooses whom first; the questions name that person; the response stores subject and answered-by', async () => {
    const { world, volunteer } = withProxy();
    const replies = await converse(volunteer, [
      ['khám sức khỏe', 'health.askWhom'],
      ['1', 'health.ask.feelingFor'],
      ['1', 'health.ask.bloodPressureFor'],
      ['0', 'health.ask.fallFor'],
      ['1', 'health.ask.visitFor'],
      ['2', 'health.ask.noteFor'],
      ['0', ['health.thanksFor', 'health.volunteerTold']],
    ]);
    expect(replies[0]!.choices).toEqual(['Đỗ Thị Lan', 'Ông Minh', 'health.myself']);
    expect(replies[1]!.vars[0]).toEqual({ name: 'Đỗ Thị Lan' });
    expect(saved(replies[6]!.effects)).toMatchObject({
      response: { subjectId: PEOPLE.noChat.id, answeredBy: PEOPLE.volunteer.id, level: 'watch' },
    });
    expect(starts(replies[6]!.effects)[0]!.for).toEqual({ volunteersOf: PEOPLE.noChat.id });
    // Whoever acts on the alert sees who answered for her.
    const alert = await world
      .chat(PEOPLE.chair.chat)
      .open('healthAlert', { alertId: world.lookups.alerts[0]!.id });
    expect(alert.vars[0]).toMatchObject({
      name: 'Đỗ Thị Lan',
      proxy: '\nhealth.short.answeredBy: Lê Thị Giúp',
    });
  });

  it('"Chính tôi" answers for herself', async () => {
    const { volunteer } = withProxy();
    const replies = await converse(volunteer, [
      ['khám sức khỏe', 'health.askWhom'],
      ['3', 'health.ask.feeling'],
      ['1', 'health.ask.bloodPressure'],
      ['0', 'health.ask.fall'],
      ['2', 'health.ask.visit'],
      ['2', 'health.ask.note'],
      ['0', 'health.thanks'],
    ]);
    expect(saved(replies[6]!.effects)).toMatchObject({
      response: { subjectId: PEOPLE.volunteer.id, answeredBy: PEOPLE.volunteer.id },
    });
  });
});

/** A member's emergency, answered; returns the world and the alert's id. */
async function emergency(): Promise<{ world: EngineWorld; alertId: string }> {
  const world = healthWorld();
  const chat = world.chat(PEOPLE.member.chat);
  await converse(chat, [
    ['khám sức khỏe', 'health.ask.feeling'],
    ['3', 'health.ask.dangerSigns'],
    ['2', 'health.ask.bloodPressure'],
    ['0', 'health.ask.fall'],
    ['2', 'health.ask.visit'],
    ['2', 'health.ask.note'],
    ['0', ['health.emergency', 'health.thanks']],
  ]);
  return { world, alertId: world.lookups.alerts[0]!.id };
}

describe('acting on an alert', () => {
  it('a volunteer in the middle of her own check is told her answers were not saved, then sees the alert', async () => {
    const { world, alertId } = await emergency();
    const volunteer = world.chat(PEOPLE.volunteer.chat);
    await converse(volunteer, [['khám sức khỏe', 'health.ask.feeling']]);
    expect((await volunteer.open('healthAlert', { alertId })).keys).toEqual([
      'common.notSaved',
      'healthAlert.askEmergency',
    ]);
  });

  it("the volunteer sees who, how old, the club, the answers and the phone; 'đã liên hệ' acknowledges it", async () => {
    const { world, alertId } = await emergency();
    const volunteer = world.chat(PEOPLE.volunteer.chat);
    const shown = await volunteer.open('healthAlert', { alertId });
    expect(shown.keys).toEqual(['healthAlert.askEmergency']);
    expect(shown.vars[0]).toEqual({
      name: 'Phạm Thị Hoa',
      age: '78',
      club: 'CLB Điền Hồng',
      answers:
        'health.short.feeling: health.feeling.unwell\nhealth.short.dangerSigns: health.sign.chestPain\nhealth.short.fall: health.no\nhealth.short.visit: health.no',
      phone: '0912 000 004',
      proxy: '',
    });
    expect(shown.choices).toEqual(['healthAlert.contacted', 'healthAlert.needHelp']);
    const [ack] = await converse(volunteer, [['1', 'healthAlert.acknowledged']]);
    expect(ack!.effects).toEqual([
      {
        type: 'acknowledgeHealthAlert',
        alertId,
        byMemberId: PEOPLE.volunteer.id,
        whenAcknowledged: [{ type: 'unschedule', key: `alert.${alertId}.escalate` }],
      },
    ]);
    expect(world.lookups.alerts[0]).toMatchObject({
      status: 'acknowledged',
      acknowledgedBy: PEOPLE.volunteer.id,
    });
    // The chair, opening it after, is told someone has it in hand.
    await converse(world.chat(PEOPLE.chair.chat), [['cảnh báo', 'healthAlerts.none']]);
    const late = await world.chat(PEOPLE.chair.chat).open('healthAlert', { alertId });
    expect(late.keys).toEqual(['healthAlert.alreadyDone']);
    expect(late.vars[0]).toEqual({ name: 'Phạm Thị Hoa', helper: 'Lê Thị Giúp' });
  });

  it("'cần hỗ trợ' goes one step up at once, recording who asked", async () => {
    const { world, alertId } = await emergency();
    const volunteer = world.chat(PEOPLE.volunteer.chat);
    await volunteer.open('healthAlert', { alertId });
    const [help] = await converse(volunteer, [['2', 'healthAlert.helpSent']]);
    expect(help!.vars[0]).toEqual({ name: 'Phạm Thị Hoa', to: 'healthAlert.role.staff' });
    expect(help!.effects).toEqual([
      expect.objectContaining({
        type: 'escalateHealthAlert',
        alertId,
        stage: 1,
        to: ['staff'],
        by: PEOPLE.volunteer.id,
      }),
    ]);
    expect(world.lookups.alerts[0]).toMatchObject({ status: 'escalated', stage: 1 });
    // Staff of the club's commune may act on it; at the top, "cần hỗ trợ" points to the health station.
    const staff = world.chat('9100');
    expect((await staff.open('healthAlert', { alertId })).keys).toEqual(['healthAlert.askEmergency']);
    await converse(staff, [['2', 'healthAlert.helpTopmost']]);
  });

  it('someone of another club can neither see nor acknowledge it', async () => {
    const { world, alertId } = await emergency();
    const other = world.chat('9200');
    const refused = await other.open('healthAlert', { alertId });
    expect(refused.keys).toEqual(['healthAlert.notFound', 'menu.title']);
    // Even had the question reached her, the fixture (as the runtime) refuses her acknowledgement.
    world.lookups.apply({
      type: 'acknowledgeHealthAlert',
      alertId,
      byMemberId: 'volunteer-tk',
      whenAcknowledged: [],
    });
    expect(world.lookups.alerts[0]!.status).toBe('open');
  });

  it("the chair's 'cảnh báo' lists her club's open alerts and opens one", async () => {
    const { world } = await emergency();
    const chair = world.chat(PEOPLE.chair.chat);
    const [list] = await converse(chair, [
      ['cảnh báo', 'healthAlerts.list'],
      ['1', 'healthAlert.askEmergency'],
    ]);
    expect(list!.choices).toEqual([
      'Phạm Thị Hoa — health.level.emergency — 02/03 10:00',
      'common.backToMenu',
    ]);
    // A volunteer of another club sees none of it; a member (no helper) gets no list.
    await converse(world.chat('9200'), [['cảnh báo', 'healthAlerts.none']]);
    await converse(world.chat(PEOPLE.member.chat), [['cảnh báo', ['healthAlerts.notAllowed', 'menu.title']]]);
  });
});

describe('my results', () => {
  it('shows the last five, the newest first, in plain words', async () => {
    const world = healthWorld();
    const chat = world.chat(PEOPLE.member.chat);
    await converse(chat, [['kết quả của tôi', 'healthResults.none']]);
    for (const feeling of ['1', '2', '1', '1', '2', '1']) {
      await upToBloodPressure(chat, feeling);
      await converse(chat, [
        ['0', 'health.ask.fall'],
        [feeling === '2' ? '1' : '2', 'health.ask.visit'],
        ['2', 'health.ask.note'],
        ['0', feeling === '2' ? ['health.thanks', 'health.volunteerTold'] : 'health.thanks'],
      ]);
      world.advance(24 * 3600_000);
    }
    const [shown] = await converse(chat, [['ket qua cua toi', 'healthResults.show']]);
    expect((shown!.vars[0]!.results as string).split('\n')).toEqual([
      '07/03: health.feeling.well — health.level.ok',
      '06/03: health.feeling.soSo — health.level.watch, health.reason.fall',
      '05/03: health.feeling.well — health.level.ok',
      '04/03: health.feeling.well — health.level.ok',
      '03/03: health.feeling.soSo — health.level.watch, health.reason.fall',
    ]);
  });
});
