/**
 * "Tạo buổi họp": a chair or vice chair adds a one-off meeting (besides the rule's). A club has
 * at most one meeting a day: a day that has one already is refused with a pointer to "đổi lịch".
 *
 *   start → club (if several) → date → time → place → confirm ─1─→ created → menu
 *                                                           ─2─→ menu
 */
import { parseDayMonth, parseTimeOfDay } from '../src/engine/answers.ts';
import { choiceStep, type Flow } from '../src/engine/flow.ts';
import { clubStep, leadersOnly, ledClubs, readPlace, whenVars } from '../src/engine/meeting-words.ts';
import { localDate, localTime } from '../src/engine/meetings.ts';

type AddData = {
  clubs: { id: string; name: string }[];
  clubId: string;
  date: string;
  startsAt: string;
  place: string;
};

export const meetingAddFlow: Flow<AddData> = {
  id: 'meetingAdd',
  keywords: ['tao buoi hop', 'them buoi hop', 'hop them', 'new meeting'],
  async start(_args, ctx) {
    const clubs = await ledClubs(ctx);
    if (clubs.length === 0) return leadersOnly;
    if (clubs.length > 1) return { goto: 'club', data: { clubs } };
    return { goto: 'date', data: { clubs, clubId: clubs[0]!.id } };
  },
  steps: {
    club: clubStep<AddData>('date'),
    date: {
      ask: () => ({ key: 'meetingAdd.askDate' }),
      async answer(answer, data, ctx) {
        const date = parseDayMonth(answer.text, localDate(ctx.now, ctx.settings.timeZone));
        if (!date) return { retry: { key: 'meetingMove.dateHint' } };
        const that = await ctx.lookups.upcomingMeetings(
          [data.clubId],
          localTime(date, '00:00', ctx.settings.timeZone),
          1,
        );
        if (that[0] && localDate(that[0].startsAt, ctx.settings.timeZone) === date)
          return { retry: { key: 'meetingAdd.taken' } };
        return { goto: 'time', data: { date } };
      },
    },
    time: {
      ask: () => ({ key: 'meetingRule.askTime' }),
      answer(answer, data, ctx) {
        const time = parseTimeOfDay(answer.text);
        if (!time) return { retry: { key: 'meetingRule.timeHint' } };
        const startsAt = localTime(data.date, time, ctx.settings.timeZone);
        if (startsAt <= ctx.now) return { retry: { key: 'meetingMove.past' } };
        return { goto: 'place', data: { startsAt: startsAt.toISOString() } };
      },
    },
    place: {
      ask: () => ({ key: 'meetingRule.askPlace' }),
      answer(answer) {
        const place = readPlace(answer.text);
        if (!place) return { retry: { key: 'meetingRule.placeHint' } };
        return { goto: 'confirm', data: { place } };
      },
    },
    confirm: {
      ...choiceStep<AddData>({
        question: ({ startsAt, place }, ctx) => ({
          key: 'meetingAdd.askConfirm',
          vars: { ...whenVars(startsAt, ctx), place },
        }),
        choices: ['meetingAdd.yes', 'meetingAdd.no'],
        yesNo: true,
        pick(choice, data, ctx) {
          if (choice === 2 || !ctx.who)
            return { end: true, say: [{ key: 'meetingAdd.notCreated' }], open: { flow: 'menu' } };
          const { clubId, date, startsAt, place } = data;
          return {
            end: true,
            say: [{ key: 'meetingAdd.created' }],
            effects: [{ type: 'createMeeting', clubId, date, startsAt, place, byMemberId: ctx.who.memberId }],
            open: { flow: 'menu' },
          };
        },
      }),
      actsWithRole: true,
    },
  },
};
