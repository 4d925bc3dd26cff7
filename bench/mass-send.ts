/**
 * What the benchmarks that send to many members at once share (`reminders`, `broadcast`): the
 * app on a fake Telegram that enforces L messages/s (429 "retry after 1" beyond it), members
 * with a Telegram chat each, waiting for their deliveries, and the figures read from the fake.
 */
import { Redis } from 'ioredis';
import mongoose from 'mongoose';
import type { Models } from '../src/models/index.ts';
import { FakeTelegram } from '../test/fakes/telegram.ts';
import { isolatedEnv, startTestApp, type TestApp } from '../test/support/app.ts';
import { fakeTelegramEnv } from './people.ts';
import { round, settlesWithin, sleep } from './stats.ts';

/** The app (outbox paced at `limit`, none: as fast as it goes) on a fake Telegram enforcing it. */
export async function appAtLimit(
  limit: number | null,
  extraEnv: Record<string, string> = {},
): Promise<{ fake: FakeTelegram; test: TestApp; stop(): Promise<void> }> {
  const fake = await FakeTelegram.start();
  fake.limitSendRate(limit ?? undefined);
  const env = isolatedEnv({
    ...fakeTelegramEnv(fake, 'bench-secret'),
    TELEGRAM_RATE_PER_SECOND: String(limit ?? 100_000),
    OUTBOX_CONCURRENCY: '32',
    MONGODB_POOL_SIZE: '10',
    LOG_LEVEL: 'silent',
    ...extraEnv,
  });
  const test = await startTestApp(env);
  return {
    fake,
    test,
    async stop() {
      if (!(await settlesWithin(test.stop(), 60_000))) console.log('The app did not stop in time.');
      await fake.close();
    },
  };
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
