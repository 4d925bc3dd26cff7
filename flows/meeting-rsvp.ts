/**
 * A meeting's reminder and its question "will you come": opened by the reminder
 * (src/runtime/meeting-effects.ts, `meetingReminder`) in the chat of each member — and of each proxy,
 * who answers for the members she acts for who have no chat of their own ("will Bà Tư come"),
 * one after the other in the same conversation. Each answer is saved for the meeting and may be
 * changed at the next reminder, until the meeting starts.
 *
 *   start (the reminder) → answer ─1 có / 2 không / 3 chưa chắc─→ thanks (saved)
 *                            ↑                                       │ someone else to answer for
 *                            └───────────────────────────────────────┘
 *
 * Answered by digit or by words ("co", "khong di duoc", "chua biet"; see `parseRsvp`). A meeting
 * that was cancelled, moved away or has started by the time she opens it says so instead.
 */
import { parseRsvp } from '../src/engine/answers.ts';
import type { Flow, FlowContext } from '../src/engine/flow.ts';
import { whenVars } from '../src/engine/meeting-words.ts';
import type { MeetingView, Rsvp, Say } from '../src/engine/types.ts';

const CHOICES = ['meetingRsvp.yes', 'meetingRsvp.no', 'meetingRsvp.maybe'];
const THANKS: Record<Rsvp, string> = {
  yes: 'meetingRsvp.thanksYes',
  no: 'meetingRsvp.thanksNo',
  maybe: 'meetingRsvp.thanksMaybe',
};

/** Whom the answers are for: the person herself (no name) and the members she answers for. */
type Person = { id: string; name: string; before?: Rsvp };
type RsvpData = { meetingId: string; startsAt: string; people: Person[]; index: number };

/** What she answered last time for this person, if anything. */
function answeredBefore(person: Person, ctx: FlowContext): Say[] {
  if (!person.before) return [];
  const answer = ctx.label(`meetingRsvp.${person.before}`);
  return [
    {
      key: person.name ? 'meetingRsvp.answeredBeforeFor' : 'meetingRsvp.answeredBefore',
      vars: { answer, name: person.name },
    },
  ];
}

async function peopleOf(ids: string[], meeting: MeetingView, ctx: FlowContext): Promise<Person[]> {
  return Promise.all(
    ids.map(async (id) => ({
      id,
      name: id === ctx.who?.memberId ? '' : ((await ctx.lookups.getMember(id))?.fullName ?? ''),
      ...(meeting.rsvps[id] ? { before: meeting.rsvps[id] } : {}),
    })),
  );
}

export const meetingRsvpFlow: Flow<RsvpData> = {
  id: 'meetingRsvp',
  async start(args, ctx) {
    if (!ctx.who || typeof args.meetingId !== 'string') return { end: true, open: { flow: 'menu' } };
    const meeting = await ctx.lookups.meeting(args.meetingId);
    if (meeting?.status !== 'scheduled' || meeting.startsAt <= ctx.now) {
      return { end: true, say: [{ key: 'meetingRsvp.over' }], open: { flow: 'menu' } };
    }
    const ids = Array.isArray(args.memberIds) ? args.memberIds.map(String) : [ctx.who.memberId];
    const people = await peopleOf(ids, meeting, ctx);
    return {
      goto: 'answer',
      data: { meetingId: meeting.id, startsAt: meeting.startsAt.toISOString(), people, index: 0 },
      say: [
        { key: 'meetingRsvp.reminder', vars: { ...whenVars(meeting.startsAt, ctx), place: meeting.place } },
        ...answeredBefore(people[0]!, ctx),
      ],
    };
  },
  steps: {
    answer: {
      ask: ({ people, index }) => {
        const { name } = people[index]!;
        return { key: name ? 'meetingRsvp.askFor' : 'meetingRsvp.ask', vars: { name }, choices: CHOICES };
      },
      answer(answer, data, ctx) {
        const rsvp = parseRsvp(answer.text);
        if (!rsvp) return { retry: { key: 'common.pickNumber', vars: { max: 3 } } };
        if (!ctx.who || new Date(data.startsAt) <= ctx.now)
          return { end: true, say: [{ key: 'meetingRsvp.over' }] };
        const effects = [
          {
            type: 'setRsvp' as const,
            meetingId: data.meetingId,
            memberId: data.people[data.index]!.id,
            rsvp,
            byMemberId: ctx.who.memberId,
          },
        ];
        const say = [{ key: THANKS[rsvp] }];
        const next = data.people[data.index + 1];
        if (!next) return { end: true, say, effects };
        return {
          goto: 'answer',
          data: { index: data.index + 1 },
          say: [...say, ...answeredBefore(next, ctx)],
          effects,
        };
      },
    },
  },
};
