/**
 * What the benchmarks that send to many members at once share (`reminders`, `broadcast`): the
 * app as its own process, started as production starts it (`node src/main.ts`, NODE_ENV=production,
 * ROLE=all, Telegram in webhook mode, its own database and Redis prefix) on a fake Telegram that
 * this process hosts and that enforces L messages/s (429 "retry after 1" beyond it); members with
 * a Telegram chat each; waiting for their deliveries; the figures read from the fake; the app's
 * resident memory read from /proc.
 */
import type { ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import mongoose from 'mongoose';
import { createModels, type Models } from '../src/models/index.ts';
import { FakeTelegram } from '../test/fakes/telegram.ts';
import { dropTestData, isolatedEnv } from '../test/support/app.ts';
import { COUNTERS_PORT_VARIABLE, readCounters } from './counters.ts';
import { fakeTelegramEnv } from './people.ts';
import {
  APP_NODE_ARGS,
  cpuByRole,
  cpuPids,
  freePort,
  residentMB,
  startProcess,
  stopProcess,
} from './processes.ts';
import { round, sleep } from './stats.ts';

export interface AppAtLimit {
  fake: FakeTelegram;
  env: Record<string, string>;
  /** The bench's own connection to the app's database (to prepare data and count records). */
  models: Models;
  url: string;
  child: ChildProcess;
  /** The app's MongoDB and Redis commands so far (counted in its process: bench/counters.ts). */
  counters(): ReturnType<typeof readCounters>;
  /** Peak resident memory of the app process since it started, in MB (sampled every 200 ms). */
  peakRssMB(): number;

  stop(): Promise<void>;
}

/**
 * The app (outbox paced at `limit`, none: as fast as it goes) on a fake Telegram enforcing it.
 * `prepare` stores what the app must find when it starts (e.g. meetings its planner plans at once).
 */
export async function appAtLimit(
  limit: number | null,
  prepare: (models: Models, env: Record<string, string>) => Promise<void>,
): Promise<AppAtLimit> {
  const fake = await FakeTelegram.start();
  fake.limitSendRate(limit ?? undefined);
  // isolatedEnv gives the database name, Redis prefix and loopback host; its test-only settings go.
  const { OUTBOX_BACKOFF_MS: _testBackoff, ...base } = isolatedEnv();
  const port = await freePort();
  const countersPort = await freePort();
  const env: Record<string, string> = {
    ...base,
    ...fakeTelegramEnv(fake, 'bench-secret'),
    NODE_ENV: 'production',
    ROLE: 'all',
    LOG_LEVEL: 'warn',
    PORT: String(port),
    HOST: '127.0.0.1',
    TELEGRAM_RATE_PER_SECOND: String(limit ?? 100_000),
    MONGODB_POOL_SIZE: '10',
    [COUNTERS_PORT_VARIABLE]: String(countersPort),
  };
  const connection = await mongoose.createConnection(env.MONGODB_URI!, { maxPoolSize: 4 }).asPromise();
  const models = createModels(connection);
  await prepare(models, env);
  const url = `http://127.0.0.1:${port}`;
  const target = await startProcess(
    'app',
    [...APP_NODE_ARGS, '--import', './bench/count-app-commands.ts', 'src/main.ts'],
    env,
    { webhookUrl: `${url}/webhooks/telegram`, healthUrl: `${url}/healthz`, countersPort },
  );
  let peak = residentMB(target.child.pid) || 0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, residentMB(target.child.pid) || 0);
  }, 200);
  return {
    fake,
    env,
    models,
    url,
    child: target.child,
    counters: () => readCounters(countersPort),
    peakRssMB: () => round(peak, 0),

    async stop() {
      clearInterval(sampler);
      const stopMs = await stopProcess(target.child);
      if (stopMs === null) console.log('The app did not stop within 15 s of SIGTERM: killed.');
      await fake.close();
      await connection.close();
      await dropTestData(env);
    },
  };
}

/** The processes' roles as the CPU figures name them. */
const ROLE_NAMES: Record<string, string> = { bot: 'app', driver: 'bench and fake API' };

/**
 * CPU used from now on by each process that shares the machine's two cores (the app, this
 * process with the fake API, Redis, FerretDB, PostgreSQL: every database on it), per message the
 * fake received: what a message really costs, whichever process pays.
 */
export async function cpuFrom(app: AppAtLimit): Promise<{ perMessage(): string }> {
  const redis = new Redis(app.env.REDIS_URL!);
  const pids = await cpuPids(app.child, redis);
  redis.disconnect();
  const before = cpuByRole(pids);
  return {
    perMessage() {
      const messages = Math.max(1, app.fake.deliveredAt.length);
      return Object.entries(cpuByRole(pids))
        .map(([role, seconds]) => {
          const ms = ((seconds - (before[role] ?? 0)) * 1000) / messages;
          return `${ROLE_NAMES[role] ?? role} ${round(ms, 2)}`;
        })
        .join(', ');
    },
  };
}

/**
 * Waits until the app's message log holds `count` records matching `filter` (it drains its writes
 * to MongoDB in batches), at most `ms`; returns how many it holds.
 */
export async function recordsWithin(
  models: Models,
  filter: Record<string, unknown>,
  count: number,
  ms: number,
): Promise<number> {
  const until = Date.now() + ms;
  for (;;) {
    const records = await models.Message.countDocuments(filter);
    if (records >= count || Date.now() > until) return records;
    await sleep(1000);
  }
}

/**
 * `count` active members spread over `clubIds`, each with a Telegram chat `chatBase + index`,
 * written a thousand at a time. Returns their ids.
 */
export async function insertTelegramMembers(
  models: Models,
  count: number,
  clubIds: string[],
  chatBase: number,
): Promise<mongoose.Types.ObjectId[]> {
  const ids = Array.from({ length: count }, () => new mongoose.Types.ObjectId());
  for (let from = 0; from < count; from += 1000) {
    const slice = ids.slice(from, from + 1000);
    await models.Member.insertMany(
      slice.map((_id, k) => {
        const clubId = clubIds[(from + k) % clubIds.length]!;
        const chatId = String(chatBase + from + k);
        return {
          _id,
          fullName: `Member ${from + k}`,
          status: 'active',
          clubIds: [clubId],
          roles: [{ role: 'member', clubId }],
          // The copy of her identity that linking her chat writes (src/store/member-chats.ts).
          chats: [
            { _id: `telegram:${chatId}`, channel: 'telegram', chatId, linkedAt: new Date(), stoppedAt: null },
          ],
        };
      }),
    );
    await models.Identity.insertMany(
      slice.map((_id, k) => {
        const chatId = String(chatBase + from + k);
        return { _id: `telegram:${chatId}`, channel: 'telegram', chatId, memberId: String(_id) };
      }),
    );
  }
  return ids;
}

/** Waits until `count` chats got a message or `deadline` (epoch ms) passes, then a moment for duplicates. */
export async function waitForDeliveries(fake: FakeTelegram, count: number, deadline: number): Promise<void> {
  const received = () => new Set(fake.deliveredAt.map((d) => d.chatId)).size;
  while (received() < count && Date.now() < deadline) await sleep(250);
  await sleep(2000); // a duplicate would come now
}

/** What the fake saw, measured from `since` (epoch ms) for the `count` chats `chatBase + k`. */
export interface DeliveryFigures {
  /** Seconds from `since` to the first and the last delivery. */
  firstS: number | null;
  lastS: number | null;
  idealS: number | null;
  achievedOverL: number | null;
  /** Messages per second from `since` to the last delivery. */
  messagesPerSecond: number | null;
  duplicates: number;
  lost: number;
}

export function deliveryFigures(
  fake: FakeTelegram,
  { since, count, chatBase, limit }: { since: number; count: number; chatBase: number; limit: number | null },
): DeliveryFigures {
  const perChat = new Map<string, number>();
  let first: number | null = null;
  let last: number | null = null;
  for (const { chatId, at } of fake.deliveredAt) {
    perChat.set(chatId, (perChat.get(chatId) ?? 0) + 1);
    first = first === null ? at : Math.min(first, at);
    last = last === null ? at : Math.max(last, at);
  }
  const seconds = (at: number | null) => (at === null ? null : round((at - since) / 1000, 2));
  const rate = last !== null && last > since ? perChat.size / ((last - since) / 1000) : null;
  let reached = 0;
  for (let k = 0; k < count; k++) if (perChat.has(String(chatBase + k))) reached += 1;
  return {
    firstS: seconds(first),
    lastS: seconds(last),
    idealS: limit ? round(count / limit, 2) : null,
    achievedOverL: limit && rate !== null ? round(rate / limit, 3) : null,
    messagesPerSecond: rate === null ? null : round(rate, 0),
    duplicates: [...perChat.values()].reduce((sum, n) => sum + n - 1, 0),
    lost: count - reached,
  };
}

/**
 * Notes each member as having last written from her Telegram chat (as the bot notes a member who
 * used it), so her chat is found by its id: what a club whose members use the bot looks like.
 */
export async function markLastChats(
  env: Record<string, string>,
  ids: mongoose.Types.ObjectId[],
  chatBase: number,
): Promise<void> {
  const redis = new Redis(env.REDIS_URL!);
  for (let from = 0; from < ids.length; from += 1000) {
    const pipeline = redis.pipeline();
    ids.slice(from, from + 1000).forEach((id, k) => {
      pipeline.set(
        `${env.REDIS_PREFIX}:last-chat:${String(id)}`,
        `telegram:${chatBase + from + k}`,
        'EX',
        86_400,
      );
    });
    await pipeline.exec();
  }
  redis.disconnect();
}
