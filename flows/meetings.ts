/**
 * "Lịch họp": a member sees her clubs' next meetings (a cancelled one says so) and the rule they
 * follow; a chair or vice chair then chooses what to change.
 *
 *   start ─ member ─→ the list ─ a meeting coming ─→ answer ─1─→ meetingRsvp (come or not; until it starts)
 *                              │                       ─2─→ menu
 *                              └ none coming ─→ menu
 *         ─ leader ─→ the list, the answers so far to the next meeting → choose ─1─→ meetingRule (set the rule)
 *                                       ─2─→ meetingMove ("đổi lịch")
 *                                       ─3─→ meetingCancel ("huỷ buổi họp")
 *                                       ─4─→ meetingAdd ("tạo buổi họp")
 *                                       ─5─→ menu
 */
import { choiceStep, type Flow, type OpenFlow } from '../src/engine/flow.ts';
import { MEETINGS_SHOWN, meetingLine, ruleSay, whenVars } from '../src/engine/meeting-words.ts';
import { rsvpTally } from '../src/engine/meetings.ts';
import { CLUB_LEADERS, clubsWithRole, isActiveMember } from '../src/engine/roles.ts';
import type { Say } from '../src/engine/types.ts';

const ACTIONS: OpenFlow['flow'][] = ['meetingRule', 'meetingMove', 'meetingCancel', 'meetingAdd', 'menu'];

/** The member's next meeting, which she may answer for now. */
type MeetingsData = { meetingId?: string };

export const meetingsFlow: Flow<MeetingsData> = {
  id: 'meetings',
  menu: { label: 'menu.meetings', order: 25, visible: isActiveMember },
  keywords: ['lich hop', 'lich sinh hoat', 'meetings'],
  async start(_args, ctx) {
    if (!isActiveMember(ctx.who)) return { end: true, open: { flow: 'menu' } };
    const clubIds = ctx.who.clubIds;
    const meetings = await ctx.lookups.upcomingMeetings(clubIds, ctx.now, MEETINGS_SHOWN);
    const rules = await Promise.all(clubIds.map((id) => ctx.lookups.meetingRule(id)));
    const say: Say[] = [
      ...rules.flatMap((rule) => (rule ? [ruleSay(rule, ctx)] : [])),
      { key: meetings.length > 0 ? 'meetings.next' : 'meetings.none' },
      ...meetings.map((meeting) => meetingLine(meeting, ctx)),
    ];
    const led = clubsWithRole(ctx.who, CLUB_LEADERS);
    if (led.length === 0) {
      // She may say now whether she will come (or change her answer), not only when reminded.
      const coming = meetings.find((meeting) => meeting.status === 'scheduled');
      if (!coming) return { end: true, say, open: { flow: 'menu' } };
      return { goto: 'answer', say, data: { meetingId: coming.id } };
    }
    // A leader sees how her club's next meeting was answered so far.
    const next = meetings.find((meeting) => meeting.status === 'scheduled' && led.includes(meeting.clubId));
    if (next) {
      const roster = await ctx.lookups.clubRoster(next.clubId);
      const tally = rsvpTally(
        next.rsvps,
        roster.map((person) => person.id),
      );
      say.push({ key: 'meetings.tally', vars: { ...tally, ...whenVars(next.startsAt, ctx) } });
    }
    return { goto: 'choose', say };
  },
  steps: {
    answer: choiceStep<MeetingsData>({
      question: 'meetings.askMember',
      choices: ['meetings.answer', 'common.backToMenu'],
      pick: (choice, { meetingId }) =>
        choice === 1
          ? { end: true, open: { flow: 'meetingRsvp', args: { meetingId } } }
          : { end: true, open: { flow: 'menu' } },
    }),
    choose: choiceStep<MeetingsData>({
      question: 'meetings.askLeader',
      choices: ['meetings.setRule', 'meetings.move', 'meetings.cancel', 'meetings.add', 'common.backToMenu'],
      pick: (choice) => ({ end: true, open: { flow: ACTIONS[choice - 1]! } }),
    }),
  },
};
