import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../log.ts';

/** Connection errors are logged once per this interval, not on every reconnect attempt. */
const ERROR_LOG_INTERVAL_MS = 30_000;

/** INCR, and start the window's expiry if it has none — atomically, so no count lives forever. */
const COUNT_IN_WINDOW = `
local n = redis.call('INCR', KEYS[1])
if redis.call('TTL', KEYS[1]) < 0 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return n`;

function connect(url: string, name: string, log: Logger, options: RedisOptions): Redis {
  const redis = new Redis(url, { connectionName: name, ...options });
  // Defined before any command: an auto-pipeline only knows the scripts defined when it began.
  redis.defineCommand('ishcCountInWindow', { numberOfKeys: 1, lua: COUNT_IN_WINDOW });
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
 * wait for Redis to come back instead of failing). Auto-pipelined like the request path's (the
 * outbox's adds and its worker's job moves were most of the socket writes left under load).
 */
export function connectRedis(url: string, name: string, log: Logger): Redis {
  return connect(url, name, log, { maxRetriesPerRequest: null, enableAutoPipelining: true });
}

/**
 * A connection for request paths: a command fails within ~2 s instead of waiting, so a webhook can
 * answer 5xx. Commands issued in the same tick (by the many turns in flight) go out in one write:
 * a socket write costs far more than the bytes in it, and was the app's largest cost under load.
 */
export function connectRedisFailFast(url: string, name: string, log: Logger): Redis {
  return connect(url, name, log, {
    enableAutoPipelining: true,
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
type CountingRedis = Redis & { ishcCountInWindow(key: string, seconds: number): Promise<number> };

export async function countInWindow(redis: Redis, key: string, seconds: number): Promise<number> {
  // A script rather than MULTI: it travels with the other commands of the tick (auto-pipelining),
  // where a MULTI block is a socket write of its own.
  return (redis as CountingRedis).ishcCountInWindow(key, seconds);
}
