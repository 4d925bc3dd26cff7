/**
 * "huỷ thông báo": the sender stops a broadcast of hers that has not finished going out.
 *
 *   start → pick (her broadcasts still planned or going out; none: told so) → confirm ─1─→ cancelled
 *                                                                                  ─2─→ menu
 *
 * What has gone out stays sent; what waits is not sent. The runtime cancels only for the sender
 * (or staff above the area) and tells her what went out before it stopped.
 */

import { choiceStep, type Flow } from '../src/engine/flow.ts';
import { formatDay } from '../src/engine/format.ts';
import { isActiveMember } from '../src/engine/roles.ts';
import { type Person, pickPersonStep } from './pages.ts';

type CancelData = { broadcasts: Person[]; page: number; chosen?: Person };

export const broadcastCancelFlow: Flow<CancelData> = {
  id: 'broadcastCancel',
  keywords: ['huy thong bao', 'dung thong bao', 'cancel broadcast'],
  async start(_args, ctx) {
    if (!isActiveMember(ctx.who))
      return { end: true, say: [{ key: 'broadcast.noneToCancel' }], open: { flow: 'menu' } };
    const open = await ctx.lookups.openBroadcasts(ctx.who.memberId);
    if (open.length === 0)
      return { end: true, say: [{ key: 'broadcast.noneToCancel' }], open: { flow: 'menu' } };
    const broadcasts = open.map((b) => ({
      id: b.id,
      name: `${b.area} (${formatDay(b.sendAt, ctx.settings.timeZone, { time: true })})`,
    }));
    return { goto: 'pick', data: { broadcasts, page: 0 } };
  },
  steps: {
    pick: pickPersonStep<CancelData>({
      name: 'pick',
      question: () => ({ key: 'broadcast.askWhichToCancel' }),
      people: (data) => data.broadcasts,
      pick: (person) => ({ goto: 'confirm', data: { chosen: person } }),
    }),
    confirm: choiceStep<CancelData>({
      question: (data) => ({ key: 'broadcast.askCancelSure', vars: { name: data.chosen!.name } }),
      choices: ['broadcast.cancelYes', 'broadcast.cancelNo'],
      yesNo: true,
      pick(choice, data, ctx) {
        if (choice === 2 || !ctx.who) return { end: true, open: { flow: 'menu' } };
        // What she hears next comes from the runtime: what went out before it stopped.
        return {
          end: true,
          effects: [{ type: 'cancelBroadcast', broadcastId: data.chosen!.id, byMemberId: ctx.who.memberId }],
        };
      },
    }),
  },
};
