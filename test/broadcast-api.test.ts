/**
 * The broadcasts API (src/http/broadcast-routes.ts) on a running bot (the simulator delivers),
 * with tokens scoped to a commune and to a province: create, status, cancel; 401 without a
 * token, 403 outside its area (to send, to read, to cancel) and for urgent from a commune,
 * 400 naming the field.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken } from '../src/http/api-tokens.ts';
import { eventually, isolatedEnv, startTestApp, type TestApp } from './support/app.ts';
import { TREE } from './support/broadcasts.ts';

describe('broadcasts API', () => {
  let test: TestApp;
  let commune = '';
  let province = '';
  let other = '';

  /** A call with a token (none: no Authorization header). */
  async function call(
    method: string,
    path: string,
    token?: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) {
    const response = await fetch(`${test.url}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  const announcement = (extra: Record<string, unknown> = {}) => ({
    audience: { orgUnit: 'c1', roles: ['member'] },
    text: { vi: 'Khám mắt miễn phí.', en: 'Free eye checks.' },
    ...extra,
  });

  beforeAll(async () => {
    test = await startTestApp(isolatedEnv({ SIMULATOR: 'true' }));
    const { models } = test.app;
    await models.OrgUnit.insertMany(TREE.units);
    await models.Club.insertMany(TREE.clubs);
    for (const [i, club] of ['k1', 'k1', 'k2', 'k3'].entries()) {
      const member = await models.Member.create({
        fullName: `Hội viên ${i}`,
        status: 'active',
        language: i === 1 ? 'en' : 'vi',
        roles: [{ role: 'member', clubId: club }],
        clubIds: [club],
      });
      await models.Identity.create({
        _id: `simulator:849800000${i}`,
        channel: 'simulator',
        chatId: `849800000${i}`,
        memberId: String(member._id),
      });
    }
    const token = async (orgUnitId: string) => {
      const made = await createApiToken(models, { orgUnitId, role: 'staff' });
      if (!made.ok) throw new Error(made.reason);
      return made.token;
    };
    commune = await token('c1');
    province = await token('p1');
    other = await token('p2');
  });
  afterAll(() => test.stop());

  it('sends to a commune: 201 with its recipients, then its status; each member in her language', async () => {
    const created = await call('POST', '/api/v1/broadcasts', commune, announcement());
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: expect.stringMatching(/^[0-9a-f]{24}$/), recipients: 3 });
    const id = created.body.id as string;
    const status = await eventually(async () => {
      const now = await call('GET', `/api/v1/broadcasts/${id}`, commune);
      return now.body.status === 'sent' ? now.body : undefined;
    }, 'the broadcast sent');
    expect(status).toMatchObject({
      total: 3,
      sent: 3,
      failed: 0,
      blocked: 0,
      unreachable: 0,
      acknowledged: 0,
    });
    expect(status.byClub).toMatchObject({ k1: { sent: 2 }, k2: { sent: 1 } });
    const texts = async (chatId: string) =>
      ((await test.app.simulator!.messages(chatId, 0)) as { from: string; text: string }[])
        .filter((m) => m.from === 'bot')
        .map((m) => m.text);
    expect(await texts('8498000000')).toEqual(['📢 Khám mắt miễn phí.']);
    expect(await texts('8498000001')).toEqual(['📢 Free eye checks.']);
    expect(await texts('8498000003')).toEqual([]);
    // The province above may read it; a token of another province may not.
    expect((await call('GET', `/api/v1/broadcasts/${id}`, province)).status).toBe(200);
    expect((await call('GET', `/api/v1/broadcasts/${id}`, other)).status).toBe(403);
  });

  it('a retried POST with the same Idempotency-Key answers the same broadcast', async () => {
    const body = announcement({ sendAt: '2030-01-01T08:00:00+07:00' });
    const first = await call('POST', '/api/v1/broadcasts', commune, body, { 'idempotency-key': 'k-1' });
    const again = await call('POST', '/api/v1/broadcasts', commune, body, { 'idempotency-key': 'k-1' });
    expect(first.status).toBe(201);
    expect(again.body.id).toBe(first.body.id);
    expect(await test.app.models.Broadcast.countDocuments({ _id: first.body.id as string })).toBe(1);
  });

  it('a planned broadcast is cancelled by DELETE; a token of another area may not', async () => {
    const created = await call(
      'POST',
      '/api/v1/broadcasts',
      province,
      announcement({ sendAt: '2030-01-01T08:00:00+07:00' }),
    );
    expect(created.body.sendAt).toBe('2030-01-01T01:00:00.000Z');
    const id = created.body.id as string;
    expect((await call('DELETE', `/api/v1/broadcasts/${id}`, other)).status).toBe(403);
    expect((await call('DELETE', `/api/v1/broadcasts/${id}`, commune)).body).toEqual({
      id,
      status: 'cancelled',
    });
    expect((await call('GET', `/api/v1/broadcasts/${id}`, commune)).body).toMatchObject({
      status: 'cancelled',
      sent: 0,
    });
  });

  it('refuses: no token 401, outside the area 403, urgent from a commune 403, an unknown id 404', async () => {
    expect((await call('POST', '/api/v1/broadcasts', undefined, announcement())).status).toBe(401);
    const outside = await call(
      'POST',
      '/api/v1/broadcasts',
      commune,
      announcement({ audience: { orgUnit: 'c2', roles: ['member'] } }),
    );
    expect(outside.status).toBe(403);
    expect(outside.body.error).toContain('audience.orgUnit');
    const club = await call(
      'POST',
      '/api/v1/broadcasts',
      commune,
      announcement({ audience: { club: 'k3', roles: ['member'] } }),
    );
    expect(club.status).toBe(403);
    expect((await call('POST', '/api/v1/broadcasts', commune, announcement({ urgent: true }))).status).toBe(
      403,
    );
    expect(
      (
        await call(
          'POST',
          '/api/v1/broadcasts',
          province,
          announcement({ urgent: true, sendAt: '2030-01-02T08:00:00+07:00' }),
        )
      ).status,
    ).toBe(201);
    expect((await call('GET', `/api/v1/broadcasts/${'0'.repeat(24)}`, commune)).status).toBe(404);
    expect(await test.app.models.Broadcast.countDocuments({ 'target.id': { $in: ['c2', 'k3'] } })).toBe(0);
  });

  it('201 counts those it will reach; the stopped, opted-out and out of the OA window are unreachable', async () => {
    const { models } = test.app;
    const add = async (
      i: number,
      channel: 'simulator' | 'zalo-oa',
      fields: { status?: 'stopped'; optedOutAt?: Date; chatStopped?: boolean } = {},
    ) => {
      const member = await models.Member.create({
        fullName: `Hội viên ${i}`,
        status: fields.status ?? 'active',
        roles: [{ role: 'member', clubId: 'k2' }],
        clubIds: ['k2'],
        optedOutAt: fields.optedOutAt ?? null,
      });
      await models.Identity.create({
        _id: `${channel}:849800001${i}`,
        channel,
        chatId: `849800001${i}`,
        memberId: String(member._id),
        stoppedAt: fields.status === 'stopped' || fields.chatStopped ? new Date() : null,
      });
    };
    await add(0, 'simulator', { status: 'stopped' });
    await add(1, 'simulator', { chatStopped: true });
    await add(2, 'simulator', { optedOutAt: new Date() });
    // Never wrote to the OA, and this bot has no ZNS template for announcements.
    await add(3, 'zalo-oa');
    const later = { sendAt: '2030-01-03T08:00:00+07:00', audience: { club: 'k2', roles: ['member'] } };
    const created = await call('POST', '/api/v1/broadcasts', commune, announcement(later));
    // Of six in the club: the one who has always been there, alone.
    expect(created.body).toMatchObject({ recipients: 1, unreachable: 4 });
    expect((await call('GET', `/api/v1/broadcasts/${created.body.id}`, commune)).body).toMatchObject({
      status: 'scheduled',
      recipients: 1,
      unreachable: 4,
    });
    // Urgent reaches those who opted out of non-essential messages.
    const urgent = await call(
      'POST',
      '/api/v1/broadcasts',
      province,
      announcement({ ...later, urgent: true }),
    );
    expect(urgent.body).toMatchObject({ recipients: 2, unreachable: 3 });
  });

  it.each([
    [{ audience: { orgUnit: 'c1', roles: ['member'] } }, 'text:'],
    [announcement({ text: { vi: '' } }), 'text.vi: must not be empty'],
    [announcement({ text: { vi: 'x'.repeat(2001) } }), 'text.vi: at most 2000 characters'],
    [announcement({ audience: { orgUnit: 'c1', roles: ['admin'] } }), 'audience.roles'],
    [announcement({ audience: { orgUnit: 'c1', roles: ['member', 'volunteer'] } }), 'audience.roles'],
    [announcement({ audience: { roles: ['member'] } }), 'audience: give "orgUnit" or "club"'],
    [
      announcement({ audience: { orgUnit: 'nowhere', roles: ['member'] } }),
      'audience.orgUnit: there is no org unit',
    ],
    [announcement({ sendAt: 'tomorrow' }), 'sendAt:'],
    [announcement({ urgent: 'yes' }), 'urgent:'],
    [announcement({ extra: 1 }), 'body:'],
  ])('400 naming the field: %j', async (body, error) => {
    const answer = await call('POST', '/api/v1/broadcasts', commune, body);
    expect(answer.status).toBe(400);
    expect(String(answer.body.error)).toContain(error);
  });
});
