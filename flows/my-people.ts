/**
 * "Người tôi chăm sóc": a volunteer sees the members the chair assigned to her ("phân công"):
 * name, age and phone, a page at a time. Only her own assignees, and only in clubs where she
 * still volunteers.
 */
import type { Flow, FlowContext } from '../src/engine/flow.ts';
import { formatPhone } from '../src/engine/format.ts';
import { CLUB_LEADERS, clubsWithRole } from '../src/engine/roles.ts';
import type { MemberView, Say } from '../src/engine/types.ts';
import { pageLines, readingStep, toMenu } from './pages.ts';

type MyPeopleData = { pages: Say[]; page: number };

/** "1. Phạm Thị Hoa, 78 tuổi, 0912 345 678" (the age and phone when known). */
function line(member: MemberView, index: number, ctx: FlowContext): string {
  const parts = [
    `${index + 1}. ${member.fullName}`,
    ...(member.birthYear
      ? [ctx.label('myPeople.age', { age: ctx.now.getUTCFullYear() - member.birthYear })]
      : []),
    ...(member.phone ? [formatPhone(member.phone)] : []),
  ];
  return parts.join(', ');
}

export const myPeopleFlow: Flow<MyPeopleData> = {
  id: 'myPeople',
  menu: {
    label: 'menu.myPeople',
    order: 60,
    // A chair who also volunteers finds her people in "phân công" (and by this flow's words):
    // her menu keeps to nine lines.
    visible: (who) =>
      clubsWithRole(who, ['volunteer']).length > 0 && clubsWithRole(who, CLUB_LEADERS).length === 0,
  },
  keywords: ['nguoi toi cham soc', 'cham soc', 'my people'],
  async start(_args, ctx) {
    const clubs = clubsWithRole(ctx.who, ['volunteer']);
    if (!ctx.who || clubs.length === 0) return { ...toMenu, say: [{ key: 'myPeople.notVolunteer' }] };
    const people = (await ctx.lookups.assignedTo(ctx.who.memberId)).filter((member) =>
      member.clubIds.some((id) => clubs.includes(id)),
    );
    if (people.length === 0) return { ...toMenu, say: [{ key: 'myPeople.none' }] };
    const pages = pageLines(people.map((member, index) => line(member, index, ctx)));
    return {
      goto: 'shown',
      data: {
        pages: pages.map((lines) => ({ key: 'myPeople.list', vars: { count: people.length, lines } })),
        page: 0,
      },
    };
  },
  steps: { shown: readingStep<MyPeopleData>('shown') },
};
