import { expect } from 'vitest';

/**
 * Test-side helpers shared by the Bot-API-style fakes' tests (FakeTelegram, FakeZaloBot): a raw client
 * that calls a method the way the bots do, without a library in between.
 */

/** POSTs `params` as JSON to `<apiRoot>/bot<token>/<method>`; resolves with the status and parsed body. */
export async function callBotApi(
  fake: { apiRoot: string; token: string },
  method: string,
  params: object = {},
  init: RequestInit = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${fake.apiRoot}/bot${fake.token}/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(params),
    ...init,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Resolves after `ms`. */
export const wait = (ms: number): Promise<unknown> => new Promise((resolve) => setTimeout(resolve, ms));

/** Asserts the errors both Bot-API-style fakes share: 401 for another bot's token, 404 for an unknown method. */
export async function expectTokenAndMethodChecked(fake: { apiRoot: string; token: string }): Promise<void> {
  const wrongToken = await fetch(`${fake.apiRoot}/bot999:nope/getMe`);
  expect(wrongToken.status).toBe(401);
  expect(await wrongToken.json()).toEqual({ ok: false, error_code: 401, description: 'Unauthorized' });

  expect(await callBotApi(fake, 'sendTelepathy')).toEqual({
    status: 404,
    body: { ok: false, error_code: 404, description: 'Not Found: method not found' },
  });
}
