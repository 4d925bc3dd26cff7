/**
 * The main menu: one numbered line per flow this person may open.
 *
 * The lines shown are kept with the question, so a digit opens what the person read even when
 * who they are changed in between (a chair approved them, a role was taken away): a menu does
 * what it says. Each flow checks again what it allows when it opens.
 */
import { choiceStep, type Flow, type FlowContext, type MenuEntry } from '../src/engine/flow.ts';

/** The lines shown, kept with the question (absent in a menu opened before they were kept). */
type MenuData = { entries?: MenuEntry[] };

/** The entries shown (a menu opened before they were kept falls back to today's). */
const shown = (data: MenuData, ctx: FlowContext): MenuEntry[] => data.entries ?? ctx.menu;

export const menuFlow: Flow<MenuData> = {
  id: 'menu',
  start: (_args, ctx) => ({ goto: 'choose', data: { entries: ctx.menu } }),
  steps: {
    choose: choiceStep<MenuData>({
      question: (_data, ctx) => ({ key: ctx.who ? 'menu.title' : 'menu.titleGuest' }),
      choices: (data, ctx) => shown(data, ctx).map((entry) => entry.label),
      pick: (choice, data, ctx) => ({ end: true, open: { flow: shown(data, ctx)[choice - 1]!.flow } }),
    }),
  },
};
