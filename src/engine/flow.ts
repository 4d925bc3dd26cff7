/**
 * How a conversation is written. A flow is a set of named steps; each step
 * asks one question and reads one answer. Steps never do I/O themselves:
 * they read through `ctx.lookups` and return what to say and which effects
 * to apply, so a whole conversation can be run and checked as data.
 */

import type { AddressFacts } from './address.ts';
import { parseChoice, parseYesNo } from './answers.ts';
import type { RandomSource } from './codes.ts';
import type { Effect, Inbound, Lang, Lookups, Say, Who } from './types.ts';

export interface FlowContext {
  now: Date;
  inbound: Inbound;
  who: Who | null;
  lang: Lang;
  lookups: Lookups;
  /** Menu entries this person may open (for the menu flow). */
  menu: MenuEntry[];
  /** The text of an i18n key in this person's language (to match typed labels). */
  label(key: string): string;
  /** Ids and codes (seeded in engine tests, so a turn can be replayed). */
  random: RandomSource;
}

/** What the person answered, in the forms steps need. */
export interface Answer {
  /** As typed, trimmed. */
  text: string;
  /** Lower case, no diacritics, single spaces (see answers.ts). */
  norm: string;
  contact?: Inbound['contact'];
}

export type Data = Record<string, unknown>;

export type StepOutcome =
  /** Move on: merge `data`, say `say`, apply `effects`, then ask step `goto`'s question. */
  | { goto: string; data?: Data; say?: Say[]; lang?: Lang; effects?: Effect[] }
  /** The answer was not understood: say `hint` (an example) and ask again. */
  | { retry: Say }
  /** The conversation is over: say, apply effects, optionally open another flow. */
  | { end: true; say?: Say[]; effects?: Effect[]; lang?: Lang; open?: { flow: string; args?: Data } };

export interface Step {
  ask(data: Data, ctx: FlowContext): Say;
  answer(answer: Answer, data: Data, ctx: FlowContext): StepOutcome | Promise<StepOutcome>;
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
}

export interface MenuEntry {
  flow: string;
  /** i18n key of the menu line. */
  label: string;
}

export interface Flow {
  id: string;
  start(args: Data, ctx: FlowContext): StepOutcome | Promise<StepOutcome>;
  steps: Record<string, Step>;
  /** Shown in the main menu (in `order`) to the people for whom `visible` is true. */
  menu?: { label: string; order: number; visible(who: Who | null): boolean };
  /** Normalised words that open this flow when typed outside a conversation. */
  keywords?: string[];
  /** Answers are stored only when the flow ends: leaving it half-way loses them, and the person is told. */
  savesAtEnd?: boolean;
  /** What the flow has learned about the person it talks to, for how to address them (see address.ts). */
  addressee?(data: Data): AddressFacts | undefined;
}

/**
 * A step whose answer is one of `choices` (i18n keys), by digit or by label. With `yesNo`, the
 * two choices mean yes and no (in that order), and every yes/no word `parseYesNo` knows
 * ("có", "vâng", "ừ", "khong"…) answers too: people answer such questions with words.
 */
export function choiceStep(options: {
  question: string | ((data: Data, ctx: FlowContext) => Say);
  choices: string[] | ((data: Data, ctx: FlowContext) => string[]);
  yesNo?: boolean;
  pick(choice: number, data: Data, ctx: FlowContext): StepOutcome | Promise<StepOutcome>;
}): Step {
  const choicesFor = (data: Data, ctx: FlowContext) =>
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
