/**
 * The command line, run as `npm run cli -- <command>`: reads the arguments, picks the command,
 * prints the usage, and turns every problem into one line on stderr with an exit code (2 for
 * wrong arguments), never a stack trace. The commands live next to this file:
 *
 * - `chat [phone]` (chat.ts): the simulator in a terminal, over the running bot's HTTP API.
 * - `invite create` and `invite list` (invites.ts): invite codes, on MongoDB directly.
 * - `token create`, `token list`, `token revoke` (tokens.ts): API tokens, on MongoDB directly.
 *
 * Every text a person reads comes from the `cli` section of the locales (Vietnamese unless
 * `--lang en`).
 */
import { parseArgs } from 'node:util';
import type { Lang } from '../engine/types.ts';
import { createTranslator } from '../i18n.ts';
import { chatCommand } from './chat.ts';
import {
  CliError,
  type Command,
  type Context,
  OPTIONS,
  type OptionName,
  print,
  type Values,
} from './command.ts';
import { inviteCommands } from './invites.ts';
import { seedCommands } from './seed.ts';
import { tokenCommands } from './tokens.ts';

const COMMANDS: Record<string, Command> = {
  help: { options: [], run: help },
  chat: chatCommand,
  ...inviteCommands,
  ...tokenCommands,
  ...seedCommands,
};

async function help(ctx: Context): Promise<number> {
  const port = Number(process.env.PORT) || 3000;
  print(ctx.say('cli.usage', { defaultUrl: `http://127.0.0.1:${port}` }));
  print();
  print(ctx.say('cli.token.usage'));
  return 0;
}

interface Parsed {
  command: string;
  values: Values;
  rest: string[];
}

function parseArguments(args: string[]): Parsed {
  const { values, positionals, tokens } = parseArgs({
    args,
    options: OPTIONS,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    const option = Object.hasOwn(OPTIONS, token.name) ? OPTIONS[token.name as OptionName] : undefined;
    if (!option) throw new CliError('cli.errors.unknownOption', { option: token.rawName });
    if (option.type === 'string' && token.value === undefined) {
      throw new CliError('cli.errors.missingValue', { option: token.rawName });
    }
    if (option.type === 'boolean' && token.value !== undefined) {
      throw new CliError('cli.errors.extraArgument', { argument: `${token.rawName}=${token.value}` });
    }
  }
  const [first, second, ...others] = positionals;
  if (first === 'invite') {
    if (second === undefined) throw new CliError('cli.errors.missingSubcommand');
    return { command: `invite ${second}`, values: values as Values, rest: others };
  }
  if (first === 'token') {
    if (second === undefined) throw new CliError('cli.token.missingSubcommand');
    return { command: `token ${second}`, values: values as Values, rest: others };
  }
  return {
    command: first ?? 'help',
    values: values as Values,
    rest: second === undefined ? others : [second, ...others],
  };
}

function languageOf(args: string[]): Lang {
  const index = args.findLastIndex((arg) => arg === '--lang' || arg.startsWith('--lang='));
  const arg = args[index];
  const value = arg?.startsWith('--lang=') ? arg.slice('--lang='.length) : args[index + 1];
  if (index < 0) return 'vi';
  if (value === 'vi' || value === 'en') return value;
  throw new CliError('cli.errors.badLang');
}

async function main(args: string[]): Promise<number> {
  const translate = createTranslator();
  let lang: Lang = 'vi';
  const say = (key: string, vars?: Record<string, unknown>) => translate(lang, key, vars);
  try {
    lang = languageOf(args);
    const { command, values, rest } = parseArguments(args);
    const found = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
    if (!found) {
      throw new CliError('cli.errors.unknownCommand', { command });
    }
    if (values.help) return await help({ lang, say, values, rest });
    const given = (Object.keys(values) as OptionName[]).filter((name) => name !== 'lang' && name !== 'help');
    const stray = given.find((name) => !found.options.includes(name));
    if (stray) throw new CliError('cli.errors.optionNotHere', { option: `--${stray}` });
    return await found.run({ lang, say, values, rest });
  } catch (error) {
    if (error instanceof CliError) {
      process.stderr.write(`${say(error.key, error.vars)}\n`);
      return error.exitCode;
    }
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`${say('cli.errors.unexpected', { message })}\n`);
    return 1;
  }
}

if (import.meta.main) {
  process.exitCode = await main(process.argv.slice(2));
}
