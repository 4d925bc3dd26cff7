/**
 * "Use me on another app too": the member gets a short code here and types it
 * to the bot on the other app (Zalo, Telegram…), which then knows them.
 */
import type { Flow, NoData } from '../src/engine/flow.ts';
import { isActiveMember } from '../src/engine/roles.ts';

export const linkAppFlow: Flow<NoData> = {
  id: 'linkApp',
  keywords: ['lien ket', 'noi ung dung', 'link'],
  start(_args, ctx) {
    if (!isActiveMember(ctx.who)) return { end: true, open: { flow: 'menu' } };
    const code = ctx.random.linkCode();
    return {
      end: true,
      say: [{ key: 'linkApp.code', vars: { code } }],
      effects: [{ type: 'createLinkCode', memberId: ctx.who.memberId, code }],
    };
  },
  steps: {},
};
