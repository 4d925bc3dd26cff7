/**
 * "Báo cáo tuần": a chair, vice chair or reporter gives the club's weekly counts, area by area
 * (flows/reports/default.ts lists them), or all in one message.
 *
 *   start ─(several clubs)→ club → period ("1 Tuần này (23/11–29/11)", "2 Tuần trước")
 *     → value (one question per element: last week's value as a hint, "0 = không có")
 *         ─ far from usual / more people than members → plausible ─1─→ kept  ─2─→ value again
 *     → summary (numbered lines) ─1 Gửi─→ saved, thank-you (on time or late)
 *                                ─2 / "sửa 3"─→ pickLine → value → summary
 *   "bc 1 35 30 …" (every value, in order) or "bc hop=1 dd=35" (some, by code) → summary
 *     (values that look wrong are asked back first, one by one, as above; then what is missing)
 *
 * Each answer is kept as a draft at once: leaving half-way, the next "báo cáo tuần" resumes it.
 * A submitted week can be changed until the cut-off (REPORT_CUTOFF); after it only staff reopen.
 */

import { normalize, parseChoice, parseCount, parseMoney, parseYesNo } from '../src/engine/answers.ts';
import { choiceStep, type Flow, type FlowContext, type StepOutcome } from '../src/engine/flow.ts';
import { localDate } from '../src/engine/meetings.ts';
import { clubsWithRole, REPORTERS } from '../src/engine/roles.ts';
import type { Effect, Say } from '../src/engine/types.ts';
import {
  type DataElement,
  elementByCode,
  elementsFor,
  type ReportValue,
} from '../src/reports/definitions.ts';
import { parseReportMessage } from '../src/reports/one-message.ts';
import { closesMonth, periodDays, shiftPeriod, weekCutoff, weekOfDay } from '../src/reports/periods.ts';
import { DEFAULT_REPORT } from './reports/default.ts';

type Values = Record<string, ReportValue>;
/** A value that looks wrong: more people than the club's members, or far above its usual. */
type Doubt = { code: string; value: ReportValue; reason: 'members' | 'usual' };
type WeeklyReportData = {
  clubs: { id: string; name: string }[];
  clubId: string;
  clubName: string;
  members: number;
  period: string;
  codes: string[];
  index: number;
  values: Values;
  hints: Values;
  usual: Record<string, number>;
  submitted: boolean;
  /** The one-message form's text, read once club and period are known. */
  text?: string;
  /** A value asked back before it is kept. */
  pending?: Doubt;
  /** The one-message form's other values still to ask back, in order. */
  doubts?: Doubt[];
  /** Back to the summary after this question (an edit). */
  toSummary?: boolean;
};

/** A value far above the club's usual (this many times, and by at least `MIN_JUMP`) is asked back. */
const USUAL_FACTOR = 3;
const MIN_JUMP = 10;

const toMenu = (key: string, vars?: Record<string, string | number>): StepOutcome<WeeklyReportData> => ({
  end: true,
  say: [{ key, ...(vars ? { vars } : {}) }],
  open: { flow: 'menu' },
});

const element = (code: string): DataElement => elementByCode(DEFAULT_REPORT, code)!;

/** "1.500.000" (money), "có"/"không", or the number. */
export function formatValue(e: DataElement, value: ReportValue | undefined, ctx: FlowContext): string {
  if (value === undefined) return '–';
  if (typeof value === 'boolean') return ctx.label(value ? 'report.yes' : 'report.no');
  return e.type === 'vnd'
    ? ctx.label('report.money', { value: value.toLocaleString('de-DE') })
    : String(value);
}

/** "23/11–29/11" for a week. */
function weekSpan(period: string): string {
  const { first, last } = periodDays(period);
  const dm = (day: string) => `${day.slice(8, 10)}/${day.slice(5, 7)}`;
  return `${dm(first)}–${dm(last)}`;
}

/** This week and last week, the one most likely meant first: last week until its cut-off. */
function periodChoices(ctx: FlowContext): { period: string; key: string }[] {
  const thisWeek = weekOfDay(localDate(ctx.now, ctx.settings.timeZone));
  const lastWeek = shiftPeriod(thisWeek, -1);
  const lastOpen = ctx.now <= weekCutoff(lastWeek, ctx.settings.reports.cutoff, ctx.settings.timeZone);
  const choices = [
    { period: thisWeek, key: 'report.thisWeek' },
    { period: lastWeek, key: 'report.lastWeek' },
  ];
  return lastOpen ? choices.reverse() : choices;
}

function closed(period: string, ctx: FlowContext, reopenedUntil: Date | null): boolean {
  if (reopenedUntil && reopenedUntil > ctx.now) return false;
  return ctx.now > weekCutoff(period, ctx.settings.reports.cutoff, ctx.settings.timeZone);
}

function draft(data: WeeklyReportData, values: Values, ctx: FlowContext, submit = false): Effect {
  return {
    type: 'saveWeeklyReport',
    clubId: data.clubId,
    period: data.period,
    values,
    byMemberId: ctx.who!.memberId,
    submit,
  };
}

/** Why a value should be asked back before it is kept, if it should. */
function doubt(data: WeeklyReportData, code: string, value: ReportValue): Doubt | undefined {
  if (typeof value !== 'number') return undefined;
  if (element(code).people && data.members > 0 && value > data.members) {
    return { code, value, reason: 'members' };
  }
  const usual = data.usual[code];
  if (usual !== undefined && value > usual * USUAL_FACTOR && value - usual >= MIN_JUMP) {
    return { code, value, reason: 'usual' };
  }
  return undefined;
}

/** The first element without a value, or the summary. */
type Goto = Extract<StepOutcome<WeeklyReportData>, { goto: string }>;

function next(data: WeeklyReportData, values: Values, say: Say[] = [], effects: Effect[] = []): Goto {
  const index = data.codes.findIndex((code) => values[code] === undefined);
  if (index < 0)
    return { goto: 'summary', data: { values, toSummary: false, pending: undefined }, say, effects };
  return { goto: 'value', data: { values, index, pending: undefined }, say, effects };
}

/** After the club and period are known: the report as it stands, or the one-message form read. */
async function open(
  data: WeeklyReportData,
  clubId: string,
  period: string,
  ctx: FlowContext,
): Promise<StepOutcome<WeeklyReportData>> {
  const context = await ctx.lookups.reportContext(clubId, period);
  if (!context) return toMenu('report.notAllowed');
  const report = context.report;
  const submitted = report?.status === 'submitted';
  if (submitted && closed(period, ctx, report!.reopenedUntil)) {
    return toMenu('report.closed', { period: weekSpan(period) });
  }
  const codes = elementsFor(DEFAULT_REPORT, closesMonth(period)).map((e) => e.code);
  const base: WeeklyReportData = {
    ...data,
    clubId,
    clubName: context.clubName,
    members: context.members,
    period,
    codes,
    index: 0,
    values: { ...(report?.values ?? {}) },
    hints: context.previous ?? {},
    usual: context.usual,
    submitted,
  };
  if (data.text !== undefined) {
    const elements = codes.map(element);
    const read = parseReportMessage(data.text, elements);
    if (!read.ok) {
      const order = codes.join(' ');
      if (read.reason === 'count') {
        return toMenu('report.wrongCount', { got: read.got, expected: codes.length, order });
      }
      return toMenu(read.reason === 'unknownCode' ? 'report.unknownCode' : 'report.badValue', {
        code: read.code,
        label: ctx.label(element(read.code)?.key ?? 'report.unknown'),
        order,
      });
    }
    // Values that look wrong wait to be confirmed, like those given one by one.
    const doubts = Object.entries(read.values).flatMap(([code, value]) => doubt(base, code, value) ?? []);
    const sure = Object.fromEntries(
      Object.entries(read.values).filter(([code]) => !doubts.some((d) => d.code === code)),
    );
    const values = { ...base.values, ...sure };
    // A draft keeps them at once; a submitted week changes only when the summary is confirmed.
    const effects = submitted || Object.keys(sure).length === 0 ? [] : [draft(base, sure, ctx)];
    const [first, ...rest] = doubts;
    if (first) {
      return {
        goto: 'plausible',
        data: { ...base, text: undefined, values, pending: first, doubts: rest },
        effects,
      };
    }
    const outcome = next(base, values, [], effects);
    return {
      ...outcome,
      data: { ...base, text: undefined, ...outcome.data },
    } as StepOutcome<WeeklyReportData>;
  }
  if (submitted) return { goto: 'summary', data: base, say: [{ key: 'report.alreadySent' }] };
  const started = Object.keys(base.values).length > 0;
  const outcome = next(base, base.values, started ? [{ key: 'report.resumed' }] : []);
  return { ...outcome, data: { ...base, ...outcome.data } };
}

/** Reads one answer as the element's type; a re-ask key when it is not right. */
function readValue(e: DataElement, text: string): { value: ReportValue } | { retry: Say } {
  if (e.type === 'yesno') {
    const picked = parseChoice(text, 2);
    const value = picked !== undefined ? picked === 1 : normalize(text) === '0' ? false : parseYesNo(text);
    return value === undefined ? { retry: { key: 'report.retryYesNo' } } : { value };
  }
  // "Mười hai rưỡi" is no count of people: twelve and a half is asked again, never read as 12.
  const half = e.type !== 'vnd' && /(?:^| )ruoi(?: |$)/.test(normalize(text));
  const value = half ? undefined : e.type === 'vnd' ? parseMoney(text) : parseCount(text);
  if (value === undefined)
    return { retry: { key: e.type === 'vnd' ? 'report.retryMoney' : 'report.retryCount' } };
  if (value > (e.max ?? Number.MAX_SAFE_INTEGER))
    return { retry: { key: 'report.retryTooBig', vars: { max: e.max! } } };
  return { value };
}

/** Keeps a value (as a draft, at once) and moves on. */
function keep(
  data: WeeklyReportData,
  code: string,
  value: ReportValue,
  ctx: FlowContext,
): StepOutcome<WeeklyReportData> {
  const values = { ...data.values, [code]: value };
  // A submitted report's edit is saved with the summary's "Gửi"; a draft keeps each answer.
  const effects = data.submitted ? [] : [draft(data, { [code]: value }, ctx)];
  const [doubted, ...rest] = data.doubts ?? [];
  if (doubted) return { goto: 'plausible', data: { values, pending: doubted, doubts: rest }, effects };
  if (data.toSummary)
    return { goto: 'summary', data: { values, toSummary: false, pending: undefined }, effects };
  return next(data, values, [], effects);
}

function summaryLines(data: WeeklyReportData, ctx: FlowContext): string {
  return data.codes
    .map(
      (code, i) =>
        `${i + 1}. ${ctx.label(element(code).key)}: ${formatValue(element(code), data.values[code], ctx)}`,
    )
    .join('\n');
}

export const weeklyReportFlow: Flow<WeeklyReportData> = {
  id: 'weeklyReport',
  keywords: ['bao cao tuan', 'bao cao', 'weekly report', 'report'],
  commands: ['bc'],
  menu: { label: 'menu.weeklyReport', order: 75, visible: (who) => clubsWithRole(who, REPORTERS).length > 0 },
  async start(args, ctx) {
    const clubIds = clubsWithRole(ctx.who, REPORTERS);
    if (clubIds.length === 0) return toMenu('report.notAllowed');
    const text = typeof args.text === 'string' ? args.text.replace(/^\s*bc\b/i, '') : undefined;
    const data = { text, submitted: false } as WeeklyReportData;
    // Opened by the Saturday nudge for one club: it says why, then asks which week.
    if (args.nudge === true && typeof args.clubId === 'string' && clubIds.includes(args.clubId)) {
      const club = await ctx.lookups.clubInfo(args.clubId);
      return {
        goto: 'period',
        data: { ...data, clubId: args.clubId },
        say: [{ key: 'report.nudge', vars: { club: club?.name ?? '' } }],
      };
    }
    if (clubIds.length > 1) {
      const clubs = (await Promise.all(clubIds.map((id) => ctx.lookups.clubInfo(id)))).flatMap((c) =>
        c ? [{ id: c.id, name: c.name }] : [],
      );
      return { goto: 'club', data: { ...data, clubs } };
    }
    if (text !== undefined) return open(data, clubIds[0]!, periodChoices(ctx)[0]!.period, ctx);
    return { goto: 'period', data: { ...data, clubId: clubIds[0]! } };
  },
  steps: {
    club: {
      ask: (data) => ({ key: 'report.askClub', choiceTexts: data.clubs.map((c) => c.name) }),
      answer(answer, data, ctx) {
        const picked = parseChoice(
          answer.text,
          data.clubs.length,
          data.clubs.map((c) => c.name),
        );
        if (picked === undefined)
          return { retry: { key: 'common.pickNumber', vars: { max: data.clubs.length } } };
        const clubId = data.clubs[picked - 1]!.id;
        if (data.text !== undefined) return open(data, clubId, periodChoices(ctx)[0]!.period, ctx);
        return { goto: 'period', data: { clubId } };
      },
    },
    period: {
      ask: (_data, ctx) => ({
        key: 'report.askPeriod',
        choiceTexts: periodChoices(ctx).map((c) => ctx.label(c.key, { span: weekSpan(c.period) })),
      }),
      answer(answer, data, ctx) {
        const picked = parseChoice(answer.text, 2);
        if (picked === undefined) return { retry: { key: 'report.retryPeriod' } };
        return open(data, data.clubId, periodChoices(ctx)[picked - 1]!.period, ctx);
      },
    },
    value: {
      ask(data, ctx) {
        const e = element(data.codes[data.index]!);
        const hint = data.hints[e.code];
        const vars = {
          n: data.index + 1,
          total: data.codes.length,
          area: ctx.label(`report.area.${e.area}`),
          label: ctx.label(e.key),
          hint:
            hint === undefined ? '' : `\n${ctx.label('report.hint', { value: formatValue(e, hint, ctx) })}`,
        };
        if (e.type === 'yesno') return { key: 'report.askYesNo', vars, choices: ['report.yes', 'report.no'] };
        return { key: e.type === 'vnd' ? 'report.askMoney' : 'report.askCount', vars };
      },
      answer(answer, data, ctx) {
        const e = element(data.codes[data.index]!);
        if (e.optional && ['bo qua', 'skip'].includes(answer.norm)) {
          // Left out: 0 is a value, so an optional element skipped is simply not given.
          const codes = data.codes.filter((c) => c !== e.code);
          const outcome = next({ ...data, codes }, data.values);
          return { ...outcome, data: { ...outcome.data, codes } };
        }
        const read = readValue(e, answer.text);
        if ('retry' in read) return read;
        const { value } = read;
        const pending = doubt(data, e.code, value);
        if (pending) return { goto: 'plausible', data: { pending } };
        return keep(data, e.code, value, ctx);
      },
    },
    plausible: choiceStep<WeeklyReportData>({
      question: (data, ctx) => {
        const pending = data.pending!;
        const e = element(pending.code);
        return {
          key: pending.reason === 'members' ? 'report.checkMembers' : 'report.checkUsual',
          vars: {
            label: ctx.label(e.key),
            value: formatValue(e, pending.value, ctx),
            members: data.members,
            usual: Math.round(data.usual[pending.code] ?? 0),
          },
        };
      },
      choices: ['report.itIsRight', 'report.reenter'],
      yesNo: true,
      pick(choice, data, ctx) {
        const pending = data.pending!;
        if (choice === 2) {
          return { goto: 'value', data: { pending: undefined, index: data.codes.indexOf(pending.code) } };
        }
        return keep(data, pending.code, pending.value, ctx);
      },
    }),
    summary: {
      ask: (data, ctx) => ({
        key: 'report.summary',
        vars: { club: data.clubName, period: weekSpan(data.period), lines: summaryLines(data, ctx) },
        choices: ['report.send', 'report.edit'],
      }),
      answer(answer, data, ctx) {
        const edit = /^(?:sua|edit)\s*(\d+)$/.exec(answer.norm);
        if (edit) {
          const n = Number(edit[1]);
          if (n < 1 || n > data.codes.length)
            return { retry: { key: 'report.retryLine', vars: { max: data.codes.length } } };
          return { goto: 'value', data: { index: n - 1, toSummary: true } };
        }
        const picked = parseChoice(answer.text, 2);
        if (picked === undefined)
          return { retry: { key: 'report.retrySummary', vars: { max: data.codes.length } } };
        if (picked === 2) return { goto: 'pickLine' };
        if (!ctx.who) return toMenu('report.notAllowed');
        const late = ctx.now > weekCutoff(data.period, ctx.settings.reports.cutoff, ctx.settings.timeZone);
        const key = data.submitted ? 'report.updated' : late ? 'report.thanksLate' : 'report.thanksOnTime';
        return {
          end: true,
          say: [{ key, vars: { period: weekSpan(data.period) } }],
          effects: [draft(data, data.values, ctx, true)],
        };
      },
      actsWithRole: true,
    },
    pickLine: {
      ask: (data) => ({ key: 'report.whichLine', vars: { max: data.codes.length } }),
      answer(answer, data) {
        const n = parseChoice(answer.norm.replace(/^(?:sua|edit)\s*/, ''), data.codes.length);
        if (n === undefined) return { retry: { key: 'report.retryLine', vars: { max: data.codes.length } } };
        return { goto: 'value', data: { index: n - 1, toSummary: true } };
      },
    },
  },
};
