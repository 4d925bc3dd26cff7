/** A member sees what the club holds about them (their right under Decree 13/2023). */
import { choiceStep, type Flow } from '../src/engine/flow.ts';
import { formatPhone } from '../src/engine/format.ts';

const GENDER_KEYS = { female: 'gender.female', male: 'gender.male', other: 'gender.other' } as const;

export const myInfoFlow: Flow = {
  id: 'myInfo',
  menu: { label: 'menu.myInfo', order: 40, visible: (who) => who !== null },
  async start(_args, ctx) {
    const me = ctx.who && (await ctx.lookups.getMember(ctx.who.memberId));
    if (!me) return { end: true, open: { flow: 'menu' } };
    return {
      goto: 'shown',
      data: {
        name: me.fullName,
        year: me.birthYear ?? '',
        gender: me.gender ? ctx.label(GENDER_KEYS[me.gender]) : '',
        phone: me.phone ? formatPhone(me.phone) : ctx.label('register.noPhone'),
        club: me.clubNames.join(', '),
        status: ctx.label(`status.${me.status}`),
      },
    };
  },
  steps: {
    shown: choiceStep({
      question: (data) => ({
        key: 'myInfo.show',
        vars: Object.fromEntries(Object.entries(data).map(([key, value]) => [key, String(value)])),
      }),
      choices: ['common.backToMenu'],
      pick: () => ({ end: true, open: { flow: 'menu' } }),
    }),
  },
};
