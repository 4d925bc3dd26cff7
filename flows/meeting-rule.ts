/**
 * A chair or vice chair sets when the club meets ("lịch họp" → 1). The coming meetings are then
 * planned from it (src/jobs/meeting-planner.ts); meetings already moved or cancelled stay as
 * they were left.
 *
 *   start → club (if several) → kind ─1─→ day ──────────────→ time → place → confirm ─1─→ saved → menu
 *                                    ─2─→ weekday → week ──→ ↗                       ─2─→ menu
 *                                    ─3─→ weekday ─────────→ ↗
 */
import { parseInteger, parseTimeOfDay, parseWeekday } from '../src/engine/answers.ts';
import { choiceStep, type Flow } from '../src/engine/flow.ts';
import { clubStep, leadersOnly, ledClubs, readPlace, ruleSay } from '../src/engine/meeting-words.ts';
import type { MeetingRule, WeekOfMonth } from '../src/engine/meetings.ts';
import type { ClubMeetingRule } from '../src/engine/types.ts';

const KINDS: MeetingRule['kind'][] = ['monthlyDay', 'monthlyWeekday', 'weekly'];
const WEEKS: WeekOfMonth[] = [1, 2, 3, 4, 'last'];

type RuleData = {
  clubs: { id: string; name: string }[];
  clubId: string;
  kind: MeetingRule['kind'];
  day: number;
  weekday: number;
  week: WeekOfMonth;
  time: string;
  place: string;
};

/** The rule the answers make. */
function ruleOf(data: RuleData): ClubMeetingRule {
  const { time, place } = data;
  const weekday = data.weekday as 0 | 1 | 2 | 3 | 4 | 5 | 6;
  if (data.kind === 'monthlyDay') return { kind: 'monthlyDay', day: data.day, time, place };
  if (data.kind === 'weekly') return { kind: 'weekly', weekday, time, place };
  return { kind: 'monthlyWeekday', weekday, week: data.week, time, place };
}

export const meetingRuleFlow: Flow<RuleData> = {
  id: 'meetingRule',
  async start(_args, ctx) {
    const clubs = await ledClubs(ctx);
    if (clubs.length === 0) return leadersOnly;
    if (clubs.length > 1) return { goto: 'club', data: { clubs } };
    return { goto: 'kind', data: { clubs, clubId: clubs[0]!.id } };
  },
  steps: {
    club: clubStep<RuleData>('kind'),
    kind: choiceStep<RuleData>({
      question: 'meetingRule.askKind',
      choices: ['meetingRule.monthlyDay', 'meetingRule.monthlyWeekday', 'meetingRule.weekly'],
      pick: (choice) => {
        const kind = KINDS[choice - 1]!;
        return { goto: kind === 'monthlyDay' ? 'day' : 'weekday', data: { kind } };
      },
    }),
    day: {
      ask: () => ({ key: 'meetingRule.askDay' }),
      answer(answer) {
        const day = parseInteger(answer.text);
        if (day === undefined || day < 1 || day > 31) return { retry: { key: 'meetingRule.dayHint' } };
        return { goto: 'time', data: { day } };
      },
    },
    weekday: {
      ask: () => ({ key: 'meetingRule.askWeekday' }),
      answer(answer, data) {
        const weekday = parseWeekday(answer.text);
        if (weekday === undefined) return { retry: { key: 'meetingRule.weekdayHint' } };
        return { goto: data.kind === 'monthlyWeekday' ? 'week' : 'time', data: { weekday } };
      },
    },
    week: choiceStep<RuleData>({
      question: 'meetingRule.askWeek',
      choices: [
        'meetingRule.week1',
        'meetingRule.week2',
        'meetingRule.week3',
        'meetingRule.week4',
        'meetingRule.weekLast',
      ],
      pick: (choice) => ({ goto: 'time', data: { week: WEEKS[choice - 1]! } }),
    }),
    time: {
      ask: () => ({ key: 'meetingRule.askTime' }),
      answer(answer) {
        const time = parseTimeOfDay(answer.text);
        if (!time) return { retry: { key: 'meetingRule.timeHint' } };
        return { goto: 'place', data: { time } };
      },
    },
    place: {
      ask: () => ({ key: 'meetingRule.askPlace' }),
      answer(answer, data, ctx) {
        const place = readPlace(answer.text);
        if (!place) return { retry: { key: 'meetingRule.placeHint' } };
        return { goto: 'confirm', data: { place }, say: [ruleSay(ruleOf({ ...data, place }), ctx)] };
      },
    },
    confirm: {
      ...choiceStep<RuleData>({
        question: 'meetingRule.askConfirm',
        choices: ['meetingRule.save', 'meetingRule.dontSave'],
        yesNo: true,
        pick(choice, data, ctx) {
          if (choice === 2 || !ctx.who)
            return { end: true, say: [{ key: 'meetingRule.notSaved' }], open: { flow: 'menu' } };
          return {
            end: true,
            say: [{ key: 'meetingRule.saved' }],
            effects: [
              {
                type: 'setMeetingRule',
                clubId: data.clubId,
                rule: ruleOf(data),
                byMemberId: ctx.who.memberId,
                notice: ruleSay(ruleOf(data), ctx, 'changed'),
              },
            ],
            open: { flow: 'menu' },
          };
        },
      }),
      actsWithRole: true,
    },
  },
};
