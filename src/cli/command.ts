/**
 * What every command of the command line shares: the options it may be given, the context it
 * runs in, and CliError, the one way a command reports a problem to the person.
 */
import type { Lang } from '../engine/types.ts';

export const OPTIONS = {
  lang: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  url: { type: 'string' },
  club: { type: 'string' },
  role: { type: 'string' },
  name: { type: 'string' },
  open: { type: 'boolean' },
  days: { type: 'string' },
  by: { type: 'string' },
  org: { type: 'string' },
  synthetic: { type: 'boolean' },
  clubs: { type: 'string' },
  'members-per-club': { type: 'string' },
  weeks: { type: 'string' },
} as const;
export type OptionName = keyof typeof OPTIONS;
export type Values = {
  [K in OptionName]?: (typeof OPTIONS)[K]['type'] extends 'boolean' ? boolean : string;
};

/** A message for the person (a locale key) and the exit code that goes with it. */
export class CliError extends Error {
  readonly key: string;
  readonly vars: Record<string, unknown>;
  readonly exitCode: number;

  constructor(key: string, vars: Record<string, unknown> = {}, exitCode = 2) {
    super(key);
    this.key = key;
    this.vars = vars;
    this.exitCode = exitCode;
  }
}

export interface Context {
  lang: Lang;
  /** Translates a locale key in the chosen language. */
  say: (key: string, vars?: Record<string, unknown>) => string;
  values: Values;
  /** Positional arguments after the command words. */
  rest: string[];
}

export interface Command {
  /** The options this command accepts besides --lang and --help. */
  options: OptionName[];
  /** Returns the exit code. */
  run: (ctx: Context) => Promise<number>;
}

export const print = (text = '') => process.stdout.write(`${text}\n`);
