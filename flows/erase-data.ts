/**
 * "Xoá dữ liệu": a member erases what the club keeps about her. Asked twice, each answered
 * with one digit (no "có": a yes typed by mistake must not erase anything), then the
 * `eraseMember` effect (src/runtime/erase-member.ts) anonymises her record, deletes her health
 * responses, unlinks and clears every chat of hers and tells her club's leaders she left. This
 * chat knows nobody afterwards (the engine forgets who it was at once).
 *
 *   start → first ─1─→ second ─1─→ erased (the end)
 *                 ─2─→ kept → menu    ─2─→ kept → menu
 */
import { choiceStep, type Flow, type NoData } from '../src/engine/flow.ts';
import { toMenu } from './pages.ts';

const kept = { ...toMenu, say: [{ key: 'eraseData.kept' }] };

export const eraseDataFlow: Flow<NoData> = {
  id: 'eraseData',
  keywords: ['xoa du lieu', 'xoa du lieu cua toi', 'xoa thong tin', 'delete my data'],
  start: (_args, ctx) => (ctx.who ? { goto: 'first' } : toMenu),
  steps: {
    first: choiceStep<NoData>({
      question: 'eraseData.ask',
      choices: ['eraseData.yes', 'eraseData.no'],
      pick: (choice) => (choice === 1 ? { goto: 'second' } : kept),
    }),
    second: choiceStep<NoData>({
      question: 'eraseData.askAgain',
      choices: ['eraseData.yesSure', 'eraseData.no'],
      pick(choice, _data, ctx) {
        if (choice === 2 || !ctx.who) return kept;
        return {
          end: true,
          say: [{ key: 'eraseData.done' }],
          effects: [{ type: 'eraseMember', memberId: ctx.who.memberId }],
        };
      },
    }),
  },
};
