/**
 * Weekly-report transcripts on all five channels, against real FerretDB/MongoDB and Redis: a
 * chair reports area by area (a bad number re-asked, a draft resumed, a line edited, on time),
 * commune staff see it in their roll-up at once with the club still missing (then the chart and
 * the Excel file), another chair uses the one-message form (a wrong count explained first, a
 * number above the club's members asked back), a plain member may not report, and after
 * the cut-off the week is closed to the club until commune staff reopen it by chat.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_REPORT } from '../flows/reports/default.ts';
import { TestClock } from '../src/clock.ts';
import { DEMO_PEOPLE, seedDemoData } from '../src/demo/seed.ts';
import { elementsFor } from '../src/reports/definitions.ts';
import {
  type ChannelHarness,
  type ChatDriver,
  simulatorHarness,
  telegramHarness,
  zaloBotHarness,
  zaloOaHarness,
} from './support/chats.ts';
import { chatOfPhone } from './support/people.ts';
import { vi } from './support/text.ts';

/** Tuesday 24 November 2026, 10:00 in Vietnam: week 2026W48 (23/11–29/11), which closes November. */
const TUESDAY = new Date('2026-11-24T03:00:00Z');
const WEEK = '2026W48';
const SPAN = '23/11–29/11';
const ELEMENTS = elementsFor(DEFAULT_REPORT, true);
const CLUB1 = 'club-dien-hong';
const CLUB1_NAME = 'CLB Liên thế hệ tự giúp nhau thôn Đông Hồng';
const CLUB2_NAME = 'CLB Liên thế hệ tự giúp nhau xóm Trung Kỳ';
const unitName = 'Xã Diễn Châu';
const WEEK_WORDS = vi('reportFiles.chat.week', { week: 48, year: 2026 });

/** A report step by step is some thirty messages in a minute: more than a person is let send by default. */
const ENV = { INBOUND_PER_CHAT_PER_MINUTE: '1000' };
const HARNESSES: { name: string; start: (clock: TestClock) => Promise<ChannelHarness> }[] = [
  { name: 'simulator', start: (clock) => simulatorHarness(ENV, { clock }) },
  { name: 'telegram-webhook', start: (clock) => telegramHarness('webhook', ENV, { clock }) },
  { name: 'telegram-polling', start: (clock) => telegramHarness('polling', ENV, { clock }) },
  { name: 'zalo-bot', start: (clock) => zaloBotHarness(ENV, { clock }) },
  { name: 'zalo-oa', start: (clock) => zaloOaHarness(ENV, { clock }) },
];

describe.each(HARNESSES)('weekly report on $name', ({ start }) => {
  const clock = new TestClock(TUESDAY);
  let h: ChannelHarness;
  let chair: ChatDriver;
  let chair2: ChatDriver;
  let staff: ChatDriver;
  let member: ChatDriver;

  beforeAll(async () => {
    h = await start(clock);
    await seedDemoData(h.test.app.models, TUESDAY);
    chair = await chatOfPhone(h, DEMO_PEOPLE.chairClub1, 1);
    chair2 = await chatOfPhone(h, DEMO_PEOPLE.chairClub2, 2);
    staff = await chatOfPhone(h, DEMO_PEOPLE.staff, 3);
    member = await chatOfPhone(h, DEMO_PEOPLE.memberClub1, 4);
  });
  afterAll(() => h.stop());

  it('a chair reports area by area: bad numbers re-asked, a draft resumed, a line edited, thanked on time', async () => {
    const periods = await chair.say('báo cáo tuần');
    expect(periods.text).toContain(vi('report.askPeriod'));
    expect(periods.choices[0]).toContain(vi('report.thisWeek', { span: SPAN }));
    let reply = await chair.say('1');
    expect(reply.text).toContain(vi(ELEMENTS[0]!.key));
    reply = await chair.say('có');
    expect(reply.text).toContain(vi('report.el.dd'));
    for (const bad of ['12.5', '🙂']) {
      expect((await chair.say(bad)).text).toContain(vi('report.retryCount'));
    }
    reply = await chair.say('25 người');
    expect(reply.text).toContain(vi('report.el.moi'));
    // Leaving half-way keeps a draft.
    await chair.say('menu');
    await chair.say('báo cáo tuần');
    reply = await chair.say('1');
    expect(reply.text).toContain(vi('report.resumed'));
    expect(reply.text).toContain(vi('report.el.moi'));
    for (const e of ELEMENTS.slice(2)) {
      expect(reply.text).toContain(vi(e.key));
      reply = await chair.say(e.code === 'tham' ? '12' : e.code === 'phi' ? '1,5 triệu' : '0');
    }
    expect(reply.text).toContain(vi('report.send'));
    expect(reply.text.length).toBeLessThanOrEqual(2000);
    expect(reply.text).toContain(`2. ${vi('report.el.dd')}: 25`);
    expect(reply.text).toContain(`5. ${vi('report.el.phi')}: 1.500.000 đ`);
    expect((await chair.say('sửa 2')).text).toContain(vi('report.el.dd'));
    expect((await chair.say('26')).text).toContain(`2. ${vi('report.el.dd')}: 26`);
    expect((await chair.say('1')).text).toContain(vi('report.thanksOnTime', { period: SPAN }));

    const report = await h.test.app.models.WeeklyReport.findById(`${CLUB1}|${WEEK}`).lean();
    expect(report).toMatchObject({
      status: 'submitted',
      onTime: true,
      values: { hop: true, dd: 26, tham: 12, phi: 1_500_000 },
    });
    const chairId = String(
      (await h.test.app.models.Member.findOne({ phone: DEMO_PEOPLE.chairClub1 }).lean())!._id,
    );
    expect((report!.entries as Record<string, { by: string }>).dd!.by).toBe(chairId);
  }, 180_000);

  it('commune staff see it at once, with the club still missing, then the chart and the Excel file', async () => {
    expect((await staff.say('xem báo cáo')).text).toContain(
      vi('reportView.askPeriod', { unit: 'Diễn Châu' }).split(' ')[0]!,
    );
    const result = await staff.say('2');
    expect(result.text).toContain(vi('reportView.rate', { reported: 1, expected: 2, rate: 50, onTime: 50 }));
    expect(result.text).toContain(`- ${CLUB2_NAME}`);
    expect(result.text).toContain(vi('reportView.askMore'));
    expect(result.text).toContain(vi('reportView.getXlsx'));
    expect(result.text).not.toContain(vi('reportView.pushDhis2')); // no DHIS2 configured here
    expect(result.text.length).toBeLessThanOrEqual(2000);
    // The chart follows the text (a photo, or a link where the app takes none).
    const chart = await staff.next();
    expect(chart.text).toContain(
      vi('reportFiles.chat.chartCaption', { name: unitName, periods: WEEK_WORDS }),
    );
    expect((await staff.say('1')).text).toContain(vi('reportView.sendingXlsx'));
    const file = await staff.next();
    expect(file.text).toContain(vi('reportFiles.chat.xlsxCaption', { name: unitName, periods: WEEK_WORDS }));
    expect((await staff.say('0')).text).toContain(vi('menu.reportView'));
  }, 60_000);

  it('another chair reports in one message: a wrong count explained, a doubtful number asked back, then the summary confirms', async () => {
    const wrong = await chair2.say('bc 1 20 0');
    expect(wrong.text).toContain(
      vi('report.wrongCount', {
        got: 3,
        expected: ELEMENTS.length,
        order: ELEMENTS.map((e) => e.code).join(' '),
      }),
    );
    // 45 came to the meeting: more than the club has members, so it is asked back, not kept.
    const values = ELEMENTS.map((e) => (e.code === 'hop' ? '1' : e.code === 'dd' ? '45' : '0'));
    const check = await chair2.say(`bc ${values.join(' ')}`);
    expect(check.text).toContain(
      vi('report.checkMembers', { label: vi('report.el.dd'), value: 45 }).split(',')[0]!,
    );
    expect(check.text).toContain(vi('report.reenter'));
    expect((await chair2.say('2')).text).toContain(vi('report.el.dd'));
    const summary = await chair2.say('20');
    expect(summary.text).toContain(`2. ${vi('report.el.dd')}: 20`);
    expect((await chair2.say('1')).text).toContain(vi('report.thanksOnTime', { period: SPAN }));
    await staff.say('xem báo cáo');
    expect((await staff.say('2')).text).toContain(vi('reportView.noneMissing'));
    await staff.next(); // the chart
    await staff.say('0');
  }, 60_000);

  it('a plain member may not report', async () => {
    expect((await member.say('báo cáo tuần')).text).toContain(vi('report.notAllowed'));
    expect((await member.say('bc 1 2 3')).text).toContain(vi('report.notAllowed'));
    expect(await h.test.app.models.WeeklyReport.countDocuments({})).toBe(2);
  });

  it('after the cut-off the week is closed to the club, until commune staff reopen it', async () => {
    clock.set(new Date('2026-11-30T06:00:00Z')); // Monday 13:00: the cut-off was at 12:00
    await chair.say('báo cáo tuần');
    expect((await chair.say('2')).text).toContain(vi('report.closed', { period: SPAN }));

    const clubs = await staff.say('mở lại báo cáo');
    expect(clubs.text).toContain(vi('reportReopen.askClub', { area: unitName }));
    const club1 = clubs.choices.findIndex((name) => name.includes('Đông Hồng')) + 1;
    const weeks = await staff.say(String(club1));
    expect(weeks.choices[0]).toContain(vi('reportReopen.week', { span: SPAN }));
    const until = '02/12 13:00';
    expect((await staff.say('1')).text).toContain(
      vi('reportReopen.confirm', { club: CLUB1_NAME, period: SPAN, until }),
    );
    expect((await staff.say('1')).text).toContain(
      vi('reportReopen.done', { club: CLUB1_NAME, period: SPAN, until }),
    );
    // The chair is told, and can change the week again.
    await chair.nextWith(vi('report.reopened', { club: CLUB1_NAME, period: SPAN, until }).slice(0, 40));
    await chair.say('báo cáo tuần');
    expect((await chair.say('2')).text).toContain(vi('report.alreadySent'));
    await chair.say('sửa 2');
    expect((await chair.say('27')).text).toContain(`2. ${vi('report.el.dd')}: 27`);
    expect((await chair.say('1')).text).toContain(vi('report.updated', { period: SPAN }));
    const report = await h.test.app.models.WeeklyReport.findById(`${CLUB1}|${WEEK}`).lean();
    expect(report!.values).toMatchObject({ dd: 27 });
  }, 60_000);
});
