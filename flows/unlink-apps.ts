/**
 * "NGẮT": the answer to "a new app was linked to your account — not you?". Unlinks
 * the member's chats that were linked after this one, so an older chat (the
 * member's own) can cut off a newer one (a stranger's), never the other way round.
 */
import { choiceStep, type Flow, type NoData } from '../src/engine/flow.ts';

export const unlinkAppsFlow: Flow<NoData> = {
  id: 'unlinkApps',
  keywords: ['ngat', 'ngat ket noi', 'unlink'],
  start: (_args, ctx) => (ctx.who ? { goto: 'confirm' } : { end: true, open: { flow: 'menu' } }),
  steps: {
    confirm: choiceStep({
      question: 'unlinkApps.ask',
      choices: ['unlinkApps.yes', 'unlinkApps.no'],
      pick(choice, _data, ctx) {
        if (choice === 2) return { end: true, say: [{ key: 'unlinkApps.kept' }], open: { flow: 'menu' } };
        const { channel, chatId } = ctx.inbound;
        return {
          end: true,
          say: [{ key: 'unlinkApps.done' }],
          effects: [{ type: 'unlinkNewerChats', memberId: ctx.who!.memberId, keep: { channel, chatId } }],
          open: { flow: 'menu' },
        };
      },
    }),
  },
};
