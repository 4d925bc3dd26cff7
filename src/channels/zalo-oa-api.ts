/**
 * Calls to Zalo's OA and ZNS APIs: header `access_token`, errors as HTTP 200
 * with `{error: <non-zero>, message}`. A rejected token (-216 invalid, -220
 * expired) is refreshed once and the call retried.
 */
import { localParts } from '../engine/local-time.ts';
import { httpPost } from './http-json.ts';
import type { ZaloOaTokens } from './zalo-oa-tokens.ts';

export class ZaloOaApiError extends Error {
  /** Zalo's error number (negative), or the HTTP status when the call itself failed. */
  readonly code: number;

  constructor(code: number, message: string) {
    super(`${code} ${message}`);
    this.name = 'ZaloOaApiError';
    this.code = code;
  }
}

const TOKEN_REJECTED = new Set([-216, -220]);

export async function zaloPost<T>(tokens: ZaloOaTokens, url: string, body: unknown): Promise<T> {
  const call = async (token: string) => {
    const response = await httpPost(url, {
      headers: { 'content-type': 'application/json', access_token: token },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new ZaloOaApiError(response.status, response.statusText);
    const json = (await response.json()) as { error?: number; message?: string; data?: T };
    if (json.error) throw new ZaloOaApiError(json.error, json.message ?? '');
    return json.data as T;
  };
  const token = await tokens.accessToken();
  try {
    return await call(token);
  } catch (error) {
    if (!(error instanceof ZaloOaApiError) || !TOKEN_REJECTED.has(error.code)) throw error;
    return call(await tokens.refresh(token));
  }
}

/** Milliseconds from `now` until the next `hour:minute` in `timeZone`. */
export function msUntilLocalTime(now: Date, timeZone: string, hour: number, minute: number): number {
  const local = localParts(now, timeZone);
  const nowMinutes = local.hour * 60 + local.minute;
  const minutes = (hour * 60 + minute - nowMinutes + 1440) % 1440 || 1440;
  return minutes * 60_000 - now.getSeconds() * 1000;
}
