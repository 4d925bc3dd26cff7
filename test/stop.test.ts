/**
 * A clean stop, as production sees it: the bot in its own process receives Telegram webhooks
 * from people writing in a closed loop, gets SIGTERM in the middle, and must exit within 10 s
 * having lost nothing: every update it acknowledged with 2xx gets its reply exactly once (the
 * next process sends what was still queued), updates it refused (503, connection closed) are the
 * platform's to deliver again, and the Message log ends up with one record per message sent.
 */
import type { ChildProcess } from 'node:child_process';
import mongoose from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeTelegram } from './fakes/telegram.ts';
import { dropTestData, eventually, freePort, isolatedEnv, spawnApp } from './support/app.ts';
import { WEBHOOK_SECRET } from './support/chats.ts';

const PEOPLE = 12;

describe('SIGTERM under load', () => {
  let fake: FakeTelegram;
  let env: Record<string, string>;
  const children: ChildProcess[] = [];

  /** The bot as production starts it; resolves once it answers /healthz. */
  async function startBot(): Promise<ChildProcess> {
    const child = await spawnApp(env);
    children.push(child);
    return child;
  }

  beforeAll(async () => {
    fake = await FakeTelegram.start();
    env = isolatedEnv({
      SIMULATOR: 'false',
      TELEGRAM_BOT_TOKEN: fake.token,
      TELEGRAM_API_ROOT: fake.apiRoot,
      TELEGRAM_MODE: 'webhook',
      PUBLIC_URL: 'https://bot.example.org',
      TELEGRAM_WEBHOOK_SECRET: WEBHOOK_SECRET,
      INBOUND_PER_CHAT_PER_MINUTE: '10000',
      // Telegram's 25 messages/s would make the backlog of a fast first process take longer to
      // send than the test waits; this test is about the stop, not the platform's pace.
      TELEGRAM_RATE_PER_SECOND: '1000',
      PORT: String(await freePort()),
    });
  });
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await fake.close();
    await dropTestData(env);
  });

  it('exits within 10 s and loses no acknowledged update', async () => {
    const first = await startBot();
    const hook = `http://127.0.0.1:${env.PORT}/webhooks/telegram`;
    const acked = new Map<number, number>();
    let refused = 0;
    let writing = true;

    /** One person writing "menu" again and again, each after the last was answered 2xx or refused. */
    async function person(id: number): Promise<void> {
      const user = { id, first_name: 'Test' };
      while (writing) {
        const update = fake.textUpdate(user, 'menu');
        const { status } = await fake
          .deliverWebhook(hook, update, WEBHOOK_SECRET)
          .catch(() => ({ status: 0 }));
        if (status === 200) acked.set(id, (acked.get(id) ?? 0) + 1);
        else refused += 1;
        if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    const people = Array.from({ length: PEOPLE }, (_, i) => person(930_000 + i));

    await new Promise((resolve) => setTimeout(resolve, 1500));
    const exited = new Promise<number>((resolve) => first.once('exit', (code) => resolve(code ?? -1)));
    const stoppedAt = Date.now();
    first.kill('SIGTERM');
    const code = await exited;
    const stopMs = Date.now() - stoppedAt;
    writing = false;
    await Promise.all(people);
    expect(code).toBe(0);
    expect(stopMs).toBeLessThan(10_000);
    expect(refused).toBeGreaterThan(0);

    // The next process sends whatever was still queued; every acknowledged update, one reply.
    const second = await startBot();
    const total = [...acked.values()].reduce((sum, n) => sum + n, 0);
    expect(total).toBeGreaterThan(PEOPLE);
    await eventually(
      () => [...acked].every(([id, n]) => fake.sent(id).length >= n),
      'a reply to every acknowledged update',
      30_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 1000));
    for (const [id, n] of acked) expect(fake.sent(id), `chat ${id}`).toHaveLength(n);

    // And the log holds one record per message sent.
    const db = await mongoose.createConnection(env.MONGODB_URI!, { maxPoolSize: 1 }).asPromise();
    await eventually(
      async () => (await db.collection('messages').countDocuments({ status: 'sent' })) === total,
      `${total} sent messages in the log`,
      20_000,
    );
    await db.close();
    second.kill('SIGTERM');
  }, 90_000);
});
