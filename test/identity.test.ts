/**
 * Who may become whom (issue: "a shared phone is no proof"). A chat is linked to an existing
 * member only when the app vouches for the number (a Telegram contact card of the sender's own,
 * and never for a leader) or when the person types the one-time code sent to that member's chat.
 * Codes have few tries, short lives and a cap per member; link codes cannot be guessed.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PEOPLE, seedDemoData } from '../src/demo/seed.ts';
import { CODE_ALPHABET } from '../src/engine/codes.ts';
import { CONFIRM_CODES_PER_HOUR, WRONG_CODES_PER_HOUR } from '../src/store/link-codes.ts';
import { eventually } from './support/app.ts';
import {
  type ChannelHarness,
  type ChatDriver,
  HARNESSES,
  simulatorChat,
  simulatorHarness,
  telegramHarness,
} from './support/chats.ts';
import { chatOf } from './support/people.ts';
import { vi } from './support/text.ts';

const CLUB1 = 'club-dien-hong';
const codeIn = (text: string) => /\b\d{6}\b/.exec(text)?.[0];
const codeSentPrefix = vi('register.confirmCodeSent', { code: '' }).split('\n')[0]!;

/** Test helpers over one running bot. */
function helpers(h: ChannelHarness) {
  const { Member, Identity } = h.test.app.models;
  return {
    /** A fresh club-1 member with this phone (and, when `chatOf` is given, a chat on this channel). */
    async member(phone: string, opts: { chatOf?: number; role?: string } = {}) {
      const member = await Member.create({
        fullName: `Thành Viên ${phone.slice(-4)}`,
        phone,
        status: 'active',
        clubIds: [CLUB1],
        roles: [{ role: opts.role ?? 'member', clubId: CLUB1 }],
      });
      const chat = opts.chatOf === undefined ? undefined : await chatOf(h, String(member._id), opts.chatOf);
      return { id: String(member._id), name: member.fullName, chat };
    },
    linkedTo: async (chat: ChatDriver) =>
      (await Identity.findById(`${h.channel}:${chat.chatId}`).lean())?.memberId ?? null,
  };
}

/** Answers registration up to the phone question (club 1's open code). */
async function upToPhone(chat: ChatDriver) {
  await chat.say('/start DH2026');
  await chat.say('1');
  await chat.say('1');
  await chat.say('Người Lạ');
  await chat.say('1950');
  return chat.say('1');
}

describe.each(HARNESSES)('a phone is no proof on $name', ({ start }) => {
  let h: ChannelHarness;
  beforeAll(async () => {
    h = await start();
    await seedDemoData(h.test.app.models);
  });
  afterAll(() => h.stop());

  it('a shared or typed number of a member links only with the code sent to their chat; 5 wrong tries void it', async () => {
    const { member, linkedTo } = helpers(h);
    const stranger = h.chat(11);
    // In the simulator the contact button shares the chat's own number: the stranger "is" that number.
    const phone = h.channel === 'simulator' ? stranger.chatId : '84970000011';
    const victim = await member(phone, { chatOf: 10 });
    await upToPhone(stranger);
    const asked = h.contactButton
      ? await stranger.shareContact(`+${phone}`, 'noUserId')
      : await stranger.say(`0${phone.slice(2)}`);
    expect(asked.text).toContain(vi('register.askConfirmCode'));
    expect(await linkedTo(stranger)).toBeNull();

    const sent = await victim.chat!.nextWith(codeSentPrefix);
    const code = codeIn(sent.text)!;
    const wrong = code === '111111' ? '222222' : '111111';
    for (let left = 4; left >= 1; left--) {
      expect((await stranger.say(wrong)).text).toContain(vi('register.confirmCodeWrong', { left }));
    }
    const voided = await stranger.say(wrong);
    expect(voided.text).toContain(vi('register.confirmCodeVoid', { tries: 5 }));
    expect(voided.text).toContain(vi('register.askPhone'));
    // The right code, now too late, is read as a (bad) phone number: nothing is linked.
    expect((await stranger.say(code)).text).toContain(vi('register.phoneHint'));
    expect(await linkedTo(stranger)).toBeNull();
  });
});

describe('a phone is no proof: Telegram contact cards', () => {
  let h: Awaited<ReturnType<typeof telegramHarness>>;
  beforeAll(async () => {
    h = await telegramHarness('webhook');
    await seedDemoData(h.test.app.models);
  });
  afterAll(() => h.stop());

  it("a card with the chair's number but no user_id asks for the code; the chair's chat gets it", async () => {
    const { member, linkedTo } = helpers(h);
    const chair = await member('84970000021', { chatOf: 20, role: 'chair' });
    const stranger = h.chat(21);
    await upToPhone(stranger);
    expect((await stranger.shareContact('+84970000021', 'noUserId')).text).toContain(
      vi('register.askConfirmCode'),
    );
    expect(codeIn((await chair.chat!.nextWith(codeSentPrefix)).text)).toBeDefined();
    expect(await linkedTo(stranger)).toBeNull();
    // The chair's menu is not the stranger's.
    expect((await stranger.say('menu')).text).not.toContain(vi('menu.approve'));
  });

  it("a card of someone else's account is refused", async () => {
    const stranger = h.chat(22);
    await upToPhone(stranger);
    expect((await stranger.shareContact('+84970000022', 'someoneElse')).text).toContain(
      vi('register.contactNotYours'),
    );
  });

  it('a member’s own card (user_id = sender) links at once', async () => {
    const { member, linkedTo } = helpers(h);
    const own = await member('84970000023');
    const chat = h.chat(23);
    await upToPhone(chat);
    expect((await chat.shareContact('+84970000023', 'own')).text).toContain(
      vi('register.linked', { name: own.name, club: 'CLB Liên thế hệ tự giúp nhau thôn Đông Hồng' }),
    );
    expect(await linkedTo(chat)).toBe(own.id);
  });

  it("a leader's own card still needs the code; their other chat is told and can cut the new one off", async () => {
    const { member, linkedTo } = helpers(h);
    const chair = await member('84970000025', { chatOf: 24, role: 'chair' });
    const second = h.chat(25);
    await upToPhone(second);
    expect((await second.shareContact('+84970000025', 'own')).text).toContain(vi('register.askConfirmCode'));
    expect(await linkedTo(second)).toBeNull();
    const code = codeIn((await chair.chat!.nextWith(codeSentPrefix)).text)!;
    expect((await second.say(code)).text).toContain(
      vi('register.linked', { name: chair.name, club: 'CLB Liên thế hệ tự giúp nhau thôn Đông Hồng' }),
    );
    expect(await linkedTo(second)).toBe(chair.id);

    const notice = await chair.chat!.nextWith(
      vi('register.newAppNotice', { app: 'Telegram' }).split('\n')[0]!,
    );
    expect(notice.text).toContain('NGẮT');
    expect((await chair.chat!.say('NGẮT')).text).toContain(vi('unlinkApps.ask'));
    expect((await chair.chat!.say('1')).text).toContain(vi('unlinkApps.done'));
    expect(await linkedTo(second)).toBeNull();
    expect(await linkedTo(chair.chat!)).toBe(chair.id);
    // The newer chat cannot cut off the older one.
    expect((await second.say('ngat')).text).not.toContain(vi('unlinkApps.ask'));
  });
});

describe('one-time codes and link codes', () => {
  let h: ChannelHarness;
  let redis: Redis;
  beforeAll(async () => {
    // Attempts come faster than a person types: lift the per-chat flood limit for this file.
    h = await simulatorHarness({ INBOUND_PER_CHAT_PER_MINUTE: '500' });
    await seedDemoData(h.test.app.models);
    redis = new Redis(h.test.config.REDIS_URL);
  });
  afterAll(async () => {
    redis.disconnect();
    await h.stop();
  });

  it('a confirm code expires after 10 minutes', async () => {
    const { member, linkedTo } = helpers(h);
    const victim = await member('84970000031', { chatOf: 30 });
    const stranger = h.chat(31);
    await upToPhone(stranger);
    await stranger.say('0970 000 031');
    const code = codeIn((await victim.chat!.nextWith(codeSentPrefix)).text)!;
    // Eleven minutes later (the session in Redis is aged; nothing else is touched).
    const key = `${h.test.config.REDIS_PREFIX}:chat:simulator:${stranger.chatId}`;
    const session = JSON.parse((await redis.hget(key, 'session'))!);
    session.data.confirmExpiresAt = Date.now() - 60_000;
    await redis.hset(key, 'session', JSON.stringify(session));
    const late = await stranger.say(code);
    expect(late.text).toContain(vi('register.confirmCodeExpired'));
    expect(await linkedTo(stranger)).toBeNull();
  });

  it(`at most ${CONFIRM_CODES_PER_HOUR} codes an hour reach one member, however often someone restarts`, async () => {
    const { member } = helpers(h);
    const victim = await member('84970000033', { chatOf: 32 });
    const stranger = h.chat(33);
    for (let attempt = 1; attempt <= CONFIRM_CODES_PER_HOUR; attempt++) {
      await upToPhone(stranger);
      expect((await stranger.say('0970000033')).text).toContain(vi('register.askConfirmCode'));
    }
    await upToPhone(stranger);
    expect((await stranger.say('0970000033')).text).toContain(vi('register.tooManyConfirmCodes'));
    // Codes never appear in delivery ids.
    const sent: string[] = [];
    for (let i = 0; i < CONFIRM_CODES_PER_HOUR; i++) {
      sent.push(codeIn((await victim.chat!.nextWith(codeSentPrefix)).text)!);
    }
    const codes = await eventually(async () => {
      const records = await h.test.app.models.Message.find({
        memberId: victim.id,
        kind: 'confirm_code',
      }).lean();
      return records.length >= CONFIRM_CODES_PER_HOUR ? records : undefined;
    }, 'the code deliveries in the message log');
    expect(codes).toHaveLength(CONFIRM_CODES_PER_HOUR);
    for (const record of codes) for (const code of sent) expect(String(record._id)).not.toContain(code);
  });

  it('link codes are 8 easy symbols; a chat that types too many wrong codes is not listened to', async () => {
    const admin = await h.test.app.models.Member.findOne({ phone: DEMO_PEOPLE.admin }).lean();
    const shown = await simulatorChat(h.test.url, DEMO_PEOPLE.admin).say('liên kết');
    const code = new RegExp(`\\b[${CODE_ALPHABET}]{4} [${CODE_ALPHABET}]{4}\\b`).exec(shown.text)?.[0];
    expect(code, shown.text).toBeDefined();
    expect(code).not.toMatch(/[O0I1]/);

    const guesser = h.chat(40);
    for (let i = 0; i < WRONG_CODES_PER_HOUR; i++) {
      expect((await guesser.say(`/start ABCD234${(i % 8) + 2}`)).text).toContain(vi('register.codeUnknown'));
    }
    expect((await guesser.say(code!)).text).toContain(vi('register.tooManyWrongCodes'));
    // The code itself is still good for the person who was given it, typed any way.
    const owner = h.chat(41);
    expect((await owner.say(code!.replace(' ', '-').toLowerCase())).text).toContain(
      // The demo admin is a man of 52: "anh".
      vi('register.linkedByCode', { name: admin!.fullName }, 'man'),
    );
  });
});
