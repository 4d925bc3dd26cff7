/**
 * "Xem báo cáo": staff see the weekly reports of their area, or of an area below it, for a period,
 * as one short message (under Zalo's 2,000 characters): how many clubs reported and on time,
 * totals by activity area, the change from the period before, and the clubs still missing.
 *
 *   start → unit ("1 Cả xã Diễn Châu", "2 CLB …" / "2 Xã A", "3 Xã B" …; 0 = next page)
 *             ─ an area with areas below → unit (one level down)
 *             ─ "Cả …" or an area with none below → period → the roll-up, then the chart (a picture)
 *   → more ("1 Nhận file Excel", "2 Gửi lên DHIS2" when configured; 0 = xong)
 *        ─1→ the Excel file follows (Telegram: a document; Zalo: a link for 24 h) → more
 *        ─2→ pushed; DHIS2's import summary comes as a message of its own → more
 *        ─last→ "Mở lại báo cáo một CLB" (flows/report-reopen.ts) at this area
 *        ─0→ the menu
 *
 * Staff see only their own org units and those below them: the list starts at theirs. The files
 * and the push are checked again when they are made (src/runtime/report-files.ts), and follow
 * this turn's reply in the chat.
 */
import { parseChoice } from '../src/engine/answers.ts';
import type { Flow, FlowContext, StepOutcome } from '../src/engine/flow.ts';
import { localDate } from '../src/engine/meetings.ts';
import { staffUnits } from '../src/engine/roles.ts';
import type { Effect, RollupView } from '../src/engine/types.ts';
import { AREAS } from '../src/reports/definitions.ts';
import { monthOf, periodDays, periodsBetween, shiftPeriod, weekOfDay } from '../src/reports/periods.ts';
import { DEFAULT_REPORT } from './reports/default.ts';
import { formatValue } from './weekly-report.ts';

/** Areas shown per page. */
const PAGE = 7;
/** The roll-up and the question after it stay below Zalo's 2,000 characters in one message. */
const MAX_CHARS = 1750;

type Unit = { id: string; name: string; kind: string };
type ReportViewData = {
  units: Unit[];
  current: Unit;
  children: Unit[];
  page: number;
  /** The roll-up's periods, once shown (the files and the push are of them). */
  periods?: string[];
};

const toMenu = (key: string): StepOutcome<ReportViewData> => ({
  end: true,
  say: [{ key }],
  open: { flow: 'menu' },
});

const PERIODS = [
  'reportView.lastWeek',
  'reportView.thisWeek',
  'reportView.fourWeeks',
  'reportView.lastMonth',
];

function periodsFor(choice: number, ctx: FlowContext): string[] {
  const thisWeek = weekOfDay(localDate(ctx.now, ctx.settings.timeZone));
  switch (choice) {
    case 1:
      return [shiftPeriod(thisWeek, -1)];
    case 2:
      return [thisWeek];
    case 3:
      return periodsBetween(shiftPeriod(thisWeek, -4), shiftPeriod(thisWeek, -1));
    default:
      return [shiftPeriod(monthOf(ctx.now, ctx.settings.timeZone), -1)];
  }
}

/** "16/11–22/11", or "10/2026" for a month. */
function span(periods: string[]): string {
  const first = periodDays(periods[0]!).first;
  const last = periodDays(periods.at(-1)!).last;
  if (periods.length === 1 && !periods[0]!.includes('W')) return `${first.slice(5, 7)}/${first.slice(0, 4)}`;
  return `${first.slice(8, 10)}/${first.slice(5, 7)}–${last.slice(8, 10)}/${last.slice(5, 7)}`;
}

/**
 * What staff may do after the roll-up: have the Excel file, push to DHIS2 (when it is configured),
 * reopen a club's closed week (flows/report-reopen.ts, at this area).
 */
const moreChoices = (ctx: FlowContext) => [
  'reportView.getXlsx',
  ...(ctx.settings.reports.dhis2 ? ['reportView.pushDhis2'] : []),
  'reportView.reopen',
];

/** The chart, the Excel file or the push of the unit's periods, to this chat (named by the message). */
function fileEffect(
  kind: 'chart' | 'xlsx' | 'dhis2',
  data: ReportViewData,
  periods: string[],
  ctx: FlowContext,
): Effect[] {
  if (!ctx.who) return [];
  const { channel, chatId, messageId } = ctx.inbound;
  const common = {
    to: { channel, chatId },
    memberId: ctx.who.memberId,
    orgUnitId: data.current.id,
    periods,
    lang: ctx.lang,
    key: `${channel}.${chatId}.${messageId}.${kind}`,
  };
  if (kind === 'dhis2') return [{ type: 'pushReportsToDhis2', ...common }];
  return [{ type: 'sendReportFiles', kind, ...common }];
}

const percent = (n: number, of: number) => (of > 0 ? Math.round((100 * n) / of) : 0);

/** The roll-up as one message: counts, totals by area, the change, the missing clubs (as many as fit). */
export function rollupText(unit: Unit, periods: string[], r: RollupView, ctx: FlowContext): string {
  const lines = [
    ctx.label('reportView.title', { unit: unit.name, period: span(periods) }),
    ctx.label('reportView.rate', {
      reported: r.reported,
      expected: r.expected,
      rate: percent(r.reported, r.expected),
      onTime: percent(r.onTime, r.expected),
    }),
  ];
  if (r.previous && r.previous.expected > 0) {
    lines.push(ctx.label('reportView.before', { rate: percent(r.previous.reported, r.previous.expected) }));
  }
  if (r.allAreasActive !== undefined)
    lines.push(ctx.label('reportView.allAreas', { clubs: r.allAreasActive }));
  for (const area of AREAS) {
    const parts = DEFAULT_REPORT.elements
      .filter((e) => e.area === area && r.totals[e.code] !== undefined)
      .map((e) => {
        const value = formatValue(
          { ...e, type: e.type === 'yesno' ? 'count' : e.type },
          r.totals[e.code],
          ctx,
        );
        const before = r.previous?.totals[e.code];
        const change =
          before === undefined || before === r.totals[e.code] ? '' : r.totals[e.code]! > before ? '↑' : '↓';
        return `${ctx.label(`${e.key}Short`)} ${value}${change}`;
      });
    if (parts.length > 0) lines.push(`${ctx.label(`report.area.${area}`)}: ${parts.join(', ')}`);
  }
  if (r.missing.length === 0) {
    lines.push(ctx.label('reportView.noneMissing'));
    return lines.join('\n');
  }
  lines.push(ctx.label('reportView.missing', { count: r.missing.length }));
  let text = lines.join('\n');
  for (const [i, club] of r.missing.entries()) {
    const place = club.path.at(-1)?.name;
    const line = `- ${club.clubName}${place && place !== unit.name ? ` (${place})` : ''}`;
    const more = `\n${ctx.label('reportView.more', { count: r.missing.length - i })}`;
    if (text.length + line.length + 1 + more.length > MAX_CHARS) return text + more;
    text += `\n${line}`;
  }
  return text;
}

async function show(units: Unit[], current: Unit, ctx: FlowContext): Promise<StepOutcome<ReportViewData>> {
  const view = await ctx.lookups.orgUnitView(current.id);
  const children = view?.children ?? [];
  if (children.length === 0) return { goto: 'period', data: { units, current, children: [], page: 0 } };
  return { goto: 'unit', data: { units, current, children, page: 0 } };
}

export const reportViewFlow: Flow<ReportViewData> = {
  id: 'reportView',
  keywords: ['xem bao cao', 'bao cao cua xa', 'view reports'],
  menu: { label: 'menu.reportView', order: 80, visible: (who) => staffUnits(who).length > 0 },
  async start(_args, ctx) {
    const ids = staffUnits(ctx.who);
    if (ids.length === 0) return toMenu('reportView.notAllowed');
    const views = (await Promise.all(ids.map((id) => ctx.lookups.orgUnitView(id)))).filter(
      (v) => v !== undefined,
    );
    const units = views.map(({ id, name, kind }) => ({ id, name, kind }));
    if (units.length === 0) return toMenu('reportView.notAllowed');
    if (units.length === 1) return show(units, units[0]!, ctx);
    // Staff of several areas: their areas are the first list.
    return {
      goto: 'unit',
      data: { units, current: { id: '', name: '', kind: '' }, children: units, page: 0 },
    };
  },
  steps: {
    unit: {
      ask(data, ctx) {
        const shown = data.children.slice(data.page * PAGE, (data.page + 1) * PAGE);
        const all = data.current.id ? [ctx.label('reportView.whole', { name: data.current.name })] : [];
        const more = data.children.length > (data.page + 1) * PAGE;
        return {
          key: more ? 'reportView.askUnitPaged' : 'reportView.askUnit',
          choiceTexts: [...all, ...shown.map((u) => u.name)],
        };
      },
      async answer(answer, data, ctx) {
        const pages = Math.ceil(data.children.length / PAGE);
        if (answer.norm === '0' && pages > 1)
          return { goto: 'unit', data: { page: (data.page + 1) % pages } };
        const shown = data.children.slice(data.page * PAGE, (data.page + 1) * PAGE);
        const offset = data.current.id ? 1 : 0;
        const picked = parseChoice(answer.text, shown.length + offset, [
          ...(offset ? [ctx.label('reportView.whole', { name: data.current.name })] : []),
          ...shown.map((u) => u.name),
        ]);
        if (picked === undefined)
          return { retry: { key: 'common.pickNumber', vars: { max: shown.length + offset } } };
        if (picked === 1 && offset) return { goto: 'period', data: { children: [] } };
        return show(data.units, shown[picked - 1 - offset]!, ctx);
      },
    },
    period: {
      ask: (data) => ({ key: 'reportView.askPeriod', vars: { unit: data.current.name }, choices: PERIODS }),
      async answer(answer, data, ctx) {
        const picked = parseChoice(answer.text, PERIODS.length);
        if (picked === undefined)
          return { retry: { key: 'common.pickNumber', vars: { max: PERIODS.length } } };
        const periods = periodsFor(picked, ctx);
        const rollup = await ctx.lookups.reportRollup(data.current.id, periods);
        return {
          goto: 'more',
          data: { periods },
          say: [{ key: 'reportView.text', vars: { text: rollupText(data.current, periods, rollup, ctx) } }],
          effects: fileEffect('chart', data, periods, ctx),
        };
      },
    },
    more: {
      ask: (_data, ctx) => ({ key: 'reportView.askMore', choices: moreChoices(ctx) }),
      answer(answer, data, ctx) {
        const choices = moreChoices(ctx);
        if (['0', 'xong', 'done'].includes(answer.norm)) return { end: true, open: { flow: 'menu' } };
        const picked = parseChoice(
          answer.text,
          choices.length,
          choices.map((key) => ctx.label(key)),
        );
        if (picked === undefined)
          return { retry: { key: 'reportView.retryMore', vars: { max: choices.length } } };
        const choice = choices[picked - 1];
        if (choice === 'reportView.reopen') {
          return { end: true, open: { flow: 'reportReopen', args: { unitId: data.current.id } } };
        }
        const xlsx = choice === 'reportView.getXlsx';
        return {
          goto: 'more',
          say: [{ key: xlsx ? 'reportView.sendingXlsx' : 'reportView.pushing' }],
          effects: fileEffect(xlsx ? 'xlsx' : 'dhis2', data, data.periods!, ctx),
        };
      },
    },
  },
};
