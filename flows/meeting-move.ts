/**
 * "Đổi lịch": a chair or vice chair moves one coming meeting to another day or time. The meeting
 * keeps its name (src/engine/meetings.ts `meetingId`), so the rule's planning never puts it back.
 *
 *   start → which (the next meetings) → date → time → confirm ─1─→ moved → menu
 *                                                          ─2─→ menu
 */
import { parseDayMonth, parseTimeOfDay } from '../src/engine/answers.ts';
import { choiceStep, type Flow, type FlowContext } from '../src/engine/flow.ts';
import {
  ledMeetings,
  type MeetingChoice,
  meetingStep,
  nothingToChange,
  whenVars,
} from '../src/engine/meeting-words.ts';
import { localDate, localTime } from '../src/engine/meetings.ts';

type MoveData = { meetings: MeetingChoice[]; meeting: MeetingChoice; date: string; startsAt: string };

export const meetingMoveFlow: Flow<MoveData> = {
  id: 'meetingMove',
  keywords: ['doi lich', 'doi lich hop', 'doi buoi hop', 'move meeting'],
  async start(_args, ctx) {
    const meetings = await ledMeetings(ctx);
    if (meetings.length === 0) return nothingToChange(ctx);
    return { goto: 'which', data: { meetings } };
  },
  steps: {
    which: meetingStep<MoveData>('meetingMove.askWhich', 'date'),
    date: {
      ask: () => ({ key: 'meetingMove.askDate' }),
      answer(answer, _data, ctx) {
        const date = parseDayMonth(answer.text, localDate(ctx.now, ctx.settings.timeZone));
        if (!date) return { retry: { key: 'meetingMove.dateHint' } };
        return { goto: 'time', data: { date } };
      },
    },
    time: {
      ask: (data, ctx) => ({
        key: 'meetingMove.askTime',
        vars: { time: whenVars(data.meeting.startsAt, ctx).time },
      }),
      answer(answer, data, ctx) {
        const time = parseTimeOfDay(answer.text);
        if (!time) return { retry: { key: 'meetingRule.timeHint' } };
        const startsAt = localTime(data.date, time, ctx.settings.timeZone);
        if (startsAt <= ctx.now) return { retry: { key: 'meetingMove.past' } };
        return { goto: 'confirm', data: { startsAt: startsAt.toISOString() } };
      },
    },
    confirm: {
      ...choiceStep<MoveData>({
        question: (data, ctx) => ({ key: 'meetingMove.askConfirm', vars: movedVars(data, ctx) }),
        choices: ['meetingMove.yes', 'meetingMove.no'],
        yesNo: true,
        pick(choice, data, ctx) {
          if (choice === 2 || !ctx.who)
            return { end: true, say: [{ key: 'meetingMove.notMoved' }], open: { flow: 'menu' } };
          return {
            end: true,
            say: [{ key: 'meetingMove.moved' }],
            effects: [
              {
                type: 'moveMeeting',
                meetingId: data.meeting.id,
                startsAt: data.startsAt,
                byMemberId: ctx.who.memberId,
                // Members already reminded of it hear where it went.
                notice: { key: 'meetingRsvp.movedNotice', vars: movedVars(data, ctx) },
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

/** The old day and the new day and time, for the question and the members' notice. */
function movedVars({ meeting, startsAt }: MoveData, ctx: FlowContext) {
  const from = whenVars(meeting.startsAt, ctx);
  return { ...whenVars(startsAt, ctx), from: `${from.weekday} ${from.date}` };
}
