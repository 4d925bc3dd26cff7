/**
 * `chat [phone]`: the simulator in a terminal, for people without a browser. It talks to the
 * running bot through the simulator's HTTP API (see src/http/simulator-routes.ts), so the bot
 * must be started first (`npm start`). Piped input works too: each line is sent and the replies
 * are awaited before the next one, which is how scripts and the tests drive it.
 */
import { clearLine, cursorTo } from 'node:readline';
import { createInterface, type Interface } from 'node:readline/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SimulatorEntry } from '../channels/simulator.ts';
import { parsePhone } from '../engine/answers.ts';
import { formatPhone } from '../engine/format.ts';
import type { Lang } from '../engine/types.ts';
import { simulatorChatId } from '../http/simulator-routes.ts';
import { CliError, type Command, type Context, print } from './command.ts';

const POLL_MS = 500;
/** Piped input: how long to wait for a first reply, and how long replies must pause to count as done. */
const FIRST_REPLY_MS = 3000;
const QUIET_MS = 1000;
const PEOPLE_SHOWN = 30;

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

export const chatCommand: Command = { options: ['url'], run: chat };
