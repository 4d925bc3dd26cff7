/**
 * The main menu: one numbered line per flow this person may open.
 *
 * The lines shown are kept with the question, so a digit opens what the person read even when
 * who they are changed in between (a chair approved them, a role was taken away): a menu does
 * what it says. Each flow checks again what it allows when it opens.
 *
 * Which lines, in which order: each flow's `menu: { visible(who), order, label }`. A person sees
 * what every role of hers allows — a member's lines first, then a volunteer's, then a chair's —
 * and never more than nine, so every line is one digit:
 *
 *   guests         10 register                        95 language
 *   member         10 health check   20 my results    25 meetings ("lịch họp")   30 settings
 *                  40 my data        45 register someone
 *   volunteer      50 alerts ("cảnh báo"; a chair sees the same line)
 *                  60 my people ("người tôi chăm sóc"; not for a chair, who has "phân công")
 *   chair          70 approve        90 assign ("phân công")
 *
 * (Guests and members never see each other's lines, so they share numbers.) The language and
 * "use me on another app" are in the settings, not here. A later entry takes a free number in
 * its band and keeps a chair who volunteers at nine lines or fewer (test/engine/roles.test.ts).
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
