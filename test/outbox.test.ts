/**
 * The outbox against the fake Telegram API: rate limits, blocked people,
 * failing servers, and a worker process killed while it sends.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageKind } from '../src/engine/message-kinds.ts';
import type { Outbound } from '../src/engine/types.ts';
import { RETENTION_SCHEDULER_ID } from '../src/jobs/message-retention.ts';
import { eventually, PROJECT_NODE } from './support/app.ts';
import { telegramHarness } from './support/chats.ts';

type Harness = Awaited<ReturnType<typeof telegramHarness>>;

const message = (chatId: number, text: string): Outbound => ({
  channel: 'telegram',
  chatId: String(chatId),
  lang: 'vi',
  text,
});

async function messageDoc(h: Harness, id: string) {
  return h.test.app.models.Message.findById(id).lean();
}

describe('outbox', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await telegramHarness('webhook', { OUTBOX_MAX_ATTEMPTS: '3', OUTBOX_BACKOFF_MS: '100' });
  });
  afterAll(() => h.stop());

  it('waits as long as Telegram says after a 429, then sends the message once', async () => {
    h.fake.failNext('sendMessage', { kind: 'rateLimit', retryAfter: 1 });
    const startedAt = Date.now();
    await h.test.app.outbox.enqueue([message(990_001, 'Nhắc lịch sinh hoạt')], 'rate');
    const sent = await h.fake.waitForSent((m) => m.chatId === '990001', 8000);
    expect(sent.text).toBe('Nhắc lịch sinh hoạt');
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(950);
    const doc = await eventually(async () => {
      const found = await messageDoc(h, 'rate|0');
      return found?.status === 'sent' ? found : undefined;
    }, 'message logged as sent');
    expect(doc.platformMessageId).toBe(String(sent.messageId));
    expect(h.fake.sent('990001')).toHaveLength(1);
  });

  it('does not retry a person who blocked the bot, and marks them stopped', async () => {
    const { Member, Identity } = h.test.app.models;
    const member = await Member.create({ fullName: 'Ngô Thị Duyên', status: 'active', clubIds: ['c1'] });
    await Identity.create({
      _id: 'telegram:990002',
      channel: 'telegram',
      chatId: '990002',
      memberId: String(member._id),
    });
    h.fake.failForChat(990_002, { kind: 'blocked' });
    await h.test.app.outbox.enqueue(
      [{ ...message(990_002, 'Xin chào'), memberId: String(member._id) }],
      'blocked',
    );
    await eventually(
      async () => (await Member.findById(member._id).lean())?.status === 'stopped',
      'member stopped',
    );
    expect((await Identity.findById('telegram:990002').lean())?.stoppedAt).toBeInstanceOf(Date);
    const doc = await eventually(
      async () => (await messageDoc(h, 'blocked|0'))?.status === 'failed',
      'failed',
    );
    expect(doc).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(
      h.fake.calls.filter((c) => c.method === 'sendMessage' && String(c.params.chat_id) === '990002'),
    ).toHaveLength(1);
  });

  it('retries a failing server with backoff, then gives the message up as dead', async () => {
    h.fake.failForChat(990_003, { kind: 'serverError' });
    await h.test.app.outbox.enqueue([message(990_003, 'Họp CLB ngày 21')], 'dead');
    const doc = await eventually(
      async () => {
        const found = await messageDoc(h, 'dead|0');
        return found?.status === 'dead' ? found : undefined;
      },
      'message dead',
      10_000,
    );
    expect(doc.attempts).toBe(3);
    expect(doc.lastError).toContain('500');
    expect(
      h.fake.calls.filter((c) => c.method === 'sendMessage' && String(c.params.chat_id) === '990003'),
    ).toHaveLength(3);
  });

  it('sets aside a record MongoDB refuses (U+0000) and stores all the others', async () => {
    const announce = (chatId: number, text: string): Outbound => ({
      ...message(chatId, text),
      kind: 'announcement',
    });
    const good = [990_301, 990_302, 990_303, 990_304, 990_305].map((chat) => announce(chat, `Tin ${chat}`));
    const bad = announce(990_306, 'Tên\u0000lạ');
    await h.test.app.outbox.enqueue([good[0]!, bad, ...good.slice(1)], 'nul');
    for (const index of [0, 2, 3, 4, 5]) {
      await eventually(
        async () => (await messageDoc(h, `nul|${index}`))?.status === 'sent',
        `good record ${index}`,
      );
    }
    expect(await messageDoc(h, 'nul|1')).toBeNull();
    expect(h.test.app.messageLog.setAside).toBeGreaterThanOrEqual(1);
    await h.test.app.outbox.enqueue([announce(990_307, 'Sau đó')], 'after-nul');
    await eventually(async () => (await messageDoc(h, 'after-nul|0'))?.status === 'sent', 'later record');
  });

  it('stores no text for replies and codes; other texts until the retention job removes them', async () => {
    const { Message } = h.test.app.models;
    const kinds: (MessageKind | undefined)[] = [undefined, 'confirm_code', 'announcement', 'announcement'];
    await h.test.app.outbox.enqueue(
      kinds.map((kind, n) => ({ ...message(990_401 + n, `Mã 123456 số ${n}`), ...(kind ? { kind } : {}) })),
      'texts',
    );
    const docs = [];
    for (const n of [0, 1, 2, 3]) {
      docs.push(
        await eventually(async () => {
          const found = await messageDoc(h, `texts|${n}`);
          return found?.status === 'sent' ? found : undefined;
        }, `message ${n} logged`),
      );
    }
    expect(docs.map((doc) => doc.text)).toEqual([undefined, undefined, 'Mã 123456 số 2', 'Mã 123456 số 3']);
    // Finished jobs of replies and codes (their text is in Redis) go within minutes.
    const queue = h.test.app.outbox.queue('telegram');
    expect((await queue.getJob('texts|0'))?.opts.removeOnComplete).toMatchObject({ age: 600 });
    expect((await queue.getJob('texts|2'))?.opts.removeOnComplete).toMatchObject({ age: 24 * 3600 });

    const { retention } = h.test.app;
    expect(await retention.queue.getJobScheduler(RETENTION_SCHEDULER_ID)).toMatchObject({ every: 3600_000 });
    const longAgo = new Date(Date.now() - 91 * 24 * 3600_000);
    await Message.collection.updateOne({ _id: 'texts|2' as never }, { $set: { createdAt: longAgo } });
    await retention.queue.add('remove-old-texts', {});
    const old = await eventually(async () => {
      const found = await messageDoc(h, 'texts|2');
      return found && found.text === undefined ? found : undefined;
    }, 'old text removed');
    expect(old).toMatchObject({ status: 'sent', chatId: '990403', kind: 'announcement' });
    expect((await messageDoc(h, 'texts|3'))?.text).toBe('Mã 123456 số 3');
  });

  it("removes a broadcast's photo when the broadcast ended longer ago than texts are kept", async () => {
    const { Broadcast, BroadcastPhoto } = h.test.app.models;
    const day = 24 * 3600_000;
    const ended = (id: string, fields: Record<string, unknown>) =>
      Broadcast.create({
        _id: id,
        senderId: 'staff-1',
        who: 'all',
        text: { vi: 'Thông báo' },
        photo: true,
        sendAt: new Date(Date.now() - 100 * day),
        ...fields,
      });
    await ended('bc-old', { status: 'sent', finishedAt: new Date(Date.now() - 91 * day) });
    await ended('bc-cancelled', { status: 'cancelled', cancelledAt: new Date(Date.now() - 91 * day) });
    await ended('bc-recent', { status: 'sent', finishedAt: new Date(Date.now() - 2 * day) });
    await ended('bc-going', { status: 'sending' });
    for (const id of ['bc-old', 'bc-cancelled', 'bc-recent', 'bc-going'])
      await BroadcastPhoto.create({ _id: id, bytes: Buffer.from('jpeg'), contentType: 'image/jpeg' });

    await h.test.app.retention.queue.add('remove-old-texts', {});
    await eventually(
      async () => (await BroadcastPhoto.findById('bc-old').lean()) === null,
      'old photo removed',
    );
    await eventually(
      async () => (await BroadcastPhoto.findById('bc-cancelled').lean()) === null,
      'cancelled',
    );
    expect(await BroadcastPhoto.findById('bc-recent').lean()).not.toBeNull();
    expect(await BroadcastPhoto.findById('bc-going').lean()).not.toBeNull();
    // The broadcast's record stays, and says its photo went.
    expect((await Broadcast.findById('bc-old').lean())?.photoRemovedAt).toBeInstanceOf(Date);
    expect(await h.test.app.retention.removeOldPhotos(new Date())).toBe(0);
  });

  it('retries after a dropped connection and delivers once', async () => {
    h.fake.failNext('sendMessage', { kind: 'drop' });
    await h.test.app.outbox.enqueue([message(990_004, 'Thăm hỏi')], 'drop');
    await h.fake.waitForSent((m) => m.chatId === '990004', 8000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(h.fake.sent('990004')).toHaveLength(1);
  });
});

describe('outbox worker killed mid-job', () => {
  let h: Harness;
  const workers: ChildProcess[] = [];

  /** A separate worker process (ROLE=worker), as in production. */
  function startWorker(): ChildProcess {
    const child = spawn(PROJECT_NODE, ['src/main.ts'], {
      env: { ...process.env, ...h.test.env, ROLE: 'worker' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    workers.push(child);
    return child;
  }

  beforeAll(async () => {
    // This process only queues (ROLE=web); a job held by a dead worker is taken over after 1.5 s.
    h = await telegramHarness('webhook', { ROLE: 'web', OUTBOX_LOCK_MS: '1500' });
  });
  afterAll(async () => {
    for (const worker of workers) worker.kill('SIGKILL');
    await h.stop();
  });

  it('loses no message and sends none twice when killed while the platform has not answered', async () => {
    h.fake.delayResponses('sendMessage', 4000);
    const chats = [990_101, 990_102, 990_103];
    await h.test.app.outbox.enqueue(
      chats.map((chat) => message(chat, `Tin số ${chat}`)),
      'killed',
    );
    const first = startWorker();
    await eventually(() => h.fake.calls.some((c) => c.method === 'sendMessage'), 'worker sending', 15_000);
    first.kill('SIGKILL');
    // Let the API notice the dead connections: requests it never answered were never delivered.
    await new Promise((resolve) => setTimeout(resolve, 500));
    h.fake.delayResponses('sendMessage', 0);

    startWorker();
    for (const chat of chats) await h.fake.waitForSent((m) => m.chatId === String(chat), 20_000);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    for (const chat of chats) expect(h.fake.sent(chat).map((m) => m.text)).toEqual([`Tin số ${chat}`]);
    for (const index of [0, 1, 2]) {
      await eventually(
        async () => (await messageDoc(h, `killed|${index}`))?.status === 'sent',
        `message ${index} sent`,
      );
    }
  }, 60_000);
});
