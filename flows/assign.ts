/**
 * "Phân công": a chair (or vice chair) chooses which volunteers of the club look after a
 * member. Health alerts about her go to them (the `volunteersOf` audience).
 *
 *   start → (club, when she leads several) → member (a page of names, "Xem tiếp")
 *         → action ─ add ────→ volunteer (the club's volunteers not yet hers) → assigned → member
 *                  ─ remove ─→ assigned (hers) → removed → member
 *                  ─ other ──→ member
 *
 * Only the clubs this person leads, only their members and volunteers: what is chosen is kept
 * in the session as it was shown, and runtime/membership-effects.ts checks the leader, the member and the
 * volunteer again when it applies the assignment (`actsWithRole` reads the role afresh too).
 */
import { choiceStep, type Flow, type FlowContext, type StepOutcome } from '../src/engine/flow.ts';
import { CLUB_LEADERS, clubsWithRole } from '../src/engine/roles.ts';
import type { MemberView } from '../src/engine/types.ts';
import { type Person, pickPersonStep, toMenu } from './pages.ts';

type Action = 'add' | 'remove' | 'other' | 'back';

const LABELS: Record<Action, string> = {
  add: 'assign.add',
  remove: 'assign.remove',
  other: 'assign.other',
  back: 'common.backToMenu',
};

type AssignData = {
  /** The clubs this person leads, when several (to choose from). */
  clubs: Person[];
  clubId: string;
  members: Person[];
  /** The club's volunteers. */
  volunteers: Person[];
  page: number;
  /** The member chosen, and her volunteers as read then. */
  member: Person;
  assigned: Person[];
  actions: Action[];
};

const person = (member: MemberView): Person => ({ id: member.id, name: member.fullName });

/** The club's volunteers who do not look after the member on screen yet (nor are her). */
function unassigned({ volunteers, member, assigned }: AssignData): Person[] {
  return volunteers.filter(
    (volunteer) => volunteer.id !== member.id && !assigned.some((done) => done.id === volunteer.id),
  );
}

/** The club's members and volunteers, and the member list's first page. */
async function openClub(club: Person, ctx: FlowContext): Promise<StepOutcome<AssignData>> {
  const members = await ctx.lookups.clubMembers(club.id);
  if (members.length === 0)
    return { ...toMenu, say: [{ key: 'assign.noMembers', vars: { club: club.name } }] };
  const volunteers = members.filter((member) =>
    member.roles.some((grant) => grant.role === 'volunteer' && grant.clubId === club.id),
  );
  return {
    goto: 'member',
    data: {
      clubId: club.id,
      members: members.map(person),
      volunteers: volunteers.map(person),
      page: 0,
    },
  };
}

/** The member chosen, with her volunteers as they are now (of this club only). */
async function chooseMember(
  chosen: Person,
  data: AssignData,
  ctx: FlowContext,
): Promise<StepOutcome<AssignData>> {
  const member = await ctx.lookups.getMember(chosen.id);
  if (!member?.clubIds.includes(data.clubId) || member.status !== 'active')
    return { goto: 'member', data: { page: 0 } };
  const assigned = data.volunteers.filter((volunteer) => member.volunteerIds.includes(volunteer.id));
  const actions: Action[] = ['add', ...(assigned.length > 0 ? (['remove'] as const) : []), 'other', 'back'];
  return { goto: 'action', data: { member: chosen, assigned, actions } };
}

/** The assignment (or its removal) of `volunteer` to the member on screen; then the member list again. */
function decide(
  assign: boolean,
  volunteer: Person,
  data: AssignData,
  ctx: FlowContext,
): StepOutcome<AssignData> {
  if (!ctx.who || !clubsWithRole(ctx.who, CLUB_LEADERS).includes(data.clubId)) {
    return { ...toMenu, say: [{ key: 'assign.notAllowed' }] };
  }
  const { member, clubId } = data;
  const vars = { name: member.name, helper: volunteer.name };
  return {
    goto: 'member',
    data: { page: 0 },
    say: [{ key: assign ? 'assign.assigned' : 'assign.removed', vars }],
    effects: [
      {
        type: 'assignVolunteer',
        memberId: member.id,
        volunteerId: volunteer.id,
        clubId,
        byMemberId: ctx.who.memberId,
        assign,
        whenDone: [
          {
            type: 'notify',
            to: { members: [volunteer.id] },
            say: {
              key: assign ? 'assign.toldVolunteer' : 'assign.toldVolunteerRemoved',
              vars: { name: member.name },
            },
            kind: 'notice',
            // The chair's message names it: a redelivery of it tells nobody twice.
            key: `assign.${member.id}.${volunteer.id}.${ctx.inbound.chatId}.${ctx.inbound.messageId}`,
          },
        ],
      },
    ],
  };
}

export const assignFlow: Flow<AssignData> = {
  id: 'assign',
  menu: { label: 'menu.assign', order: 90, visible: (who) => clubsWithRole(who, CLUB_LEADERS).length > 0 },
  keywords: ['phan cong', 'assign'],
  async start(_args, ctx) {
    const me = ctx.who && (await ctx.lookups.getMember(ctx.who.memberId));
    const led = clubsWithRole(ctx.who, CLUB_LEADERS);
    if (!me || led.length === 0) return { ...toMenu, say: [{ key: 'assign.notAllowed' }] };
    const clubs = led.map((id) => ({ id, name: me.clubNames[me.clubIds.indexOf(id)] ?? id }));
    if (clubs.length === 1) return openClub(clubs[0]!, ctx);
    return { goto: 'club', data: { clubs, page: 0 } };
  },
  steps: {
    club: pickPersonStep<AssignData>({
      name: 'club',
      question: () => ({ key: 'assign.askClub' }),
      people: (data) => data.clubs,
      pick: (club, _data, ctx) => openClub(club, ctx),
    }),
    member: pickPersonStep<AssignData>({
      name: 'member',
      question: () => ({ key: 'assign.askMember' }),
      people: (data) => data.members,
      pick: chooseMember,
    }),
    action: choiceStep<AssignData>({
      question: ({ member, assigned }, ctx) => ({
        key: 'assign.askAction',
        vars: {
          name: member.name,
          names: assigned.map((volunteer) => volunteer.name).join(', ') || ctx.label('assign.nobody'),
        },
      }),
      choices: (data) => data.actions.map((action) => LABELS[action]),
      pick(choice, data) {
        switch (data.actions[choice - 1]!) {
          case 'add': {
            if (unassigned(data).length === 0)
              return { goto: 'action', say: [{ key: 'assign.noVolunteers' }] };
            return { goto: 'volunteer', data: { page: 0 } };
          }
          case 'remove':
            return { goto: 'unassign', data: { page: 0 } };
          case 'other':
            return { goto: 'member', data: { page: 0 } };
          case 'back':
            return toMenu;
        }
      },
    }),
    volunteer: {
      ...pickPersonStep<AssignData>({
        name: 'volunteer',
        question: (data) => ({ key: 'assign.askVolunteer', vars: { name: data.member.name } }),
        people: unassigned,
        pick: (volunteer, data, ctx) => decide(true, volunteer, data, ctx),
      }),
      actsWithRole: true,
    },
    unassign: {
      ...pickPersonStep<AssignData>({
        name: 'unassign',
        question: (data) => ({ key: 'assign.askRemove', vars: { name: data.member.name } }),
        people: (data) => data.assigned,
        pick: (volunteer, data, ctx) => decide(false, volunteer, data, ctx),
      }),
      actsWithRole: true,
    },
  },
};
