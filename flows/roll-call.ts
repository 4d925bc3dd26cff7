/**
 * "Điểm danh": a chair or vice chair takes attendance at a meeting that has started (within the
 * last two days) and is not closed. The club's members are listed numbered, a page at a time
 * (PAGE names: a page fits any app's limit — Zalo's is 2,000 characters); numbers run across
 * pages, so the chair may answer from any page.
 *
 *   start → mark ─"1,3,5-12" / "tất cả" / "tất cả trừ 4,7" / "35" (a head count)─→ confirm
 *            ↑ ─0 (next page)─┘                                         ─1─→ saved → close ─1─→ closed (held)
 *            └──────────────────────────────────────────────────────── 2 ┘                 ─2─→ left open
 *
 * Until the meeting is closed, "điểm danh" again shows who was marked and replaces it. Members
 * who checked in themselves ("có mặt") are shown as present; the chair's list decides.
 */
import { parseRollCall } from '../src/engine/answers.ts';
import { choiceStep, type Flow, type StepOutcome } from '../src/engine/flow.ts';
import { leadersOnly, whenVars } from '../src/engine/meeting-words.ts';
import { CLUB_LEADERS, clubsWithRole } from '../src/engine/roles.ts';
import type { Effect, Say } from '../src/engine/types.ts';

/** Names per page. */
export const ROLL_CALL_PAGE = 15;
/** A roll-call is taken for a meeting that started at most this long ago. */
const WINDOW_MS = 2 * 24 * 3600_000;
/** Absent members named in the summary (the rest are counted). */
const NAMED_ABSENT = 5;

type Person = { id: string; name: string };
type RollCallData = {
  meetingId: string;
  roster: Person[];
  page: number;
  present: string[];
  headCount?: number;
};

/** A page of the list: its heading and one numbered line per member (a ✓ for those marked present). */
function pageSays({ roster, page, present }: RollCallData): Say[] {
  const from = page * ROLL_CALL_PAGE;
  const shown = roster.slice(from, from + ROLL_CALL_PAGE);
  return [
    { key: 'rollCall.page', vars: { from: from + 1, to: from + shown.length, total: roster.length } },
    ...shown.map((person, index) => ({
      key: present.includes(person.id) ? 'rollCall.linePresent' : 'rollCall.line',
      vars: { n: from + index + 1, name: person.name },
    })),
  ];
}

/** The effect that saves this roll-call (and closes the meeting, with `close`). */
function attendance(data: RollCallData, byMemberId: string, close = false): Effect {
  return {
    type: 'setAttendance',
    meetingId: data.meetingId,
    roster: data.roster.map((person) => person.id),
    present: data.present,
    ...(data.headCount !== undefined ? { headCount: data.headCount } : {}),
    byMemberId,
    ...(close ? { close } : {}),
  };
}

const toMenu = (key: string): StepOutcome<RollCallData> => ({
  end: true,
  say: [{ key }],
  open: { flow: 'menu' },
});

export const rollCallFlow: Flow<RollCallData> = {
  id: 'rollCall',
  keywords: ['diem danh', 'roll call'],
  async start(_args, ctx) {
    const clubs = clubsWithRole(ctx.who, CLUB_LEADERS);
    if (clubs.length === 0) return leadersOnly;
    const [meeting] = await ctx.lookups.startedMeetings(
      clubs,
      new Date(ctx.now.getTime() - WINDOW_MS),
      ctx.now,
    );
    if (!meeting) return toMenu('rollCall.none');
    const roster = await ctx.lookups.clubRoster(meeting.clubId);
    const data = { meetingId: meeting.id, roster, page: 0, present: meeting.present };
    const title = {
      key: 'rollCall.title',
      vars: { ...whenVars(meeting.startsAt, ctx), club: meeting.clubName },
    };
    return { goto: 'mark', data, say: [title, ...pageSays(data)] };
  },
  steps: {
    mark: {
      ask: ({ roster }) => ({ key: roster.length > ROLL_CALL_PAGE ? 'rollCall.askPaged' : 'rollCall.ask' }),
      answer(answer, data) {
        const pages = Math.ceil(data.roster.length / ROLL_CALL_PAGE);
        if (answer.norm === '0' || answer.norm === 'tiep') {
          const page = (data.page + 1) % Math.max(1, pages);
          return { goto: 'mark', data: { page }, say: pageSays({ ...data, page }) };
        }
        const read = parseRollCall(answer.text, data.roster.length);
        if (!read) return { retry: { key: 'rollCall.hint' } };
        if (read.kind === 'count') return { goto: 'confirm', data: { present: [], headCount: read.count } };
        const numbers =
          read.kind === 'all'
            ? data.roster.map((_, index) => index + 1)
            : read.kind === 'allExcept'
              ? data.roster.map((_, index) => index + 1).filter((n) => !read.numbers.includes(n))
              : read.numbers;
        return {
          goto: 'confirm',
          data: { present: numbers.map((n) => data.roster[n - 1]!.id), headCount: undefined },
        };
      },
    },
    confirm: {
      ...choiceStep<RollCallData>({
        question: ({ roster, present, headCount }): Say => {
          if (headCount !== undefined)
            return { key: 'rollCall.summaryCount', vars: { count: headCount, total: roster.length } };
          const absent = roster.filter((person) => !present.includes(person.id));
          const names = absent.slice(0, NAMED_ABSENT).map((person) => person.name);
          return {
            key: absent.length === 0 ? 'rollCall.summaryAll' : 'rollCall.summary',
            vars: {
              count: present.length,
              total: roster.length,
              left: absent.length,
              names: absent.length > NAMED_ABSENT ? `${names.join(', ')}…` : names.join(', '),
            },
          };
        },
        choices: ['rollCall.save', 'rollCall.redo'],
        pick(choice, data, ctx) {
          if (choice === 2) return { goto: 'mark', data: { page: 0 }, say: pageSays({ ...data, page: 0 }) };
          if (!ctx.who) return toMenu('rollCall.none');
          return {
            goto: 'close',
            say: [{ key: 'rollCall.saved' }],
            effects: [attendance(data, ctx.who.memberId)],
          };
        },
      }),
      actsWithRole: true,
    },
    close: {
      ...choiceStep<RollCallData>({
        question: 'rollCall.askClose',
        choices: ['rollCall.closeNow', 'rollCall.keepOpen'],
        pick(choice, data, ctx) {
          if (choice === 2 || !ctx.who) return toMenu('rollCall.keptOpen');
          return { ...toMenu('rollCall.closed'), effects: [attendance(data, ctx.who.memberId, true)] };
        },
      }),
      actsWithRole: true,
    },
  },
};
