/**
 * "Có mặt": a member says she is at her club's meeting, from half an hour before it starts to
 * four hours after. The chair's roll-call shows her as present (and decides, if it differs).
 *
 *   start → checked in (the meeting named) → end     (no meeting now: says so → menu)
 */
import type { Flow } from '../src/engine/flow.ts';
import { whenVars } from '../src/engine/meeting-words.ts';
import { isActiveMember } from '../src/engine/roles.ts';

const EARLY_MS = 30 * 60_000;
const LATE_MS = 4 * 3600_000;

export const checkInFlow: Flow = {
  id: 'checkIn',
  keywords: ['co mat', 'toi co mat', 'check in'],
  async start(_args, ctx) {
    if (!isActiveMember(ctx.who)) return { end: true, open: { flow: 'menu' } };
    const now = ctx.now.getTime();
    const [meeting] = await ctx.lookups.startedMeetings(
      ctx.who.clubIds,
      new Date(now - LATE_MS),
      new Date(now + EARLY_MS),
    );
    if (!meeting) return { end: true, say: [{ key: 'checkIn.none' }], open: { flow: 'menu' } };
    return {
      end: true,
      say: [{ key: 'checkIn.done', vars: { ...whenVars(meeting.startsAt, ctx), place: meeting.place } }],
      effects: [{ type: 'checkIn', meetingId: meeting.id, memberId: ctx.who.memberId }],
    };
  },
  steps: {},
};
