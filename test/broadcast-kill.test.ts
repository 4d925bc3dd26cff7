/**
 * A worker killed with SIGKILL half-way through a broadcast, and started again, finishes it with
 * every recipient reached exactly once: the bot's worker runs in its own process, as production
 * starts it (src/main.ts, ROLE=worker); the broadcast is created by a web process (this one).
 *
 * The kill falls between two sends (the fake Telegram quiet for a moment, under a rate limit of
 * 10/s: a send every 100 ms, several bulk jobs of the broadcast under way): a kill inside the HTTP call itself — the platform has the message, the worker has not
 * heard it — cannot be told apart from a lost request and is sent again (src/jobs/outbox-worker.ts
 * says why); everything else must never go twice.
 */
import type { ChildProcess } from 'node:child_process';
import mongoose from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeTelegram } from './fakes/telegram.ts';
import { eventually, freePort, isolatedEnv, spawnApp, startTestApp, type TestApp } from './support/app.ts';
import { TREE } from './support/broadcasts.ts';
import { WEBHOOK_SECRET } from './support/chats.ts';

const RECIPIENTS = 120;

describe('a broadcast across a SIGKILL', () => {
  let fake: FakeTelegram;
  let env: Record<string, string>;
  let web: TestApp;
  const children: ChildProcess[] = [];
  const chatIds = Array.from({ length: RECIPIENTS }, (_, i) => 910_000 + i);

  async function startWorker(): Promise<ChildProcess> {
    const child = await spawnApp({ ...env, ROLE: 'worker', PORT: String(await freePort()) });
    children.push(child);
    return child;
  }

  const delivered = () => chatIds.reduce((sum, id) => sum + fake.sent(id).length, 0);

  beforeAll(async () => {
    fake = await FakeTelegram.start();
    env = isolatedEnv({
      SIMULATOR: 'false',
      TELEGRAM_BOT_TOKEN: fake.token,
      TELEGRAM_API_ROOT: fake.apiRoot,
      TELEGRAM_MODE: 'webhook',
      PUBLIC_URL: 'https://bot.example.org',
      TELEGRAM_WEBHOOK_SECRET: WEBHOOK_SECRET,
      TELEGRAM_RATE_PER_SECOND: '10',
      OUTBOX_LOCK_MS: '3000',
    });
    web = await startTestApp({ ...env, ROLE: 'web' });
    const { models } = web.app;
    await models.OrgUnit.insertMany(TREE.units);
    await models.Club.insertMany(TREE.clubs);
    const ids = chatIds.map(() => new mongoose.Types.ObjectId());
    await models.Member.insertMany(
      ids.map((_id, i) => ({
        _id,
        fullName: `Hội viên ${i}`,
        status: 'active',
        roles: [{ role: 'member', clubId: 'k1' }],
        clubIds: ['k1'],
      })),
    );
    await models.Identity.insertMany(
      ids.map((id, i) => ({
        _id: `telegram:${chatIds[i]}`,
        channel: 'telegram',
        chatId: String(chatIds[i]),
        memberId: String(id),
      })),
    );
    await models.Member.create({
      _id: new mongoose.Types.ObjectId('aaaaaaaaaaaaaaaaaaaaaaaa'),
      fullName: 'Cán Bộ Xã',
      status: 'active',
      roles: [{ role: 'staff', orgUnitId: 'c1' }],
    });
  }, 60_000);
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await web.stop();
    await fake.close();
  });

  it('finishes after a restart with every recipient reached exactly once', async () => {
    const first = await startWorker();
    const { id, recipients } = await web.app.broadcasts.create(
      {
        id: 'f'.repeat(24),
        senderId: 'aaaaaaaaaaaaaaaaaaaaaaaa',
        target: { kind: 'club', id: 'k1' },
        who: 'all',
        text: { vi: 'Thông báo qua một lần khởi động lại.' },
        urgent: false,
        ack: false,
      },
      { memberId: 'aaaaaaaaaaaaaaaaaaaaaaaa' },
      new Date(),
    );
    expect(recipients).toBe(RECIPIENTS);

    // Half-way, between two sends: the fake has been quiet for a moment.
    let last = delivered();
    let quietSince = Date.now();
    await eventually(
      () => {
        const now = delivered();
        if (now !== last) [last, quietSince] = [now, Date.now()];
        return now >= RECIPIENTS / 3 && Date.now() - quietSince >= 50;
      },
      'a third delivered, between sends',
      30_000,
    );
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));
    const atKill = delivered();
    expect(atKill).toBeLessThan(RECIPIENTS);

    await startWorker();
    await eventually(() => delivered() >= RECIPIENTS, 'every recipient reached', 60_000);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    for (const chatId of chatIds) expect(fake.sent(chatId), `chat ${chatId}`).toHaveLength(1);

    const status = await eventually(
      async () => {
        const now = await web.app.broadcasts.status(id);
        return now?.status === 'sent' ? now : undefined;
      },
      'the broadcast finished',
      20_000,
    );
    expect(status).toMatchObject({ total: RECIPIENTS, sent: RECIPIENTS, failed: 0, unreachable: 0 });
    // One Message record per recipient, sent (when the killed worker held the log's drain lock,
    // the writes it left in Redis are drained once the lock has expired: 30 s).
    await eventually(
      async () => {
        await web.app.messageLog.flush({ everything: true });
        const sent = await web.app.models.Message.countDocuments({ kind: 'announcement', status: 'sent' });
        return sent === RECIPIENTS;
      },
      `${RECIPIENTS} sent announcements in the log`,
      60_000,
    );
  }, 180_000);
});
