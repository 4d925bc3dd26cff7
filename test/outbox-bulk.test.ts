/**
 * The outbox's bulk jobs (an audience's messages, 50 to a job) against the fake Telegram API
 * enforcing its rate: paced under the bot's limit, a reply not stuck behind an audience, each
 * message once, failures handed on alone, a withdrawn group not sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Outbound } from '../src/engine/types.ts';
import type { BulkChat } from '../src/jobs/outbox.ts';
import { eventually } from './support/app.ts';
import { telegramHarness } from './support/chats.ts';

type Harness = Awaited<ReturnType<typeof telegramHarness>>;

/** The bot's pace in this file; the fake allows the same (a bucket of a second's worth). */
const RATE = 20;

const notice = (chatId: number, text: string): Outbound => ({
  channel: 'telegram',
  chatId: String(chatId),
  lang: 'vi',
  text,
  kind: 'notice',
});

/** `count` chats from `firstChat`, one notice each, ids `<key>.<chat>|0`. */
function audience(key: string, firstChat: number, count: number, group?: string): BulkChat[] {
  return Array.from({ length: count }, (_, k) => ({
    messages: [notice(firstChat + k, `Thông báo ${key}`)],
    idBase: `${key}.${firstChat + k}`,
    ...(group ? { group } : {}),
  }));
}

describe('outbox bulk jobs', () => {
  let h: Harness;
  const delivered = (firstChat: number, count: number) =>
    h.fake.deliveredAt.filter(({ chatId }) => {
      const chat = Number(chatId);
      return chat >= firstChat && chat < firstChat + count;
    });

  beforeAll(async () => {
    h = await telegramHarness('webhook', {
      TELEGRAM_RATE_PER_SECOND: String(RATE),
      OUTBOX_MAX_ATTEMPTS: '3',
      OUTBOX_BACKOFF_MS: '100',
    });
    h.fake.limitSendRate(RATE);
  });
  afterAll(() => h.stop());

  it("sends an audience once each at the bot's pace, and records every message", async () => {
    const first = 970_000;
    const startedAt = Date.now();
    await h.test.app.outbox.enqueueBulk(audience('pace', first, 80));
    await eventually(() => delivered(first, 80).length >= 80, 'every chat reached', 20_000);
    const took = (Date.now() - startedAt) / 1000;
    // 80 at 20 a second, a half second's worth at once: about 3.5 s, never much faster.
    expect(took).toBeGreaterThan(3);
    expect(h.fake.rateLimited).toBe(0);
    for (let k = 0; k < 80; k++) expect(h.fake.sent(first + k), `chat ${first + k}`).toHaveLength(1);
    await eventually(
      async () => (await h.test.app.models.Message.countDocuments({ _id: /^pace\./, status: 'sent' })) === 80,
      'a Message record each',
      10_000,
    );
  });

  it('lets a reply through while an audience is being sent, not after it', async () => {
    const first = 971_000;
    await h.test.app.outbox.enqueueBulk(audience('long', first, 100));
    await eventually(() => delivered(first, 100).length >= 10, 'the audience under way', 10_000);
    await h.test.app.outbox.enqueue([{ ...notice(971_500, 'Cảm ơn bác'), kind: 'reply' }], 'reply-during');
    await h.fake.waitForSent((m) => m.chatId === '971500', 5000);
    // The audience is not done yet: the reply did not wait for it.
    expect(delivered(first, 100).length).toBeLessThan(100);
    await eventually(() => delivered(first, 100).length >= 100, 'the audience finished', 20_000);
    expect(h.fake.rateLimited).toBe(0);
  });

  it("waits out a 429, hands a failing chat on to be retried alone, and keeps one chat's messages in order", async () => {
    const first = 972_000;
    h.fake.failNext('sendMessage', { kind: 'rateLimit', retryAfter: 1 });
    h.fake.failNext('sendMessage', { kind: 'serverError' });
    const chats = audience('mixed', first, 10);
    chats[3] = {
      idBase: `mixed.${first + 3}`,
      messages: [notice(first + 3, 'Một'), notice(first + 3, 'Hai'), notice(first + 3, 'Ba')],
    };
    await h.test.app.outbox.enqueueBulk(chats);
    await eventually(() => delivered(first, 10).length >= 12, 'every message delivered', 15_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    for (const k of [0, 1, 2, 4, 5, 6, 7, 8, 9])
      expect(h.fake.sent(first + k), `chat ${first + k}`).toHaveLength(1);
    expect(h.fake.sent(first + 3).map((m) => m.text)).toEqual(['Một', 'Hai', 'Ba']);
  });

  it('sends nothing more of a withdrawn group, and records those messages expired', async () => {
    const first = 973_000;
    await h.test.app.outbox.withdraw('bc.withdrawn');
    await h.test.app.outbox.enqueueBulk(audience('gone', first, 30, 'bc.withdrawn'));
    await eventually(
      async () =>
        (await h.test.app.models.Message.countDocuments({ _id: /^gone\./, status: 'expired' })) === 30,
      'every message recorded expired',
      10_000,
    );
    expect(delivered(first, 30)).toHaveLength(0);
  });
});
