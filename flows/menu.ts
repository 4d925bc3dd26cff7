/** The main menu: one numbered line per flow this person may open. */
import { choiceStep, type Flow } from '../src/engine/flow.ts';

export const menuFlow: Flow = {
  id: 'menu',
  start: () => ({ goto: 'choose' }),
  steps: {
    choose: choiceStep({
      question: (_data, ctx) => ({ key: ctx.who ? 'menu.title' : 'menu.titleGuest' }),
      choices: (_data, ctx) => ctx.menu.map((entry) => entry.label),
      pick: (choice, _data, ctx) => ({ end: true, open: { flow: ctx.menu[choice - 1]!.flow } }),
    }),
  },
};
