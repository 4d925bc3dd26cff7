/**
 * The Zalo OA's access token (~25 h) and its single-use, rotating refresh
 * token. They live in MongoDB (seeded from the environment on first start),
 * are refreshed ahead of expiry or when Zalo says -216/-220, and only one
 * process refreshes at a time (a Redis lock): a second refresher would spend
 * the same refresh token and lock the OA out. The new pair is stored before
 * it is used.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../log.ts';
import type { Models } from '../models/index.ts';
import { httpPost } from './http-json.ts';

const TOKEN_ID = 'oa';
/** Refresh this long before the access token expires. */
const REFRESH_AHEAD_MS = 60 * 60_000;
/** Until Zalo tells us, assume a seeded access token lives this long. */
const SEEDED_LIFETIME_MS = 20 * 3600_000;
const LOCK_MS = 30_000;
/** Deletes the lock only if it is still ours. */
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

export interface ZaloOaTokenSettings {
  oauthRoot: string;
  appId: string;
  appSecret: string;
  seedAccessToken?: string;
  seedRefreshToken?: string;
}

export class TokenRefreshError extends Error {}

export class ZaloOaTokens {
  readonly #settings: ZaloOaTokenSettings;
  readonly #models: Models;
  readonly #redis: Redis;
  readonly #lockKey: string;
  readonly #log: Logger;
  #cached: { accessToken: string; expiresAt: number } | undefined;

  constructor(settings: ZaloOaTokenSettings, models: Models, redis: Redis, prefix: string, log: Logger) {
    this.#settings = settings;
    this.#models = models;
    this.#redis = redis;
    this.#lockKey = `${prefix}:zalo-oa:token-lock`;
    this.#log = log;
  }

  /** A usable access token (refreshed first when close to expiry). */
  async accessToken(): Promise<string> {
    if (this.#cached && this.#cached.expiresAt - Date.now() > REFRESH_AHEAD_MS)
      return this.#cached.accessToken;
    const stored = await this.#load();
    if (stored.expiresAt.getTime() - Date.now() > REFRESH_AHEAD_MS) return this.#remember(stored);
    return this.refresh(stored.accessToken);
  }

  /**
   * Replaces `staleAccessToken` (Zalo rejected it, or it is about to expire).
   * Whoever holds the lock refreshes; everyone else waits for the stored pair to change.
   */
  async refresh(staleAccessToken: string): Promise<string> {
    const deadline = Date.now() + LOCK_MS * 2;
    while (Date.now() < deadline) {
      const stored = await this.#load();
      if (stored.accessToken !== staleAccessToken) return this.#remember(stored);
      const lock = randomUUID();
      if ((await this.#redis.set(this.#lockKey, lock, 'PX', LOCK_MS, 'NX')) === 'OK') {
        try {
          return await this.#refreshHoldingLock(staleAccessToken);
        } finally {
          await this.#redis.eval(RELEASE, 1, this.#lockKey, lock);
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new TokenRefreshError('timed out waiting for another process to refresh the Zalo OA token');
  }

  async #refreshHoldingLock(staleAccessToken: string): Promise<string> {
    const stored = await this.#load();
    if (stored.accessToken !== staleAccessToken) return this.#remember(stored);
    const response = await httpPost(`${this.#settings.oauthRoot.replace(/\/$/, '')}/v4/oa/access_token`, {
      headers: { 'content-type': 'application/x-www-form-urlencoded', secret_key: this.#settings.appSecret },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: stored.refreshToken,
        app_id: this.#settings.appId,
      }).toString(),
    });
    const body = (await response.json().catch(() => ({}))) as {
      access_token?: string;
      refresh_token?: string;
      expires_in?: string | number;
      error?: number;
      message?: string;
    };
    if (!body.access_token || !body.refresh_token) {
      this.#log.error(
        { alert: 'zalo_oa_token_refresh_failed', status: response.status, error: body.error },
        'Zalo OA token refresh failed: messages stay queued until it works',
      );
      throw new TokenRefreshError(
        `token refresh failed: ${body.error ?? response.status} ${body.message ?? ''}`,
      );
    }
    const fresh = {
      accessToken: body.access_token,
      refreshToken: body.refresh_token,
      expiresAt: new Date(Date.now() + Number(body.expires_in ?? 90_000) * 1000),
    };
    // Stored before use: the old refresh token is already spent.
    await this.#models.ZaloOaToken.updateOne({ _id: TOKEN_ID }, { $set: fresh });
    this.#log.info('zalo oa token refreshed');
    return this.#remember(fresh);
  }

  async #load(): Promise<{ accessToken: string; refreshToken: string; expiresAt: Date }> {
    const stored = await this.#models.ZaloOaToken.findById(TOKEN_ID).lean();
    if (stored) return stored;
    const { seedAccessToken, seedRefreshToken } = this.#settings;
    if (!seedAccessToken || !seedRefreshToken) {
      throw new TokenRefreshError('no Zalo OA tokens: set ZALO_OA_ACCESS_TOKEN and ZALO_OA_REFRESH_TOKEN');
    }
    const seeded = {
      accessToken: seedAccessToken,
      refreshToken: seedRefreshToken,
      expiresAt: new Date(Date.now() + SEEDED_LIFETIME_MS),
    };
    // Seed once; a concurrent seeder's duplicate key is fine, but its document wins.
    await this.#models.ZaloOaToken.updateOne({ _id: TOKEN_ID }, { $setOnInsert: seeded }, { upsert: true });
    return (await this.#models.ZaloOaToken.findById(TOKEN_ID).lean()) ?? seeded;
  }

  #remember(token: { accessToken: string; expiresAt: Date }): string {
    this.#cached = { accessToken: token.accessToken, expiresAt: token.expiresAt.getTime() };
    return token.accessToken;
  }
}
