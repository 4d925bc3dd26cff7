/** A member sees what the club holds about them (their right under Decree 13/2023). */
import { choiceStep, type Flow } from '../src/engine/flow.ts';
import { formatPhone } from '../src/engine/format.ts';

const GENDER_KEYS = { female: 'gender.female', male: 'gender.male', other: 'gender.other' } as const;

/** What is shown, as the message's values (read once, when the flow opens). */
type MyInfoData = { name: string; year: string; gender: string; phone: string; club: string; status: string };

export const myInfoFlow: Flow<MyInfoData> = {
  id: 'myInfo',
  menu: { label: 'menu.myInfo', order: 40, visible: (who) => who !== null },
  async start(_args, ctx) {
    const me = ctx.who && (await ctx.lookups.getMember(ctx.who.memberId));
    if (!me) return { end: true, open: { flow: 'menu' } };
    return {
      goto: 'shown',
      data: {
        name: me.fullName,
        year: String(me.birthYear ?? ''),
        gender: me.gender ? ctx.label(GENDER_KEYS[me.gender]) : '',
        phone: me.phone ? formatPhone(me.phone) : ctx.label('register.noPhone'),
        club: me.clubNames.join(', '),
        status: ctx.label(`status.${me.status}`),
      },
    };
  },
  steps: {
    shown: choiceStep<MyInfoData>({
      question: (data) => ({ key: 'myInfo.show', vars: data }),
      choices: ['common.backToMenu'],
      pick: () => ({ end: true, open: { flow: 'menu' } }),
    }),
  },
};
