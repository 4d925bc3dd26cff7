/**
 * An announcement that asks "Trả lời 1 nếu đã nhận", opened by the bot in each recipient's chat
 * (src/runtime/broadcasts.ts): the announcement is the question; "1" counts her answer once on the
 * broadcast. Someone busy with another question gets the announcement after it, and this question
 * when she is done.
 *
 *   start → ack ─1─→ thanks
 */
import { choiceStep, type Flow } from '../src/engine/flow.ts';

type AckData = { broadcastId: string; text: string };

export const broadcastAckFlow: Flow<AckData> = {
  id: 'broadcastAck',
  start(args) {
    if (typeof args.broadcastId !== 'string' || typeof args.text !== 'string') return { end: true };
    return { goto: 'ack', data: { broadcastId: args.broadcastId, text: args.text } };
  },
  steps: {
    ack: choiceStep<AckData>({
      question: ({ text }) => ({ key: 'broadcast.deliverAck', vars: { text } }),
      choices: ['broadcast.ackYes'],
      pick: (_choice, { broadcastId }, ctx) => ({
        end: true,
        say: [{ key: 'broadcast.ackThanks' }],
        effects: ctx.who ? [{ type: 'acknowledgeBroadcast', broadcastId, memberId: ctx.who.memberId }] : [],
      }),
    }),
  },
};
