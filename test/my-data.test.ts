/**
 * "Dữ liệu của tôi" and "xoá dữ liệu" with the real app (flows/my-info.ts, flows/erase-data.ts,
 * src/runtime/erase-member.ts): a member reads what is kept about her a page at a time, then
 * erases it, asked twice. Afterwards nothing that says who she was is left — in her record,
 * her chats, invites, the Message log's texts, the chat states in Redis, her health responses —
 * and the chair was told she left. Transcripts on every channel.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatDay } from '../src/engine/format.ts';
import { eventually } from './support/app.ts';
import { type ChannelHarness, type ChatDriver, HARNESSES } from './support/chats.ts';
import { chatOf, memberWith } from './support/people.ts';
import { digitOf, vi } from './support/text.ts';

const CLUB = 'club-my-data';
const CLUB_NAME = 'CLB Dữ Liệu';
const NAME = 'Phạm Thị Hoa';
const PHONE = '84912000044';

describe.each(HARNESSES)('my data on $name', ({ start }) => {
  let h: ChannelHarness;
  let chair: ChatDriver;
  let hoa: { id: string; chat: ChatDriver };
  /** A second chat of hers, left in the middle of a question. */
  let second: ChatDriver;
  let cared: string;
  let redis: Redis;

  const health = () => h.test.app.models.HealthResponse;

  beforeAll(async () => {
    h = await start();
    redis = new Redis(h.test.env.REDIS_URL!);
    const { models } = h.test.app;
    await models.Club.create({ _id: CLUB, name: CLUB_NAME, orgUnitId: 'test', ancestors: ['test'] });
    ({ chat: chair } = await memberWith(h, 1, 'Trần Văn Chủ', [{ role: 'chair', clubId: CLUB }]));
    hoa = await memberWith(h, 2, NAME, [
      { role: 'member', clubId: CLUB },
      { role: 'volunteer', clubId: CLUB },
    ]);
    await models.Member.updateOne(
      { _id: hoa.id },
      {
        $set: {
          phone: PHONE,
          inviteCode: 'HOA001',
          consent: { givenAt: new Date('2026-02-01T02:00:00Z'), version: '1', channel: h.channel },
        },
      },
    );
    await models.Invite.create({
      _id: 'HOA001',
      clubId: CLUB,
      kind: 'personal',
      forName: NAME,
      usedBy: hoa.id,
    });
    // Someone she looks after and answers for: her place there goes with her.
    const elder = await models.Member.create({
      fullName: 'Cụ Được Chăm',
      status: 'active',
      clubIds: [CLUB],
      roles: [{ role: 'member', clubId: CLUB }],
      volunteerIds: [hoa.id],
      proxyIds: [hoa.id],
    });
    cared = String(elder._id);
    const check = (id: string, subjectId: string, level: 'ok' | 'watch') => ({
      _id: id,
      subjectId,
      answeredBy: subjectId,
      clubId: CLUB,
      survey: { id: 'default', version: 1 },
      answers: { feeling: level === 'ok' ? 1 : 3 },
      level,
      flags: [],
    });
    await health().insertMany([check('r-hoa', hoa.id, 'watch'), check('r-cared', cared, 'ok')]);
    // A notice to her whose text the log keeps.
    await h.test.app.effects.apply(
      [
        {
          type: 'notify',
          to: { members: [hoa.id] },
          say: { key: 'approve.alreadyDecided', vars: { name: NAME } },
          kind: 'notice',
          key: 'my-data-notice',
        },
      ],
      new Date(),
    );
    await hoa.chat.nextWith(NAME);
    second = await chatOf(h, hoa.id, 3);
    await second.say('dữ liệu của tôi');
  });
  afterAll(async () => {
    redis.disconnect();
    await h.stop();
  });

  it('"dữ liệu của tôi" shows her profile, consent and apps, and health checks, a short page each', async () => {
    const profile = await hoa.chat.say('dữ liệu của tôi');
    expect(profile.text).toContain(NAME);
    expect(profile.text).toContain('0912 000 044');
    expect(profile.text).toContain(`${vi('roles.member')}, ${vi('roles.volunteer')}`);
    expect(profile.choices).toEqual([vi('common.nextPage'), vi('myInfo.erase'), vi('common.backToMenu')]);
    const consent = await hoa.chat.say('1');
    const app = vi(`channels.${h.channel}`);
    expect(consent.text).toContain(
      vi('myInfo.consent', { date: '01/02/2026', how: vi('myInfo.consentSelf', { app }), app }),
    );
    const checks = await hoa.chat.say('1');
    // One check of hers is stored, written today by the test's set-up.
    const today = formatDay(new Date(), h.test.config.APP_TIMEZONE, { year: true });
    expect(checks.text).toContain(vi('myInfo.health', { count: 1, date: today }));
    for (const page of [profile, consent, checks]) expect(page.text.length).toBeLessThanOrEqual(300);
    expect((await hoa.chat.say(digitOf(checks, vi('common.backToMenu')))).text).toContain(vi('menu.title'));
  });

  it('"xoá dữ liệu", asked twice: nothing that says who she was is left, and the chair is told', async () => {
    const { models, messageLog } = h.test.app;
    const data = await hoa.chat.say('dữ liệu của tôi');
    const ask = await hoa.chat.say(digitOf(data, vi('myInfo.erase')));
    expect(ask.text).toContain(vi('eraseData.ask'));
    expect(ask.choices).toEqual([vi('eraseData.yes'), vi('eraseData.no')]);
    expect((await hoa.chat.say('1')).text).toContain(vi('eraseData.askAgain'));
    expect((await hoa.chat.say('1')).text).toContain(vi('eraseData.done'));

    // The chair hears she left, by name.
    await chair.nextWith(vi('eraseData.leftNotice', { name: NAME, club: CLUB_NAME }));

    const member = await models.Member.findById(hoa.id).lean();
    expect(member).toMatchObject({
      status: 'deleted',
      fullName: '',
      clubIds: [CLUB],
      volunteerIds: [],
      proxyIds: [],
    });
    for (const field of ['phone', 'birthYear', 'gender', 'consent', 'inviteCode'] as const) {
      expect(member?.[field], field).toBeUndefined();
    }
    expect(await models.Identity.countDocuments({ memberId: hoa.id })).toBe(0);
    expect((await models.Invite.findById('HOA001').lean())?.forName).toBeUndefined();
    const elder = await models.Member.findById(cared).lean();
    expect(elder).toMatchObject({ volunteerIds: [], proxyIds: [] });
    // Her health responses are gone; other people's stay.
    expect(await health().countDocuments({ subjectId: hoa.id })).toBe(0);
    expect(await health().countDocuments({ subjectId: cared })).toBe(1);

    // No text in the log names her or her phone (the chair's notice keeps none either).
    await messageLog.flush();
    await eventually(async () => (await messageLog.backlog()) === 0, 'the message log drained');
    const texts = (await models.Message.find({ text: { $exists: true } }, { text: 1 }).lean()).map(
      (m) => m.text,
    );
    expect(texts.filter((text) => text?.includes(NAME) || text?.includes('0912 000 044'))).toEqual([]);
    expect(await models.Message.countDocuments({ memberId: hoa.id, text: { $exists: true } })).toBe(0);
    expect(await models.Message.countDocuments({ kind: 'member_left' })).toBeGreaterThan(0);

    // Her chats know nobody, the other one's open question is gone; nothing in Redis points at her.
    const prefix = h.test.env.REDIS_PREFIX;
    for (const chat of [hoa.chat, second]) {
      const state = await redis.hgetall(`${prefix}:chat:${h.channel}:${chat.chatId}`);
      expect(state.session).toBeUndefined();
      expect(state.offers).toBeUndefined();
      expect(JSON.parse(state.who ?? '{"who":null}').who).toBeNull();
    }
    expect(await redis.exists(`${prefix}:last-chat:${hoa.id}`)).toBe(0);
    expect((await hoa.chat.say('menu')).text).toContain(vi('menu.titleGuest'));
    expect((await second.say('1')).text).toContain(vi('menu.titleGuest'));

    // Members, identities and invites hold neither her name nor her phone.
    for (const collection of ['members', 'identities', 'invites']) {
      const docs = JSON.stringify(await models.Member.db.collection(collection).find({}).toArray());
      expect(docs.includes(NAME) || docs.includes(PHONE), collection).toBe(false);
    }
  });
});
