/**
 * Zalo-specific behaviour, against fake Zalo Bot / OA / OAuth / ZNS APIs that
 * are real HTTP servers. (The registration transcripts run on Zalo too:
 * see register.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { App } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { DEMO_CODES, DEMO_PEOPLE, seedDemoData } from '../src/demo/seed.ts';
import type { Outbound } from '../src/engine/types.ts';
import { createLogger } from '../src/log.ts';
import { eventually } from './support/app.ts';
import { simulatorChat, ZALO_BOT_SECRET, zaloBotHarness, zaloOaHarness } from './support/chats.ts';
import { vi } from './support/text.ts';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Zalo Bot', () => {
  let h: Awaited<ReturnType<typeof zaloBotHarness>>;
  let hook: string;
  beforeAll(async () => {
    h = await zaloBotHarness();
    hook = `${h.test.url}/webhooks/zalo-bot`;
  });
  afterAll(() => h.stop());

  it('sets its webhook with the secret', () => {
    expect(h.fake.calls.find((c) => c.method === 'setWebhook')?.params).toMatchObject({
      url: 'https://bot.example.org/webhooks/zalo-bot',
      secret_token: ZALO_BOT_SECRET,
    });
  });

  it('rejects forged deliveries with 401 and sends nothing', async () => {
    const from = { id: '5200000001' };
    expect(
      (await h.fake.deliverWebhook(hook, h.fake.textEvent(from, '/start'), { secret: 'wrong-secret' }))
        .status,
    ).toBe(401);
    expect((await h.fake.deliverWebhook(hook, h.fake.textEvent(from, '/start'))).status).toBe(401);
    await pause(300);
    expect(h.fake.sent(from.id)).toEqual([]);
  });

  it('accepts both body shapes, and processes a replayed delivery once', async () => {
    const from = { id: '5200000002' };
    const event = h.fake.textEvent(from, '/start');
    expect(
      (await h.fake.deliverWebhook(hook, event, { secret: ZALO_BOT_SECRET, wrapped: false })).status,
    ).toBe(200);
    expect(
      (await h.fake.deliverWebhook(hook, event, { secret: ZALO_BOT_SECRET, wrapped: true })).status,
    ).toBe(200);
    await h.fake.waitForSentCount(1, from.id);
    await pause(300);
    expect(h.fake.sent(from.id)).toHaveLength(1);
    expect(h.fake.sent(from.id)[0]!.text).toContain(vi('register.askCode'));
  });

  it('two chats whose messages carry the same message_id are both answered', async () => {
    const first = h.fake.textEvent({ id: '5200000010' }, '/start');
    const second = h.fake.textEvent({ id: '5200000011' }, '/start');
    second.message.message_id = first.message.message_id;
    for (const event of [first, second]) {
      expect((await h.fake.deliverWebhook(hook, event, { secret: ZALO_BOT_SECRET })).status).toBe(200);
    }
    await h.fake.waitForSentCount(1, '5200000010');
    await h.fake.waitForSentCount(1, '5200000011');
  });

  it('answers a sticker with a request to type, and 400 to a body that is no update', async () => {
    const from = { id: '5200000003' };
    expect(
      (await h.fake.deliverWebhook(hook, h.fake.stickerEvent(from), { secret: ZALO_BOT_SECRET })).status,
    ).toBe(200);
    expect((await h.fake.waitForSent((m) => m.chatId === from.id)).text).toContain(vi('common.typePlease'));
    const bad = await fetch(hook, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-bot-api-secret-token': ZALO_BOT_SECRET },
      body: '{"ok":true,"result":{"hello":1}}',
    });
    expect(bad.status).toBe(400);
  });

  it('acknowledges an update of a wrong shape without answering it, and goes on', async () => {
    const from = { id: '5200000006' };
    const event = h.fake.textEvent(from, '/start');
    const odd = [
      { ...event, message: { ...event.message, chat: { id: { $gt: '' } } } },
      { ...event, message: { ...event.message, text: { $gt: '' } } },
      { ...event, message: 'hello' },
    ];
    for (const update of odd)
      expect((await h.fake.deliverWebhook(hook, update, { secret: ZALO_BOT_SECRET })).status).toBe(200);
    await pause(300);
    expect(h.fake.sent(from.id)).toEqual([]);
    await h.fake.deliverWebhook(hook, h.fake.textEvent(from, 'menu'), { secret: ZALO_BOT_SECRET });
    expect((await h.fake.waitForSent((m) => m.chatId === from.id)).text).toContain(vi('menu.titleGuest'));
  });

  it('splits texts longer than 2000 characters at line breaks', async () => {
    h.fake.allowChat('5200000004');
    const text = Array.from({ length: 60 }, (_, i) => `Dòng số ${i}: ${'x'.repeat(50)}`).join('\n');
    await h.test.app.outbox.enqueue(
      [{ channel: 'zalo-bot', chatId: '5200000004', lang: 'vi', text }],
      'long',
    );
    const parts = await h.fake.waitForSentCount(2, '5200000004');
    expect(parts.every((part) => part.text.length <= 2000)).toBe(true);
    expect(parts.map((part) => part.text).join('\n')).toBe(text);
  });

  it('backs off after a 429 and delivers', async () => {
    h.fake.allowChat('5200000005');
    h.fake.failNext('sendMessage', { kind: 'quota' });
    await h.test.app.outbox.enqueue(
      [{ channel: 'zalo-bot', chatId: '5200000005', lang: 'vi', text: 'Nhắc họp' }],
      'quota',
    );
    expect((await h.fake.waitForSent((m) => m.chatId === '5200000005', 15_000)).text).toBe('Nhắc họp');
  }, 20_000);
});

describe('Zalo Bot with a revoked token', () => {
  it('stops sending on the channel and marks each message failed with the reason', async () => {
    const h = await zaloBotHarness({ ZALO_BOT_MODE: 'polling', PUBLIC_URL: '' });
    try {
      h.fake.revokeToken();
      const message = (text: string): Outbound => ({
        channel: 'zalo-bot',
        chatId: '5300000001',
        lang: 'vi',
        text,
      });
      const failed = (id: string) =>
        eventually(async () => {
          const doc = await h.test.app.models.Message.findById(id).lean();
          return doc?.status === 'failed' ? doc : undefined;
        }, id);
      await h.test.app.outbox.enqueue([message('1')], 'revoked-first');
      expect((await failed('revoked-first|0')).lastError).toContain('401');
      const callsAfterRejection = h.fake.calls.length;

      await h.test.app.outbox.enqueue([message('2'), message('3')], 'revoked-later');
      for (const id of ['revoked-later|0', 'revoked-later|1'])
        expect((await failed(id)).lastError).toContain('401');
      expect(h.fake.calls.length).toBe(callsAfterRejection);
    } finally {
      await h.stop();
    }
  });
});

describe('Zalo Bot by long polling', () => {
  it('answers messages fetched with getUpdates', async () => {
    const h = await zaloBotHarness({ ZALO_BOT_MODE: 'polling', PUBLIC_URL: '' });
    try {
      expect(h.fake.calls.some((c) => c.method === 'deleteWebhook')).toBe(true);
      h.fake.pushUpdate(h.fake.textEvent({ id: '5400000001' }, 'menu'));
      expect((await h.fake.waitForSent((m) => m.chatId === '5400000001')).text).toContain(
        vi('menu.titleGuest'),
      );
    } finally {
      await h.stop();
    }
  });
});

describe('Zalo OA', () => {
  let h: Awaited<ReturnType<typeof zaloOaHarness>>;
  let hook: string;
  beforeAll(async () => {
    h = await zaloOaHarness({
      SIMULATOR: 'true',
      ZNS_TEMPLATES: '{"meeting_reminder":"tpl-meeting"}',
      UNREACHABLE_NOTICE_DELAY_MS: '300',
    });
    h.fake.addTemplate('tpl-meeting');
    hook = `${h.test.url}/webhooks/zalo-oa`;
    await seedDemoData(h.test.app.models);
  });
  afterAll(() => h.stop());

  const sentTo = (userId: string) => h.fake.sent().filter((m) => m.userId === userId);

  it('rejects a forged signature with 401, and processes a replayed delivery once', async () => {
    const forged = await h.fake.deliverWebhook(hook, h.fake.userSendText('8900000001', '/start'), {
      forge: true,
    });
    expect(forged.status).toBe(401);
    const event = h.fake.userSendText('8900000002', '/start');
    expect((await h.fake.deliverWebhook(hook, event)).status).toBe(200);
    expect((await h.fake.deliverWebhook(hook, event)).status).toBe(200);
    await eventually(() => sentTo('8900000002').length > 0, 'reply');
    await pause(300);
    expect(sentTo('8900000001')).toEqual([]);
    expect(sentTo('8900000002')).toHaveLength(1);
  });

  it('refuses a signed event stamped more than 15 minutes from now, either way', async () => {
    for (const [userId, offset] of [
      ['8900000011', -16 * 60_000],
      ['8900000012', 16 * 60_000],
    ] as const) {
      const event = { ...h.fake.userSendText(userId, '/start'), timestamp: String(Date.now() + offset) };
      expect((await h.fake.deliverWebhook(hook, event)).status).toBe(401);
    }
    const recent = { ...h.fake.userSendText('8900000013', '/start'), timestamp: String(Date.now() - 60_000) };
    expect((await h.fake.deliverWebhook(hook, recent)).status).toBe(200);
    await eventually(() => sentTo('8900000013').length > 0, 'reply to the recent event');
    expect([...sentTo('8900000011'), ...sentTo('8900000012')]).toEqual([]);
  });

  it('acknowledges signed events of a wrong shape: no query sees an object as an id', async () => {
    const { Message } = h.test.app.models;
    await Message.create({ _id: 'kept|0', channel: 'zalo-oa', chatId: '1', text: 'x', status: 'sent' });
    const text = h.fake.userSendText('8900000014', 'menu');
    const odd = [
      { ...text, sender: { id: { $gt: '' } } },
      { ...text, message: { msg_id: 'm1', text: { $gt: '' } } },
      { ...h.fake.receiptEvent('kept|0'), message: { msg_id: 'm2', tracking_id: { $gt: '' } } },
    ];
    for (const event of odd) expect((await h.fake.deliverWebhook(hook, event)).status).toBe(200);
    await pause(300);
    expect((await Message.findById('kept|0').lean())?.deliveredAt).toBeUndefined();
    expect(sentTo('8900000014')).toEqual([]);
    await h.fake.deliverWebhook(hook, h.fake.userSendText('8900000014', 'menu'));
    expect((await eventually(() => sentTo('8900000014')[0], 'reply')).text).toContain(vi('menu.title'));
  });

  it('answers as a reply to the person’s message (a free reply for the OA)', async () => {
    const event = h.fake.userSendText('8900000003', 'menu') as { message: { msg_id: string } };
    await h.fake.deliverWebhook(hook, event);
    const reply = await eventually(() => sentTo('8900000003')[0], 'reply');
    expect(reply.replyTo).toBe(event.message.msg_id);
  });

  it('greets a new follower with the menu, and stops writing to one who unfollows', async () => {
    await h.fake.deliverWebhook(hook, h.fake.follow('8900000004'));
    expect((await eventually(() => sentTo('8900000004')[0], 'greeting')).text).toContain(
      vi('menu.titleGuest'),
    );

    const { Member, Identity } = h.test.app.models;
    const member = await Member.findOne({ phone: DEMO_PEOPLE.memberClub1 }).lean();
    await Identity.create({
      _id: 'zalo-oa:8900000005',
      channel: 'zalo-oa',
      chatId: '8900000005',
      memberId: String(member!._id),
    });
    await h.fake.deliverWebhook(hook, h.fake.unfollow('8900000005'));
    expect((await Identity.findById('zalo-oa:8900000005').lean())?.stoppedAt).toBeInstanceOf(Date);
  });

  it('a phone shared in the OA form is no proof: it links nothing by itself', async () => {
    const event = h.fake.userSubmitInfo('8900000006', `0${DEMO_PEOPLE.volunteerClub1.slice(2)}`);
    expect((await h.fake.deliverWebhook(hook, event)).status).toBe(200);
    await eventually(() => sentTo('8900000006')[0], 'reply');
    expect(await h.test.app.models.Identity.findById('zalo-oa:8900000006').lean()).toBeNull();
  });

  it('links a second app with a code shown on the first', async () => {
    const onSimulator = simulatorChat(h.test.url, DEMO_PEOPLE.admin);
    const shown = await onSimulator.say('liên kết');
    const code = /\b[A-Z2-9]{4} [A-Z2-9]{4}\b/.exec(shown.text)?.[0];
    expect(code).toBeDefined();
    await h.fake.deliverWebhook(hook, h.fake.userSendText('8900000007', code!.toLowerCase()));
    const reply = await eventually(() => sentTo('8900000007')[0], 'linked reply');
    const member = await h.test.app.models.Member.findOne({ phone: DEMO_PEOPLE.admin }).lean();
    // The demo admin is a man of 52: "anh".
    expect(reply.text).toContain(vi('register.linkedByCode', { name: member!.fullName }, 'man'));
  });

  it('sends the reminder by ZNS template to a member outside the 7-day window; the receipt is recorded', async () => {
    const { Member, Identity } = h.test.app.models;
    const member = await Member.findOne({ phone: DEMO_PEOPLE.chairClub2 }).lean();
    await Identity.create({
      _id: 'zalo-oa:8900000008',
      channel: 'zalo-oa',
      chatId: '8900000008',
      memberId: String(member!._id),
    });
    const reminder: Outbound = {
      channel: 'zalo-oa',
      chatId: '8900000008',
      lang: 'vi',
      text: 'Nhắc họp CLB ngày 21',
      kind: 'meeting_reminder',
      memberId: String(member!._id),
      templateData: { date: '21/12' },
    };
    // Zalo refuses ZNS from 22:00 to 06:00 in Vietnam, and so does the fake on its clock: the send
    // happens by day (10:00 today) whenever the test runs; the receipt comes on real time again.
    const today = new Date();
    h.fake.setNow(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate(), 3));
    await h.test.app.outbox.enqueue([reminder], 'remind');
    const zns = await eventually(() => h.fake.znsSent()[0], 'ZNS message').finally(() =>
      h.fake.useRealClock(),
    );
    expect(zns).toMatchObject({
      phone: DEMO_PEOPLE.chairClub2,
      templateId: 'tpl-meeting',
      trackingId: 'remind|0',
    });
    expect(sentTo('8900000008')).toEqual([]);
    // Zalo's receipt comes after the send has been recorded.
    await eventually(
      async () => (await h.test.app.models.Message.findById('remind|0').lean())?.status === 'sent',
      'sent',
    );
    await h.fake.deliverWebhook(hook, h.fake.receiptEvent('remind|0'));
    await eventually(
      async () => (await h.test.app.models.Message.findById('remind|0').lean())?.deliveredAt,
      'receipt',
    );
  });

  it('tells the chair once who could not be reached when there is no template', async () => {
    const { Member, Identity } = h.test.app.models;
    const chair = await Member.findOne({ phone: DEMO_PEOPLE.chairClub1 }).lean();
    // The chair writes to the OA, so the notice can reach them.
    await Identity.create({
      _id: 'zalo-oa:8900000009',
      channel: 'zalo-oa',
      chatId: '8900000009',
      memberId: String(chair!._id),
    });
    await h.fake.deliverWebhook(hook, h.fake.userSendText('8900000009', 'menu'));
    const members = await Member.find({ clubIds: 'club-dien-hong', roles: { $size: 1 } })
      .limit(2)
      .lean();
    const notices: Outbound[] = members.map((member, index) => ({
      channel: 'zalo-oa',
      chatId: `89100000${index}`,
      lang: 'vi',
      text: 'Thông báo',
      kind: 'announcement',
      memberId: String(member._id),
    }));
    await h.test.app.outbox.enqueue(notices, 'announce');
    const notice = await eventually(
      () =>
        sentTo('8900000009').find((m) =>
          m.text.includes(vi('notices.unreachable', { count: 2, names: '' }).split(':')[0]!),
        ),
      'unreachable notice',
    );
    for (const member of members) expect(notice.text).toContain(member.fullName);
    await pause(800);
    expect(sentTo('8900000009').filter((m) => m === notice || m.text === notice.text)).toHaveLength(1);
    expect((await h.test.app.models.Message.findById('announce|0').lean())?.lastError).toContain(
      'unreachable',
    );
  });

  it('keeps a ZNS message for the morning when Zalo refuses it at night', async () => {
    const member = await h.test.app.models.Member.findOne({ phone: DEMO_PEOPLE.staff }).lean();
    h.fake.failNext('zns', -133);
    const reminder: Outbound = {
      channel: 'zalo-oa',
      chatId: '8900000010',
      lang: 'vi',
      text: 'Nhắc họp',
      kind: 'meeting_reminder',
      memberId: String(member!._id),
    };
    await h.test.app.outbox.enqueue([reminder], 'night');
    const doc = await eventually(async () => {
      const found = await h.test.app.models.Message.findById('night|0').lean();
      return found?.lastError?.includes('-133') ? found : undefined;
    }, 'night ban recorded');
    expect(doc.status).toBe('queued');
    const job = await h.test.app.outbox.queue('zalo-oa').getJob('night|0');
    expect(await job?.getState()).toBe('delayed');
  });
});

describe('Zalo OA token refresh', () => {
  it('two workers refreshing at the same moment make one refresh call, and no message is lost', async () => {
    const h = await zaloOaHarness({ ROLE: 'web' });
    const workers: App[] = [];
    try {
      for (let n = 0; n < 2; n++) {
        const worker = await App.create(loadConfig({ ...h.test.env, ROLE: 'worker' }), {
          log: createLogger('silent'),
        });
        await worker.start();
        workers.push(worker);
      }
      const users = Array.from({ length: 6 }, (_, i) => `89500000${i}`);
      for (const userId of users)
        await h.fake.deliverWebhook(`${h.test.url}/webhooks/zalo-oa`, h.fake.follow(userId));
      await eventually(() => users.every((u) => h.fake.sent().some((m) => m.userId === u)), 'greetings');

      h.fake.expireAccessToken();
      h.fake.delayRefresh(500);
      const messages: Outbound[] = users.map((userId) => ({
        channel: 'zalo-oa',
        chatId: userId,
        lang: 'vi',
        text: 'Sau khi đổi mã',
      }));
      await h.test.app.outbox.enqueue(messages, 'refresh');
      await eventually(
        () => users.every((u) => h.fake.sent().some((m) => m.userId === u && m.text === 'Sau khi đổi mã')),
        'all messages after the refresh',
        15_000,
      );
      expect(h.fake.refreshCalls).toBe(1);
      const stored = await h.test.app.models.ZaloOaToken.findById('oa').lean();
      expect(stored?.refreshToken).not.toBe(h.fake.initialTokens.refreshToken);
    } finally {
      for (const worker of workers) await worker.stop();
      await h.stop();
    }
  }, 30_000);
});

describe('registration on Zalo by digits only', () => {
  it('works on a Zalo OA and the member gets later messages there', async () => {
    const h = await zaloOaHarness();
    try {
      await seedDemoData(h.test.app.models);
      const chat = h.chat(1);
      await chat.say(DEMO_CODES.personalMember);
      for (const answer of ['1', '1', 'Vu Thi Hoa', '1952', '1', '0981000777']) await chat.say(answer);
      expect((await chat.say('1')).text).toContain('Vu Thi Hoa');
      const member = await h.test.app.models.Member.findOne({ phone: '84981000777' }).lean();
      expect(member?.status).toBe('active');
      const [target] = await h.test.app.effects.chatsOf([String(member!._id)]);
      expect(target?.chat).toEqual({ channel: 'zalo-oa', chatId: chat.chatId });
    } finally {
      await h.stop();
    }
  });
});
