/**
 * The command line, run as `npm run cli -- <command>`:
 *
 * - `chat [phone]` is the simulator in a terminal, for people without a browser. It talks to the
 *   running bot through the simulator's HTTP API (see src/http/simulator-routes.ts), so the bot
 *   must be started first (`npm start`). Piped input works too: each line is sent and the replies
 *   are awaited before the next one, which is how scripts and the tests drive it.
 * - `invite create` and `invite list` work on MongoDB directly.
 *
 * Every text a person reads comes from the `cli` section of the locales (Vietnamese unless
 * `--lang en`). Wrong arguments give one line and exit code 2, never a stack trace.
 */
import { randomInt } from 'node:crypto';
import { clearLine, cursorTo } from 'node:readline';
import { createInterface, type Interface } from 'node:readline/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import type { SimulatorEntry } from './channels/simulator.ts';
import { ConfigError, loadConfig } from './config.ts';
import { connectMongo } from './db/mongo.ts';
import { parsePhone } from './engine/answers.ts';
import { formatPhone } from './engine/format.ts';
import type { Lang } from './engine/types.ts';
import { simulatorChatId } from './http/simulator-routes.ts';
import { createTranslator } from './i18n.ts';
import { createModels, type Models, ROLES } from './models/index.ts';

type Role = (typeof ROLES)[number];

/** Code characters: no 0/O, 1/I, so a code read aloud or off paper is typed right. */
export const CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
/** Invites for these roles may only be made by association staff or an administrator. */
const LEADER_ROLES: readonly Role[] = ['chair', 'vice_chair', 'staff', 'admin'];
const DAY_MS = 86_400_000;
const POLL_MS = 500;
/** Piped input: how long to wait for a first reply, and how long replies must pause to count as done. */
const FIRST_REPLY_MS = 3000;
const QUIET_MS = 1000;
const PEOPLE_SHOWN = 30;

const OPTIONS = {
  lang: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  url: { type: 'string' },
  club: { type: 'string' },
  role: { type: 'string' },
  name: { type: 'string' },
  open: { type: 'boolean' },
  days: { type: 'string' },
  by: { type: 'string' },
} as const;
type OptionName = keyof typeof OPTIONS;
type Values = { [K in OptionName]?: (typeof OPTIONS)[K]['type'] extends 'boolean' ? boolean : string };

/** A message for the person (a locale key) and the exit code that goes with it. */
class CliError extends Error {
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

interface Context {
  lang: Lang;
  /** Translates a locale key in the chosen language. */
  say: (key: string, vars?: Record<string, unknown>) => string;
  values: Values;
  /** Positional arguments after the command words. */
  rest: string[];
}

interface Command {
  options: OptionName[];
  run: (ctx: Context) => Promise<number>;
}

const COMMANDS: Record<string, Command> = {
  help: { options: [], run: help },
  chat: { options: ['url'], run: chat },
  'invite create': { options: ['club', 'role', 'name', 'open', 'days', 'by'], run: createInvite },
  'invite list': { options: ['club'], run: listInvites },
};

const print = (text = '') => process.stdout.write(`${text}\n`);

// ---------------------------------------------------------------- help

async function help(ctx: Context): Promise<number> {
  const port = Number(process.env.PORT) || 3000;
  print(ctx.say('cli.usage', { defaultUrl: `http://127.0.0.1:${port}` }));
  return 0;
}

// ---------------------------------------------------------------- chat

interface Person {
  chatId: string;
  name: string;
  details: string;
}

/** The simulator's password, when the bot asks for one (SIMULATOR_PASSWORD in the environment). */
function authHeaders(headers: RequestInit['headers']): Headers {
  const all = new Headers(headers);
  const password = process.env.SIMULATOR_PASSWORD?.trim();
  if (password) all.set('authorization', `Basic ${Buffer.from(`cli:${password}`).toString('base64')}`);
  return all;
}

/** The simulator's HTTP API of one running bot (the same calls the browser page makes). */
class SimulatorApi {
  readonly root: URL;

  constructor(root: URL) {
    this.root = root;
  }

  async #call<T>(path: string, init: RequestInit = {}): Promise<T> {
    let response: Response;
    try {
      const timeout = AbortSignal.timeout(5000);
      const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
      response = await fetch(new URL(path, this.root), {
        ...init,
        headers: authHeaders(init.headers),
        signal,
      });
    } catch (error) {
      if (init.signal?.aborted) throw error;
      throw new CliError('cli.chat.notRunning', { url: this.root.origin }, 1);
    }
    const body = (await response.json().catch(() => ({}))) as T & { error?: unknown };
    if (response.status === 404) throw new CliError('cli.chat.noSimulator', { url: this.root.origin }, 1);
    if (!response.ok) {
      throw new CliError('cli.chat.apiError', { error: String(body.error ?? response.status) }, 1);
    }
    return body;
  }

  /** Fails with "start it first" when nothing answers, or "no simulator" when it is off. */
  async check(): Promise<void> {
    await this.#call('sim/api/strings');
  }

  async people(lang: Lang): Promise<Person[]> {
    return (await this.#call<{ people: Person[] }>(`sim/api/people?lang=${lang}`)).people;
  }

  async send(chatId: string, input: { text: string } | { contact: true }): Promise<void> {
    await this.#call('sim/api/send', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ chatId, ...input }),
    });
  }

  async messages(chatId: string, after: number, signal?: AbortSignal): Promise<SimulatorEntry[]> {
    const query = new URLSearchParams({ chatId, after: String(after) });
    return (await this.#call<{ messages: SimulatorEntry[] }>(`sim/api/messages?${query}`, { signal }))
      .messages;
  }
}

function defaultBotUrl(): string {
  const port = process.env.PORT?.trim() || '3000';
  if (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535) {
    throw new CliError('cli.errors.badPort', { port });
  }
  return `http://127.0.0.1:${port}`;
}

function botRoot(url: string | undefined): URL {
  const raw = url ?? defaultBotUrl();
  const parsed = URL.canParse(raw) ? new URL(raw) : undefined;
  if (!parsed || !['http:', 'https:'].includes(parsed.protocol))
    throw new CliError('cli.errors.badUrl', { url: raw });
  if (!parsed.pathname.endsWith('/')) parsed.pathname += '/';
  return parsed;
}

/** A phone number (any usual spelling), or a short name that is not just digits (a mistyped phone). */
function chatIdFrom(input: string): string | undefined {
  return parsePhone(input) ?? (/\D/.test(input) ? simulatorChatId(input) : undefined);
}

/**
 * A bot message for the terminal: the label, then the text with its line breaks (the engine already
 * writes numbered choices into the text), the "share my phone" hint, and a blank line.
 */
function formatBotEntry(entry: SimulatorEntry, ctx: Context): string {
  const label = `${ctx.say('cli.chat.bot')}: `;
  const lines = entry.text.split('\n');
  if (entry.requestContact) lines.push(ctx.say('cli.chat.contactHint'));
  const indent = ' '.repeat(label.length);
  return `${lines.map((line, index) => (index === 0 ? label : line ? indent : '') + line).join('\n')}\n`;
}

/** Prints above the prompt in a terminal (and redraws what the person was typing). */
function screen(rl: Interface, tty: boolean) {
  return (text: string) => {
    if (tty) {
      clearLine(process.stdout, 0);
      cursorTo(process.stdout, 0);
    }
    print(text);
    if (tty) rl.prompt(true);
  };
}

/** Fetches new bot messages every POLL_MS and prints them until stopped. */
function pollReplies(
  api: SimulatorApi,
  chatId: string,
  after: number,
  show: (entry: SimulatorEntry) => void,
) {
  const state = { after, received: 0, lastAt: 0 };
  const stop = new AbortController();
  let lost = false;
  const loop = (async () => {
    while (!stop.signal.aborted) {
      try {
        for (const entry of await api.messages(chatId, state.after, stop.signal)) {
          state.after = Math.max(state.after, entry.seq);
          if (entry.from !== 'bot') continue;
          show(entry);
          state.received += 1;
          state.lastAt = Date.now();
        }
        lost = false;
      } catch {
        if (stop.signal.aborted) break;
        lost = true;
      }
      await sleep(POLL_MS, undefined, { signal: stop.signal }).catch(() => undefined);
    }
  })();
  return {
    state,
    get lost() {
      return lost;
    },
    async stop() {
      stop.abort();
      await loop;
    },
  };
}

/** Piped input: waits for the bot's replies to a line (up to FIRST_REPLY_MS for the first one). */
async function settle(state: { received: number; lastAt: number }, before: number): Promise<void> {
  const started = Date.now();
  for (;;) {
    await sleep(100);
    const now = Date.now();
    if (state.received === before ? now - started >= FIRST_REPLY_MS : now - state.lastAt >= QUIET_MS) return;
  }
}

/** The chat id the person picks from the list of known people, or types; undefined at end of input. */
async function pickPerson(
  api: SimulatorApi,
  ctx: Context,
  lines: AsyncIterator<string>,
  ask: () => void,
): Promise<string | undefined> {
  const everyone = await api.people(ctx.lang);
  const people = everyone.slice(0, PEOPLE_SHOWN);
  if (people.length === 0) print(ctx.say('cli.chat.noPeople'));
  else {
    print(ctx.say('cli.chat.pickTitle'));
    people.forEach((person, index) => {
      const phone = /^84\d{9}$/.test(person.chatId) ? formatPhone(person.chatId) : person.chatId;
      print(`${String(index + 1).padStart(3)}. ${person.name} · ${person.details} — ${phone}`);
    });
    if (everyone.length > people.length)
      print(`     ${ctx.say('cli.chat.more', { count: everyone.length - people.length })}`);
    print(`     ${ctx.say('cli.chat.orNewPhone')}`);
  }
  for (;;) {
    ask();
    const next = await lines.next();
    if (next.done) return undefined;
    const input = next.value.trim();
    if (!input) continue;
    const index = /^\d{1,3}$/.test(input) ? Number(input) : 0;
    const chatId = people[index - 1]?.chatId ?? chatIdFrom(input);
    if (chatId) return chatId;
    print(
      people.length ? ctx.say('cli.chat.badPick', { max: people.length }) : ctx.say('cli.chat.badPickPhone'),
    );
  }
}

/** The conversation itself: send each line typed, show what the bot answers. */
async function converse(
  api: SimulatorApi,
  ctx: Context,
  chatId: string,
  rl: Interface,
  lines: AsyncIterator<string>,
) {
  const tty = rl.terminal;
  const show = screen(rl, tty);
  const shown = /^84\d{9}$/.test(chatId) ? formatPhone(chatId) : chatId;
  const history = await api.messages(chatId, 0);
  print(ctx.say('cli.chat.intro', { chat: shown }));
  const lastBot = history.findLast((entry) => entry.from === 'bot');
  if (tty && lastBot) print(formatBotEntry(lastBot, ctx));

  let wasLost = false;
  const poller = pollReplies(api, chatId, history.at(-1)?.seq ?? 0, (entry) =>
    show(formatBotEntry(entry, ctx)),
  );
  const watchConnection = setInterval(() => {
    if (poller.lost !== wasLost)
      show(ctx.say(poller.lost ? 'cli.chat.connectionLost' : 'cli.chat.reconnected'));
    wasLost = poller.lost;
  }, POLL_MS);
  rl.setPrompt(`${ctx.say('cli.chat.you')}: `);
  try {
    for (;;) {
      if (tty) rl.prompt();
      const next = await lines.next();
      if (next.done) break;
      const line = next.value.trim();
      if (!line) continue;
      if (/^\/(quit|exit)$/i.test(line)) break;
      if (!tty) print(`${ctx.say('cli.chat.you')}: ${line}`);
      const before = poller.state.received;
      try {
        await api.send(chatId, /^\/contact$/i.test(line) ? { contact: true } : { text: line });
      } catch (error) {
        if (!(error instanceof CliError) || error.key !== 'cli.chat.apiError') throw error;
        show(ctx.say(error.key, error.vars));
        continue;
      }
      if (!tty) await settle(poller.state, before);
    }
  } finally {
    clearInterval(watchConnection);
    await poller.stop();
  }
  if (tty) {
    clearLine(process.stdout, 0);
    cursorTo(process.stdout, 0);
  }
  print(ctx.say('cli.chat.bye'));
}

async function chat(ctx: Context): Promise<number> {
  const [phone, ...extra] = ctx.rest;
  if (extra[0] !== undefined) throw new CliError('cli.errors.extraArgument', { argument: extra[0] });
  const given = phone === undefined ? undefined : chatIdFrom(phone);
  if (phone !== undefined && !given) throw new CliError('cli.errors.badPhone', { phone });
  const api = new SimulatorApi(botRoot(ctx.values.url));
  await api.check();

  const tty = process.stdin.isTTY === true && process.stdout.isTTY === true;
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: tty });
  rl.on('SIGINT', () => rl.close());
  const lines = rl[Symbol.asyncIterator]();
  try {
    const chatId =
      given ??
      (await pickPerson(api, ctx, lines, () => {
        rl.setPrompt(ctx.say('cli.chat.pickPrompt'));
        if (tty) rl.prompt();
      }));
    if (chatId) await converse(api, ctx, chatId, rl, lines);
    return 0;
  } finally {
    rl.close();
  }
}

// ---------------------------------------------------------------- invites

/** A 6-character invite code with at least one digit and one letter (so it never reads as a number). */
export function inviteCode(): string {
  for (;;) {
    const code = Array.from({ length: 6 }, () => CODE_ALPHABET.charAt(randomInt(CODE_ALPHABET.length))).join(
      '',
    );
    if (/\d/.test(code) && /[A-Z]/.test(code)) return code;
  }
}

function required(ctx: Context, option: 'club' | 'role' | 'by'): string {
  const value = ctx.values[option]?.trim();
  if (!value) throw new CliError('cli.errors.missingOption', { option: `--${option}` });
  return value;
}

function noExtraArguments(ctx: Context): void {
  if (ctx.rest[0] !== undefined) throw new CliError('cli.errors.extraArgument', { argument: ctx.rest[0] });
}

function parseRole(raw: string): Role {
  const role = ROLES.find((known) => known === raw);
  if (!role) throw new CliError('cli.errors.badRole', { role: raw, roles: ROLES.join(', ') });
  return role;
}

function parseDays(raw: string | undefined, open: boolean): number | undefined {
  if (raw === undefined) return open ? undefined : 30;
  const days = /^\d{1,4}$/.test(raw.trim()) ? Number(raw) : 0;
  if (days < 1 || days > 3650) throw new CliError('cli.errors.badDays');
  return days;
}

function formatDate(date: Date, lang: Lang, timeZone: string): string {
  return date.toLocaleDateString(lang === 'vi' ? 'vi-VN' : 'en-GB', {
    timeZone,
    day: '2-digit',
    month: '2-digit',
    year: 'numeric',
  });
}

/** Runs `work` with the models of the configured database, then disconnects. */
async function withDatabase<T>(work: (models: Models, timeZone: string) => Promise<T>): Promise<T> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const details = error.message.split('\n').slice(1).join(';').trim();
    throw new CliError('cli.errors.config', { details }, 1);
  }
  const connection = await connectMongo(config.MONGODB_URI, 2).catch(() => {
    throw new CliError('cli.errors.database', {}, 1);
  });
  try {
    return await work(createModels(connection), config.APP_TIMEZONE);
  } finally {
    await connection.close();
  }
}

const clubLabel = (club: { _id: string; name: string }) => `${club.name} (${club._id})`;

async function findClub(models: Models, clubId: string) {
  const club = await models.Club.findById(clubId).lean();
  if (!club) throw new CliError('cli.invite.unknownClub', { club: clubId });
  return club;
}

async function createInvite(ctx: Context): Promise<number> {
  noExtraArguments(ctx);
  const clubId = required(ctx, 'club');
  const role = parseRole(required(ctx, 'role'));
  const by = required(ctx, 'by');
  const open = ctx.values.open === true;
  const days = parseDays(ctx.values.days, open);
  const forName = ctx.values.name?.trim() || undefined;

  return withDatabase(async (models, timeZone) => {
    const club = await findClub(models, clubId);
    const creator = /^[0-9a-f]{24}$/i.test(by) ? await models.Member.findById(by).lean() : null;
    if (!creator) throw new CliError('cli.invite.unknownMember', { id: by });
    const isStaff = creator.roles.some((grant) => grant.role === 'staff' || grant.role === 'admin');
    if (LEADER_ROLES.includes(role) && !isStaff) {
      throw new CliError('cli.invite.notAllowed', { name: creator.fullName, role: ctx.say(`roles.${role}`) });
    }
    const expiresAt = days === undefined ? null : new Date(Date.now() + days * DAY_MS);
    const fields = {
      clubId,
      role,
      kind: open ? 'open' : 'personal',
      forName,
      createdBy: by,
      expiresAt,
    } as const;
    const code = await insertWithFreshCode(models, fields);

    const kind = ctx.say(`cli.invite.kinds.${fields.kind}`);
    const expiry = expiresAt
      ? ctx.say('cli.invite.expires', { date: formatDate(expiresAt, ctx.lang, timeZone) })
      : ctx.say('cli.invite.noExpiry');
    print(ctx.say('cli.invite.created', { code }));
    print(
      `  ${ctx.say('cli.invite.details', { club: clubLabel(club), kind, role: ctx.say(`roles.${role}`) })}`,
    );
    if (forName) print(`  ${ctx.say('cli.invite.forName', { name: forName })}`);
    print(`  ${expiry}`);
    print(ctx.say('cli.invite.howToUse', { code }));
    return 0;
  });
}

/** Inserts the invite under a new random code, drawing again in the rare case the code is taken. */
async function insertWithFreshCode(models: Models, fields: Record<string, unknown>): Promise<string> {
  for (let attempt = 1; ; attempt += 1) {
    const code = inviteCode();
    try {
      await models.Invite.create({ _id: code, ...fields });
      return code;
    } catch (error) {
      const duplicate = (error as { code?: unknown }).code === 11000;
      if (!duplicate || attempt >= 5) throw error;
    }
  }
}

async function listInvites(ctx: Context): Promise<number> {
  noExtraArguments(ctx);
  const clubId = required(ctx, 'club');
  return withDatabase(async (models, timeZone) => {
    const club = await findClub(models, clubId);
    const invites = await models.Invite.find({ clubId }).lean();
    if (invites.length === 0) {
      print(ctx.say('cli.invite.none', { club: clubLabel(club) }));
      return 0;
    }
    invites.sort(
      (a, b) => (a.createdAt?.getTime() ?? 0) - (b.createdAt?.getTime() ?? 0) || a._id.localeCompare(b._id),
    );
    const date = (value: Date) => formatDate(value, ctx.lang, timeZone);
    const now = new Date();
    const rows = invites.map((invite) => [
      invite._id,
      ctx.say(`cli.invite.kinds.${invite.kind}`),
      ctx.say(`roles.${invite.role ?? 'member'}`),
      invite.forName ?? '',
      invite.kind === 'open'
        ? ctx.say('cli.invite.reusable')
        : invite.usedBy
          ? ctx.say('cli.invite.usedOn', { date: invite.usedAt ? date(invite.usedAt) : '' }).trim()
          : ctx.say('cli.invite.unused'),
      !invite.expiresAt
        ? ctx.say('cli.invite.noExpiry')
        : invite.expiresAt < now
          ? ctx.say('cli.invite.expired', { date: date(invite.expiresAt) })
          : date(invite.expiresAt),
    ]);
    const header = ['code', 'kind', 'role', 'forName', 'used', 'expires'].map((key) =>
      ctx.say(`cli.invite.columns.${key}`),
    );
    print(ctx.say('cli.invite.listTitle', { club: clubLabel(club), count: invites.length }));
    print(table([header, ...rows]));
    return 0;
  });
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  return rows
    .map((row) => `  ${row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ')}`.trimEnd())
    .join('\n');
}

// ---------------------------------------------------------------- arguments and main

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
