/**
 * A chair (or vice chair) approves or rejects people who asked to join one of
 * their clubs with its open code. Opened from the menu, by typing "duyệt", or
 * by the bot itself when a new request arrives and the chair is not busy.
 *
 *   start → decide ─1─→ approved → the next person waiting (or "nobody")
 *                  ─2─→ confirmReject ─1─→ rejected → the next person
 *                                     ─2─→ decide (the same person)
 *                  ─3─→ "later" → menu
 *
 * Every answer decides the person on screen: the session holds their id, each
 * reply names them, and a notice that arrives meanwhile (another request) is
 * followed by this question again (Engine.notice). The decision is taken with
 * the chair's role as the database has it at that moment (`actsWithRole`), and
 * runtime/membership-effects.ts checks it once more when it applies the decision.
 */
import { choiceStep, type Flow, type FlowContext, type StepOutcome } from '../src/engine/flow.ts';
import { formatPhone } from '../src/engine/format.ts';
import { CLUB_LEADERS, clubsWithRole } from '../src/engine/roles.ts';

const GENDER_KEYS = { female: 'gender.female', male: 'gender.male', other: 'gender.other' } as const;
const DECIDE = ['approve.yes', 'approve.no', 'approve.later'];

/** The person on screen, as the question shows them (all set when the flow opens). */
type ApproveData = {
  memberId: string;
  name: string;
  year: number | '';
  gender: string;
  phone: string;
  clubId: string;
  club: string;
};

/** Applies a decision on the person in `data`, if this chair still leads their club and they still wait. */
async function decide(
  approve: boolean,
  data: ApproveData,
  ctx: FlowContext,
): Promise<StepOutcome<ApproveData>> {
  const { memberId, clubId, name, club } = data;
  if (!ctx.who || !clubsWithRole(ctx.who, CLUB_LEADERS).includes(clubId)) {
    return { end: true, say: [{ key: 'approve.notAllowed', vars: { club } }], open: { flow: 'menu' } };
  }
  const vars = { name, club };
  const current = await ctx.lookups.getMember(memberId);
  const waiting = current?.waitingFor.some((club) => club.id === clubId);
  // Decided by someone else meanwhile; a decision of our own means this is a retry: carry on.
  if (!current || (!waiting && current.decidedBy !== ctx.who.memberId)) {
    return { end: true, say: [{ key: 'approve.alreadyDecided', vars: { name } }], open: { flow: 'approve' } };
  }
  return {
    end: true,
    say: [{ key: approve ? 'approve.approved' : 'approve.rejected', vars }],
    effects: [
      {
        type: 'decideMember',
        memberId,
        clubId,
        approve,
        byMemberId: ctx.who.memberId,
        // Once the decision is made, the person and whoever registered them on their behalf hear of it.
        whenDecided: [
          {
            type: 'notify',
            to: { members: [memberId] },
            say: { key: approve ? 'register.approvedNotice' : 'register.rejectedNotice', vars },
            kind: 'decision',
            key: `decision.${memberId}.${clubId}`,
            // She is someone else now: what she had open (a pending member's menu) is not shown again.
            alone: true,
          },
          {
            type: 'notify',
            to: { proxiesOf: memberId },
            say: { key: approve ? 'register.approvedNoticeProxy' : 'register.rejectedNoticeProxy', vars },
            kind: 'decision',
            key: `decision.${memberId}.${clubId}`,
          },
        ],
      },
    ],
    open: { flow: 'approve', args: { decided: memberId } },
  };
}

export const approveFlow: Flow<ApproveData> = {
  id: 'approve',
  gathers: true,
  menu: { label: 'menu.approve', order: 70, visible: (who) => clubsWithRole(who, CLUB_LEADERS).length > 0 },
  keywords: ['duyet', 'approve'],
  async start(args, ctx) {
    const clubs = clubsWithRole(ctx.who, CLUB_LEADERS);
    const candidate =
      typeof args.memberId === 'string'
        ? await ctx.lookups.getMember(args.memberId)
        : await ctx.lookups.nextPendingMember(clubs, typeof args.decided === 'string' ? [args.decided] : []);
    const club = candidate?.waitingFor.find(({ id }) => clubs.includes(id));
    if (!candidate || !club) {
      return { end: true, say: [{ key: 'approve.none' }], open: { flow: 'menu' } };
    }
    return {
      goto: 'decide',
      say: args.memberId ? [{ key: 'approve.newRequest' }] : [],
      data: {
        memberId: candidate.id,
        name: candidate.fullName,
        year: candidate.birthYear ?? '',
        gender: candidate.gender ? ctx.label(GENDER_KEYS[candidate.gender]) : '',
        phone: candidate.phone ? formatPhone(candidate.phone) : ctx.label('register.noPhone'),
        clubId: club.id,
        club: club.name,
      },
    };
  },
  steps: {
    decide: {
      ...choiceStep<ApproveData>({
        question: ({ name, gender, year, phone, club }) => ({
          key: 'approve.ask',
          vars: { name, gender, year: String(year), phone, club },
        }),
        choices: DECIDE,
        pick(choice, data, ctx) {
          if (choice === 1) return decide(true, data, ctx);
          if (choice === 2) return { goto: 'confirmReject' };
          return { end: true, say: [{ key: 'approve.postponed' }], open: { flow: 'menu' } };
        },
      }),
      actsWithRole: true,
      // A request left unanswered for two hours is asked again, once.
      timeout: { after: 2 * 3600_000, say: { key: 'approve.unanswered' } },
    },
    confirmReject: {
      ...choiceStep<ApproveData>({
        question: ({ name }) => ({ key: 'approve.askReject', vars: { name } }),
        choices: ['approve.rejectSure', 'approve.rejectBack'],
        pick: (choice, data, ctx) => (choice === 1 ? decide(false, data, ctx) : { goto: 'decide' }),
      }),
      actsWithRole: true,
    },
  },
};
