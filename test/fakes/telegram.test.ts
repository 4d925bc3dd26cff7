import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Api, Bot, GrammyError, HttpError, InputFile } from 'grammy';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { callBotApi, expectTokenAndMethodChecked, wait } from './bot-api-client.ts';
import { FakeTelegram } from './telegram.ts';

let tg: FakeTelegram;

beforeEach(async () => {
  tg = await FakeTelegram.start();
});

afterEach(async () => {
  await tg.close();
});

const call = (method: string, params: object = {}, init: RequestInit = {}) =>
  callBotApi(tg, method, params, init);

describe('FakeTelegram', () => {
  it('serves several bots: each its getMe, webhook and send budget; paid broadcasts have their own', async () => {
    const many = await FakeTelegram.start({ token: '111:first', tokens: ['222:second'] });
    try {
      const post = async (token: string, method: string, params: object) => {
        const response = await fetch(`${many.apiRoot}/bot${token}/${method}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(params),
        });
        return { status: response.status, body: (await response.json()) as { result?: { id?: number } } };
      };
      expect((await post('222:second', 'getMe', {})).body.result?.id).toBe(222);
      expect((await post('333:other', 'getMe', {})).status).toBe(401);
      await post('222:second', 'setWebhook', { url: 'https://example.org/two' });
      expect(many.webhookOf('222:second')?.url).toBe('https://example.org/two');
      expect(many.webhook).toBeUndefined();

      many.limitSendRate(1);
      expect((await post('111:first', 'sendMessage', { chat_id: 1, text: 'a' })).status).toBe(200);
      expect((await post('111:first', 'sendMessage', { chat_id: 1, text: 'b' })).status).toBe(429);
      // The other bot's budget is its own; a paid broadcast spends the paid one.
      expect((await post('222:second', 'sendMessage', { chat_id: 2, text: 'c' })).status).toBe(200);
      const paid = { chat_id: 3, text: 'd', allow_paid_broadcast: true };
      expect((await post('111:first', 'sendMessage', paid)).status).toBe(200);
      expect(many.sent().map((m) => [m.text, m.botId, m.paid ?? false])).toEqual([
        ['a', '111', false],
        ['c', '222', false],
        ['d', '111', true],
      ]);
    } finally {
      await many.close();
    }
  });

  it('answers getMe and rejects a wrong token or an unknown method', async () => {
    const me = await call('getMe');
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ ok: true, result: { is_bot: true, username: 'ishc_test_bot' } });

    await expectTokenAndMethodChecked(tg);
  });

  it('records sendMessage with per-chat message ids and validates the text', async () => {
    const markup = { inline_keyboard: [[{ text: 'Có', callback_data: 'yes' }]] };
    const first = await call('sendMessage', { chat_id: 42, text: 'Xin chào', reply_markup: markup });
    expect(first.body).toMatchObject({
      ok: true,
      result: { message_id: 1, chat: { id: 42, type: 'private' }, from: { is_bot: true }, text: 'Xin chào' },
    });
    await call('sendMessage', { chat_id: '42', text: 'again' });
    await call('sendMessage', { chat_id: 7, text: 'other chat' });

    expect(tg.sent(42)).toEqual([
      { chatId: '42', text: 'Xin chào', replyMarkup: markup, messageId: 1, botId: '123456' },
      { chatId: '42', text: 'again', messageId: 2, botId: '123456' },
    ]);
    expect(tg.sent('7')).toMatchObject([{ text: 'other chat', messageId: 1 }]);

    const empty = await call('sendMessage', { chat_id: 42, text: '' });
    expect(empty.body).toEqual({
      ok: false,
      error_code: 400,
      description: 'Bad Request: message text is empty',
    });
    const long = await call('sendMessage', { chat_id: 42, text: 'x'.repeat(4097) });
    expect(long.body.description).toBe('Bad Request: message is too long');
    expect(tg.sent()).toHaveLength(3);
    expect(tg.calls.filter((c) => c.method === 'sendMessage')).toHaveLength(5);
  });

  it('accepts form-encoded bodies and GET query strings', async () => {
    const form = await fetch(`${tg.apiRoot}/bot${tg.token}/sendMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ chat_id: '5', text: 'form', reply_markup: '{"remove_keyboard":true}' }),
    });
    expect(form.status).toBe(200);
    const get = await fetch(`${tg.apiRoot}/bot${tg.token}/sendMessage?chat_id=5&text=query`);
    expect(get.status).toBe(200);
    expect(tg.sent(5)).toEqual([
      { chatId: '5', text: 'form', replyMarkup: { remove_keyboard: true }, messageId: 1, botId: '123456' },
      { chatId: '5', text: 'query', messageId: 2, botId: '123456' },
    ]);
  });

  it('injects one-shot failures: 429 with retry_after, then recovers', async () => {
    tg.failNext('sendMessage', { kind: 'rateLimit', retryAfter: 3 });
    const limited = await call('sendMessage', { chat_id: 1, text: 'hi' });
    expect(limited).toEqual({
      status: 429,
      body: {
        ok: false,
        error_code: 429,
        description: 'Too Many Requests: retry after 3',
        parameters: { retry_after: 3 },
      },
    });
    expect((await call('sendMessage', { chat_id: 1, text: 'hi' })).status).toBe(200);
    expect(tg.sent(1)).toHaveLength(1);

    tg.failNext('sendMessage', { kind: 'badGateway' }, 2);
    expect((await call('sendMessage', { chat_id: 1, text: 'a' })).status).toBe(502);
    expect((await call('sendMessage', { chat_id: 1, text: 'b' })).status).toBe(502);
    expect((await call('sendMessage', { chat_id: 1, text: 'c' })).status).toBe(200);

    tg.failNext('getMe', { kind: 'drop' });
    await expect(call('getMe')).rejects.toThrow();
    expect((await call('getMe')).status).toBe(200);
  });

  it('fails every call for a chat that blocked the bot until cleared', async () => {
    tg.failForChat(9, { kind: 'blocked' });
    const blocked = await call('sendMessage', { chat_id: 9, text: 'hi' });
    expect(blocked).toEqual({
      status: 403,
      body: { ok: false, error_code: 403, description: 'Forbidden: bot was blocked by the user' },
    });
    expect((await call('sendChatAction', { chat_id: '9', action: 'typing' })).status).toBe(403);
    expect((await call('sendMessage', { chat_id: 10, text: 'hi' })).status).toBe(200);

    tg.clearFailures();
    expect((await call('sendMessage', { chat_id: 9, text: 'hi' })).status).toBe(200);
    expect(tg.sent().map((m) => m.chatId)).toEqual(['10', '9']);
  });

  it('serves pushed updates to a long poll and drops them once confirmed by offset', async () => {
    const started = Date.now();
    const poll = call('getUpdates', { offset: 0, timeout: 10 });
    await wait(50);
    const pushed = tg.pushUpdate(tg.textUpdate({ id: 77, first_name: 'Bà Lan' }, '/start ref'));
    const first = await poll;
    expect(Date.now() - started).toBeLessThan(1000);
    expect(first.body.result).toEqual([pushed]);
    expect(pushed.message).toMatchObject({
      chat: { id: 77, type: 'private', first_name: 'Bà Lan' },
      from: { id: 77, is_bot: false },
      text: '/start ref',
      entities: [{ type: 'bot_command', offset: 0, length: 6 }],
    });

    const second = tg.pushUpdate({ message: { text: 'raw' } });
    expect(second.update_id).toBe(pushed.update_id + 1);
    // Not confirmed yet: the same offset serves the first update again.
    expect((await call('getUpdates', { offset: pushed.update_id })).body.result).toHaveLength(2);
    // Confirming the first leaves only the second.
    const next = await call('getUpdates', { offset: pushed.update_id + 1, timeout: 0 });
    expect(next.body.result).toEqual([second]);
    expect(tg.pendingUpdates).toEqual([second]);
  });

  it('refuses getUpdates while a webhook is set', async () => {
    await call('setWebhook', { url: 'https://bot.example/tg', secret_token: 's3cret' });
    expect(tg.webhook).toEqual({ url: 'https://bot.example/tg', secretToken: 's3cret' });
    const conflict = await call('getUpdates');
    expect(conflict.status).toBe(409);
    expect(conflict.body.description).toMatch(
      /^Conflict: can't use getUpdates method while webhook is active/,
    );
    await call('deleteWebhook');
    expect((await call('getWebhookInfo')).body.result).toMatchObject({ url: '', pending_update_count: 0 });
    expect((await call('getUpdates')).status).toBe(200);
  });

  it('records a delayed sendMessage only when its response is written', async () => {
    tg.delayResponses('sendMessage', 200);

    // Client gives up before the response: never delivered.
    const aborted = call('sendMessage', { chat_id: 3, text: 'lost' }, { signal: AbortSignal.timeout(50) });
    await expect(aborted).rejects.toThrow();
    await wait(250);
    expect(tg.sent()).toEqual([]);
    expect(tg.calls.map((c) => c.method)).toEqual(['sendMessage']);

    // Client waits: recorded at the moment the response is written, not when the request arrived.
    const patient = call('sendMessage', { chat_id: 3, text: 'kept' });
    await wait(100);
    expect(tg.sent()).toEqual([]);
    await patient;
    expect(tg.sent(3).map((m) => m.text)).toEqual(['kept']);
  });

  it('waitForSent resolves on a later message and explains a timeout', async () => {
    const waiting = tg.waitForSent((m) => m.text.includes('OTP'));
    await call('sendMessage', { chat_id: 1, text: 'hello' });
    await call('sendMessage', { chat_id: 1, text: 'your OTP is 1234' });
    await expect(waiting).resolves.toMatchObject({ chatId: '1', messageId: 2 });
    await expect(tg.waitForSentCount(2, 1)).resolves.toHaveLength(2);

    await expect(tg.waitForSent((m) => m.text === 'never', 50)).rejects.toThrow(
      /no sent message matched the predicate within 50 ms\. Sent 2 message\(s\).*\n.*"hello"/,
    );
  });

  it('close() ends a pending long poll promptly', async () => {
    const started = Date.now();
    const poll = call('getUpdates', { timeout: 30 }).catch((error: unknown) => error);
    await wait(50);
    await tg.close();
    await poll;
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('delivers updates to a webhook with the secret header', async () => {
    let received: { secret: string | undefined; body: string } | undefined;
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        received = { secret: req.headers['x-telegram-bot-api-secret-token'] as string | undefined, body };
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const update = tg.contactUpdate({ id: 5 }, '+84901234567');
      const reply = await tg.deliverWebhook(`http://127.0.0.1:${port}/tg`, update, 'abc');
      expect(reply).toEqual({ status: 200, body: 'ok' });
      expect(received?.secret).toBe('abc');
      expect(JSON.parse(received?.body ?? '')).toMatchObject({
        message: { contact: { phone_number: '+84901234567', user_id: 5 } },
      });
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('speaks the protocol grammY expects', async () => {
    const api = new Api(tg.token, { apiRoot: tg.apiRoot });
    tg.failNext('sendMessage', { kind: 'rateLimit', retryAfter: 7 });
    const error = await api.sendMessage(1, 'hi').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GrammyError);
    expect(error).toMatchObject({ error_code: 429, parameters: { retry_after: 7 } });

    tg.failNext('sendMessage', { kind: 'drop' });
    await expect(api.sendMessage(1, 'hi')).rejects.toBeInstanceOf(HttpError);

    const bot = new Bot(tg.token, { client: { apiRoot: tg.apiRoot } });
    bot.command('start', (ctx) => ctx.reply(`Chào ${ctx.from?.first_name}`));
    bot.on('callback_query:data', async (ctx) => {
      await ctx.answerCallbackQuery();
      await ctx.reply(`chose ${ctx.callbackQuery.data} in ${ctx.chat?.id}`);
    });
    // Push only once grammY has dropped pending updates (deleteWebhook) — before that they would be lost.
    let running: Promise<void> | undefined;
    await new Promise<void>((onStart) => {
      running = bot.start({ drop_pending_updates: true, onStart: () => onStart() });
    });
    tg.pushUpdate(tg.textUpdate({ id: 12, first_name: 'Minh' }, '/start'));
    await tg.waitForSent((m) => m.text === 'Chào Minh');
    tg.pushUpdate(tg.callbackQueryUpdate({ id: 12 }, 'yes'));
    await tg.waitForSent((m) => m.text === 'chose yes in 12');
    await bot.stop();
    await running;
    expect(tg.pendingUpdates).toEqual([]);
  });

  it('takes uploaded documents and photos as grammY sends them (multipart), and validates them', async () => {
    const api = new Api(tg.token, { apiRoot: tg.apiRoot });
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
    const doc = await api.sendDocument(42, new InputFile(Buffer.from('PK\x03\x04 xlsx'), 'bao-cao.xlsx'), {
      caption: 'Báo cáo',
    });
    expect(doc.document).toMatchObject({ file_name: 'bao-cao.xlsx', file_size: 9 });
    await api.sendPhoto(42, new InputFile(png, 'chart.png'));
    expect(tg.sent(42).map((m) => [m.text, m.file?.kind, m.file?.name, m.file?.bytes.length])).toEqual([
      ['Báo cáo', 'document', 'bao-cao.xlsx', 9],
      ['', 'photo', 'chart.png', png.length],
    ]);
    const refused = async (promise: Promise<unknown>) =>
      ((await promise.catch((error) => error)) as GrammyError).description;
    expect(await refused(api.sendPhoto(42, new InputFile(Buffer.from('not an image'), 'x.png')))).toMatch(
      /IMAGE_PROCESS_FAILED/,
    );
    expect(
      await refused(api.sendDocument(42, new InputFile(png, 'a.xlsx'), { caption: 'c'.repeat(1025) })),
    ).toMatch(/caption is too long/);
    expect(await refused(api.sendDocument(42, 'https://example.org/a.xlsx'))).toMatch(
      /wrong file identifier/,
    );
    expect(tg.sent(42)).toHaveLength(2);
  });

  it('sends a file again by the file_id it gave, to the same bot only', async () => {
    const two = await FakeTelegram.start({ token: '111:first-bot', tokens: ['222:second-bot'] });
    try {
      const api = new Api('111:first-bot', { apiRoot: two.apiRoot });
      const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
      const first = await api.sendPhoto(43, new InputFile(png, 'anh.png'), { caption: 'Lịch tiêm' });
      const fileId = first.photo.at(-1)!.file_id;
      await api.sendPhoto(44, fileId, { caption: 'Lịch tiêm' });
      expect(two.sent(44).map((m) => [m.text, m.file?.kind, m.file?.bytes])).toEqual([
        ['Lịch tiêm', 'photo', png],
      ]);
      const other = new Api('222:second-bot', { apiRoot: two.apiRoot });
      const refused = (await other.sendPhoto(45, fileId).catch((error) => error)) as GrammyError;
      expect(refused.description).toMatch(/wrong file identifier/);
      expect(two.sent(45)).toEqual([]);
    } finally {
      await two.close();
    }
  });
});
