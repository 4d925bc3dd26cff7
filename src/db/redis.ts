import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../log.ts';

/** Connection errors are logged once per this interval, not on every reconnect attempt. */
const ERROR_LOG_INTERVAL_MS = 30_000;

function connect(url: string, name: string, log: Logger, options: RedisOptions): Redis {
  const redis = new Redis(url, { connectionName: name, ...options });
  let lastLogged = 0;
  redis.on('error', (error: Error) => {
    if (Date.now() - lastLogged < ERROR_LOG_INTERVAL_MS) return;
    lastLogged = Date.now();
    log.error({ err: error, connection: name }, 'redis connection error');
  });
  return redis;
}

/**
 * A connection for BullMQ: it needs `maxRetriesPerRequest: null` (commands
 * wait for Redis to come back instead of failing).
 */
export function connectRedis(url: string, name: string, log: Logger): Redis {
  return connect(url, name, log, { maxRetriesPerRequest: null });
}

/** A connection for request paths: a command fails within ~2 s instead of waiting, so a webhook can answer 5xx. */
export function connectRedisFailFast(url: string, name: string, log: Logger): Redis {
  return connect(url, name, log, {
    maxRetriesPerRequest: 1,
    connectTimeout: 1000,
    commandTimeout: 2000,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
}

/**
 * Counts one more event under `key` in a window of `seconds` that starts at the first event
 * (one round trip); returns the count so far. Rate limits are built on it.
 */
export async function countInWindow(redis: Redis, key: string, seconds: number): Promise<number> {
  const replies = await redis.multi().incr(key).expire(key, seconds, 'NX').exec();
  const [error, count] = replies?.[0] ?? [new Error('no reply from Redis'), 0];
  if (error) throw error;
  return Number(count);
}
