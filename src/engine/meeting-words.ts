/**
 * What the meeting flows share (flows/meetings.ts, meeting-rule.ts, meeting-move.ts,
 * meeting-cancel.ts, meeting-add.ts): how a meeting and a rule are said, which clubs a leader
 * plans for, and the two steps that pick a club or a meeting.
 */
import { parseChoice } from './answers.ts';
import type { Data, FlowContext, Step, StepOutcome } from './flow.ts';
import { localClock, localDate, type MeetingRule } from './meetings.ts';
import { CLUB_LEADERS, clubsWithRole } from './roles.ts';
import type { MeetingView, Say } from './types.ts';

/** A meeting as the flows keep it in a session (`startsAt` as ISO text). */
export type MeetingChoice = { id: string; clubId: string; startsAt: string; place: string };

/** How many coming meetings a list shows. */
export const MEETINGS_SHOWN = 4;

/** "Thứ Năm", "12/03", "08:00" of an instant, in the clubs' time zone. */
export function whenVars(
  startsAt: Date | string,
  ctx: FlowContext,
): { weekday: string; date: string; time: string } {
  const at = new Date(startsAt);
  const day = localDate(at, ctx.settings.timeZone);
  const weekday = new Date(`${day}T00:00:00Z`).getUTCDay();
  return {
    weekday: ctx.label(`weekday.${weekday}`),
    date: `${day.slice(8)}/${day.slice(5, 7)}`,
    time: localClock(at, ctx.settings.timeZone),
  };
}

/** One line of a list of meetings: a cancelled one says so, and the reader's answer to it is shown. */
export function meetingLine(meeting: MeetingView, ctx: FlowContext): Say {
  const vars = { ...whenVars(meeting.startsAt, ctx), place: meeting.place };
  if (meeting.status === 'cancelled') return { key: 'meetings.lineCancelled', vars };
  const answer = ctx.who && meeting.rsvps[ctx.who.memberId];
  if (!answer) return { key: 'meetings.line', vars };
  return { key: 'meetings.lineAnswered', vars: { ...vars, answer: ctx.label(`meetingRsvp.${answer}`) } };
}

/** "Họp ngày 21 hằng tháng, 08:00, tại …" */
/** The rule in words, or (`changed`) the notice that it changed, for members already reminded. */
const RULE_KEYS = {
  rule: {
    monthlyDay: 'meetings.ruleMonthlyDay',
    monthlyWeekday: 'meetings.ruleMonthlyWeekday',
    monthlyLast: 'meetings.ruleMonthlyLast',
    weekly: 'meetings.ruleWeekly',
  },
  changed: {
    monthlyDay: 'meetingRsvp.ruleChangedMonthlyDay',
    monthlyWeekday: 'meetingRsvp.ruleChangedMonthlyWeekday',
    monthlyLast: 'meetingRsvp.ruleChangedMonthlyLast',
    weekly: 'meetingRsvp.ruleChangedWeekly',
  },
} as const;

export function ruleSay(
  rule: MeetingRule & { place: string },
  ctx: FlowContext,
  say: keyof typeof RULE_KEYS = 'rule',
): Say {
  const keys = RULE_KEYS[say];
  const vars = { time: rule.time, place: rule.place };
  switch (rule.kind) {
    case 'monthlyDay':
      return { key: keys.monthlyDay, vars: { ...vars, day: rule.day } };
    case 'monthlyWeekday':
      return {
        key: rule.week === 'last' ? keys.monthlyLast : keys.monthlyWeekday,
        vars: {
          ...vars,
          weekday: ctx.label(`weekday.${rule.weekday}`),
          week: rule.week === 'last' ? '' : rule.week,
        },
      };
    case 'weekly':
      return { key: keys.weekly, vars: { ...vars, weekday: ctx.label(`weekday.${rule.weekday}`) } };
  }
}

/** The clubs this person leads (chair or vice chair), with their names. */
export async function ledClubs(ctx: FlowContext): Promise<{ id: string; name: string }[]> {
  const ids = clubsWithRole(ctx.who, CLUB_LEADERS);
  if (ids.length === 0) return [];
  const me = await ctx.lookups.getMember(ctx.who!.memberId);
  return ids.map((id) => ({ id, name: me?.clubNames[me.clubIds.indexOf(id)] ?? id }));
}

/** An outcome that ends a flow, whatever data the flow keeps. */
type Ending = Extract<StepOutcome<never>, { end: true }>;

/** Ends a leaders' flow opened by someone who leads no club. */
export const leadersOnly: Ending = {
  end: true,
  say: [{ key: 'meetings.leadersOnly' }],
  open: { flow: 'menu' },
};

/** Ends a flow that changes a coming meeting when there is none (or the person leads no club). */
export function nothingToChange(ctx: FlowContext): Ending {
  if (clubsWithRole(ctx.who, CLUB_LEADERS).length === 0) return leadersOnly;
  return { end: true, say: [{ key: 'meetings.noneToChange' }], open: { flow: 'menu' } };
}

/** The coming scheduled meetings of the clubs this person leads, as a session keeps them. */
export async function ledMeetings(ctx: FlowContext): Promise<MeetingChoice[]> {
  const clubs = clubsWithRole(ctx.who, CLUB_LEADERS);
  const meetings = await ctx.lookups.upcomingMeetings(clubs, ctx.now, MEETINGS_SHOWN * 2);
  return meetings
    .filter((meeting) => meeting.status === 'scheduled')
    .slice(0, MEETINGS_SHOWN)
    .map(({ id, clubId, startsAt, place }) => ({ id, clubId, startsAt: startsAt.toISOString(), place }));
}

/**
 * A step that picks one of `choices(data)` (clubs or meetings), shown by `texts`, by number or
 * by the text itself; `pick` goes on with the one picked.
 */
export function pickStep<D extends Data, T>(options: {
  question: string;
  choices(data: D): T[];
  texts(choices: T[], ctx: FlowContext): string[];
  pick(picked: T, data: D, ctx: FlowContext): StepOutcome<D>;
}): Step<D> {
  return {
    ask: (data, ctx) => {
      const choices = options.choices(data);
      return { key: options.question, choiceTexts: options.texts(choices, ctx) };
    },
    answer(answer, data, ctx) {
      const choices = options.choices(data);
      const picked = parseChoice(answer.text, choices.length, options.texts(choices, ctx));
      if (picked === undefined) return { retry: { key: 'common.pickNumber', vars: { max: choices.length } } };
      return options.pick(choices[picked - 1]!, data, ctx);
    },
  };
}

/** The longest place name kept. */
const MAX_PLACE = 100;

/** Where a meeting is held, as typed (tidied); undefined when too short or too long. */
export function readPlace(text: string): string | undefined {
  const place = text.replace(/\s+/g, ' ').trim();
  return place.length < 2 || place.length > MAX_PLACE ? undefined : place;
}

/** Picks one of the clubs in `data.clubs` (a leader of several), then goes to `next`. */
export function clubStep<D extends Data & { clubs: { id: string; name: string }[] }>(next: string): Step<D> {
  return pickStep<D, { id: string; name: string }>({
    question: 'meetings.askClub',
    choices: (data) => data.clubs,
    texts: (clubs) => clubs.map((club) => club.name),
    pick: (club) => ({ goto: next, data: { clubId: club.id } as unknown as Partial<D> }),
  });
}

/** Picks one of the meetings in `data.meetings` (asking `question`), then goes to `next`. */
export function meetingStep<D extends Data & { meetings: MeetingChoice[] }>(
  question: string,
  next: string,
): Step<D> {
  return pickStep<D, MeetingChoice>({
    question,
    choices: (data) => data.meetings,
    texts: (meetings, ctx) => meetings.map((meeting) => meetingChoiceText(meeting, ctx)),
    pick: (meeting) => ({ goto: next, data: { meeting } as unknown as Partial<D> }),
  });
}

/** A meeting as a choice's text: "Thứ Năm 12/03, 08:00". */
export function meetingChoiceText(meeting: MeetingChoice, ctx: FlowContext): string {
  const { weekday, date, time } = whenVars(meeting.startsAt, ctx);
  return `${weekday} ${date}, ${time}`;
}
