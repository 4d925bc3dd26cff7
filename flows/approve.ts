/**
 * A chair (or vice chair) approves or rejects people who asked to join with
 * the club's open code. Opened from the menu, by typing "duyệt", or by the
 * bot itself when a new request arrives and the chair is not busy.
 */
import { choiceStep, type Flow } from '../src/engine/flow.ts';
import { CLUB_LEADERS, clubsWithRole } from '../src/engine/roles.ts';

export const approveFlow: Flow = {
  id: 'approve',
  menu: { label: 'menu.approve', order: 20, visible: (who) => clubsWithRole(who, CLUB_LEADERS).length > 0 },
  keywords: ['duyet', 'approve'],
  async start(args, ctx) {
    const clubs = clubsWithRole(ctx.who, CLUB_LEADERS);
    const candidate =
      typeof args.memberId === 'string'
        ? await ctx.lookups.getMember(args.memberId)
        : await ctx.lookups.nextPendingMember(clubs, typeof args.decided === 'string' ? [args.decided] : []);
    if (candidate?.status !== 'pending' || !candidate.clubIds.some((id) => clubs.includes(id))) {
      return { end: true, say: [{ key: 'approve.none' }], open: { flow: 'menu' } };
    }
    return {
      goto: 'decide',
      say: args.memberId ? [{ key: 'approve.newRequest' }] : [],
      data: {
        memberId: candidate.id,
        name: candidate.fullName,
        year: candidate.birthYear ?? '',
        club: candidate.clubNames[0] ?? '',
      },
    };
  },
  steps: {
    decide: choiceStep({
      question: (data) => ({
        key: 'approve.ask',
        vars: { name: String(data.name), year: String(data.year), club: String(data.club) },
      }),
      choices: ['approve.yes', 'approve.no', 'approve.later'],
      async pick(choice, data, ctx) {
        const memberId = String(data.memberId);
        if (choice === 3) return { end: true, say: [{ key: 'approve.later' }], open: { flow: 'menu' } };
        const current = await ctx.lookups.getMember(memberId);
        // Decided by someone else meanwhile; a decision of our own means this is a retry: carry on.
        if (!current || (current.status !== 'pending' && current.decidedBy !== ctx.who!.memberId)) {
          return { end: true, say: [{ key: 'approve.alreadyDecided' }], open: { flow: 'approve' } };
        }
        const approve = choice === 1;
        return {
          end: true,
          say: [
            { key: approve ? 'approve.approved' : 'approve.rejected', vars: { name: String(data.name) } },
          ],
          effects: [{ type: 'decideMember', memberId, approve, byMemberId: ctx.who!.memberId }],
          open: { flow: 'approve', args: { decided: memberId } },
        };
      },
    }),
  },
};
