/**
 * "Huỷ buổi họp": a chair or vice chair cancels one coming meeting. It stays in the list, marked
 * cancelled, so members who look see it will not take place.
 *
 *   start → which (the next meetings) → confirm ─1─→ cancelled → menu
 *                                              ─2─→ menu
 */
import { choiceStep, type Flow } from '../src/engine/flow.ts';
import {
  ledMeetings,
  type MeetingChoice,
  meetingChoiceText,
  meetingStep,
  nothingToChange,
} from '../src/engine/meeting-words.ts';

type CancelData = { meetings: MeetingChoice[]; meeting: MeetingChoice };

export const meetingCancelFlow: Flow<CancelData> = {
  id: 'meetingCancel',
  keywords: ['huy buoi hop', 'huy hop', 'huy lich hop', 'cancel meeting'],
  async start(_args, ctx) {
    const meetings = await ledMeetings(ctx);
    if (meetings.length === 0) return nothingToChange(ctx);
    return { goto: 'which', data: { meetings } };
  },
  steps: {
    which: meetingStep<CancelData>('meetingCancel.askWhich', 'confirm'),
    confirm: {
      ...choiceStep<CancelData>({
        question: ({ meeting }, ctx) => ({
          key: 'meetingCancel.askConfirm',
          vars: { meeting: meetingChoiceText(meeting, ctx) },
        }),
        choices: ['meetingCancel.yes', 'meetingCancel.no'],
        yesNo: true,
        pick(choice, data, ctx) {
          if (choice === 2 || !ctx.who)
            return { end: true, say: [{ key: 'meetingCancel.kept' }], open: { flow: 'menu' } };
          return {
            end: true,
            say: [{ key: 'meetingCancel.cancelled' }],
            effects: [
              {
                type: 'cancelMeeting',
                meetingId: data.meeting.id,
                byMemberId: ctx.who.memberId,
                // Members already reminded of it hear that it will not take place.
                notice: {
                  key: 'meetingRsvp.cancelledNotice',
                  vars: { meeting: meetingChoiceText(data.meeting, ctx) },
                },
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
