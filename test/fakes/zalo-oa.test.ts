import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeZaloOA, zaloSignature } from './zalo-oa.ts';

let zalo: FakeZaloOA;

beforeEach(async () => {
  zalo = await FakeZaloOA.start();
});

afterEach(async () => {
  await zalo.close();
});

type Body = Record<string, unknown>;

async function refresh(
  refreshToken: string,
  { appId = zalo.appId, secret = zalo.appSecret }: { appId?: string; secret?: string } = {},
) {
  const res = await fetch(`${zalo.oauthRoot}/v4/oa/access_token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', secret_key: secret },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, app_id: appId }),
  });
  return { status: res.status, body: (await res.json()) as Body };
}

async function post(url: string, body: unknown, accessToken: string | undefined = zalo.tokens.accessToken) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (accessToken !== undefined) headers.access_token = accessToken;
  const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body) });
  const text = await res.text();
  return {
    status: res.status,
    body: (res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text) as Body,
  };
}

const cs = (recipient: Body, text: string, token?: string) =>
  post(`${zalo.apiRoot}/v3.0/oa/message/cs`, { recipient, message: { text } }, token);

const zns = (body: Body, token?: string) => post(`${zalo.znsRoot}/message/template`, body, token);

/** A webhook receiver that records what it got and answers 200. */
let receiver: Server;
let hookUrl: string;
const received: Array<{ headers: IncomingHttpHeaders; raw: Buffer }> = [];

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, raw: Buffer.concat(chunks) });
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/zalo-oa`;
});

afterAll(async () => {
  await new Promise((resolve) => receiver.close(resolve));
});

const HOUR = 3600_000;
const DAY = 24 * HOUR;
/** `hh:mm` on 15 Jan 2026 in Asia/Ho_Chi_Minh (UTC+7), as epoch ms. */
const vietnamTime = (hh: number, mm = 0) => Date.UTC(2026, 0, 15, hh - 7, mm);

describe('FakeZaloOA tokens', () => {
  it('serves three roots on one server with the documented defaults', () => {
    expect(zalo.appId).toBe('1111222233334444');
    expect(zalo.appSecret).toBe('app-secret');
    expect(zalo.oaSecretKey).toBe('oa-secret-key');
    expect(zalo.oaId).toBe('9999');
    expect(zalo.apiRoot).toBe(`${zalo.baseUrl}/openapi`);
    expect(zalo.oauthRoot).toBe(`${zalo.baseUrl}/oauth`);
    expect(zalo.znsRoot).toBe(`${zalo.baseUrl}/zns`);
    expect(zalo.tokens).toEqual(zalo.initialTokens);
  });

  it('rotates single-use refresh tokens and counts every refresh call', async () => {
    const first = await refresh(zalo.initialTokens.refreshToken);
    expect(first.status).toBe(200);
    expect(first.body).toEqual({
      access_token: expect.any(String),
      refresh_token: expect.any(String),
      expires_in: '90000',
    });
    expect(first.body.access_token).not.toBe(zalo.initialTokens.accessToken);
    expect(first.body.refresh_token).not.toBe(zalo.initialTokens.refreshToken);
    expect(zalo.tokens).toEqual({
      accessToken: first.body.access_token,
      refreshToken: first.body.refresh_token,
    });

    const reused = await refresh(zalo.initialTokens.refreshToken);
    expect(reused.status).toBe(200);
    expect(reused.body).toMatchObject({ error: -14014, message: 'Invalid refresh token' });
    expect(zalo.refreshCalls).toBe(2);

    // Failed refreshes spend nothing: the new refresh token still works afterwards.
    expect((await refresh(String(first.body.refresh_token), { secret: 'wrong' })).body.error).toBe(-14003);
    expect((await refresh(String(first.body.refresh_token), { appId: '42' })).body.error).toBe(-14002);
    expect((await refresh('never-issued')).body.error).toBe(-14014);
    const second = await refresh(String(first.body.refresh_token));
    expect(second.body.access_token).toEqual(expect.any(String));
    expect(zalo.refreshCalls).toBe(6);
  });

  it('keeps the replaced access token valid for the grace period only', async () => {
    await zalo.close();
    zalo = await FakeZaloOA.start({ accessTokenGraceMs: 100 });
    zalo.interact('u1');
    const old = zalo.initialTokens.accessToken;
    const fresh = await refresh(zalo.initialTokens.refreshToken);
    expect((await cs({ user_id: 'u1' }, 'old token', old)).body.error).toBe(0);
    expect((await cs({ user_id: 'u1' }, 'new token', String(fresh.body.access_token))).body.error).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect((await cs({ user_id: 'u1' }, 'old token', old)).body).toMatchObject({ error: -220 });
    expect((await cs({ user_id: 'u1' }, 'new token', String(fresh.body.access_token))).body.error).toBe(0);
  });

  it('answers -216 to a missing or unknown token and -220 to an expired one', async () => {
    zalo.interact('u1');
    expect(await cs({ user_id: 'u1' }, 'hi', 'made-up')).toEqual({
      status: 200,
      body: { error: -216, message: 'Access token is invalid' },
    });
    const res = await fetch(`${zalo.apiRoot}/v3.0/oa/message/cs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ recipient: { user_id: 'u1' }, message: { text: 'hi' } }),
    });
    expect(await res.json()).toMatchObject({ error: -216 });

    zalo.expireAccessToken();
    expect((await cs({ user_id: 'u1' }, 'hi')).body).toEqual({
      error: -220,
      message: 'Access token has expired',
    });
    expect((await zns({ phone: '84912345678', template_id: 't' })).body.error).toBe(-220);
    const fresh = await refresh(zalo.initialTokens.refreshToken);
    expect((await cs({ user_id: 'u1' }, 'hi', String(fresh.body.access_token))).body.error).toBe(0);
    expect(zalo.sent()).toHaveLength(1);
  });

  it('rotates once when two refreshers race with the same token (delayRefresh)', async () => {
    zalo.delayRefresh(200);
    const startedAt = Date.now();
    const [a, b] = await Promise.all([
      refresh(zalo.initialTokens.refreshToken),
      refresh(zalo.initialTokens.refreshToken),
    ]);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(190);
    const errors = [a.body.error, b.body.error].sort();
    expect(errors).toEqual([-14014, undefined]);
    expect(zalo.refreshCalls).toBe(2);
  });
});

describe('FakeZaloOA consultation messages', () => {
  it('refuses a user outside the 7-day window (-230) and accepts one after an interaction', async () => {
    expect((await cs({ user_id: 'u1' }, 'hello')).body).toEqual({
      error: -230,
      message: 'User has not interacted with the OA in the last 7 days',
    });

    const { status } = await zalo.deliverWebhook(hookUrl, zalo.userSendText('u1', 'xin chào'));
    expect(status).toBe(200);
    const ok = await cs({ user_id: 'u1' }, 'hello');
    expect(ok.body).toEqual({
      error: 0,
      message: 'Success',
      data: { message_id: expect.any(String), user_id: 'u1' },
    });

    zalo.interact('u2', zalo.now() - 8 * DAY);
    expect((await cs({ user_id: 'u2' }, 'hello')).body.error).toBe(-230);
    zalo.interact('u2', zalo.now() - 6 * DAY);
    expect((await cs({ user_id: 'u2' }, 'hello')).body.error).toBe(0);
    zalo.advance(2 * DAY);
    expect((await cs({ user_id: 'u2' }, 'hello')).body.error).toBe(-230);
    // interact() sets the last interaction, even back in time.
    zalo.interact('u1', zalo.now() - 8 * DAY);
    expect((await cs({ user_id: 'u1' }, 'hello')).body.error).toBe(-230);

    // A forged delivery is not an interaction.
    await zalo.deliverWebhook(hookUrl, zalo.userSendText('u3', 'hi'), { forge: true });
    expect((await cs({ user_id: 'u3' }, 'hello')).body.error).toBe(-230);
  });

  it('records replies (recipient.message_id) and messages by user_id, with the paid flag', async () => {
    zalo.setNow(vietnamTime(10));
    const event = zalo.userSendText('u1', 'menu');
    await zalo.deliverWebhook(hookUrl, event);
    const msgId = event.message.msg_id;

    const reply = await cs({ message_id: msgId }, 'the menu');
    expect(reply.body).toMatchObject({ error: 0, data: { user_id: 'u1' } });
    await cs({ user_id: 'u1' }, 'by user id');
    for (let i = 3; i <= 9; i++) await cs({ message_id: msgId }, `reply ${i}`);
    const sent = zalo.sent('u1');
    expect(sent[0]).toEqual({
      userId: 'u1',
      text: 'the menu',
      messageId: (reply.body.data as Body).message_id,
      replyTo: msgId,
      paid: false,
    });
    expect(sent[1]).toEqual({ userId: 'u1', text: 'by user id', messageId: expect.any(String), paid: true });
    expect(sent.map((m) => m.paid)).toEqual([false, true, false, false, false, false, false, false, true]);

    // A new message from the user resets the count; 48 h later replies are paid again.
    const again = zalo.userSendText('u1', 'more');
    await zalo.deliverWebhook(hookUrl, again);
    const againId = again.message.msg_id;
    await cs({ message_id: againId }, 'free again');
    zalo.advance(48 * HOUR + 1);
    await cs({ message_id: againId }, 'too late');
    expect(
      zalo
        .sent('u1')
        .slice(-2)
        .map((m) => [m.text, m.paid]),
    ).toEqual([
      ['free again', false],
      ['too late', true],
    ]);

    expect((await cs({ message_id: 'unknown' }, 'x')).body.error).toBe(-201);
    expect((await cs({ message_id: msgId, user_id: 'u9' }, 'x')).body.error).toBe(-201);
  });

  it('validates the text and refuses users who unfollowed (-213)', async () => {
    zalo.interact('u1');
    expect((await cs({ user_id: 'u1' }, 'x'.repeat(2000))).body.error).toBe(0);
    expect((await cs({ user_id: 'u1' }, 'x'.repeat(2001))).body).toMatchObject({ error: -201 });
    expect((await cs({ user_id: 'u1' }, '')).body.error).toBe(-201);
    expect((await post(`${zalo.apiRoot}/v3.0/oa/message/cs`, { message: { text: 'x' } })).body.error).toBe(
      -201,
    );

    await zalo.deliverWebhook(hookUrl, zalo.unfollow('u1'));
    expect((await cs({ user_id: 'u1' }, 'bye')).body).toEqual({
      error: -213,
      message: 'User has not followed the OA',
    });
    await zalo.deliverWebhook(hookUrl, zalo.follow('u1'));
    expect((await cs({ user_id: 'u1' }, 'welcome back')).body.error).toBe(0);
    // Following is an interaction too.
    await zalo.deliverWebhook(hookUrl, zalo.follow('u2'));
    expect((await cs({ user_id: 'u2' }, 'welcome')).body.error).toBe(0);
  });

  it('injects Zalo errors and HTTP failures', async () => {
    zalo.interact('u1');
    zalo.failNext('cs', -32, 2);
    expect((await cs({ user_id: 'u1' }, 'a')).body).toEqual({
      error: -32,
      message: 'Exceeded the rate limit',
    });
    expect((await cs({ user_id: 'u1' }, 'a')).body.error).toBe(-32);
    expect((await cs({ user_id: 'u1' }, 'a')).body.error).toBe(0);

    zalo.failHttp('cs', 503);
    const down = await cs({ user_id: 'u1' }, 'b');
    expect(down).toEqual({ status: 503, body: '503 Service Unavailable' });

    zalo.failNext('oauth', -32);
    expect((await refresh(zalo.initialTokens.refreshToken)).body.error).toBe(-32);
    expect((await refresh(zalo.initialTokens.refreshToken)).body.access_token).toEqual(expect.any(String));
    expect(zalo.sent().map((m) => m.text)).toEqual(['a']);
  });
});

describe('FakeZaloOA ZNS', () => {
  const message = {
    phone: '84912345678',
    template_id: 'tpl-1',
    template_data: { date: '21/12' },
    tracking_id: 'job|0',
  };

  it('sends a registered template by day and refuses it at night (-133)', async () => {
    zalo.addTemplate('tpl-1');
    zalo.setNow(vietnamTime(23));
    expect((await zns(message)).body).toEqual({
      error: -133,
      message: 'ZNS messages are not allowed at night (22:00-06:00)',
    });
    zalo.setNow(vietnamTime(5, 59));
    expect((await zns(message)).body.error).toBe(-133);
    zalo.setNow(vietnamTime(22));
    expect((await zns(message)).body.error).toBe(-133);
    zalo.setNow(vietnamTime(21, 59));
    expect((await zns(message)).body.error).toBe(0);
    zalo.setNow(vietnamTime(6));
    const ok = await zns(message);
    expect(ok.body).toEqual({
      error: 0,
      message: 'Success',
      data: expect.objectContaining({ msg_id: expect.any(String), sent_time: String(vietnamTime(6)) }),
    });
    expect(zalo.znsSent()).toHaveLength(2);
    expect(zalo.znsSent()[1]).toEqual({
      phone: '84912345678',
      templateId: 'tpl-1',
      data: { date: '21/12' },
      trackingId: 'job|0',
      msgId: (ok.body.data as Body).msg_id,
    });

    const receipt = zalo.receiptEvent('job|0');
    expect(receipt).toMatchObject({
      app_id: zalo.appId,
      event_name: 'user_received_message',
      message: { msg_id: (ok.body.data as Body).msg_id, tracking_id: 'job|0' },
      timestamp: String(vietnamTime(6)),
    });
  });

  it('refuses an unknown template (-1124) and a phone not in 84 form (-108)', async () => {
    zalo.setNow(vietnamTime(12));
    expect((await zns(message)).body).toEqual({ error: -1124, message: 'Template does not exist' });
    zalo.addTemplate('tpl-1');
    expect((await zns({ ...message, phone: '0912345678' })).body).toEqual({
      error: -108,
      message: 'Phone number is invalid',
    });
    expect((await zns({ ...message, phone: '849123' })).body.error).toBe(-108);
    zalo.failNext('zns', -211);
    expect((await zns(message)).body.error).toBe(-211);
    expect((await zns(message)).body.error).toBe(0);
  });
});

describe('FakeZaloOA webhook deliveries', () => {
  beforeEach(() => {
    received.length = 0;
  });

  it('signs with sha256(app_id + raw body + timestamp + OA secret key)', async () => {
    const event = zalo.userSendText('u1', 'Xin chào');
    const { status, body } = await zalo.deliverWebhook(hookUrl, event);
    expect({ status, body }).toEqual({ status: 200, body: 'ok' });
    const { headers, raw } = received[0]!;
    const hand = createHash('sha256')
      .update(`1111222233334444${raw.toString('utf8')}${event.timestamp}oa-secret-key`)
      .digest('hex');
    expect(headers['x-zevent-signature']).toBe(`mac=${hand}`);
    expect(headers['content-type']).toBe('application/json');
    expect(zaloSignature(zalo.appId, raw, event.timestamp, zalo.oaSecretKey)).toBe(hand);

    await zalo.deliverWebhook(hookUrl, event, { forge: true });
    await zalo.deliverWebhook(hookUrl, event);
    await zalo.deliverWebhook(hookUrl, event, { secretKey: 'other' });
    await zalo.deliverWebhook(hookUrl, event, { unsigned: true });
    expect(received[1]!.headers['x-zevent-signature']).toMatch(/^mac=[0-9a-f]{64}$/);
    expect(received[1]!.headers['x-zevent-signature']).not.toBe(`mac=${hand}`);
    // A redelivery: the same bytes and the same signature.
    expect(received[2]!.raw.equals(raw)).toBe(true);
    expect(received[2]!.headers['x-zevent-signature']).toBe(`mac=${hand}`);
    expect(received[3]!.headers['x-zevent-signature']).toBe(
      `mac=${zaloSignature(zalo.appId, raw, event.timestamp, 'other')}`,
    );
    expect(received[4]!.headers['x-zevent-signature']).toBeUndefined();
  });

  it('builds events in the documented shapes', () => {
    zalo.setNow(1_760_000_000_000);
    const base = {
      app_id: zalo.appId,
      oa_id: '9999',
      timestamp: '1760000000000',
      user_id_by_app: expect.any(String),
    };
    expect(zalo.userSendText('u1', 'hi')).toEqual({
      ...base,
      event_name: 'user_send_text',
      sender: { id: 'u1' },
      recipient: { id: '9999' },
      message: { msg_id: expect.stringMatching(/^[0-9a-f]{32}$/), text: 'hi' },
    });
    expect(zalo.userSendImage('u1')).toMatchObject({
      event_name: 'user_send_image',
      message: { attachments: [{ type: 'image', payload: { url: expect.any(String) } }] },
    });
    expect(zalo.userSendSticker('u1')).toMatchObject({
      event_name: 'user_send_sticker',
      message: { attachments: [{ type: 'sticker' }] },
    });
    expect(zalo.follow('u1')).toEqual({
      ...base,
      event_name: 'follow',
      follower: { id: 'u1' },
      source: 'oa_profile',
    });
    expect(zalo.unfollow('u1')).toMatchObject({ event_name: 'unfollow', follower: { id: 'u1' } });
    expect(zalo.userSubmitInfo('u1', '0912345678', 'Lan')).toEqual({
      ...base,
      event_name: 'user_submit_info',
      sender: { id: 'u1' },
      recipient: { id: '9999' },
      info: { name: 'Lan', phone: '0912345678', address: '', city: '', district: '', ward: '' },
    });
    expect(zalo.userSendText('u1', 'a').user_id_by_app).toBe(zalo.follow('u1').user_id_by_app);
  });
});
