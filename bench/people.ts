/**
 * People for the benchmarks that chat through the Telegram webhook (bench/conversation.ts,
 * bench/inbound.ts): what they type, how a reply reaching the fake Telegram API is matched to
 * the person waiting for it, one turn (POST the update, wait for the reply) and what they saw.
 */
import { performance } from 'node:perf_hooks';
import type { Redis } from 'ioredis';
import { DEMO_CODES } from '../src/demo/seed.ts';
import type { FakeTelegram, FakeUser, MethodHandler } from '../test/fakes/telegram.ts';
import { vi } from '../test/support/text.ts';
import { Tally } from './stats.ts';

/**
 * The settings that point the app at the fake Telegram by webhook, with no outbox cap of
 * Telegram's (1000 messages/s): the benchmarks measure our pipeline, not Telegram's limit.
 */
export function fakeTelegramEnv(fake: FakeTelegram, webhookSecret: string): Record<string, string> {
  return {
    SIMULATOR: 'false',
    DEMO_SEED: 'false',
    TELEGRAM_BOT_TOKEN: fake.token,
    TELEGRAM_API_ROOT: fake.apiRoot,
    TELEGRAM_MODE: 'webhook',
    PUBLIC_URL: 'https://bot.example.org',
    TELEGRAM_WEBHOOK_SECRET: webhookSecret,
    TELEGRAM_RATE_PER_SECOND: '1000',
  };
}

export interface Step {
  /** What the question is, for the per-step table. */
  name: string;
  text: string;
  /** Part of the reply that shows the bot understood (the next question). */
  expect: string;
}

/** "0" → "a" … "9" → "j": a number as letters, for names (the bot refuses digits in names). */
const spell = (n: number): string => [...String(n)].map((d) => 'abcdefghij'[Number(d)]).join('');

/** One registration with the open club code, typed the way a person would; name and phone unique per person and round. */
export function registration(person: number, round: number, clubName: string): Step[] {
  // 84 + 9 digits starting with 9, distinct for every registration; typed in the national form.
  const national = `9${String(person * 100_000 + round).padStart(8, '0')}`;
  return [
    { name: '/start CODE', text: `/start ${DEMO_CODES.openClub1}`, expect: vi('register.askLanguage') },
    { name: 'language', text: '1', expect: vi('register.agree') },
    { name: 'consent', text: '1', expect: vi('register.askName') },
    { name: 'name', text: `nguyen thi ${spell(person)} ${spell(round)}`, expect: vi('register.askYear') },
    { name: 'birth year', text: '1950', expect: vi('gender.female') },
    { name: 'gender', text: '1', expect: vi('register.askPhone') },
    { name: 'phone', text: `0${national}`, expect: vi('register.confirm') },
    {
      name: 'confirm (member created)',
      text: '1',
      expect: vi('register.donePending', { club: clubName }),
    },
  ];
}

/**
 * Notes when each sendMessage reaches the fake Telegram (the moment its answer is written, as the
 * fake records it) and hands it to the person waiting for a reply in that chat.
 */
export class ReplyProbe {
  /** Messages to a chat nobody was waiting in, or not the expected reply (first few kept). */
  readonly stray = new Tally();
  readonly straySamples: string[] = [];
  /** Every sendMessage answered, whoever waited for it. */
  delivered = 0;
  readonly #waiting = new Map<string, { expect: string; resolve(at: number): void }>();

  constructor(fake: FakeTelegram) {
    // The fake's own handler (validation, message ids, `sent()`) stays in charge; we only watch.
    const handlers = (fake as unknown as { handlers: Record<string, MethodHandler> }).handlers;
    const original = handlers.sendMessage!;
    fake.onMethod('sendMessage', (call) => {
      const result = original(call);
      const chatId = String(call.params.chat_id);
      const text = String(call.params.text ?? '');
      call.onDelivered(() => this.#delivered(chatId, text));
      return result;
    });
  }

  /** Resolves with performance.now() when a message containing `expect` reaches `chatId`. */
  wait(chatId: string, expect: string, timeoutMs: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(chatId);
        reject(new Error(`no reply within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      this.#waiting.set(chatId, {
        expect,
        resolve: (at) => {
          clearTimeout(timer);
          this.#waiting.delete(chatId);
          resolve(at);
        },
      });
    });
  }

  #delivered(chatId: string, text: string): void {
    const at = performance.now();
    this.delivered += 1;
    const waiter = this.#waiting.get(chatId);
    if (waiter && text.includes(waiter.expect)) {
      waiter.resolve(at);
      return;
    }
    this.stray.add(waiter ? 'not the expected reply' : 'to a chat nobody was waiting in');
    if (this.straySamples.length < 5) this.straySamples.push(`[${chatId}] ${text.slice(0, 80)}`);
  }
}

/** What the people saw. Latencies in ms from the webhook POST. */
export class Results {
  readonly replyLatencies: number[] = [];
  readonly ackLatencies: number[] = [];
  /** From the webhook's answer to the reply reaching Telegram: time spent in the outbox. */
  readonly outboxLatencies: number[] = [];
  /** When each reply arrived (performance.now()), for throughput over time. */
  readonly repliedAt: number[] = [];
  /** Reply latencies by step name, in the order of the conversation. */
  readonly byStep = new Map<string, number[]>();
  readonly errors = new Tally();
  registrations = 0;
  posted = 0;
}

/** Where a person's messages go and where what happened is noted. */
export interface Chatting {
  fake: FakeTelegram;
  probe: ReplyProbe;
  webhookUrl: string;
  webhookSecret: string;
  replyTimeoutMs: number;
  results: Results;
}

/**
 * Sends one message as Telegram would (webhook POST with the secret) and waits until the webhook
 * answered 2xx and the expected reply reached the fake API; false if either failed.
 */
export async function turn(user: FakeUser, step: Step, run: Chatting): Promise<boolean> {
  const { fake, probe, results } = run;
  const reply = probe.wait(String(user.id), step.expect, run.replyTimeoutMs);
  reply.catch(() => undefined); // awaited below; a failed POST leaves it to time out unobserved
  const sentAt = performance.now();
  results.posted += 1;
  try {
    const { status } = await fake.deliverWebhook(
      run.webhookUrl,
      fake.textUpdate(user, step.text),
      run.webhookSecret,
    );
    if (status < 200 || status > 299) throw new Error(`webhook answered HTTP ${status}`);
    const ackAt = performance.now();
    results.ackLatencies.push(ackAt - sentAt);
    const repliedAt = await reply;
    results.replyLatencies.push(repliedAt - sentAt);
    results.outboxLatencies.push(Math.max(0, repliedAt - ackAt));
    results.repliedAt.push(repliedAt);
    const forStep = results.byStep.get(step.name) ?? [];
    forStep.push(repliedAt - sentAt);
    results.byStep.set(step.name, forStep);
    return true;
  } catch (error) {
    results.errors.add(error instanceof Error ? error.message : String(error));
    return false;
  }
}

/** Commands Redis executed, by name (server-wide: includes other clients and commands inside Lua scripts). */
export async function redisCommandStats(redis: Redis): Promise<Map<string, number>> {
  const info = await redis.info('commandstats');
  const stats = new Map<string, number>();
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) stats.set(match[1]!, Number(match[2]));
  return stats;
}

/** Counts gained between two readings of counters by name (`redisCommandStats`, the bench counters). */
export function countDelta(
  before: Map<string, number> | Record<string, number>,
  after: Map<string, number> | Record<string, number>,
): Tally {
  const asMap = (counts: Map<string, number> | Record<string, number>) =>
    counts instanceof Map ? counts : new Map(Object.entries(counts));
  const earlier = asMap(before);
  const delta = new Tally();
  for (const [name, calls] of asMap(after)) {
    const more = calls - (earlier.get(name) ?? 0);
    if (more > 0) delta.add(name, more);
  }
  return delta;
}
