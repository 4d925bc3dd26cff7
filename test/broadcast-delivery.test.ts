/**
 * How a broadcast goes out, on a bot with two apps (Telegram and the Zalo Bot) and the app's
 * clock moved: one copy per person on her preferred app, none for those who stopped or opted
 * out (unless urgent), blocked chats counted; a time in quiet hours moves to 06:00 and the
 * sender is told; urgent goes at night; "huỷ thông báo" before and during sending; nobody may
 * address an area outside their subtree, and chairs and members may not broadcast at all.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TestClock } from '../src/clock.ts';
import type { ChannelName } from '../src/engine/types.ts';
import type { Models } from '../src/models/index.ts';
import { FAKE_JPEG } from './fakes/fake-server.ts';
import type { FakeTelegram } from './fakes/telegram.ts';
import { FakeZaloBot } from './fakes/zalo-bot.ts';
import { eventually } from './support/app.ts';
import { type Person, person, plantTree } from './support/broadcasts.ts';
import { type ChannelHarness, telegramHarness, ZALO_BOT_SECRET } from './support/chats.ts';
import { vi } from './support/text.ts';

/** 13:00 in Vietnam. */
const AFTERNOON = new Date('2026-11-29T06:00:00Z');
/** 23:00 in Vietnam: quiet hours. */
const NIGHT = new Date('2026-11-29T16:00:00Z');

describe('broadcast delivery', () => {
  const clock = new TestClock(AFTERNOON);
  let h: ChannelHarness & { fake: FakeTelegram };
  let zalo: FakeZaloBot;
  let province: Person;
  let models: Models;
  let n = 100;
  let chats = 10;
  /** A new commune staff member (each test its own: notices of one test never reach another's chat). */
  const newStaff = () => person(h, chats++, 'Cán Bộ Xã', [{ role: 'staff', orgUnitId: 'c1' }]);

  beforeAll(async () => {
    zalo = await FakeZaloBot.start();
    h = await telegramHarness(
      'webhook',
      {
        ZALO_BOT_TOKEN: zalo.token,
        ZALO_BOT_API_ROOT: zalo.apiRoot,
        ZALO_BOT_MODE: 'webhook',
        ZALO_BOT_WEBHOOK_SECRET: ZALO_BOT_SECRET,
        QUIET_HOURS_START: '21:00',
        QUIET_HOURS_END: '06:00',
        TELEGRAM_RATE_PER_SECOND: '5',
      },
      { clock },
    );
    models = h.test.app.models;
    await plantTree(h);
    province = await person(h, 2, 'Cán Bộ Tỉnh', [{ role: 'staff', orgUnitId: 'p1' }]);
  });
  afterAll(async () => {
    await h.stop();
    await zalo.close();
  });
  beforeEach(() => clock.set(AFTERNOON));

  /** A member of `clubId` with chats on these apps (no chat: none), her preferred one first if `prefer`. */
  async function member(
    clubId: string,
    apps: ChannelName[],
    fields: { status?: 'active' | 'stopped'; optedOutAt?: Date; prefer?: ChannelName } = {},
  ) {
    const me = await models.Member.create({
      fullName: `Hội viên ${n}`,
      status: fields.status ?? 'active',
      roles: [{ role: 'member', clubId }],
      clubIds: [clubId],
      optedOutAt: fields.optedOutAt ?? null,
    });
    const id = String(me._id);
    const chats: Partial<Record<ChannelName, string>> = {};
    for (const app of apps) {
      const chatId = app === 'telegram' ? String(800_000 + n) : String(5_200_000_000 + n);
      if (app === 'zalo-bot') zalo.allowChat(chatId);
      await models.Identity.create({
        _id: `${app}:${chatId}`,
        channel: app,
        chatId,
        memberId: id,
        stoppedAt: fields.status === 'stopped' ? new Date() : null,
      });
      chats[app] = chatId;
    }
    if (fields.prefer)
      await models.Member.updateOne(
        { _id: id },
        { $set: { preferredChat: `${fields.prefer}:${chats[fields.prefer]}` } },
      );
    n += 1;
    return { id, chats };
  }

  const telegramTexts = (chatId?: string) => (chatId ? h.fake.sent(chatId).map((m) => m.text) : []);
  const zaloTexts = (chatId?: string) => (chatId ? zalo.sent(chatId).map((m) => m.text) : []);

  /** Goes through the flow to the preview of a broadcast to club k2 (all members). */
  async function composeToClub(chat: Person['chat'], text: string, urgentAnswer?: string) {
    await chat.say('gửi thông báo');
    if (chat === province.chat) await chat.say('2'); // "Tất cả Tỉnh An Bình", "Xã Đông"
    await chat.say('2'); // "Tất cả Xã Đông", "CLB Đông Hai", "CLB Đông Một"
    await chat.say('1'); // all members
    await chat.say(text);
    const next = await chat.say('2'); // no English version
    if (urgentAnswer) await chat.say(urgentAnswer);
    else expect(next.text).toContain(vi('broadcast.askAck'));
    return chat.say('2'); // no acknowledgement: the preview
  }

  it('reaches each member once on her preferred app; the stopped and opted-out get none; blocked is counted', async () => {
    const both = await member('k1', ['telegram', 'zalo-bot'], { prefer: 'telegram' });
    const bothNoChoice = await member('k1', ['telegram', 'zalo-bot']);
    const plain = await member('k1', ['telegram']);
    const blocked = await member('k1', ['telegram']);
    const stopped = await member('k1', ['telegram'], { status: 'stopped' });
    const optedOut = await member('k1', ['zalo-bot'], { optedOutAt: new Date() });
    h.fake.failForChat(blocked.chats.telegram!, { kind: 'blocked' });
    const staff = await newStaff();

    await staff.chat.say('gửi thông báo');
    await staff.chat.say('3'); // CLB Đông Một (after "Tất cả Xã Đông" and "CLB Đông Hai")
    await staff.chat.say('1');
    await staff.chat.say('Khám mắt miễn phí thứ Bảy.');
    await staff.chat.say('2');
    const preview = await staff.chat.say('2');
    expect(preview.text).toContain(
      vi('broadcast.previewChannel', { app: vi('channels.telegram'), count: '3' }),
    );
    expect(preview.text).toContain(
      vi('broadcast.previewChannel', { app: vi('channels.zalo-bot'), count: '1' }),
    );
    expect(preview.text).toContain('1 đã ngừng nhận tin, 1 đã tắt thông báo');
    await staff.chat.say('1');

    const report = await staff.chat.nextWith('Đã gửi xong');
    expect(report.text).toContain('3 đã gửi, 0 lỗi, 1 đã chặn, 2 không liên lạc được');
    expect(telegramTexts(both.chats.telegram)).toEqual(['📢 Khám mắt miễn phí thứ Bảy.']);
    expect(zaloTexts(both.chats['zalo-bot'])).toEqual([]);
    expect([
      ...telegramTexts(bothNoChoice.chats.telegram),
      ...zaloTexts(bothNoChoice.chats['zalo-bot']),
    ]).toEqual(['📢 Khám mắt miễn phí thứ Bảy.']);
    expect(telegramTexts(plain.chats.telegram)).toEqual(['📢 Khám mắt miễn phí thứ Bảy.']);
    expect(telegramTexts(stopped.chats.telegram)).toEqual([]);
    // The sender heard the progress on the way ("Đã gửi 2/5", at each quarter).
    expect(
      telegramTexts(staff.chat.chatId).filter((text) => /^Đã gửi \d+\/\d+$/.test(text)).length,
    ).toBeGreaterThan(0);
    expect(zaloTexts(optedOut.chats['zalo-bot'])).toEqual([]);
    h.fake.clearFailures();
  });

  it('a time in quiet hours moves to 06:00 and the sender is told', async () => {
    const staff = await newStaff();
    await member('k2', ['telegram']);
    await composeToClub(staff.chat, 'Họp tổng kết năm.');
    await staff.chat.say('2'); // schedule
    await staff.chat.say('29/11');
    const told = await staff.chat.say('22:30');
    expect(told.text).toContain(
      vi('broadcast.movedToMorning', {
        area: 'CLB Đông Hai',
        time: '06:00',
        date: '30/11/2026',
        recipients: 1,
      }),
    );
    const b = await models.Broadcast.findOne({ 'text.vi': 'Họp tổng kết năm.' }).lean();
    expect(b).toMatchObject({ status: 'scheduled', sendAt: new Date('2026-11-29T23:00:00Z') });
    expect(b!.askedAt).toEqual(new Date('2026-11-29T15:30:00Z'));
  });

  it('urgent: only province staff are asked; it goes at night and to those who opted out', async () => {
    const optedOut = await member('k2', ['zalo-bot'], { optedOutAt: new Date() });
    clock.set(NIGHT);
    const preview = await composeToClub(province.chat, 'Bão số 9: ở trong nhà.', '2');
    expect(preview.text).toContain('KHẨN CẤP');
    await province.chat.say('1');
    const got = await eventually(() => zaloTexts(optedOut.chats['zalo-bot'])[0], 'the urgent announcement');
    expect(got).toBe('📢 Bão số 9: ở trong nhà.');
  });

  it('cancelled before it goes out: nobody gets it, even when its time comes', async () => {
    const lan = await member('k2', ['telegram']);
    const staff = await newStaff();
    await composeToClub(staff.chat, 'Văn nghệ ngày mai.');
    await staff.chat.say('2');
    await staff.chat.say('30/11');
    await staff.chat.say('9:00');
    const list = await staff.chat.say('huỷ thông báo');
    expect(list.text).toContain(vi('broadcast.askWhichToCancel'));
    expect(list.choices[0]).toContain('CLB Đông Hai');
    await staff.chat.say('1');
    // Three members in the club; the one who opted out (the urgent test's) was not to get it.
    expect((await staff.chat.say('1')).text).toContain(
      vi('broadcast.cancelledReport', { area: 'CLB Đông Hai', sent: 0, withdrawn: 2 }),
    );
    const b = await models.Broadcast.findOne({ 'text.vi': 'Văn nghệ ngày mai.' }).lean();
    expect(b!.status).toBe('cancelled');
    await h.test.app.effects.apply(
      [{ type: 'sendBroadcast', broadcastId: String(b!._id), key: 'late' }],
      clock.now(),
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(telegramTexts(lan.chats.telegram).filter((text) => text.includes('Văn nghệ'))).toEqual([]);
  });

  it('cancelled while it goes out: what waits is not sent', async () => {
    const club = 'k3';
    await models.Member.updateOne(
      { _id: province.id },
      { $push: { roles: { role: 'staff', orgUnitId: 'p2' } } },
    );
    const many: { id: string; chats: Partial<Record<ChannelName, string>> }[] = [];
    for (let i = 0; i < 25; i++) many.push(await member(club, ['telegram']));
    const { id } = await h.test.app.broadcasts.create(
      {
        id: 'b'.repeat(24),
        senderId: province.id,
        target: { kind: 'club', id: club },
        who: 'all',
        text: { vi: 'Tin dài gửi chậm.' },
        urgent: false,
        ack: false,
      },
      { memberId: province.id },
      clock.now(),
    );
    await eventually(() => many.some((m) => telegramTexts(m.chats.telegram).length > 0), 'a first message');
    expect(await h.test.app.broadcasts.cancel(id, { memberId: province.id })).toBe('cancelled');
    const sentAtCancel = many.filter((m) => telegramTexts(m.chats.telegram).length > 0).length;
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const sent = many.filter((m) => telegramTexts(m.chats.telegram).length > 0).length;
    expect(sent).toBeLessThan(25);
    // At most the messages in flight when it was cancelled went out after it.
    expect(sent - sentAtCancel).toBeLessThanOrEqual(16);
    expect(await models.Broadcast.findById(id, { status: 1 }).lean()).toMatchObject({ status: 'cancelled' });
    expect(many.every((m) => telegramTexts(m.chats.telegram).length <= 1)).toBe(true);
  });

  it('nobody may address an area outside their subtree; chairs and members may not broadcast', async () => {
    // The commune's staff see only their commune; a forged request for another province is refused.
    const staff = await newStaff();
    await h.test.app.effects.apply(
      [
        {
          type: 'createBroadcast',
          broadcast: {
            id: 'c'.repeat(24),
            senderId: staff.id,
            senderChat: { channel: 'telegram', chatId: staff.chat.chatId },
            target: { kind: 'unit', id: 'c2' },
            who: 'all',
            text: { vi: 'Không được gửi.' },
            urgent: false,
            ack: false,
          },
        },
      ],
      clock.now(),
    );
    expect((await staff.chat.nextWith(vi('broadcast.refused'))).text).toContain(vi('broadcast.refused'));
    expect(await models.Broadcast.exists({ _id: 'c'.repeat(24) })).toBeNull();
    // Urgent from a commune's staff is refused too.
    await expect(
      h.test.app.broadcasts.create(
        {
          id: 'd'.repeat(24),
          senderId: staff.id,
          target: { kind: 'unit', id: 'c1' },
          who: 'all',
          text: { vi: 'Khẩn.' },
          urgent: true,
          ack: false,
        },
        { memberId: staff.id },
        clock.now(),
      ),
    ).rejects.toThrow('urgentNotAllowed');

    const chair = await person(h, chats++, 'Chủ Nhiệm', [{ role: 'chair', clubId: 'k1' }]);
    const plain = await person(h, chats++, 'Hội Viên', [{ role: 'member', clubId: 'k1' }]);
    for (const who of [chair, plain]) {
      expect((await who.chat.say('gửi thông báo')).text).toContain(vi('broadcast.notAllowed'));
      expect((await who.chat.say('menu')).text).not.toContain(vi('menu.broadcast'));
    }
  });

  it('the preview counts a Zalo OA member whose 7-day window closed (no ZNS template) as unreachable', async () => {
    const redis = new Redis(h.test.env.REDIS_URL!);
    const lastWrote = (chatId: string, daysAgo: number) =>
      redis.set(
        `${h.test.env.REDIS_PREFIX}:zalo-oa:last:${chatId}`,
        String(clock.now().getTime() - daysAgo * 24 * 3600_000),
      );
    const recent = await member('k2', ['zalo-oa']);
    const closed = await member('k2', ['zalo-oa']);
    await lastWrote(recent.chats['zalo-oa']!, 2);
    await lastWrote(closed.chats['zalo-oa']!, 8);
    redis.disconnect();
    const staff = await newStaff();
    const preview = await composeToClub(staff.chat, 'Tập dưỡng sinh sáng Chủ nhật.');
    expect(preview.text).toContain(
      vi('broadcast.previewChannel', { app: vi('channels.zalo-oa'), count: '1' }),
    );
    expect(preview.text).toContain(', 1 quá 7 ngày chưa nhắn Zalo OA');
    await staff.chat.say('3'); // not sent
  });

  it('a photo from Telegram goes to Telegram and the Zalo Bot with its caption; the Zalo OA gets the text', async () => {
    await models.OrgUnit.create({
      _id: 'c3',
      name: 'Xã Nam',
      kind: 'commune',
      parentId: 'p2',
      ancestors: ['vn', 'p2'],
    });
    await models.Club.create({
      _id: 'k8',
      name: 'CLB Nam Tám',
      orgUnitId: 'c3',
      ancestors: ['c3', 'vn', 'p2'],
    });
    const staff = await person(h, chats++, 'Cán Bộ Nam', [{ role: 'staff', orgUnitId: 'c3' }]);
    const onTelegram = await member('k8', ['telegram']);
    const alsoOnTelegram = await member('k8', ['telegram']);
    const onZalo = await member('k8', ['zalo-bot']);
    const reusedBefore = h.fake.filesReused;
    const compose = async (chat = staff.chat) => {
      await chat.say('gửi thông báo');
      await chat.say('1'); // Tất cả Xã Nam
      expect((await chat.say('1')).text).toContain(vi('broadcast.askTextOrPhoto', { max: '2.000' }));
      await chat.sendPhoto('Lịch tiêm phòng cúm.');
      await chat.say('2'); // no English version
      return chat.say('2'); // no acknowledgement: the preview
    };
    const preview = await compose();
    expect(preview.text).toContain(vi('broadcast.previewPhoto'));
    await staff.chat.say('1');
    await staff.chat.nextWith('Đã gửi xong');
    for (const { chats } of [onTelegram, alsoOnTelegram])
      expect(h.fake.sent(chats.telegram!).map((m) => [m.text, m.file?.kind, m.file?.bytes])).toEqual([
        ['📢 Lịch tiêm phòng cúm.', 'photo', FAKE_JPEG],
      ]);
    // Uploaded once: the second member's copy named the file Telegram already had.
    expect(h.fake.filesReused - reusedBefore).toBe(1);
    const [toZalo] = zalo.sent(onZalo.chats['zalo-bot']!);
    expect(toZalo).toMatchObject({ text: '📢 Lịch tiêm phòng cúm.' });
    // Zalo fetches the photo by its link: the bot serves what the staff member sent.
    const link = new URL(toZalo!.photo!);
    const served = await fetch(`${h.test.url}${link.pathname}${link.search}`);
    expect(served.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(await served.arrayBuffer())).toEqual(FAKE_JPEG);
    expect((await fetch(`${h.test.url}${link.pathname}?s=forged`)).status).toBe(404);

    // The photo cannot be had from Telegram when it is sent: nothing goes out, and she is told.
    await compose();
    h.fake.failNext('getFile', { kind: 'serverError' });
    expect((await staff.chat.say('1')).text).toContain(vi('broadcast.photoFailed'));
    expect(await models.Broadcast.countDocuments({ 'target.id': 'c3' })).toBe(1);

    // A member on the Zalo OA, which has no photos: the preview says she gets the text alone.
    const onOa = await member('k8', ['zalo-oa']);
    const redis = new Redis(h.test.env.REDIS_URL!);
    await redis.set(
      `${h.test.env.REDIS_PREFIX}:zalo-oa:last:${onOa.chats['zalo-oa']}`,
      String(clock.now().getTime()),
    );
    redis.disconnect();
    // (Another staff member of the commune: the first has written much this minute.)
    const colleague = await person(h, chats++, 'Cán Bộ Nam Hai', [{ role: 'staff', orgUnitId: 'c3' }]);
    expect((await compose(colleague.chat)).text).toContain(
      vi('broadcast.previewPhotoTextOnly', { apps: vi('channels.zalo-oa') }),
    );
    await colleague.chat.say('3'); // not sent
  });

  it('the sender hears the progress at each quarter, and after 5 minutes without one', async () => {
    await models.Club.create({
      _id: 'k9',
      name: 'CLB Tây Chín',
      orgUnitId: 'c2',
      ancestors: ['c2', 'vn', 'p2'],
    });
    const staff = await person(h, chats++, 'Cán Bộ Tây', [{ role: 'staff', orgUnitId: 'c2' }]);
    for (let i = 0; i < 20; i++) await member('k9', ['telegram']);
    const { id } = await h.test.app.broadcasts.create(
      {
        id: 'e'.repeat(24),
        senderId: staff.id,
        senderChat: { channel: 'telegram', chatId: staff.chat.chatId },
        target: { kind: 'club', id: 'k9' },
        who: 'all',
        text: { vi: 'Tin gửi từ từ.' },
        urgent: false,
        ack: false,
      },
      { memberId: staff.id },
      clock.now(),
    );
    // Five of twenty have gone out (5 a second): the first quarter. Then 6 minutes pass at once.
    const sentOf = async () => (await h.test.app.broadcasts.status(id))?.sent ?? 0;
    const before = await eventually(async () => {
      const sent = await sentOf();
      return sent >= 5 ? sent : undefined;
    }, 'five sent');
    clock.set(new Date(AFTERNOON.getTime() + 6 * 60_000));
    const after = await sentOf();
    await staff.chat.nextWith('Đã gửi xong');
    const progressTold = () =>
      telegramTexts(staff.chat.chatId)
        .map((text) => /^Đã gửi (\d+)\/20$/.exec(text)?.[1])
        .filter((done) => done !== undefined)
        .map(Number);
    // The first outcome after the clock moved tells the progress, wherever it stands.
    const progress = await eventually(() => {
      const told = progressTold();
      return told.some((done) => done > before && done <= after + 1) ? told : undefined;
    }, 'the progress 5 minutes on');
    expect(progress).toEqual(expect.arrayContaining([5, 10, 15]));
    // And no other: at most every quarter, or every 5 minutes.
    expect(progress.length).toBeLessThanOrEqual(4);
  });
});
