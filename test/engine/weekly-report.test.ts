/**
 * "Báo cáo tuần" and "xem báo cáo" as engine cases (no database: test/support/engine.ts). The
 * fixture's now is Monday 2 March 2026, 10:00 in Vietnam: last week (2026W9, 23/02–01/03, which
 * closes February and so also asks the monthly items) is still open until 12:00.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_REPORT } from '../../flows/reports/default.ts';
import type { AreaView, Effect } from '../../src/engine/types.ts';
import { elementsFor } from '../../src/reports/definitions.ts';
import {
  type CaseChat,
  COMMUNES,
  converse,
  DH,
  PEOPLE,
  type Reply,
  standardWorld,
  TK,
} from '../support/engine.ts';

const LAST_WEEK = '2026W9';
const CODES = elementsFor(DEFAULT_REPORT, true).map((e) => e.code);
const saves = (effects: Effect[]) =>
  effects.filter((e): e is Extract<Effect, { type: 'saveWeeklyReport' }> => e.type === 'saveWeeklyReport');

/** The code a value question asks for (its label var is the element's key under the key translator). */
function codeOf(reply: Reply): string | undefined {
  const vars = reply.vars.at(-1) as { label?: string };
  return vars.label?.replace('report.el.', '');
}

/** Answers every question (`answers` by code, '0' or 'không' otherwise) until the summary. */
async function answerAll(chat: CaseChat, first: Reply, answers: Record<string, string> = {}): Promise<Reply> {
  let reply = first;
  for (let i = 0; i < 40 && reply.keys.at(-1) !== 'report.summary'; i++) {
    if (reply.keys.at(-1) === 'report.checkMembers' || reply.keys.at(-1) === 'report.checkUsual') {
      reply = await chat.say('1');
      continue;
    }
    const code = codeOf(reply)!;
    reply = await chat.say(answers[code] ?? (code === 'hop' ? 'không' : '0'));
  }
  return reply;
}

function worldWithReporter(env: Record<string, string> = {}) {
  const world = standardWorld(1, env);
  world.lookups.member({
    id: 'reporter-dh',
    fullName: 'Ngô Văn Ghi',
    clubIds: [DH],
    roles: [
      { role: 'member', clubId: DH },
      { role: 'reporter', clubId: DH },
    ],
    chats: [{ channel: 'telegram', chatId: '9010' }],
  });
  world.lookups.member({
    id: 'staff-dh',
    fullName: 'Cán Bộ Xã',
    roles: [{ role: 'staff', orgUnitId: COMMUNES.dh }],
    chats: [{ channel: 'telegram', chatId: '9020' }],
  });
  world.lookups.member({
    id: 'staff-na',
    fullName: 'Cán Bộ Tỉnh',
    roles: [{ role: 'staff', orgUnitId: 'nghe-an' }],
    chats: [{ channel: 'telegram', chatId: '9021' }],
  });
  world.lookups.member({
    id: 'staff-tk',
    fullName: 'Cán Bộ Tân Kỳ',
    roles: [{ role: 'staff', orgUnitId: COMMUNES.tk }],
    chats: [{ channel: 'telegram', chatId: '9022' }],
  });
  const { units } = world.lookups;
  units.set('nghe-an', { id: 'nghe-an', name: 'Nghệ An', kind: 'province', parentId: null });
  units.set(COMMUNES.dh, { id: COMMUNES.dh, name: 'Xã Diễn Hồng', kind: 'commune', parentId: 'nghe-an' });
  units.set(COMMUNES.tk, { id: COMMUNES.tk, name: 'Xã Tân Kỳ', kind: 'commune', parentId: 'nghe-an' });
  // The same places as a staff member walks them (units, then clubs).
  const unit = (id: string, name: string, ancestors: string[], children: AreaView['children']) =>
    world.lookups.area_({ kind: 'unit', id, name, level: 'commune', ancestors, children });
  unit(
    'nghe-an',
    'Nghệ An',
    [],
    [
      { kind: 'unit', id: COMMUNES.dh, name: 'Xã Diễn Hồng' },
      { kind: 'unit', id: COMMUNES.tk, name: 'Xã Tân Kỳ' },
    ],
  );
  unit(COMMUNES.dh, 'Xã Diễn Hồng', ['nghe-an'], [{ kind: 'club', id: DH, name: 'CLB Điền Hồng' }]);
  unit(COMMUNES.tk, 'Xã Tân Kỳ', ['nghe-an'], [{ kind: 'club', id: TK, name: 'CLB Tân Kỳ' }]);
  for (const [id, name, commune] of [
    [DH, 'CLB Điền Hồng', COMMUNES.dh],
    [TK, 'CLB Tân Kỳ', COMMUNES.tk],
  ] as const) {
    world.lookups.area_({
      kind: 'club',
      id,
      name,
      level: 'club',
      ancestors: ['nghe-an', commune],
      children: [],
    });
  }
  return world;
}

describe('báo cáo tuần', () => {
  it('offers last week first until its cut-off, asks area by area, and saves each answer as a draft', async () => {
    const world = worldWithReporter();
    const chat = world.chat(PEOPLE.chair.chat);
    const [period] = await converse(chat, [['báo cáo tuần', 'report.askPeriod']]);
    expect(period!.choices).toEqual([
      'report.lastWeek {"span":"23/02–01/03"}',
      'report.thisWeek {"span":"02/03–08/03"}',
    ]);
    const [first] = await converse(chat, [['1', 'report.askYesNo']]);
    expect(first!.vars[0]).toMatchObject({ n: 1, total: CODES.length, label: 'report.el.hop', hint: '' });
    const [dd] = await converse(chat, [['có', 'report.askCount']]);
    expect(codeOf(dd!)).toBe('dd');
    expect(saves(dd!.effects)).toEqual([
      {
        type: 'saveWeeklyReport',
        clubId: DH,
        period: LAST_WEEK,
        values: { hop: true },
        byMemberId: PEOPLE.chair.id,
        submit: false,
      },
    ]);
  });

  it('re-asks bad numbers clearly and stores none of them', async () => {
    const atAttendance = async () => {
      const chat = worldWithReporter().chat(PEOPLE.chair.chat);
      await converse(chat, [
        ['báo cáo tuần', 'report.askPeriod'],
        ['1', 'report.askYesNo'],
        ['1', 'report.askCount'],
      ]);
      return chat;
    };
    for (const [bad, key] of [
      ['-5', 'report.retryCount'],
      ['12.5', 'report.retryCount'],
      ['🙂', 'report.retryCount'],
      ['mười hai rưỡi', 'report.retryCount'],
      ['1000', 'report.retryTooBig'],
      ['5'.repeat(5000), 'common.tooLong'],
    ] as const) {
      const reply = await (await atAttendance()).say(bad);
      expect(reply.keys, bad).toEqual([key, 'report.askCount']);
      expect(saves(reply.effects), bad).toEqual([]);
    }
    // Words and units are numbers too; above the club's members it is asked back once.
    const chat = await atAttendance();
    const [check] = await converse(chat, [['ba mươi lăm người', 'report.checkMembers']]);
    expect(check!.vars[0]).toMatchObject({ value: '35', members: 5 });
    const [again] = await converse(chat, [['2', 'report.askCount']]);
    expect(codeOf(again!)).toBe('dd');
    expect(saves(again!.effects)).toEqual([]);
    const [next] = await converse(chat, [['3', 'report.askCount']]);
    expect(codeOf(next!)).toBe('moi');
    expect(saves(next!.effects)[0]!.values).toEqual({ dd: 3 });
  });

  it('reads money as chairs write it', async () => {
    const world = worldWithReporter();
    const chat = world.chat(PEOPLE.chair.chat);
    let reply = await chat.say('báo cáo tuần');
    reply = await chat.say('1');
    while (codeOf(reply) !== 'phi') reply = await chat.say(codeOf(reply) === 'hop' ? 'không' : '0');
    expect(reply.keys).toEqual(['report.askMoney']);
    expect((await chat.say('1,5 triệu nữa hả')).keys).toEqual(['report.retryMoney', 'report.askMoney']);
    reply = await chat.say('1tr5');
    expect(saves(reply.effects)[0]!.values).toEqual({ phi: 1_500_000 });
  });

  it('shows a numbered summary, edits a line with "sửa 2", and thanks for a report on time', async () => {
    const world = worldWithReporter();
    const chat = world.chat(PEOPLE.chair.chat);
    await converse(chat, [['báo cáo tuần', 'report.askPeriod']]);
    const summary = await answerAll(chat, await chat.say('1'), { hop: 'có', dd: '3', tham: '12' });
    expect(summary.keys).toEqual(['report.summary']);
    const lines = String((summary.vars[0] as { lines: string }).lines).split('\n');
    expect(lines).toHaveLength(CODES.length);
    expect(lines[1]).toBe('2. report.el.dd: 3');
    expect(summary.choices).toEqual(['report.send', 'report.edit']);
    const [edit] = await converse(chat, [['sửa 2', 'report.askCount']]);
    expect(codeOf(edit!)).toBe('dd');
    const [back] = await converse(chat, [['4', 'report.summary']]);
    expect((back!.vars[0] as { lines: string }).lines).toContain('2. report.el.dd: 4');
    // "2" then a line number works too.
    await converse(chat, [
      ['2', 'report.whichLine'],
      ['99', ['report.retryLine', 'report.whichLine']],
      ['1', 'report.askYesNo'],
      ['có', 'report.summary'],
    ]);
    const [done] = await converse(chat, [['1', 'report.thanksOnTime']]);
    const [saved] = saves(done!.effects);
    expect(saved).toMatchObject({ clubId: DH, period: LAST_WEEK, submit: true, byMemberId: PEOPLE.chair.id });
    expect(saved!.values).toMatchObject({ hop: true, dd: 4, tham: 12, moi: 0 });
    expect(world.lookups.reports.get(`${DH}|${LAST_WEEK}`)).toMatchObject({
      status: 'submitted',
      onTime: true,
    });
  });

  it('keeps a draft: leaving half-way, the next "báo cáo tuần" resumes where it stopped', async () => {
    const world = worldWithReporter();
    const chat = world.chat(PEOPLE.chair.chat);
    await converse(chat, [
      ['báo cáo tuần', 'report.askPeriod'],
      ['1', 'report.askYesNo'],
      ['có', 'report.askCount'],
      ['3', 'report.askCount'],
      ['menu', 'menu.title'],
      ['báo cáo tuần', 'report.askPeriod'],
    ]);
    const [resumed] = await converse(chat, [['1', ['report.resumed', 'report.askCount']]]);
    expect(codeOf(resumed!)).toBe('moi');
  });

  it('after the cut-off a week not sent is late, and a week sent is closed to the club', async () => {
    const world = worldWithReporter();
    world.advance(3 * 3600_000); // Monday 13:00: last week's cut-off has passed
    const chat = world.chat(PEOPLE.chair.chat);
    const [period] = await converse(chat, [['báo cáo tuần', 'report.askPeriod']]);
    expect(period!.choices![1]).toBe('report.lastWeek {"span":"23/02–01/03"}');
    const summary = await answerAll(chat, await chat.say('2'));
    expect(summary.keys).toEqual(['report.summary']);
    await converse(chat, [['1', 'report.thanksLate']]);
    expect(world.lookups.reports.get(`${DH}|${LAST_WEEK}`)).toMatchObject({
      status: 'submitted',
      onTime: false,
    });
    await converse(chat, [
      ['báo cáo tuần', 'report.askPeriod'],
      ['2', ['report.closed', 'menu.title']],
    ]);
  });

  it('a week sent before its cut-off opens at the summary, to change a line', async () => {
    const world = worldWithReporter();
    world.lookups.reports.set(`${DH}|${LAST_WEEK}`, {
      status: 'submitted',
      values: Object.fromEntries(CODES.map((c) => [c, c === 'hop' ? true : 2])),
      onTime: true,
      reopenedUntil: null,
    });
    const chat = world.chat(PEOPLE.chair.chat);
    await converse(chat, [
      ['báo cáo tuần', 'report.askPeriod'],
      ['1', ['report.alreadySent', 'report.summary']],
      ['sửa 2', 'report.askCount'],
    ]);
    // A change to a sent report waits for "Gửi".
    const [back] = await converse(chat, [['5', 'report.summary']]);
    expect(saves(back!.effects)).toEqual([]);
    const [done] = await converse(chat, [['1', 'report.updated']]);
    expect(saves(done!.effects)[0]!.values.dd).toBe(5);
  });

  it('the one-message form: every value in order, answered with the summary; a wrong count explained', async () => {
    const world = worldWithReporter();
    const chat = world.chat(PEOPLE.chair.chat);
    const values = CODES.map((c) => (c === 'hop' ? '1' : c === 'dd' ? '3' : c === 'phi' ? '1tr5' : '0'));
    const [summary] = await converse(chat, [[`bc ${values.join(' ')}`, 'report.summary']]);
    expect((summary!.vars[0] as { lines: string }).lines).toContain('2. report.el.dd: 3');
    expect(saves(summary!.effects)[0]).toMatchObject({
      submit: false,
      values: { hop: true, dd: 3, phi: 1_500_000 },
    });
    await converse(chat, [['1', 'report.thanksOnTime']]);

    const other = world.chat(PEOPLE.chair.chat);
    const [wrong] = await converse(other, [['bc 1 35 30', ['report.wrongCount', 'menu.title']]]);
    expect(wrong!.vars[0]).toEqual({ got: 3, expected: CODES.length, order: CODES.join(' ') });
    expect(saves(wrong!.effects)).toEqual([]);
    const [unknown] = await converse(other, [['bc hop=1 xyz=3', ['report.unknownCode', 'menu.title']]]);
    expect(unknown!.vars[0]).toMatchObject({ code: 'xyz' });
    await converse(other, [['bc hop=1 dd=-3', ['report.badValue', 'menu.title']]]);
  });

  it('the one-message form asks back values that look wrong, one by one, before keeping them', async () => {
    const world = worldWithReporter();
    // The week before: 2 home visits, so 40 is far from the usual.
    world.lookups.reports.set(`${DH}|2026W8`, {
      status: 'submitted',
      values: { hop: true, dd: 4, tham: 2 },
      onTime: true,
      reopenedUntil: null,
    });
    const chat = world.chat(PEOPLE.chair.chat);
    const values = CODES.map((c) => (c === 'hop' ? '1' : c === 'dd' ? '35' : c === 'tham' ? '40' : '0'));
    const [members] = await converse(chat, [[`bc ${values.join(' ')}`, 'report.checkMembers']]);
    expect(members!.vars[0]).toMatchObject({ label: 'report.el.dd', value: '35', members: 5 });
    // Nothing doubted is kept yet; the rest is, as a draft.
    const [drafted] = saves(members!.effects);
    expect(drafted!.values).toMatchObject({ hop: true, moi: 0 });
    expect(drafted!.values).not.toHaveProperty('dd');
    expect(drafted!.values).not.toHaveProperty('tham');
    // "Nhập lại": asked again, then the next doubt.
    const [again] = await converse(chat, [['2', 'report.askCount']]);
    expect(codeOf(again!)).toBe('dd');
    const [usual] = await converse(chat, [['4', 'report.checkUsual']]);
    expect(usual!.vars[0]).toMatchObject({ label: 'report.el.tham', value: '40', usual: 2 });
    expect(saves(usual!.effects)[0]!.values).toEqual({ dd: 4 });
    // "Đúng": kept as given.
    const [summary] = await converse(chat, [['1', 'report.summary']]);
    expect(saves(summary!.effects)[0]!.values).toEqual({ tham: 40 });
    const lines = (summary!.vars[0] as { lines: string }).lines;
    expect(lines).toContain('2. report.el.dd: 4');
    expect(lines).toContain(`${CODES.indexOf('tham') + 1}. report.el.tham: 40`);
    await converse(chat, [['1', 'report.thanksOnTime']]);
    expect(world.lookups.reports.get(`${DH}|${LAST_WEEK}`)!.values).toMatchObject({ dd: 4, tham: 40 });
  });

  it('by codes, a value that looks wrong is asked back, then the rest asked', async () => {
    const world = worldWithReporter();
    const chat = world.chat('9010');
    await converse(chat, [
      ['bc hop=1 dd=35', 'report.checkMembers'],
      ['1', 'report.askCount'],
    ]);
    expect(world.lookups.reports.get(`${DH}|${LAST_WEEK}`)!.values).toEqual({ hop: true, dd: 35 });
  });

  it('by codes: the values given are kept and the rest asked', async () => {
    const world = worldWithReporter();
    const chat = world.chat('9010'); // the club's reporter
    const [next] = await converse(chat, [['bc hop=1 dd=3', 'report.askCount']]);
    expect(codeOf(next!)).toBe('moi');
    expect(saves(next!.effects)[0]).toMatchObject({
      byMemberId: 'reporter-dh',
      values: { hop: true, dd: 3 },
    });
  });

  it('only the chair, a vice chair or a reporter may report, each only for their club', async () => {
    const world = worldWithReporter();
    for (const chatId of [PEOPLE.member.chat, PEOPLE.volunteer.chat, '9020']) {
      await converse(world.chat(chatId), [['báo cáo tuần', ['report.notAllowed', 'menu.title']]]);
      const reply = await world.chat(chatId).say('bc 1 2 3');
      expect(reply.keys[0]).toBe('report.notAllowed');
      expect(saves(reply.effects)).toEqual([]);
    }
    const [menu] = await converse(world.chat('9010'), [['menu', 'menu.title']]);
    expect(menu!.choices).toContain('menu.weeklyReport');
    expect(menu!.choices).not.toContain('menu.myInfo');
    // A forged effect for another club changes nothing.
    world.lookups.apply({
      type: 'saveWeeklyReport',
      clubId: TK,
      period: LAST_WEEK,
      values: { dd: 9 },
      byMemberId: PEOPLE.chair.id,
      submit: true,
    });
    expect(world.lookups.reports.get(`${TK}|${LAST_WEEK}`)).toBeUndefined();
  });
});

describe('xem báo cáo', () => {
  it('commune staff see their commune only: the figures and the clubs missing', async () => {
    const world = worldWithReporter();
    world.lookups.reports.set(`${TK}|${LAST_WEEK}`, {
      status: 'submitted',
      values: { dd: 7 },
      onTime: true,
      reopenedUntil: null,
    });
    const chat = world.chat('9020');
    const [menu] = await converse(chat, [['menu', 'menu.title']]);
    expect(menu!.choices).toContain('menu.reportView');
    const [, result] = await converse(chat, [
      ['xem báo cáo', 'reportView.askPeriod'],
      ['1', ['reportView.text', 'reportView.askMore']],
    ]);
    const text = (result!.vars[0] as { text: string }).text;
    expect(text).toContain('reportView.missing {"count":1}');
    expect(text).toContain('- CLB Điền Hồng');
    expect(text).not.toContain('Tân Kỳ');
    expect(text.length).toBeLessThan(2000);
    // The chart comes with it (after the text: the runtime queues it after the reply).
    const staffChat = { channel: 'telegram', chatId: '9020' };
    expect(result!.effects).toEqual([
      {
        type: 'sendReportFiles',
        kind: 'chart',
        to: staffChat,
        memberId: 'staff-dh',
        orgUnitId: COMMUNES.dh,
        periods: [LAST_WEEK],
        lang: 'vi',
        key: 'telegram.9020.m3.chart',
      },
    ]);
    // No DHIS2 configured: not offered.
    expect(result!.choices).toEqual(['reportView.getXlsx', 'reportView.reopen']);
    const [excel] = await converse(chat, [['1', ['reportView.sendingXlsx', 'reportView.askMore']]]);
    expect(excel!.effects).toEqual([
      expect.objectContaining({ type: 'sendReportFiles', kind: 'xlsx', to: staffChat, periods: [LAST_WEEK] }),
    ]);
    await converse(chat, [
      ['5', ['reportView.retryMore', 'reportView.askMore']],
      ['0', 'menu.title'],
    ]);
  });

  it('with DHIS2 configured, staff push the period and are told DHIS2 will answer', async () => {
    const world = worldWithReporter({
      DHIS2_URL: 'http://127.0.0.1:9/dhis',
      DHIS2_TOKEN: 'd2pat_test',
      DHIS2_MAPPING_FILE: '/tmp/mapping.json',
    });
    const chat = world.chat('9020');
    const [, result] = await converse(chat, [
      ['xem báo cáo', 'reportView.askPeriod'],
      ['3', ['reportView.text', 'reportView.askMore']],
    ]);
    expect(result!.choices).toEqual(['reportView.getXlsx', 'reportView.pushDhis2', 'reportView.reopen']);
    const [push] = await converse(chat, [['2', ['reportView.pushing', 'reportView.askMore']]]);
    expect(push!.effects).toEqual([
      {
        type: 'pushReportsToDhis2',
        to: { channel: 'telegram', chatId: '9020' },
        memberId: 'staff-dh',
        orgUnitId: COMMUNES.dh,
        periods: ['2026W6', '2026W7', '2026W8', LAST_WEEK],
        lang: 'vi',
        key: 'telegram.9020.m3.dhis2',
      },
    ]);
    await converse(chat, [['xong', 'menu.title']]);
  });

  it('province staff choose the whole province or a commune below it', async () => {
    const world = worldWithReporter();
    world.lookups.reports.set(`${TK}|${LAST_WEEK}`, {
      status: 'submitted',
      values: { dd: 7 },
      onTime: true,
      reopenedUntil: null,
    });
    const chat = world.chat('9021');
    const [units] = await converse(chat, [['xem báo cáo', 'reportView.askUnit']]);
    expect(units!.choices).toEqual(['reportView.whole {"name":"Nghệ An"}', 'Xã Diễn Hồng', 'Xã Tân Kỳ']);
    const [, result] = await converse(chat, [
      ['3', 'reportView.askPeriod'],
      ['1', ['reportView.text', 'reportView.askMore']],
    ]);
    const text = (result!.vars[0] as { text: string }).text;
    expect(text).toContain('reportView.rate {"reported":1,"expected":1,"rate":100,"onTime":100}');
    expect(text).toContain('reportView.noneMissing');
  });

  it('members and chairs are not staff', async () => {
    const world = worldWithReporter();
    for (const chatId of [PEOPLE.member.chat, PEOPLE.chair.chat]) {
      await converse(world.chat(chatId), [['xem báo cáo', ['reportView.notAllowed', 'menu.title']]]);
    }
  });
});

describe('mở lại báo cáo', () => {
  const SENT = {
    status: 'submitted' as const,
    values: Object.fromEntries(CODES.map((c) => [c, c === 'hop' ? true : 2])),
    onTime: true,
    reopenedUntil: null,
  };
  const reopens = (effects: Effect[]) => effects.filter((e) => e.type === 'reopenWeeklyReport');

  it('after the cut-off, commune staff reopen a sent week: the club is told and the chair can change it again', async () => {
    const world = worldWithReporter();
    world.lookups.reports.set(`${DH}|${LAST_WEEK}`, structuredClone(SENT));
    world.advance(3 * 3600_000); // Monday 13:00: last week is closed
    const chair = world.chat(PEOPLE.chair.chat);
    await converse(chair, [
      ['báo cáo tuần', 'report.askPeriod'],
      ['2', ['report.closed', 'menu.title']],
    ]);

    const staff = world.chat('9020');
    const [clubs, weeks] = await converse(staff, [
      ['mở lại báo cáo', 'reportReopen.askClub'],
      ['1', 'reportReopen.askWeek'],
    ]);
    expect(clubs!.choices).toEqual(['CLB Điền Hồng', 'common.backToMenu']);
    expect(weeks!.choices).toEqual([
      'reportReopen.week {"span":"23/02–01/03"}',
      'reportReopen.week {"span":"16/02–22/02"}',
      'reportReopen.week {"span":"09/02–15/02"}',
    ]);
    const [confirm] = await converse(staff, [['1', 'reportReopen.confirm']]);
    expect(confirm!.vars[0]).toEqual({ club: 'CLB Điền Hồng', period: '23/02–01/03', until: '04/03 13:00' });
    const [done] = await converse(staff, [['1', ['reportReopen.done', 'menu.title']]]);
    expect(reopens(done!.effects)).toEqual([
      {
        type: 'reopenWeeklyReport',
        clubId: DH,
        period: LAST_WEEK,
        byMemberId: 'staff-dh',
        until: '2026-03-04T06:00:00.000Z',
        whenReopened: [
          expect.objectContaining({
            type: 'notify',
            to: { reportersOf: DH },
            say: {
              key: 'report.reopened',
              vars: { club: 'CLB Điền Hồng', period: '23/02–01/03', until: '04/03 13:00' },
            },
          }),
        ],
      },
    ]);

    await converse(chair, [
      ['báo cáo tuần', 'report.askPeriod'],
      ['2', ['report.alreadySent', 'report.summary']],
      ['sửa 2', 'report.askCount'],
      ['4', 'report.summary'],
      ['1', 'report.updated'],
    ]);
    expect(world.lookups.reports.get(`${DH}|${LAST_WEEK}`)!.values.dd).toBe(4);
    // Asked again while it is open: told until when.
    await converse(staff, [
      ['mở lại báo cáo', 'reportReopen.askClub'],
      ['1', 'reportReopen.askWeek'],
      ['1', ['reportReopen.alreadyOpen', 'menu.title']],
    ]);
  });

  it('a week the club has not sent needs no reopening', async () => {
    const world = worldWithReporter();
    world.advance(3 * 3600_000);
    await converse(world.chat('9020'), [
      ['mở lại báo cáo', 'reportReopen.askClub'],
      ['1', 'reportReopen.askWeek'],
      ['1', ['reportReopen.notSent', 'menu.title']],
    ]);
  });

  it('from the roll-up: the area looked at, one level down', async () => {
    const world = worldWithReporter();
    const chat = world.chat('9021'); // province staff
    const [, , more] = await converse(chat, [
      ['xem báo cáo', 'reportView.askUnit'],
      ['2', 'reportView.askPeriod'],
      ['1', ['reportView.text', 'reportView.askMore']],
    ]);
    expect(more!.choices).toEqual(['reportView.getXlsx', 'reportView.reopen']);
    const [clubs] = await converse(chat, [['2', 'reportReopen.askClub']]);
    expect(clubs!.vars[0]).toEqual({ area: 'Xã Diễn Hồng' });
    expect(clubs!.choices).toEqual(['CLB Điền Hồng', 'common.backToMenu']);
  });

  it('staff of another commune never see the club, and a forged reopening changes nothing; chairs may not reopen', async () => {
    const world = worldWithReporter();
    world.lookups.reports.set(`${DH}|${LAST_WEEK}`, structuredClone(SENT));
    world.advance(3 * 3600_000);
    const [clubs] = await converse(world.chat('9022'), [['mở lại báo cáo', 'reportReopen.askClub']]);
    expect(clubs!.choices).toEqual(['CLB Tân Kỳ', 'common.backToMenu']);
    // Opened at an area that is not hers, she starts at her own.
    const opened = await world.chat('9022').open('reportReopen', { unitId: COMMUNES.dh });
    expect(opened.keys).toEqual(['reportReopen.askClub']);
    expect(opened.choices).toEqual(['CLB Tân Kỳ', 'common.backToMenu']);
    world.lookups.apply({
      type: 'reopenWeeklyReport',
      clubId: DH,
      period: LAST_WEEK,
      byMemberId: 'staff-tk',
      until: '2026-03-09T00:00:00.000Z',
      whenReopened: [],
    });
    expect(world.lookups.reports.get(`${DH}|${LAST_WEEK}`)!.reopenedUntil).toBeNull();
    for (const chatId of [PEOPLE.chair.chat, '9010']) {
      await converse(world.chat(chatId), [['mở lại báo cáo', ['reportReopen.notAllowed', 'menu.title']]]);
    }
  });
});
