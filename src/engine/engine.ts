/**
 * The conversation engine: one inbound message in, the new chat state, the
 * replies and the effects out. No I/O here: flows read through `Lookups`, and
 * the caller persists the state, queues the replies and applies the effects.
 *
 * Routing order: unsupported content → global commands (help, menu, cancel,
 * back, language, stop or resume messages, /start — they work in the middle of any
 * flow) → greetings and thank-yous (answered kindly, never a failed try) → the
 * open session → keywords that open a flow → the menu with a short help.
 */

import type { Translate } from '../i18n.ts';
import { type AddressFacts, addressForm } from './address.ts';
import { normalize, parseChoice, parseSmallTalk } from './answers.ts';
import type { RandomSource } from './codes.ts';
import type { Answer, Data, Flow, FlowContext, MenuEntry, StepOutcome } from './flow.ts';
import { formatPhone } from './format.ts';
import { Renderer } from './render.ts';
import type {
  ChatState,
  Effect,
  FlowId,
  FlowSettings,
  Inbound,
  Lang,
  Lookups,
  Offer,
  Outbound,
  PastStep,
  Say,
  Session,
  Who,
} from './types.ts';

/** Invalid answers in a row before the engine offers help instead of asking again. */
export const MAX_TRIES = 3;
/** Longest text we try to understand; longer messages get a polite "please keep it short". */
export const MAX_TEXT_LENGTH = 1000;
/** Flows that open other flows (menu → register) are followed at most this deep. */
const MAX_CHAIN = 4;
/** Internal step: the person failed a question MAX_TRIES times and is offered a way out. */
const STUCK = '__stuck';
const STUCK_CHOICES = ['common.tryAgain', 'common.backToMenu'];
/** Answered questions kept per session for "quay lại" / "back" (see `Session.history`). */
export const MAX_HISTORY = 10;

type GlobalCommand =
  | 'help'
  | 'menu'
  | 'cancel'
  | 'back'
  | 'language'
  | 'start'
  | 'stopMessages'
  | 'resumeMessages';

const GLOBAL_WORDS: Record<string, GlobalCommand> = {
  help: 'help',
  '/help': 'help',
  '?': 'help',
  'tro giup': 'help',
  giup: 'help',
  'giup do': 'help',
  'huong dan': 'help',
  menu: 'menu',
  '/menu': 'menu',
  cancel: 'cancel',
  '/cancel': 'cancel',
  huy: 'cancel',
  'huy bo': 'cancel',
  thoat: 'cancel',
  // Back to the previous question of the open flow.
  'quay lai': 'back',
  'tro lai': 'back',
  lui: 'back',
  'lui lai': 'back',
  back: 'back',
  '/back': 'back',
  'go back': 'back',
  'ngon ngu': 'language',
  language: 'language',
  '/language': 'language',
  // Opting out of non-essential messages and back in (flows/settings.ts). "Bắt đầu" is not
  // `/start`: a newcomer who types it sees the menu, whose first line is registration.
  'dung nhan tin': 'stopMessages',
  'ngung nhan tin': 'stopMessages',
  'stop messages': 'stopMessages',
  'nhan tin': 'resumeMessages',
  'nhan tin lai': 'resumeMessages',
  'bat dau': 'resumeMessages',
  'resume messages': 'resumeMessages',
};

export interface EngineOptions {
  flows: Flow[];
  translate: Translate;
  /** A session idle longer than this is dropped (the person is told). */
  sessionIdleMs: number;
  /** Ids and codes for flows (crypto in the app, seeded in engine tests). */
  random: RandomSource;
  /** Configured values flows read (see `flowSettings` in src/config.ts). */
  settings: FlowSettings;
}

export interface TurnResult {
  state: ChatState;
  replies: Outbound[];
  effects: Effect[];
  /**
   * Present when the turn ends by opening a flow (usually the menu) that depends on who this
   * chat is, and `effects` change that (a member created, a chat linked): apply the effects,
   * then call this with the member now behind the chat for the complete turn (whose own
   * effects, if any, are applied in turn). `replies` are left empty until then.
   */
  afterEffects?: (who: Who | undefined) => Promise<TurnResult>;
}

interface Turn {
  state: ChatState;
  inbound: Inbound;
  now: Date;
  lookups: Lookups;
  says: Say[];
  effects: Effect[];
  /** What a flow that ended this turn had learned about the person (for how to address them). */
  learned?: AddressFacts;
  /** A flow to open once this turn's effects are applied (see `TurnResult.afterEffects`). */
  waiting?: { flow: FlowId; args: Data; depth: number };
}

/** One turn is one message: the last part is the question, with its choices. */
function oneMessage(parts: Outbound[]): Outbound[] {
  const last = parts.at(-1);
  return last ? [{ ...last, text: parts.map((part) => part.text).join('\n\n') }] : [];
}

/**
 * Whether the person is in the middle of a question. The menu is none: someone sitting at it may
 * type a flow's word, gets help alone, and is not busy for a flow opened by someone else.
 */
export function inQuestion(session: Session | undefined): session is Session {
  return session !== undefined && session.flow !== 'menu';
}

/** Takes the first flow offered to a busy person, if any (see `ChatState.offers`). */
function takeOffer(state: ChatState): Offer | undefined {
  const [first, ...rest] = state.offers ?? [];
  state.offers = rest.length ? rest : undefined;
  return first;
}

/** Effects after which the chat may belong to someone else, or its member to other clubs. */
function changesWho(effect: Effect): boolean {
  return (
    effect.type === 'linkIdentity' ||
    effect.type === 'joinClub' ||
    (effect.type === 'createMember' && effect.identity !== undefined)
  );
}

export class Engine {
  readonly #flows: Map<string, Flow>;
  readonly #options: EngineOptions;
  readonly #renderer: Renderer;

  constructor(options: EngineOptions) {
    this.#options = options;
    this.#renderer = new Renderer(options.translate);
    this.#flows = new Map(options.flows.map((flow) => [flow.id, flow]));
    for (const required of ['menu', 'register', 'language', 'settings'] satisfies FlowId[]) {
      if (!this.#flows.has(required)) throw new Error(`engine needs a "${required}" flow`);
    }
  }

  /** Handles one inbound message. `state` is not modified; the new state is returned. */
  async handle(state: ChatState, inbound: Inbound, lookups: Lookups, now = new Date()): Promise<TurnResult> {
    const turn: Turn = { state: structuredClone(state), inbound, now, lookups, says: [], effects: [] };
    await this.#route(turn);
    return this.#finish(turn);
  }

  /** Opens `flowId` for a chat without an inbound message (e.g. an approval request to a chair). */
  async open(
    state: ChatState,
    target: Pick<Inbound, 'channel' | 'chatId'>,
    flowId: FlowId,
    args: Data,
    lookups: Lookups,
    now = new Date(),
  ): Promise<TurnResult> {
    const inbound: Inbound = {
      ...target,
      userId: target.chatId,
      messageId: '',
      at: now,
      kind: 'text',
      text: '',
    };
    const turn: Turn = { state: structuredClone(state), inbound, now, lookups, says: [], effects: [] };
    // Opened in the middle of a question (an emergency does not wait): what was answered so far
    // and kept only for the end is lost, and the person is told.
    if (inQuestion(turn.state.session)) this.#leave(turn, turn.state.session);
    await this.#startFlow(turn, flowId, args, 0);
    return this.#finish(turn);
  }

  /**
   * A message to a chat that did not write (a notice, someone else's request), followed by the
   * question its open conversation waits for: the last thing on screen is always what the
   * next answer answers. `state` is not changed.
   */
  async notice(
    state: ChatState,
    target: Pick<Inbound, 'channel' | 'chatId'>,
    to: { memberId: string; lang: Lang },
    say: Say,
    lookups: Lookups,
    now = new Date(),
  ): Promise<Outbound[]> {
    const inbound: Inbound = { ...target, userId: target.chatId, messageId: '', at: now, kind: 'text' };
    const turn: Turn = { state: structuredClone(state), inbound, now, lookups, says: [say], effects: [] };
    const session = turn.state.session;
    const open = session && this.#flows.has(session.flow);
    if (open && now.getTime() - session.updatedAt <= this.#options.sessionIdleMs) {
      if (session.step === STUCK) turn.says.push({ key: 'common.stuck', choices: STUCK_CHOICES });
      else this.#askAgain(turn, session);
    }
    const form = addressForm(turn.state.who ?? undefined, now);
    return oneMessage(
      turn.says.map((part) => this.#renderer.render(target, to.lang, part, to.memberId, form)),
    );
  }

  /** Whether one opening of `flowId` shows everything new by itself (see `Flow.gathers`). */
  gathers(flowId: FlowId): boolean {
    return Boolean(this.#flows.get(flowId)?.gathers);
  }

  /** Whether the chat's open step decides with the person's role (see `Step.actsWithRole`). */
  actsWithRole(state: ChatState): boolean {
    const session = state.session;
    return Boolean(session && this.#flows.get(session.flow)?.steps[session.step]?.actsWithRole);
  }

  #finish(turn: Turn): TurnResult {
    const { waiting } = turn;
    if (waiting) {
      const afterEffects = async (who: Who | undefined) => {
        turn.waiting = undefined;
        turn.effects = [];
        if (who) turn.state.who = who;
        await this.#startFlow(turn, waiting.flow, waiting.args, waiting.depth);
        return this.#finish(turn);
      };
      return { state: turn.state, replies: [], effects: turn.effects, afterEffects };
    }
    this.#planTimeout(turn);
    return { state: turn.state, replies: this.#render(turn), effects: turn.effects };
  }

  /** The question left open has a timeout: plan it (replacing this chat's previous plan). */
  #planTimeout(turn: Turn): void {
    const session = turn.state.session;
    const timeout = session && this.#flows.get(session.flow)?.steps[session.step]?.timeout;
    if (!session || !timeout) return;
    const chat = { channel: turn.inbound.channel, chatId: turn.inbound.chatId };
    const key = `timeout.${chat.channel}.${chat.chatId}`;
    turn.effects.push({
      type: 'schedule',
      key,
      when: { at: new Date(session.updatedAt + timeout.after).toISOString() },
      effect: {
        type: 'stepTimeout',
        chat,
        flow: session.flow,
        step: session.step,
        stamp: session.updatedAt,
        key,
      },
    });
  }

  /**
   * What a question left unanswered gets (see `Step.timeout`): the reminder and the question, or
   * the closing words and no session; undefined when the chat has moved on since `stamp`.
   */
  timedOut(
    state: ChatState,
    target: Pick<Inbound, 'channel' | 'chatId'>,
    at: { flow: string; step: string; stamp: number },
    lookups: Lookups,
    now: Date,
  ): TurnResult | undefined {
    const session = state.session;
    const timeout = this.#flows.get(at.flow)?.steps[at.step]?.timeout;
    if (!timeout || session?.flow !== at.flow || session.step !== at.step || session.updatedAt !== at.stamp) {
      return undefined;
    }
    const inbound: Inbound = { ...target, userId: target.chatId, messageId: '', at: now, kind: 'text' };
    const turn: Turn = {
      state: structuredClone(state),
      inbound,
      now,
      lookups,
      says: [timeout.say],
      effects: [],
    };
    if (timeout.end) turn.state.session = undefined;
    else this.#askAgain(turn, turn.state.session!);
    return { state: turn.state, replies: this.#render(turn), effects: [] };
  }

  #render(turn: Turn): Outbound[] {
    const lang = this.#lang(turn.state);
    const form = addressForm(this.#addressee(turn), turn.now);
    return oneMessage(
      turn.says.map((say) => this.#renderer.render(turn.inbound, lang, say, turn.state.who?.memberId, form)),
    );
  }

  /** What we know of the person this turn talks to: a member's record, else what the open flow learned. */
  #addressee(turn: Turn): AddressFacts | undefined {
    const { who, session } = turn.state;
    if (who) return who;
    if (turn.learned) return turn.learned;
    return session && this.#flows.get(session.flow)?.addressee?.(session.data);
  }

  #lang(state: ChatState): Lang {
    return state.who?.lang ?? state.lang ?? 'vi';
  }

  async #route(turn: Turn): Promise<void> {
    const { inbound, state } = turn;
    const session = this.#liveSession(turn);

    if (inbound.kind === 'greet')
      return session ? this.#askAgain(turn, session) : this.#startFlow(turn, 'menu', {}, 0);
    const takesPhoto = session && this.#flows.get(session.flow)?.steps[session.step]?.takesPhoto;
    if (inbound.kind === 'unsupported' || (inbound.kind === 'photo' && !takesPhoto)) {
      turn.says.push({ key: 'common.typePlease' });
      return session ? this.#askAgain(turn, session) : this.#startFlow(turn, 'menu', {}, 0);
    }
    const text = (inbound.text ?? '').trim();
    const maxLength =
      (session && this.#flows.get(session.flow)?.steps[session.step]?.maxLength) || MAX_TEXT_LENGTH;
    if (text.length > maxLength) {
      turn.says.push({ key: 'common.tooLong' });
      return session ? this.#askAgain(turn, session) : this.#startFlow(turn, 'menu', {}, 0);
    }
    const answer: Answer = { text, norm: normalize(text), contact: inbound.contact };
    // A caption is no command: the picture answers the open question.
    if (inbound.kind === 'photo' && session)
      return this.#answer(turn, session, { ...answer, photo: inbound.photo });

    const startPayload = /^\/start(?:@\w+)?(?:\s+(.+))?$/i.exec(text);
    const command: GlobalCommand | undefined = startPayload ? 'start' : GLOBAL_WORDS[answer.norm];
    switch (command) {
      case 'help':
        // Help alone outside a question (the menu is no question: its digits still work after help),
        // so it stays short; inside one, the question follows.
        turn.says.push({ key: 'common.help' }, await this.#whomToCall(turn, session));
        return inQuestion(session) ? this.#askAgain(turn, session) : undefined;
      case 'menu':
        this.#leave(turn, session);
        return this.#startFlow(turn, 'menu', {}, 0);
      case 'cancel': {
        turn.says.push({ key: session ? 'common.cancelled' : 'common.nothingToCancel' });
        this.#leave(turn, session);
        const offer = takeOffer(state);
        return this.#startFlow(turn, offer?.flow ?? 'menu', offer?.args ?? {}, 0);
      }
      case 'back':
        // Outside a question there is nothing to go back to but the menu.
        return inQuestion(session) ? this.#back(turn, session) : this.#startFlow(turn, 'menu', {}, 0);
      case 'language':
        this.#leave(turn, session);
        return this.#startFlow(turn, 'language', {}, 0);
      case 'stopMessages':
      case 'resumeMessages':
        this.#leave(turn, session);
        return this.#startFlow(
          turn,
          'settings',
          { action: command === 'stopMessages' ? 'stop' : 'resume' },
          0,
        );
      case 'start':
        state.session = undefined;
        return this.#startFlow(
          turn,
          'register',
          { code: startPayload?.[1]?.replace(/[\s-]/g, ''), viaStart: true },
          0,
        );
    }

    const smallTalk = parseSmallTalk(text);
    if (smallTalk) return this.#smallTalk(turn, smallTalk, session);

    // Someone sitting at the menu may still type a flow's word ("DUYỆT", "NGẮT") instead of a digit.
    if (inQuestion(session)) return this.#answer(turn, session, answer);
    const keyword = [...this.#flows.values()].find((flow) => flow.keywords?.includes(answer.norm));
    if (keyword) return this.#startFlow(turn, keyword.id, {}, 0);
    const first = answer.norm.split(' ', 1)[0]!;
    const commanded = [...this.#flows.values()].find(
      (flow) => answer.norm !== first && flow.commands?.includes(first),
    );
    if (commanded) return this.#startFlow(turn, commanded.id, { text }, 0);
    if (session) return this.#answer(turn, session, answer);

    // Outside a conversation, a person who is not yet a member may simply type their club code.
    // (Link codes are shown as "ABCD 2345": spaces and dashes are ignored.)
    const code = answer.norm.replace(/[\s-]/g, '');
    if (!state.who && /^[a-z0-9]{4,12}$/.test(code) && /\d/.test(code)) {
      return this.#startFlow(turn, 'register', { code }, 0);
    }
    turn.says.push({ key: 'common.notUnderstood' });
    return this.#startFlow(turn, 'menu', {}, 0);
  }

  /** A greeting is answered with a greeting, a thank-you with "you're welcome"; the question stays open. */
  #smallTalk(
    turn: Turn,
    kind: 'greeting' | 'thanks',
    session: Session | undefined,
  ): Promise<void> | undefined {
    if (session) {
      turn.says.push({ key: kind === 'greeting' ? 'common.hello' : 'common.thanksReply' });
      return this.#askAgain(turn, session);
    }
    if (kind === 'thanks') {
      turn.says.push({ key: 'common.thanksIdle' });
      return undefined;
    }
    // A guest's menu opens with a greeting of its own.
    if (turn.state.who) turn.says.push({ key: 'common.hello' });
    return this.#startFlow(turn, 'menu', {}, 0);
  }

  /** The last line of help: the club chair's name and phone when we know the person's club. */
  async #whomToCall(turn: Turn, session: Session | undefined): Promise<Say> {
    const clubId = turn.state.who?.clubIds[0] ?? session?.data.clubId;
    const contact = typeof clubId === 'string' ? await turn.lookups.clubContact(clubId) : undefined;
    if (!contact?.phone) return { key: 'common.helpAsk' };
    return { key: 'common.helpCall', vars: { name: contact.name, phone: formatPhone(contact.phone) } };
  }

  /** Drops the open conversation; answers that would have been stored at its end are lost, so say so. */
  #leave(turn: Turn, session: Session | undefined): void {
    turn.state.session = undefined;
    if (session && this.#flows.get(session.flow)?.savesAtEnd) turn.says.push({ key: 'common.notSaved' });
  }

  /** The open session, or none when it has been idle too long (the person is told). */
  #liveSession(turn: Turn): Session | undefined {
    const session = turn.state.session;
    if (!session) return undefined;
    if (
      turn.now.getTime() - session.updatedAt > this.#options.sessionIdleMs ||
      !this.#flows.has(session.flow)
    ) {
      turn.state.session = undefined;
      turn.says.push({ key: 'common.expired' });
      return undefined;
    }
    return session;
  }

  #context(turn: Turn): FlowContext {
    const lang = this.#lang(turn.state);
    const who = turn.state.who;
    const menu: MenuEntry[] = [...this.#flows.values()]
      .filter((flow) => flow.menu?.visible(who))
      .sort((a, b) => (a.menu?.order ?? 0) - (b.menu?.order ?? 0))
      .map((flow) => ({ flow: flow.id, label: flow.menu!.label }));
    return {
      now: turn.now,
      inbound: turn.inbound,
      who,
      lang,
      lookups: turn.lookups,
      menu,
      label: (key, vars) => this.#options.translate(lang, key, vars),
      random: this.#options.random,
      settings: this.#options.settings,
    };
  }

  async #startFlow(turn: Turn, flowId: FlowId, args: Data, depth: number): Promise<void> {
    const flow = this.#flows.get(flowId);
    if (!flow) throw new Error(`unknown flow ${flowId}`);
    // What was offered of a gathering flow is in it now (approval shows everyone waiting, one by one).
    if (flow.gathers) {
      const offers = turn.state.offers?.filter((offer) => offer.flow !== flowId);
      turn.state.offers = offers?.length ? offers : undefined;
    }
    turn.state.session = { flow: flowId, step: '', data: {}, tries: 0, updatedAt: turn.now.getTime() };
    const outcome = await flow.start(args, this.#context(turn));
    await this.#apply(turn, flow, turn.state.session, outcome, depth);
  }

  async #answer(turn: Turn, session: Session, answer: Answer): Promise<void> {
    const flow = this.#flows.get(session.flow)!;
    if (session.step === STUCK) return this.#answerStuck(turn, session, answer);
    const step = flow.steps[session.step];
    if (!step) {
      turn.state.session = undefined;
      return this.#startFlow(turn, 'menu', {}, 0);
    }
    const before: PastStep = { step: session.step, data: structuredClone(session.data) };
    const outcome = await step.answer(answer, session.data, this.#context(turn));
    await this.#apply(turn, flow, session, outcome, 0, before);
  }

  /**
   * "Quay lại": the previous question of the open flow, with the data as it was before it was
   * answered. Effects of the answers gone back over are not undone (a confirmation code sent
   * stays sent; answering the phone question again sends another). At the first question "back"
   * leads where the person came from, as a phone's back button does: the menu, with a word why.
   */
  #back(turn: Turn, session: Session): Promise<void> | undefined {
    const history = session.history ?? [];
    const previous = history.at(-1);
    if (!previous) {
      turn.state.session = undefined;
      turn.says.push({ key: 'common.nothingToGoBack' });
      return this.#startFlow(turn, 'menu', {}, 0);
    }
    Object.assign(session, {
      step: previous.step,
      data: previous.data,
      tries: 0,
      updatedAt: turn.now.getTime(),
      history: history.length > 1 ? history.slice(0, -1) : undefined,
    });
    return this.#askAgain(turn, session);
  }

  async #apply(
    turn: Turn,
    flow: Flow,
    session: Session,
    outcome: StepOutcome,
    depth: number,
    before?: PastStep,
  ): Promise<void> {
    const { state } = turn;
    session.updatedAt = turn.now.getTime();
    if ('retry' in outcome) {
      session.tries += 1;
      if (session.tries >= MAX_TRIES) {
        session.data.__resume = session.step;
        session.step = STUCK;
        session.tries = 0;
        turn.says.push({ key: 'common.stuck', choices: STUCK_CHOICES });
        return;
      }
      turn.says.push(outcome.retry);
      return this.#askAgain(turn, session);
    }
    if (outcome.lang) this.#setLanguage(turn, outcome.lang);
    turn.says.push(...(outcome.say ?? []));
    turn.effects.push(...(outcome.effects ?? []));
    if (
      outcome.effects?.some(
        (effect) => effect.type === 'eraseMember' && effect.memberId === state.who?.memberId,
      )
    ) {
      this.#forgetMember(turn);
    }
    if ('goto' in outcome) {
      const step = flow.steps[outcome.goto];
      if (!step) throw new Error(`flow ${flow.id} has no step ${outcome.goto}`);
      session.step = outcome.goto;
      session.tries = 0;
      if (before) session.history = [...(session.history ?? []), before].slice(-MAX_HISTORY);
      Object.assign(session.data, outcome.data);
      state.session = session;
      turn.says.push(step.ask(session.data, this.#context(turn)));
      return;
    }
    turn.learned = flow.addressee?.(session.data) ?? turn.learned;
    state.session = undefined;
    if (depth >= MAX_CHAIN) return;
    // A flow offered while this person was busy comes now, in place of the menu.
    const open =
      !outcome.open || outcome.open.flow === 'menu' ? (takeOffer(state) ?? outcome.open) : outcome.open;
    if (!open) return;
    const next = { flow: open.flow, args: open.args ?? {}, depth: depth + 1 };
    // The next flow (often the menu) shows what this person may do: when this turn's effects
    // change who they are, it waits until the caller has applied them (see TurnResult.afterEffects).
    if (turn.effects.some(changesWho)) turn.waiting = next;
    else await this.#startFlow(turn, next.flow, next.args, next.depth);
  }

  #askAgain(turn: Turn, session: Session): Promise<void> | undefined {
    // While "try again / back to the menu" is open, a digit answers that, so that is what is asked.
    if (session.step === STUCK) {
      turn.says.push({ key: 'common.stuck', choices: STUCK_CHOICES });
      return undefined;
    }
    const step = this.#flows.get(session.flow)!.steps[session.step];
    if (step) turn.says.push(step.ask(session.data, this.#context(turn)));
    return undefined;
  }

  async #answerStuck(turn: Turn, session: Session, answer: Answer): Promise<void> {
    const { label } = this.#context(turn);
    const choice = parseChoice(
      answer.text,
      STUCK_CHOICES.length,
      STUCK_CHOICES.map((key) => label(key)),
    );
    if (choice === 1) {
      session.step = String(session.data.__resume);
      delete session.data.__resume;
      session.updatedAt = turn.now.getTime();
      this.#askAgain(turn, session);
      return;
    }
    if (choice === 2) {
      this.#leave(turn, session);
      return this.#startFlow(turn, 'menu', {}, 0);
    }
    turn.says.push({ key: 'common.stuck', choices: STUCK_CHOICES });
  }

  /**
   * The person erased her data: this chat knows nobody any more (the runtime unlinks it and
   * clears her other chats), and what was waiting for her is dropped. Her language stays.
   */
  #forgetMember(turn: Turn): void {
    const { state } = turn;
    state.lang = this.#lang(state);
    state.who = null;
    state.offers = undefined;
  }

  #setLanguage(turn: Turn, lang: Lang): void {
    const { state } = turn;
    state.lang = lang;
    if (state.who && state.who.lang !== lang) {
      state.who.lang = lang;
      turn.effects.push({ type: 'setLanguage', memberId: state.who.memberId, lang });
    }
  }
}
