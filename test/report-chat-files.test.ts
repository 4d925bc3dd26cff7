/**
 * Report files and the DHIS2 push for staff by chat, as the `sendReportFiles` and
 * `pushReportsToDhis2` effects are applied by the runtime, sent by the outbox and received by the
 * fake platforms (real HTTP servers on loopback): on Telegram the Excel file as a document and
 * the chart as a photo; on the Zalo Bot the chart as a photo by its signed link and the Excel as
 * a signed link; on the simulator links. Staff of another province and a chair get a refusal.
 */

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import readXlsxFile from 'read-excel-file/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_REPORT } from '../flows/reports/default.ts';
import type { Effect, SendReportFilesEffect } from '../src/engine/types.ts';
import { createTranslator } from '../src/i18n.ts';
import { shiftPeriod, weekOf } from '../src/reports/periods.ts';
import { findReport, saveReport } from '../src/reports/store.ts';
import { FakeDhis2 } from './fakes/dhis2.ts';
import { FakeTelegram } from './fakes/telegram.ts';
import { FakeZaloBot } from './fakes/zalo-bot.ts';
import { eventually, isolatedEnv, startTestApp, type TestApp } from './support/app.ts';
import { insertPlaces } from './support/report-places.ts';

const t = createTranslator();
let test: TestApp;
let telegram: FakeTelegram;
let zalo: FakeZaloBot;
const dhis2 = new FakeDhis2({
  dataSets: ['IshcWeekly1'],
  orgUnits: ['ClbDienHong'],
  dataElements: { IshcMeetng1: 'BOOLEAN', IshcAttend1: 'INTEGER_ZERO_OR_POSITIVE' },
});
const ids = { staff: '', otherStaff: '', chair: '' };
const TG_CHAT = '7001';
const ZALO_CHAT = '5200000001';

beforeAll(async () => {
  telegram = await FakeTelegram.start();
  zalo = await FakeZaloBot.start();
  zalo.allowChat(ZALO_CHAT);
  const dir = mkdtempSync(join(tmpdir(), 'ishc-dhis2-'));
  writeFileSync(
    join(dir, 'mapping.json'),
    JSON.stringify({
      dataSet: 'IshcWeekly1',
      orgUnits: { 'club-dh': 'ClbDienHong' },
      dataElements: { hop: 'IshcMeetng1', dd: 'IshcAttend1' },
    }),
  );
  test = await startTestApp(
    isolatedEnv({
      SIMULATOR: 'true',
      TELEGRAM_BOT_TOKEN: telegram.token,
      TELEGRAM_API_ROOT: telegram.apiRoot,
      TELEGRAM_MODE: 'polling',
      ZALO_BOT_TOKEN: zalo.token,
      ZALO_BOT_API_ROOT: zalo.apiRoot,
      ZALO_BOT_MODE: 'polling',
      DHIS2_URL: await dhis2.listen(),
      DHIS2_TOKEN: dhis2.token,
      DHIS2_MAPPING_FILE: join(dir, 'mapping.json'),
    }),
  );
  const { models } = test.app;
  await insertPlaces(models);
  const [staff, otherStaff, chair] = await models.Member.insertMany([
    { fullName: 'Lê Thị Hoa', status: 'active', roles: [{ role: 'staff', orgUnitId: 'vn-na' }] },
    { fullName: 'Trần Văn Nam', status: 'active', roles: [{ role: 'staff', orgUnitId: 'vn-ht' }] },
    {
      fullName: 'Phan Thị Nhung',
      status: 'active',
      roles: [{ role: 'chair', clubId: 'club-dh' }],
      clubIds: ['club-dh'],
    },
  ]);
  ids.staff = String(staff!._id);
  ids.otherStaff = String(otherStaff!._id);
  ids.chair = String(chair!._id);
  const values = Object.fromEntries(
    DEFAULT_REPORT.elements.map((e) => [
      e.code,
      e.type === 'yesno' ? true : e.code === 'dd' ? 35 : e.code === 'tham' ? 4 : 0,
    ]),
  );
  await saveReport(
    models,
    {
      clubId: 'club-dh',
      period: '2026W47',
      values,
      by: 'chair',
      now: new Date('2026-11-22T10:00:00Z'),
      submit: true,
      definition: DEFAULT_REPORT,
    },
    { timeZone: 'Asia/Ho_Chi_Minh', cutoff: '1 12:00' },
  );
}, 60_000);

afterAll(async () => {
  await test?.stop();
  await telegram?.close();
  await zalo?.close();
  await dhis2.close();
});

let keys = 0;
function files(
  to: { channel: 'telegram' | 'zalo-bot' | 'simulator'; chatId: string },
  kind: 'xlsx' | 'chart',
  memberId = ids.staff,
): SendReportFilesEffect {
  keys += 1;
  return {
    type: 'sendReportFiles',
    to,
    memberId,
    orgUnitId: 'vn-na',
    periods: ['2026W47'],
    kind,
    lang: 'vi',
    key: `k${keys}`,
  };
}
const apply = (effect: Effect) => test.app.effects.apply([effect], new Date());

/** A link the bot sent, opened on the test app (links are made for PUBLIC_URL, unset here). */
async function open(link: string): Promise<Response> {
  const url = new URL(link);
  return fetch(`${test.url}${url.pathname}${url.search}`);
}

describe('on Telegram', () => {
  it('sends the Excel file as a document that reads back with the club and its figures', async () => {
    await apply(files({ channel: 'telegram', chatId: TG_CHAT }, 'xlsx'));
    const sent = await telegram.waitForSent(
      (m) => m.chatId === TG_CHAT && m.file?.kind === 'document',
      10_000,
    );
    expect(sent.file!.name).toBe('bao-cao-vn-na-2026W47.xlsx');
    expect(sent.text).toBe(
      t('vi', 'reportFiles.chat.xlsxCaption', { name: 'Tỉnh Nghệ An', periods: 'tuần 47/2026' }),
    );
    const sheets = await readXlsxFile(sent.file!.bytes);
    expect(sheets.map((sheet) => sheet.sheet)).toEqual(['2026W47', 'CLB chưa báo cáo']);
    const dd = 6 + DEFAULT_REPORT.elements.findIndex((e) => e.code === 'dd');
    expect(sheets[0]!.data[1]!.slice(0, 4)).toEqual([
      'Tỉnh Nghệ An',
      'Xã Diễn Hồng',
      'club-dh',
      'CLB Đông Hồng',
    ]);
    expect(sheets[0]!.data[1]![dd]).toBe(35);
    expect(sheets[1]!.data[1]).toEqual([
      '2026W47',
      'Tỉnh Nghệ An',
      'Xã Diễn Hồng',
      'club-dh2',
      'CLB Xóm Đông',
    ]);
  });

  it('sends the chart as a photo', async () => {
    await apply(files({ channel: 'telegram', chatId: TG_CHAT }, 'chart'));
    const sent = await telegram.waitForSent((m) => m.chatId === TG_CHAT && m.file?.kind === 'photo', 10_000);
    expect(sent.file!.bytes.subarray(1, 4).toString()).toBe('PNG');
    expect(sent.file!.bytes.readUInt32BE(16)).toBe(1080);
    expect(sent.text).toBe(
      t('vi', 'reportFiles.chat.chartCaption', { name: 'Tỉnh Nghệ An', periods: 'tuần 47/2026' }),
    );
  });

  it('refuses staff of another province and a club chair, and sends them nothing', async () => {
    await apply(files({ channel: 'telegram', chatId: '7002' }, 'xlsx', ids.otherStaff));
    await apply(files({ channel: 'telegram', chatId: '7003' }, 'chart', ids.chair));
    const refusal = t('vi', 'reportFiles.chat.notAllowed', { name: 'Tỉnh Nghệ An' });
    expect((await telegram.waitForSent((m) => m.chatId === '7002')).text).toBe(refusal);
    expect((await telegram.waitForSent((m) => m.chatId === '7003')).text).toBe(refusal);
    expect(
      telegram
        .sent('7002')
        .concat(telegram.sent('7003'))
        .some((m) => m.file),
    ).toBe(false);
  });

  it('pushes a week to DHIS2 and tells the import summary', async () => {
    await apply({
      type: 'pushReportsToDhis2',
      to: { channel: 'telegram', chatId: '7004' },
      memberId: ids.staff,
      orgUnitId: 'vn-na',
      periods: ['2026W47'],
      lang: 'vi',
      key: 'push1',
    });
    const sent = await telegram.waitForSent((m) => m.chatId === '7004', 10_000);
    expect(sent.text).toBe(
      t('vi', 'reportFiles.chat.dhis2Done', {
        name: 'Tỉnh Nghệ An',
        periods: 'tuần 47/2026',
        imported: 2,
        updated: 0,
        ignored: 0,
      }),
    );
    expect(dhis2.values.get('IshcAttend1|2026W47|ClbDienHong|default')).toBe('35');
  });
});

describe('by chat, as staff ask for them', () => {
  it('"xem báo cáo": the roll-up, then the chart, the Excel file and the DHIS2 push with its summary', async () => {
    const chatId = '7010';
    await test.app.models.Identity.create({
      _id: `telegram:${chatId}`,
      channel: 'telegram',
      chatId,
      memberId: ids.staff,
    });
    const user = { id: Number(chatId), first_name: 'Hoa' };
    let seen = 0;
    const say = async (text: string) => {
      telegram.pushUpdate(telegram.textUpdate(user, text));
      return next();
    };
    const next = () => {
      const index = seen++;
      return eventually(async () => telegram.sent(chatId)[index], `message ${index + 1}`, 10_000);
    };
    // Last week holds a report of the mapped club whatever the day the test runs.
    const lastWeek = shiftPeriod(weekOf(new Date(), 'Asia/Ho_Chi_Minh'), -1);
    await saveReport(
      test.app.models,
      {
        clubId: 'club-dh',
        period: lastWeek,
        values: { hop: true, dd: 35 },
        by: 'chair',
        now: new Date(),
        submit: true,
        staff: true,
        definition: DEFAULT_REPORT,
      },
      { timeZone: 'Asia/Ho_Chi_Minh', cutoff: '1 12:00' },
    );
    expect((await say('xem báo cáo')).text).toContain(t('vi', 'reportView.askUnit'));
    expect((await say('1')).text).toContain(t('vi', 'reportView.askPeriod', { unit: 'Tỉnh Nghệ An' }));
    const rollup = await say('1');
    expect(rollup.text).toContain(t('vi', 'reportView.askMore'));
    expect(rollup.text).toContain(t('vi', 'reportView.pushDhis2')); // DHIS2 is configured
    const chart = await next();
    expect(chart.file?.kind).toBe('photo');
    expect((await say('1')).text).toContain(t('vi', 'reportView.sendingXlsx'));
    expect((await next()).file?.kind).toBe('document');
    expect((await say('2')).text).toContain(t('vi', 'reportView.pushing'));
    const summary = (await next()).text;
    const [, imported, updated] = /Mới: (\d+) · Cập nhật: (\d+)/.exec(summary)!;
    expect(Number(imported) + Number(updated)).toBe(2);
    expect(summary).toContain('Tỉnh Nghệ An');
    expect(dhis2.values.get(`IshcAttend1|${lastWeek}|ClbDienHong|default`)).toBe('35');
  }, 60_000);
});

describe('on Zalo', () => {
  it('sends the chart as a photo by a signed link that serves the picture', async () => {
    await apply(files({ channel: 'zalo-bot', chatId: ZALO_CHAT }, 'chart'));
    const sent = await zalo.waitForSent((m) => m.chatId === ZALO_CHAT && m.photo !== undefined, 10_000);
    expect(sent.text).toBe(
      t('vi', 'reportFiles.chat.chartCaption', { name: 'Tỉnh Nghệ An', periods: 'tuần 47/2026' }),
    );
    const response = await open(sent.photo!);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/png');
  });

  it('sends the Excel file as a download link valid 24 hours', async () => {
    const before = Date.now();
    await apply(files({ channel: 'zalo-bot', chatId: ZALO_CHAT }, 'xlsx'));
    const sent = await zalo.waitForSent(
      (m) => m.chatId === ZALO_CHAT && m.text.includes('/files/reports/'),
      10_000,
    );
    const link = /(http\S+)/.exec(sent.text)![1]!;
    expect(
      sent.text.startsWith(
        t('vi', 'reportFiles.chat.xlsxCaption', { name: 'Tỉnh Nghệ An', periods: 'tuần 47/2026' }),
      ),
    ).toBe(true);
    const token = new URL(link).searchParams.get('t')!;
    const expires = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()).e * 1000;
    expect(Math.round((expires - before) / 3600_000)).toBe(24);
    const sheets = await readXlsxFile(Buffer.from(await (await open(link)).arrayBuffer()));
    expect(sheets[0]!.data[1]![2]).toBe('club-dh');
  });

  it('gives links in the simulator', async () => {
    await apply(files({ channel: 'simulator', chatId: 'staff-sim' }, 'chart'));
    const entry = await eventually(
      async () =>
        (await test.app.simulator!.messages('staff-sim', 0)).find((m) =>
          JSON.stringify(m).includes('/files/reports/'),
        ),
      'a link in the simulator chat',
      10_000,
    );
    const link = /(http[^\s"\\]+)/.exec(JSON.stringify(entry))![1]!;
    expect((await open(link)).headers.get('content-type')).toBe('image/png');
  });
});

describe('reopening a closed week', () => {
  const reopen = (byMemberId: string): Effect => ({
    type: 'reopenWeeklyReport',
    clubId: 'club-dh',
    period: '2026W47',
    byMemberId,
    until: new Date(Date.now() + 48 * 3600_000).toISOString(),
    whenReopened: [],
  });
  const chairEdits = (tham: number): Effect => ({
    type: 'saveWeeklyReport',
    clubId: 'club-dh',
    period: '2026W47',
    values: { tham },
    byMemberId: ids.chair,
    submit: true,
  });
  const report = () => findReport(test.app.models, 'club-dh', '2026W47');

  it('only staff of the club’s area reopen it; the chair can then change it again', async () => {
    // Past its cut-off (Monday 23/11 12:00), the club's change is refused.
    await apply(chairEdits(9));
    expect((await report())!.values).toMatchObject({ tham: 4 });
    // Staff of another province, and the club's own chair, cannot reopen it.
    await apply(reopen(ids.otherStaff));
    await apply(reopen(ids.chair));
    expect((await report())!.reopenedUntil).toBeNull();
    await apply(reopen(ids.staff));
    expect((await report())!.reopenedUntil).not.toBeNull();
    await apply(chairEdits(9));
    expect((await report())!.values).toMatchObject({ tham: 9 });
  });
});
