/**
 * "Cài đặt": a member chooses the app the bot writes to her on (when she has several), her
 * language, and whether she gets non-essential messages (reminders, nudges, ordinary
 * announcements; see src/engine/message-kinds.ts).
 *
 *   start → choose ─ app ──→ app → "messages go to <app>" → menu
 *                  ─ link ─→ the link-app flow (a code for another app)
 *                  ─ language → the language flow
 *                  ─ stop ──→ confirmStop ─1─→ opted out → menu
 *                                         ─2─→ menu
 *                  ─ resume → opted in → menu
 *
 * "dừng nhận tin" and "nhận tin" / "bắt đầu" are global commands (src/engine/engine.ts) that
 * open this flow with `args.action` 'stop' or 'resume'. The lines shown are kept with the
 * question, so a digit does what the member read.
 */
import { choiceStep, type Data, type Flow, type FlowContext, type StepOutcome } from '../src/engine/flow.ts';
import { clubsWithRole, isActiveMember, REPORTERS } from '../src/engine/roles.ts';
import type { ChatRef, MemberSettings } from '../src/engine/types.ts';

type Action = 'app' | 'link' | 'language' | 'stop' | 'resume' | 'back' | 'myInfo';

const LABELS: Record<Action, string> = {
  app: 'settings.app',
  link: 'menu.linkApp',
  language: 'menu.language',
  stop: 'settings.stop',
  resume: 'settings.resume',
  back: 'common.backToMenu',
  myInfo: 'menu.myInfo',
};

/**
 * What the member may change now: the app only when she has several, another app only once she
 * is a member (flows/link-app.ts), stop or resume as she is.
 */
function actions(settings: MemberSettings, active: boolean, reporter = false): Action[] {
  return [
    ...(settings.chats.length > 1 ? (['app'] as const) : []),
    ...(active ? (['link'] as const) : []),
    'language',
    settings.optedOut ? 'resume' : 'stop',
    // Someone who reports for a club has "báo cáo tuần" in her menu in place of "my data".
    ...(reporter ? (['myInfo'] as const) : []),
    'back',
  ];
}

const toMenu: StepOutcome = { end: true, open: { flow: 'menu' } };

function pick(action: Action, data: Data, ctx: FlowContext): StepOutcome {
  // The chat was unlinked meanwhile: there is no member to set anything for.
  if (!ctx.who) return toMenu;
  switch (action) {
    case 'app':
      return { goto: 'app' };
    case 'link':
      return { end: true, open: { flow: 'linkApp' } };
    case 'language':
      return { end: true, open: { flow: 'language' } };
    case 'stop':
      return data.optedOut
        ? { end: true, say: [{ key: 'settings.alreadyStopped' }], open: { flow: 'menu' } }
        : { goto: 'confirmStop' };
    case 'resume':
      return {
        end: true,
        say: [{ key: 'settings.resumed' }],
        effects: [{ type: 'setOptOut', memberId: ctx.who.memberId, optedOut: false }],
        open: { flow: 'menu' },
      };
    case 'back':
      return toMenu;
    case 'myInfo':
      return { end: true, open: { flow: 'myInfo' } };
  }
}

export const settingsFlow: Flow = {
  id: 'settings',
  menu: { label: 'menu.settings', order: 30, visible: (who) => who !== null },
  keywords: ['cai dat', 'settings'],
  async start(args, ctx) {
    const settings = ctx.who && (await ctx.lookups.memberSettings(ctx.who.memberId));
    // Someone who is not a member (a newcomer typing "bắt đầu") has nothing to set: the menu helps.
    if (!settings) return toMenu;
    const data = {
      actions: actions(settings, isActiveMember(ctx.who), clubsWithRole(ctx.who, REPORTERS).length > 0),
      chats: settings.chats,
      optedOut: settings.optedOut,
    };
    if (args.action === 'stop' || args.action === 'resume') {
      const outcome = pick(args.action, data, ctx);
      return 'goto' in outcome ? { ...outcome, data } : outcome;
    }
    return { goto: 'choose', data };
  },
  steps: {
    choose: choiceStep({
      question: (data) => ({ key: data.optedOut ? 'settings.askStopped' : 'settings.ask' }),
      choices: (data) => (data.actions as Action[]).map((action) => LABELS[action]),
      pick: (choice, data, ctx) => pick((data.actions as Action[])[choice - 1]!, data, ctx),
    }),
    app: choiceStep({
      question: 'settings.askApp',
      // The apps by name, in the order of `data.chats` (the most recently linked first).
      choices: (data) => (data.chats as ChatRef[]).map((chat) => `channels.${chat.channel}`),
      pick(choice, data, ctx) {
        if (!ctx.who) return toMenu;
        const chat = (data.chats as ChatRef[])[choice - 1]!;
        return {
          end: true,
          say: [{ key: 'settings.appChosen', vars: { app: ctx.label(`channels.${chat.channel}`) } }],
          effects: [{ type: 'setPreferredChat', memberId: ctx.who.memberId, chat }],
          open: { flow: 'menu' },
        };
      },
    }),
    confirmStop: choiceStep({
      question: 'settings.askStop',
      choices: ['settings.stopYes', 'settings.stopNo'],
      yesNo: true,
      pick(choice, _data, ctx) {
        if (choice === 2) return { end: true, say: [{ key: 'settings.notStopped' }], open: { flow: 'menu' } };
        if (!ctx.who) return toMenu;
        return {
          end: true,
          say: [{ key: 'settings.stopped' }],
          effects: [{ type: 'setOptOut', memberId: ctx.who.memberId, optedOut: true }],
          open: { flow: 'menu' },
        };
      },
    }),
  },
};
