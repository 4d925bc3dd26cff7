import { Redis } from 'ioredis';

/**
 * A Redis connection. BullMQ workers need `maxRetriesPerRequest: null`; the
 * same setting is harmless for plain commands because each caller sets its
 * own timeouts where it must answer fast (webhooks, /readyz).
 */
export function connectRedis(url: string, name: string): Redis {
  return new Redis(url, {
    connectionName: name,
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    lazyConnect: false,
  });
}

/** A connection for request paths: fails a command within ~1 s instead of queueing it forever. */
export function connectRedisFailFast(url: string, name: string): Redis {
  return new Redis(url, {
    connectionName: name,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: true,
    connectTimeout: 1000,
    commandTimeout: 2000,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
}
