/**
 * Starts a real bot for a test file: its own MongoDB database (on the FerretDB
 * or MongoDB that `npm test` provides) and its own Redis key prefix, so test
 * files run in parallel without seeing each other. Nothing of ours is mocked.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import mongoose from 'mongoose';
import { App, type AppOverrides } from '../../src/app.ts';
import { type Config, loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/log.ts';

/** The project's Node 24 (devDependency "node"), for child processes that run our .ts files. */
export const PROJECT_NODE = fileURLToPath(new URL('../../node_modules/.bin/node', import.meta.url));

const BASE_MONGO = process.env.TEST_MONGODB_URL ?? 'mongodb://127.0.0.1:27017';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface TestApp {
  app: App;
  url: string;
  config: Config;
  env: Record<string, string>;
  stop(): Promise<void>;
}

/** A fresh database name and Redis prefix, also for child processes of the same test. */
export function isolatedEnv(extra: Record<string, string> = {}): Record<string, string> {
  const id = randomBytes(4).toString('hex');
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    MONGODB_URI: `${BASE_MONGO}/test_${id}`,
    // Sum over parallel test files must stay below FerretDB's pool_max_conns / 2 (see STORAGE.md).
    MONGODB_POOL_SIZE: '4',
    REDIS_URL,
    REDIS_PREFIX: `test${id}`,
    PORT: '0',
    HOST: '127.0.0.1',
    OUTBOX_BACKOFF_MS: '50',
    // Tests run at any hour: no quiet hours unless a test sets them (start = end means none).
    QUIET_HOURS_START: '00:00',
    QUIET_HOURS_END: '00:00',
    ...extra,
  };
}

export async function startTestApp(
  env: Record<string, string> = isolatedEnv(),
  overrides: AppOverrides = {},
): Promise<TestApp> {
  const config = loadConfig(env);
  const app = await App.create(config, { log: createLogger(config.LOG_LEVEL), ...overrides });
  const url = await app.start();
  return {
    app,
    url,
    config,
    env,
    async stop() {
      await app.stop();
      await dropTestData(env);
    },
  };
}

/** Removes what a test left behind: its database and its Redis keys. */
export async function dropTestData(env: Record<string, string>): Promise<void> {
  const connection = await mongoose.createConnection(env.MONGODB_URI!, { maxPoolSize: 1 }).asPromise();
  await connection.dropDatabase();
  await connection.close();
  const redis = new Redis(env.REDIS_URL!);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${env.REDIS_PREFIX}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== '0');
  redis.disconnect();
}

/** Waits until `check` returns something truthy (polling), or fails with `what`. */
export async function eventually<T>(
  check: () => Promise<T> | T,
  what: string,
  timeoutMs = 5000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The bot as production starts it (src/main.ts) with `env`; resolves once it answers /healthz on env.PORT. */
export async function spawnApp(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(PROJECT_NODE, ['src/main.ts'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await eventually(
    () =>
      fetch(`http://127.0.0.1:${env.PORT}/healthz`).then(
        (r) => r.ok,
        () => false,
      ),
    'the bot answering',
    20_000,
  );
  return child;
}
