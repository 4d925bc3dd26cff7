/**
 * How a conversation is written. A flow is a set of named steps; each step
 * asks one question and reads one answer. Steps never do I/O themselves:
 * they read through `ctx.lookups` and return what to say and which effects
 * to apply, so a whole conversation can be run and checked as data.
 */

import type { AddressFacts } from './address.ts';
import { parseChoice, parseYesNo } from './answers.ts';
import type { RandomSource } from './codes.ts';
import type { Effect, FlowId, FlowSettings, Inbound, Lang, Lookups, Say, Who } from './types.ts';

/**
 * What a step may know besides the answer: the time, the message, who is writing, and the
 * read-only `Lookups`. It is all a flow gets: no database, no clock, no randomness of its own,
 * so an engine test (test/engine) can fix `now`, seed `random` and give fixture lookups.
 *
 * @example
 * // A member's own data, read afresh when her flow opens:
 * async start(_args, ctx) {
 *   const me = ctx.who && (await ctx.lookups.getMember(ctx.who.memberId));
 *   if (!me) return { end: true, open: { flow: 'menu' } };
 *   return { goto: 'shown', data: { name: me.fullName, status: ctx.label(`status.${me.status}`) } };
 * }
 */
export interface FlowContext {
  now: Date;
  inbound: Inbound;
  who: Who | null;
  lang: Lang;
  lookups: Lookups;
  /** Menu entries this person may open (for the menu flow). */
  menu: MenuEntry[];
  /** The text of an i18n key in this person's language (to match typed labels, or build a list's lines). */
  label(key: string, vars?: Record<string, string | number>): string;
  /** Ids and codes (seeded in engine tests, so a turn can be replayed). */
  random: RandomSource;
  /** What is configured for flows (health thresholds, the clubs' time zone). */
  settings: FlowSettings;
}

/** What the person answered, in the forms steps need. */
export interface Answer {
  /** As typed, trimmed. */
  text: string;
  /** Lower case, no diacritics, single spaces (see answers.ts). */
  norm: string;
  contact?: Inbound['contact'];
  /** A picture sent (Inbound.photo), to a step that takes photos; `text` is then its caption. */
  photo?: string;
}

/**
 * A session's data when a flow does not say what it holds. A flow says it with a type of its
 * own (`Flow<RegisterData>`): written as a `type`, not an `interface`, so it still fits here.
 */
export type Data = Record<string, unknown>;

/** The session data of a flow that keeps none (each answer is complete in itself). */
export type NoData = Record<string, never>;

/** A flow to open next, and what it starts with. */
export interface OpenFlow {
  flow: FlowId;
  args?: Data;
}

/** What a flow's start or a step's answer decides. `D`: the flow's session data. */
export type StepOutcome<D = Data> =
  /** Move on: merge `data`, say `say`, apply `effects`, then ask step `goto`'s question. */
  | { goto: string; data?: Partial<D>; say?: Say[]; lang?: Lang; effects?: Effect[] }
  /** The answer was not understood: say `hint` (an example) and ask again. */
  | { retry: Say }
  /** The conversation is over: say, apply effects, optionally open another flow. */
  | { end: true; say?: Say[]; effects?: Effect[]; lang?: Lang; open?: OpenFlow };

/**
 * One question and how its answer is read. `data` is what the flow has gathered so far (`D`,
 * the flow's session data); the answer's outcome says where to go next and what to keep.
 * Most steps are a `choiceStep`; a step that reads free text is written out:
 *
 * @example
 * const nameStep: Step<RegisterData> = {
 *   ask: (data) => ({ key: data.proxy ? 'register.askNameProxy' : 'register.askName' }),
 *   answer(answer) {
 *     const fullName = tidyName(answer.text);
 *     const problem = nameProblem(fullName); // an i18n key: the hint that fits the mistake
 *     if (problem) return { retry: { key: problem } };
 *     return { goto: 'birthYear', data: { fullName } };
 *   },
 * };
 */
export interface Step<D = Data> {
  ask(data: D, ctx: FlowContext): Say;
  answer(answer: Answer, data: D, ctx: FlowContext): StepOutcome<D> | Promise<StepOutcome<D>>;
  /**
   * The answer is a decision taken with the person's role (approving, registering for others):
   * `ctx.who` is then read afresh from the database, not from the chat's cache, which may be
   * minutes old and still hold a role that was taken away.
   */
  actsWithRole?: boolean;
  /**
   * When the person leaves the question unanswered `after` milliseconds: they are reminded once
   * with `say` followed by the question, or — with `end` — the conversation is closed with `say`.
   * Planned on the scheduler at the end of each turn that leaves this question open; an answer
   * (any message) in the meantime makes the plan find nothing to do.
   */
  timeout?: { after: number; say: Say; end?: boolean };
  /** Characters this step reads (longer answers are refused before it sees them); default MAX_TEXT_LENGTH. */
  maxLength?: number;
  /** The step reads a picture sent (Answer.photo, its caption as the text); elsewhere it is 'unsupported'. */
  takesPhoto?: boolean;
}

export interface MenuEntry {
  flow: FlowId;
  /** i18n key of the menu line. */
  label: string;
}

/**
 * A conversation: `start` decides the first step (or ends at once), each step asks and reads
 * one answer. `D` is what the flow keeps in the session between messages (the engine merges
 * each outcome's `data` into it); `args` is what the flow was opened with (`open`, `start`).
 * Flows are listed in flows/index.ts, their ids in FLOW_IDS (vocabulary.ts).
 *
 * @example
 * // flows/approve.ts, shortened: opened with the person to decide on, it keeps who they are.
 * type ApproveData = { memberId: string; name: string; clubId: string };
 * export const approveFlow: Flow<ApproveData> = {
 *   id: 'approve',
 *   async start(args, ctx) {
 *     const person = typeof args.memberId === 'string' ? await ctx.lookups.getMember(args.memberId) : undefined;
 *     const club = person?.waitingFor[0];
 *     if (!person || !club) return { end: true, say: [{ key: 'approve.none' }], open: { flow: 'menu' } };
 *     return { goto: 'decide', data: { memberId: person.id, name: person.fullName, clubId: club.id } };
 *   },
 *   steps: {
 *     decide: choiceStep<ApproveData>({
 *       question: ({ name }) => ({ key: 'approve.ask', vars: { name } }),
 *       choices: ['approve.yes', 'approve.no'],
 *       pick: (choice, { memberId, clubId }, ctx) => ({
 *         end: true,
 *         effects: [{ type: 'decideMember', memberId, clubId, approve: choice === 1, byMemberId: ctx.who!.memberId }],
 *         open: { flow: 'approve' },
 *       }),
 *     }),
 *   },
 * };
 */
export interface Flow<D = Data> {
  id: FlowId;
  start(args: Data, ctx: FlowContext): StepOutcome<D> | Promise<StepOutcome<D>>;
  steps: Record<string, Step<D>>;
  /** Shown in the main menu (in `order`) to the people for whom `visible` is true. */
  menu?: { label: string; order: number; visible(who: Who | null): boolean };
  /** Normalised words that open this flow when typed outside a conversation. */
  keywords?: string[];
  /**
   * Normalised first words of a one-message command ("bc 35 30 …"): typed outside a question,
   * they open this flow with `args.text`, the whole message as typed.
   */
  commands?: string[];
  /** Answers are stored only when the flow ends: leaving it half-way loses them, and the person is told. */
  savesAtEnd?: boolean;
  /** What the flow has learned about the person it talks to, for how to address them (see address.ts). */
  addressee?(data: D): AddressFacts | undefined;
  /**
   * One opening shows everything new by itself (approval goes through everyone waiting): opened
   * for someone already in it, nothing is kept for later, and opening it takes every offer of it.
   * Otherwise each opening (a reminder of one meeting, then of another) is its own offer.
   */
  gathers?: boolean;
}

/**
 * A step whose answer is one of `choices` (i18n keys), by digit or by label. With `yesNo`, the
 * two choices mean yes and no (in that order), and every yes/no word `parseYesNo` knows
 * ("có", "vâng", "ừ", "khong"…) answers too: people answer such questions with words. An
 * answer that is none of them gets `common.pickNumber` and the question again.
 *
 * @example
 * // "1 = Đồng ý / 2 = Không": a "có" answers 1, a "không" 2.
 * consent: choiceStep<RegisterData>({
 *   question: (data) => ({ key: 'register.consent', vars: { club: data.clubName! } }),
 *   choices: ['register.agree', 'register.decline'],
 *   yesNo: true,
 *   pick: (choice) => (choice === 1 ? { goto: 'name' } : { end: true, say: [{ key: 'register.declined' }] }),
 * }),
 */
export function choiceStep<D = Data>(options: {
  question: string | ((data: D, ctx: FlowContext) => Say);
  choices: string[] | ((data: D, ctx: FlowContext) => string[]);
  yesNo?: boolean;
  pick(choice: number, data: D, ctx: FlowContext): StepOutcome<D> | Promise<StepOutcome<D>>;
}): Step<D> {
  const choicesFor = (data: D, ctx: FlowContext) =>
    typeof options.choices === 'function' ? options.choices(data, ctx) : options.choices;
  return {
    ask(data, ctx) {
      const question =
        typeof options.question === 'function' ? options.question(data, ctx) : { key: options.question };
      return { ...question, choices: choicesFor(data, ctx) };
    },
    answer(answer, data, ctx) {
      const choices = choicesFor(data, ctx);
      const picked =
        parseChoice(
          answer.text,
          choices.length,
          choices.map((key) => ctx.label(key)),
        ) ?? (options.yesNo ? yesNoChoice(answer.text) : undefined);
      if (picked === undefined) return { retry: { key: 'common.pickNumber', vars: { max: choices.length } } };
      return options.pick(picked, data, ctx);
    },
  };
}

/** Choice 1 (yes) or 2 (no) for a yes/no word; undefined for anything else. */
function yesNoChoice(text: string): number | undefined {
  const yes = parseYesNo(text);
  return yes === undefined ? undefined : yes ? 1 : 2;
}
