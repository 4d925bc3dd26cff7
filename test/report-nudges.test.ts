/**
 * Weekly-report nudges, as the scheduler fires them: on Saturday the chairs, vice chairs and
 * reporters of clubs without this week's report get "báo cáo tuần" opened with a nudge (one digit answers it); on Monday commune
 * staff get the clubs still missing last week's. Clubs that reported are left alone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_REPORT } from '../flows/reports/default.ts';
import { TestClock } from '../src/clock.ts';
import { DEMO_PEOPLE, seedDemoData } from '../src/demo/seed.ts';
import { saveReport } from '../src/reports/store.ts';
import { weeklyPattern } from '../src/runtime/report-nudges.ts';
import { type ChannelHarness, type ChatDriver, simulatorHarness } from './support/chats.ts';
import { chatOfPhone, memberWith } from './support/people.ts';
import { vi } from './support/text.ts';

/** Saturday 28 November 2026, 17:00 in Vietnam (week 2026W48). */
const SATURDAY = new Date('2026-11-28T10:00:00Z');
const CLUB1 = 'club-dien-hong';
const CLUB2 = 'club-dien-ky';
const CLUB1_NAME = 'CLB Liên thế hệ tự giúp nhau thôn Đông Hồng';
const CLUB2_NAME = 'CLB Liên thế hệ tự giúp nhau xóm Trung Kỳ';

describe('weekly report nudges', () => {
  const clock = new TestClock(SATURDAY);
  let h: ChannelHarness;
  let chair1: ChatDriver;
  let chair2: ChatDriver;
  let staff: ChatDriver;
  /** Club 2's reporter, club 2's vice chair who also reports, club 1's reporter. */
  let reporter2: ChatDriver;
  let viceReporter2: ChatDriver;
  let reporter1: ChatDriver;

  beforeAll(async () => {
    h = await simulatorHarness({}, { clock });
    await seedDemoData(h.test.app.models, SATURDAY);
    chair1 = await chatOfPhone(h, DEMO_PEOPLE.chairClub1, 1);
    chair2 = await chatOfPhone(h, DEMO_PEOPLE.chairClub2, 2);
    staff = await chatOfPhone(h, DEMO_PEOPLE.staff, 3);
    ({ chat: reporter2 } = await memberWith(h, 4, 'Ngô Thị Ghi', [
      { role: 'member', clubId: CLUB2 },
      { role: 'reporter', clubId: CLUB2 },
    ]));
    ({ chat: viceReporter2 } = await memberWith(h, 5, 'Đỗ Văn Phó', [
      { role: 'vice_chair', clubId: CLUB2 },
      { role: 'reporter', clubId: CLUB2 },
    ]));
    ({ chat: reporter1 } = await memberWith(h, 6, 'Lê Thị Chép', [
      { role: 'member', clubId: CLUB1 },
      { role: 'reporter', clubId: CLUB1 },
    ]));
    // Club 1 reported this week and last week.
    for (const period of ['2026W47', '2026W48']) {
      await saveReport(
        h.test.app.models,
        {
          clubId: CLUB1,
          period,
          values: { hop: true, dd: 20 },
          by: 'x',
          now: SATURDAY,
          submit: true,
          definition: DEFAULT_REPORT,
        },
        { timeZone: 'Asia/Ho_Chi_Minh', cutoff: '1 12:00' },
      );
    }
  });
  afterAll(() => h.stop());

  it('are planned weekly at the configured times', () => {
    expect(weeklyPattern(6, '17:00')).toBe('0 17 * * 6');
    expect(weeklyPattern(1, '09:30')).toBe('30 9 * * 1');
  });

  it('Saturday: the chair of the club that has not reported gets the report opened; one digit goes on', async () => {
    await h.test.app.effects.apply(
      [{ type: 'reportNudges', who: 'chairs', key: 'report-nudges.chairs@1' }],
      SATURDAY,
    );
    const nudge = await chair2.nextWith(vi('report.nudge', { club: CLUB2_NAME }).slice(0, 20));
    expect(nudge.text).toContain(vi('report.askPeriod'));
    expect((await chair2.say('1')).text).toContain(vi('report.el.hop'));
    // Firing again tells nobody twice; the club that reported hears nothing.
    await h.test.app.effects.apply(
      [{ type: 'reportNudges', who: 'chairs', key: 'report-nudges.chairs@1' }],
      SATURDAY,
    );
    const chair1Messages = await chair1.say('menu');
    expect(chair1Messages.text).not.toContain(vi('report.nudge', { club: CLUB1_NAME }));
  });

  it("Saturday: the club's reporters are nudged too, once each, and not those of a club that reported", async () => {
    const nudge = vi('report.nudge', { club: CLUB2_NAME }).slice(0, 20);
    expect((await reporter2.nextWith(nudge)).text).toContain(vi('report.askPeriod'));
    expect((await reporter2.say('1')).text).toContain(vi('report.el.hop'));
    // A vice chair who is also a reporter: one nudge, then her own answer's reply.
    expect((await viceReporter2.next()).text).toContain(nudge);
    expect((await viceReporter2.say('menu')).text).toContain(vi('menu.weeklyReport'));
    expect((await reporter1.say('menu')).text).not.toContain(vi('report.nudge', { club: CLUB1_NAME }));
    const texts = await h.test.app.simulator!.messages(viceReporter2.chatId, 0);
    expect(texts.filter((m) => JSON.stringify(m).includes(nudge))).toHaveLength(1);
  });

  it('Monday: commune staff get the clubs missing last week, and only those', async () => {
    const monday = new Date('2026-11-30T02:00:00Z');
    clock.set(monday);
    await h.test.app.effects.apply(
      [{ type: 'reportNudges', who: 'staff', key: 'report-nudges.staff@1' }],
      monday,
    );
    const list = await staff.nextWith(
      vi('report.missingStaff', { period: '23/11–29/11', count: 1, clubs: `- ${CLUB2_NAME}` }),
    );
    expect(list.text).not.toContain(CLUB1_NAME);
  });
});
