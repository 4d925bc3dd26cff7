/**
 * "Mở lại báo cáo": staff reopen a club's week after its cut-off, so the club can correct it.
 *
 *   start (or "Mở lại báo cáo một CLB" after a roll-up, at that area)
 *     → area (the units and clubs under the staff member's own area; a unit goes one level down)
 *     → week (the last weeks already closed: "1 Tuần 16/11–22/11" …)
 *         ─ not sent, or already open → told so → menu
 *     → confirm ("Mở lại đến 02/12 10:00?") ─1→ reopened for REOPEN_HOURS; the club's chair, vice
 *                                               chairs and reporters are told
 *                                          ─2→ menu
 *
 * Only areas inside the staff member's own subtree are listed; the runtime checks her roles
 * again when it applies `reopenWeeklyReport` (src/reports/chat.ts).
 */
import { parseChoice } from '../src/engine/answers.ts';
import { choiceStep, type Flow, type FlowContext, type StepOutcome } from '../src/engine/flow.ts';
import { formatDay } from '../src/engine/format.ts';
import { localDate } from '../src/engine/meetings.ts';
import { staffUnits } from '../src/engine/roles.ts';
import type { AreaRef, AreaView } from '../src/engine/types.ts';
import { periodDays, shiftPeriod, weekCutoff, weekOfDay } from '../src/reports/periods.ts';
import { type Person, pickPersonStep } from './pages.ts';

/** How long a reopened week stays open to the club. */
export const REOPEN_HOURS = 48;
/** Closed weeks offered, the latest first. */
const WEEKS = 3;

type ReopenData = {
  /** The area step's choices: 'unit:<id>' / 'club:<id>'. */
  areas: Person[];
  /** The area shown ('' at the staff member's own areas, when she has several). */
  here: string;
  page: number;
  club?: { id: string; name: string };
  weeks?: string[];
  period?: string;
};

const toMenu = (key: string, vars?: Record<string, string | number>): StepOutcome<ReopenData> => ({
  end: true,
  say: [{ key, ...(vars ? { vars } : {}) }],
  open: { flow: 'menu' },
});

/** "16/11–22/11". */
function weekSpan(period: string): string {
  const { first, last } = periodDays(period);
  const dm = (day: string) => `${day.slice(8, 10)}/${day.slice(5, 7)}`;
  return `${dm(first)}–${dm(last)}`;
}

/** The latest weeks whose cut-off has passed: only these need reopening. */
function closedWeeks(ctx: FlowContext): string[] {
  const thisWeek = weekOfDay(localDate(ctx.now, ctx.settings.timeZone));
  return Array.from({ length: WEEKS + 1 }, (_, i) => shiftPeriod(thisWeek, -(i + 1)))
    .filter((week) => ctx.now > weekCutoff(week, ctx.settings.reports.cutoff, ctx.settings.timeZone))
    .slice(0, WEEKS);
}

const until = (ctx: FlowContext) => new Date(ctx.now.getTime() + REOPEN_HOURS * 3600_000);

/** The club, the week and until when it would be open, as the messages name them. */
const reopenVars = (data: ReopenData, ctx: FlowContext) => ({
  club: data.club!.name,
  period: weekSpan(data.period!),
  until: formatDay(until(ctx), ctx.settings.timeZone, { time: true }),
});

/** What lies under an area, to choose from. */
const listing = (area: AreaView): Partial<ReopenData> => ({
  here: area.name,
  page: 0,
  areas: area.children.map((child) => ({ id: `${child.kind}:${child.id}`, name: child.name })),
});

const areaRef = (id: string): AreaRef => {
  const [kind, ...rest] = id.split(':');
  return { kind: kind === 'club' ? 'club' : 'unit', id: rest.join(':') };
};

export const reportReopenFlow: Flow<ReopenData> = {
  id: 'reportReopen',
  keywords: ['mo lai bao cao', 'reopen report'],
  async start(args, ctx) {
    const own = staffUnits(ctx.who);
    if (own.length === 0) return toMenu('reportReopen.notAllowed');
    // From a roll-up: that area, when it is hers or below hers.
    if (typeof args.unitId === 'string') {
      const area = await ctx.lookups.area({ kind: 'unit', id: args.unitId });
      if (area && [area.id, ...area.ancestors].some((id) => own.includes(id)))
        return { goto: 'area', data: listing(area) };
    }
    const units = (await Promise.all(own.map((id) => ctx.lookups.area({ kind: 'unit', id })))).filter(
      (unit): unit is AreaView => unit !== undefined,
    );
    if (units.length === 0) return toMenu('reportReopen.notAllowed');
    if (units.length === 1) return { goto: 'area', data: listing(units[0]!) };
    return {
      goto: 'area',
      data: { here: '', page: 0, areas: units.map((u) => ({ id: `unit:${u.id}`, name: u.name })) },
    };
  },
  steps: {
    area: pickPersonStep<ReopenData>({
      name: 'area',
      question: (data) =>
        data.here
          ? { key: 'reportReopen.askClub', vars: { area: data.here } }
          : { key: 'reportReopen.askUnit' },
      people: (data) => data.areas,
      async pick(person, _data, ctx) {
        const area = await ctx.lookups.area(areaRef(person.id));
        if (!area) return { retry: { key: 'reportReopen.areaGone' } };
        if (area.kind === 'club') {
          const weeks = closedWeeks(ctx);
          return { goto: 'week', data: { club: { id: area.id, name: area.name }, weeks } };
        }
        if (area.children.length === 0) return { retry: { key: 'reportReopen.noClubs' } };
        return { goto: 'area', data: listing(area) };
      },
    }),
    week: {
      ask: (data, ctx) => ({
        key: 'reportReopen.askWeek',
        vars: { club: data.club!.name },
        choiceTexts: data.weeks!.map((week) => ctx.label('reportReopen.week', { span: weekSpan(week) })),
      }),
      async answer(answer, data, ctx) {
        const weeks = data.weeks!;
        const picked = parseChoice(answer.text, weeks.length);
        if (picked === undefined) return { retry: { key: 'common.pickNumber', vars: { max: weeks.length } } };
        const period = weeks[picked - 1]!;
        const vars = { club: data.club!.name, period: weekSpan(period) };
        const context = await ctx.lookups.reportContext(data.club!.id, period);
        if (context?.report?.status !== 'submitted') return toMenu('reportReopen.notSent', vars);
        const open = context.report.reopenedUntil;
        if (open && open > ctx.now) {
          return toMenu('reportReopen.alreadyOpen', {
            ...vars,
            until: formatDay(open, ctx.settings.timeZone, { time: true }),
          });
        }
        return { goto: 'confirm', data: { period } };
      },
    },
    confirm: {
      ...choiceStep<ReopenData>({
        question: (data, ctx) => ({ key: 'reportReopen.confirm', vars: reopenVars(data, ctx) }),
        choices: ['reportReopen.yes', 'reportReopen.no'],
        yesNo: true,
        pick(choice, data, ctx) {
          if (choice === 2 || !ctx.who) return toMenu('reportReopen.cancelled');
          const club = data.club!;
          const period = data.period!;
          const vars = reopenVars(data, ctx);
          return {
            end: true,
            say: [{ key: 'reportReopen.done', vars }],
            open: { flow: 'menu' },
            effects: [
              {
                type: 'reopenWeeklyReport',
                clubId: club.id,
                period,
                byMemberId: ctx.who.memberId,
                until: until(ctx).toISOString(),
                whenReopened: [
                  {
                    type: 'notify',
                    to: { reportersOf: club.id },
                    say: { key: 'report.reopened', vars },
                    kind: 'notice',
                    key: `report-reopened.${ctx.inbound.channel}.${ctx.inbound.chatId}.${ctx.inbound.messageId}`,
                  },
                ],
              },
            ],
          };
        },
      }),
      actsWithRole: true,
    },
  },
};
