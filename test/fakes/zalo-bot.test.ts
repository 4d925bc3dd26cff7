import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { callBotApi, expectTokenAndMethodChecked, wait } from './bot-api-client.ts';
import { FakeZaloBot } from './zalo-bot.ts';

let zb: FakeZaloBot;

beforeEach(async () => {
  zb = await FakeZaloBot.start();
});

afterEach(async () => {
  await zb.close();
});

const call = (method: string, params: object = {}, init: RequestInit = {}, fake = zb) =>
  callBotApi(fake, method, params, init);

describe('FakeZaloBot', () => {
  it('answers getMe in the envelope and rejects a wrong token or an unknown method', async () => {
    expect(zb.token).toBe('1234567890:zalo-test-token');
    expect(zb.apiRoot).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const me = await call('getMe');
    expect(me).toEqual({
      status: 200,
      body: {
        ok: true,
        result: {
          id: '1234567890',
          account_name: 'ISHC Test Bot',
          account_type: 'BASIC',
          can_join_groups: false,
        },
      },
    });
    const viaGet = await fetch(`${zb.apiRoot}/bot${zb.token}/getMe`);
    expect(viaGet.status).toBe(200);

    await expectTokenAndMethodChecked(zb);
    // Method names are case-sensitive.
    expect((await call('getme')).status).toBe(404);
    expect(zb.calls.map((c) => c.method)).toEqual(['getMe', 'getMe', 'sendTelepathy', 'getme']);
  });

  it('refuses an ill-formed token at start', async () => {
    await expect(FakeZaloBot.start({ token: 'not-a-token' })).rejects.toThrow(/digits:chars/);
    const custom = await FakeZaloBot.start({ token: '42:abc' });
    try {
      expect((await call('getMe', {}, {}, custom)).body.result).toMatchObject({ id: '42' });
    } finally {
      await custom.close();
    }
  });

  it('answers 401 to every call after revokeToken, and still records them', async () => {
    zb.allowChat('100');
    expect((await call('sendMessage', { chat_id: '100', text: 'a' })).status).toBe(200);
    zb.revokeToken();
    expect(await call('sendMessage', { chat_id: '100', text: 'b' })).toEqual({
      status: 401,
      body: { ok: false, error_code: 401, description: 'Unauthorized' },
    });
    expect((await call('getMe')).status).toBe(401);
    expect(zb.calls.map((c) => c.method)).toEqual(['sendMessage', 'sendMessage', 'getMe']);
    expect(zb.sent().map((m) => m.text)).toEqual(['a']);
  });

  it('validates sendMessage text (1-2000 characters) and records what was sent', async () => {
    zb.allowChat('200');
    const ok = await call('sendMessage', { chat_id: '200', text: 'Xin chào' });
    expect(ok.status).toBe(200);
    const result = ok.body.result as { message_id: string; date: number };
    expect(result).toEqual({ message_id: expect.any(String), date: expect.any(Number) });
    expect(Math.abs(result.date - Date.now())).toBeLessThan(5000); // milliseconds

    const tooLong = await call('sendMessage', { chat_id: '200', text: 'x'.repeat(2001) });
    expect(tooLong).toEqual({
      status: 400,
      body: { ok: false, error_code: 400, description: 'Bad Request: text must be 1-2000 characters' },
    });
    expect((await call('sendMessage', { chat_id: '200', text: '' })).status).toBe(400);
    expect((await call('sendMessage', { text: 'no chat' })).body.description).toBe(
      'Bad Request: chat_id is empty',
    );
    expect((await call('sendMessage', { chat_id: '200', text: 'y'.repeat(2000) })).status).toBe(200);

    expect(zb.sent('200')).toEqual([
      { chatId: '200', text: 'Xin chào', messageId: result.message_id },
      { chatId: '200', text: 'y'.repeat(2000), messageId: expect.any(String) },
    ]);
    expect(new Set(zb.sent().map((m) => m.messageId)).size).toBe(2);
    expect(zb.calls.filter((c) => c.method === 'sendMessage')).toHaveLength(5);
  });

  it('accepts form-encoded bodies and GET query strings, with numeric chat ids', async () => {
    zb.allowChat(300);
    const form = await fetch(`${zb.apiRoot}/bot${zb.token}/sendMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ chat_id: '300', text: 'form' }),
    });
    expect(form.status).toBe(200);
    const get = await fetch(`${zb.apiRoot}/bot${zb.token}/sendMessage?chat_id=300&text=query`);
    expect(get.status).toBe(200);
    expect((await call('sendMessage', { chat_id: 300, text: 'json number' })).status).toBe(200);
    expect(zb.sent(300).map((m) => m.text)).toEqual(['form', 'query', 'json number']);
  });

  it('answers 403 to a chat that never wrote to the bot', async () => {
    const never = await call('sendMessage', { chat_id: '400', text: 'hello?' });
    expect(never).toEqual({
      status: 403,
      body: {
        ok: false,
        error_code: 403,
        description: 'Forbidden: the user has not sent a message to the bot',
      },
    });
    expect((await call('sendChatAction', { chat_id: '400', action: 'typing' })).status).toBe(403);
    expect((await call('sendPhoto', { chat_id: '400', photo: 'https://x.example/a.jpg' })).status).toBe(403);
    expect(zb.sent()).toEqual([]);
    expect(zb.isAllowed('400')).toBe(false);

    zb.pushUpdate(zb.textEvent({ id: '401' }, 'hi'));
    expect((await call('sendMessage', { chat_id: '401', text: 'hello' })).status).toBe(200);
    zb.allowChat('400');
    expect((await call('sendMessage', { chat_id: '400', text: 'hello' })).status).toBe(200);
  });

  it('builds the documented event shapes without queueing them', async () => {
    const text = zb.textEvent({ id: '500', display_name: 'Bà Lan' }, '/start');
    expect(text).toEqual({
      event_name: 'message.text.received',
      message: {
        message_id: expect.stringMatching(/^m\d+$/),
        date: expect.any(Number),
        text: '/start',
        from: { id: '500', display_name: 'Bà Lan', is_bot: false },
        chat: { id: '500', chat_type: 'PRIVATE' },
      },
    });
    // The display name is remembered per user.
    const image = zb.imageEvent({ id: '500' }, 'ảnh');
    expect(image).toMatchObject({
      event_name: 'message.image.received',
      message: {
        photo: expect.stringMatching(/^https?:\/\/.+\.jpg$/),
        caption: 'ảnh',
        from: { display_name: 'Bà Lan' },
      },
    });
    expect(zb.stickerEvent({ id: '501' })).toMatchObject({
      event_name: 'message.sticker.received',
      message: { sticker: expect.any(String), from: { id: '501', display_name: 'Test' } },
    });
    const unsupported = zb.unsupportedEvent({ id: '502' });
    expect(unsupported.event_name).toBe('message.unsupported.received');
    expect(Object.keys(unsupported.message).sort()).toEqual(['chat', 'date', 'from', 'message_id']);
    const ids = [text, image, unsupported].map((u) => u.message.message_id);
    expect(new Set(ids).size).toBe(3);
    expect(zb.pendingUpdates).toEqual([]);
    expect(zb.isAllowed('500')).toBe(false);
  });

  it('serves a pushed update to a long poll and consumes it', async () => {
    const started = Date.now();
    const poll = call('getUpdates', { timeout: '10' });
    await wait(50);
    const pushed = zb.pushUpdate(zb.textEvent({ id: '600' }, 'menu'));
    const first = await poll;
    expect(Date.now() - started).toBeLessThan(1000);
    expect(first).toEqual({ status: 200, body: { ok: true, result: [pushed] } });
    expect(zb.pendingUpdates).toEqual([]);

    // Consumed: there is no offset, so the next poll doesn't see it again.
    const empty = await call('getUpdates', { timeout: '0' });
    expect(empty.body).toEqual({ ok: true, result: [] });

    const a = zb.pushUpdate(zb.textEvent({ id: '601' }, 'a'));
    const b = zb.pushUpdate(zb.stickerEvent({ id: '602' }));
    expect((await call('getUpdates', { timeout: '5' })).body.result).toEqual([a, b]);

    // An empty long poll ends after `timeout` seconds with [].
    const t0 = Date.now();
    expect((await call('getUpdates', { timeout: '1' })).body.result).toEqual([]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
  });

  it('queues updates again when the getUpdates response never reaches the client', async () => {
    zb.delayResponses('getUpdates', 200);
    const pushed = zb.pushUpdate(zb.textEvent({ id: '650' }, 'lost?'));
    const aborted = call('getUpdates', { timeout: '0' }, { signal: AbortSignal.timeout(50) });
    await expect(aborted).rejects.toThrow();
    await wait(250);
    expect(zb.pendingUpdates).toEqual([pushed]);
    zb.delayResponses('getUpdates', 0);
    expect((await call('getUpdates', { timeout: '0' })).body.result).toEqual([pushed]);
  });

  it("serves one update per call and 408 on an empty poll with getUpdatesResult: 'single'", async () => {
    const single = await FakeZaloBot.start({ getUpdatesResult: 'single' });
    try {
      const a = single.pushUpdate(single.textEvent({ id: '700' }, 'a'));
      const b = single.pushUpdate(single.textEvent({ id: '700' }, 'b'));
      expect((await call('getUpdates', { timeout: '1' }, {}, single)).body).toEqual({ ok: true, result: a });
      expect((await call('getUpdates', { timeout: '1' }, {}, single)).body).toEqual({ ok: true, result: b });
      expect(await call('getUpdates', { timeout: '0' }, {}, single)).toEqual({
        status: 408,
        body: { ok: false, error_code: 408, description: 'Request Timeout' },
      });
    } finally {
      await single.close();
    }
  });

  it('sets, reports and deletes a webhook, and refuses getUpdates meanwhile', async () => {
    const notHttps = await call('setWebhook', {
      url: 'http://bot.example/zalo',
      secret_token: 'long-enough',
    });
    expect(notHttps).toEqual({
      status: 400,
      body: { ok: false, error_code: 400, description: 'Bad Request: url must be an https URL' },
    });
    expect(
      (await call('setWebhook', { url: 'https://bot.example/zalo', secret_token: 'short' })).status,
    ).toBe(400);
    expect((await call('setWebhook', { url: 'https://bot.example/zalo' })).status).toBe(400);
    expect(
      (await call('setWebhook', { url: 'https://bot.example/zalo', secret_token: 's'.repeat(257) })).status,
    ).toBe(400);
    expect(zb.webhook).toBeUndefined();

    const set = await call('setWebhook', { url: 'https://bot.example/zalo', secret_token: 'secret-123' });
    expect(set.body).toEqual({
      ok: true,
      result: { url: 'https://bot.example/zalo', updated_at: expect.any(Number) },
    });
    expect(zb.webhook).toMatchObject({ url: 'https://bot.example/zalo', secretToken: 'secret-123' });
    expect((await call('getWebhookInfo')).body.result).toEqual({
      url: 'https://bot.example/zalo',
      updated_at: expect.any(Number),
    });

    const conflict = await call('getUpdates', { timeout: '30' });
    expect(conflict.status).toBe(400);
    expect(conflict.body).toMatchObject({
      ok: false,
      error_code: 400,
      description: expect.stringMatching(/webhook is active/),
    });

    expect((await call('deleteWebhook')).body).toEqual({
      ok: true,
      result: { url: '', updated_at: expect.any(Number) },
    });
    expect((await call('getWebhookInfo')).body.result).toMatchObject({ url: '' });
    expect((await call('getUpdates', { timeout: '0' })).body).toEqual({ ok: true, result: [] });
  });

  it('validates sendPhoto, sendSticker and sendChatAction', async () => {
    zb.allowChat('800');
    const photo = await call('sendPhoto', {
      chat_id: '800',
      photo: 'https://x.example/a.jpg',
      caption: 'Ảnh',
    });
    expect(photo.body).toEqual({
      ok: true,
      result: { message_id: expect.any(String), date: expect.any(Number) },
    });
    expect((await call('sendPhoto', { chat_id: '800', photo: 'not a url' })).status).toBe(400);
    expect(
      (
        await call('sendPhoto', {
          chat_id: '800',
          photo: 'https://x.example/a.jpg',
          caption: 'c'.repeat(2001),
        })
      ).status,
    ).toBe(400);

    expect((await call('sendSticker', { chat_id: '800', sticker: 'abc' })).status).toBe(200);
    expect((await call('sendSticker', { chat_id: '800' })).status).toBe(400);

    // The documented answer carries no result.
    expect(await call('sendChatAction', { chat_id: '800', action: 'typing' })).toEqual({
      status: 200,
      body: { ok: true },
    });
    expect((await call('sendChatAction', { chat_id: '800', action: 'upload_photo' })).status).toBe(400);
    // A delivered photo is a sent message (its URL and caption); refused ones and stickers are not.
    expect(zb.sent()).toEqual([
      { chatId: '800', messageId: expect.any(String), photo: 'https://x.example/a.jpg', text: 'Ảnh' },
    ]);
  });

  it('injects one-shot failures: quota 429, then recovers', async () => {
    zb.allowChat('900');
    zb.failNext('sendMessage', { kind: 'quota' });
    expect(await call('sendMessage', { chat_id: '900', text: 'hi' })).toEqual({
      status: 429,
      body: { ok: false, error_code: 429, description: 'Too Many Requests: quota exceeded' },
    });
    expect((await call('sendMessage', { chat_id: '900', text: 'hi' })).status).toBe(200);
    expect(zb.sent('900')).toHaveLength(1);

    zb.failNext('sendMessage', { kind: 'serverError' }, 2);
    zb.failNext('sendMessage', { kind: 'timeout' });
    zb.failNext('getMe', { kind: 'badToken' });
    expect((await call('sendMessage', { chat_id: '900', text: 'a' })).status).toBe(500);
    expect((await call('sendMessage', { chat_id: '900', text: 'b' })).status).toBe(500);
    expect((await call('sendMessage', { chat_id: '900', text: 'c' })).status).toBe(408);
    expect((await call('getMe')).status).toBe(401);
    expect((await call('getMe')).status).toBe(200);
    expect((await call('sendMessage', { chat_id: '900', text: 'd' })).status).toBe(200);

    zb.failNext('getMe', { kind: 'drop' });
    await expect(call('getMe')).rejects.toThrow();
    expect((await call('getMe')).status).toBe(200);
    expect(zb.sent('900').map((m) => m.text)).toEqual(['hi', 'd']);
  });

  it('fails every call for one chat until cleared', async () => {
    zb.allowChat('910');
    zb.allowChat('911');
    zb.failForChat('910', { kind: 'forbidden' });
    expect(await call('sendMessage', { chat_id: '910', text: 'hi' })).toEqual({
      status: 403,
      body: { ok: false, error_code: 403, description: 'Forbidden' },
    });
    expect((await call('sendChatAction', { chat_id: 910, action: 'typing' })).status).toBe(403);
    expect((await call('sendMessage', { chat_id: '911', text: 'hi' })).status).toBe(200);
    zb.clearFailures();
    expect((await call('sendMessage', { chat_id: '910', text: 'hi' })).status).toBe(200);
    expect(zb.sent().map((m) => m.chatId)).toEqual(['911', '910']);
  });

  it('records a delayed sendMessage only when its response is written', async () => {
    zb.allowChat('3');
    zb.delayResponses('sendMessage', 200);

    // Client gives up before the response: never delivered.
    const aborted = call('sendMessage', { chat_id: '3', text: 'lost' }, { signal: AbortSignal.timeout(50) });
    await expect(aborted).rejects.toThrow();
    await wait(250);
    expect(zb.sent()).toEqual([]);
    expect(zb.calls.map((c) => c.method)).toEqual(['sendMessage']);

    // Client waits: recorded at the moment the response is written, not when the request arrived.
    const patient = call('sendMessage', { chat_id: '3', text: 'kept' });
    await wait(100);
    expect(zb.sent()).toEqual([]);
    await patient;
    expect(zb.sent('3').map((m) => m.text)).toEqual(['kept']);
  });

  it('waitForSent resolves on a later message and explains a timeout', async () => {
    zb.allowChat('1');
    const waiting = zb.waitForSent((m) => m.text.includes('OTP'));
    await call('sendMessage', { chat_id: '1', text: 'hello' });
    await call('sendMessage', { chat_id: '1', text: 'your OTP is 1234' });
    await expect(waiting).resolves.toMatchObject({ chatId: '1', text: 'your OTP is 1234' });
    await expect(zb.waitForSentCount(2, '1')).resolves.toHaveLength(2);

    await expect(zb.waitForSent((m) => m.text === 'never', 50)).rejects.toThrow(
      /FakeZaloBot: no sent message matched the predicate within 50 ms\. Sent 2 message\(s\).*\n.*"hello"/,
    );
    await expect(zb.waitForSentCount(3, '1', 50)).rejects.toThrow(
      /expected at least 3 sent message\(s\) to chat 1/,
    );
  });

  it('close() ends a pending long poll promptly', async () => {
    const started = Date.now();
    const poll = call('getUpdates', { timeout: '30' }).catch((error: unknown) => error);
    await wait(50);
    await zb.close();
    await poll;
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('delivers updates to a webhook, wrapped or bare, with the secret header', async () => {
    const received: Array<{ secret: string | undefined; body: unknown }> = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        received.push({
          secret: req.headers['x-bot-api-secret-token'] as string | undefined,
          body: JSON.parse(body),
        });
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const hook = `http://127.0.0.1:${port}/zalo`;
      const update = zb.textEvent({ id: '1000' }, 'xin chào');
      expect(await zb.deliverWebhook(hook, update, { secret: 'secret-123' })).toEqual({
        status: 200,
        body: 'ok',
      });
      await zb.deliverWebhook(hook, update, { wrapped: false });
      expect(received).toEqual([
        { secret: 'secret-123', body: { ok: true, result: update } },
        { secret: undefined, body: update },
      ]);
      // Delivering lets the bot answer that chat.
      expect(zb.isAllowed('1000')).toBe(true);
      expect((await call('sendMessage', { chat_id: '1000', text: 'chào' })).status).toBe(200);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
