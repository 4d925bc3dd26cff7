/** Choose the language of every message (Vietnamese or English). */
import { choiceStep, type Flow, type NoData } from '../src/engine/flow.ts';
import type { Lang } from '../src/engine/types.ts';

const LANGS: Lang[] = ['vi', 'en'];

export const languageFlow: Flow<NoData> = {
  id: 'language',
  // Members change it in their settings (or type "ngôn ngữ"): the menu offers it to guests.
  menu: { label: 'menu.language', order: 95, visible: (who) => who === null },
  start: () => ({ goto: 'choose' }),
  steps: {
    choose: choiceStep({
      question: 'language.ask',
      choices: ['language.vi', 'language.en'],
      pick: (choice) => ({
        end: true,
        lang: LANGS[choice - 1]!,
        say: [{ key: 'language.changed' }],
        open: { flow: 'menu' },
      }),
    }),
  },
};
