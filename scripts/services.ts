/**
 * Makes sure a MongoDB-compatible server and Redis answer, starting them when
 * they are local and missing. Used by `npm start`, `npm test` and CI.
 *
 * MongoDB: whatever answers at MONGODB_URI is used. Otherwise (local URI
 * only) FerretDB 1.24.2 is built from tools/ferretdb (a small wrapper module:
 * FerretDB's own command cannot be built outside its repository) and started
 * on PostgreSQL when it answers on 127.0.0.1:5432 — 9× faster than SQLite
 * here — else on SQLite files under data/. A FerretDB of ours that stopped
 * answering queries (its PostgreSQL backend can deadlock) is restarted.
 *
 * Idempotent: a second run finds everything up and prints one line each.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import mongoose from 'mongoose';
import { loadConfig } from '../src/config.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const dataDir = `${root}data`;
const ferretBinary = `${root}.tools/ferretdb`;
const ferretPidFile = `${dataDir}/ferretdb.pid`;
/** What our FerretDB was started with ({ port, backend }), to say which server is in use. */
const ferretInfoFile = `${dataDir}/ferretdb.json`;
const ferretLog = `${dataDir}/ferretdb.log`;
const POSTGRES_HOST = process.env.FERRETDB_POSTGRES_HOST ?? '127.0.0.1';
const POSTGRES_PORT = Number(process.env.FERRETDB_POSTGRES_PORT ?? 5432);
/** Another checkout on the same machine gives its FerretDB a database of its own (and another port). */
const POSTGRES_DB = process.env.FERRETDB_POSTGRES_DB ?? 'ferretdb';
/** FerretDB's own PostgreSQL pool; the sum of all clients' pools must stay below half of it. */
const POSTGRES_POOL = 90;

class ServiceError extends Error {}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function isLocal(host: string): boolean {
  return ['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host);
}

function commandExists(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

function portAnswers(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    const done = (up: boolean) => {
      socket.destroy();
      resolve(up);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await sleep(300);
  }
  return false;
}

// ---------- Redis ----------

async function redisAnswers(url: string): Promise<boolean> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 1000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

async function ensureRedis(url: string): Promise<string> {
  if (await redisAnswers(url)) return `Redis: answering at ${url}`;
  const { hostname, port } = new URL(url);
  const howTo = 'Start Redis 7 (docker compose up -d redis) or set REDIS_URL.';
  if (!isLocal(hostname)) throw new ServiceError(`Redis does not answer at ${url}. ${howTo}`);
  if (!commandExists('redis-server'))
    throw new ServiceError(`Redis does not answer at ${url} and redis-server is not installed. ${howTo}`);
  spawnSync(
    'redis-server',
    [
      '--daemonize',
      'yes',
      '--bind',
      '127.0.0.1',
      '--port',
      port || '6379',
      '--save',
      '',
      '--appendonly',
      'no',
    ],
    {
      stdio: 'ignore',
    },
  );
  if (!(await waitFor(() => redisAnswers(url), 10_000)))
    throw new ServiceError(`Started redis-server but it does not answer at ${url}. ${howTo}`);
  return `Redis: started redis-server at ${url}`;
}

// ---------- MongoDB / FerretDB ----------

type MongoHealth = 'up' | 'down' | 'wedged';

/**
 * 'wedged': the server accepts connections but a write does not come back. (A write, on
 * purpose: a wedged FerretDB still answers reads of a missing collection at once.)
 */
async function mongoHealth(uri: string): Promise<MongoHealth> {
  const client = new mongoose.mongo.MongoClient(uri, {
    serverSelectionTimeoutMS: 1500,
    connectTimeoutMS: 1500,
    maxPoolSize: 1,
  });
  try {
    await client.connect();
  } catch {
    await client.close().catch(() => undefined);
    return 'down';
  }
  const query = client
    .db()
    .collection<{ _id: string; at: Date }>('services_probe')
    .updateOne({ _id: 'probe' }, { $set: { at: new Date() } }, { upsert: true, maxTimeMS: 3000 })
    .then(() => 'up' as const)
    .catch(() => 'wedged' as const);
  const timeout = sleep(5000).then(() => 'wedged' as const);
  const health = await Promise.race([query, timeout]);
  void client.close(true).catch(() => undefined);
  return health;
}

function ourFerretPid(): number | undefined {
  if (!existsSync(ferretPidFile)) return undefined;
  const pid = Number(readFileSync(ferretPidFile, 'utf8'));
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

function buildFerret(): void {
  if (existsSync(ferretBinary)) return;
  if (!commandExists('go')) {
    throw new ServiceError(
      'No MongoDB answers and FerretDB cannot be built here (no Go toolchain). Set MONGODB_URI to a MongoDB 7/8 server, or run: docker compose up -d mongo',
    );
  }
  console.log('FerretDB: building 1.24.2 from tools/ferretdb (first run only, about 2 minutes)…');
  const build = spawnSync('go', ['build', '-mod=readonly', '-o', ferretBinary, '.'], {
    cwd: `${root}tools/ferretdb`,
    stdio: 'inherit',
    env: { ...process.env, GOFLAGS: '-mod=readonly' },
  });
  if (build.status !== 0)
    throw new ServiceError(
      'Building FerretDB failed (see above). Set MONGODB_URI to a MongoDB server instead.',
    );
}

async function ferretBackendArgs(): Promise<{ args: string[]; backend: string }> {
  if (process.env.FERRETDB_BACKEND !== 'sqlite' && (await portAnswers(POSTGRES_HOST, POSTGRES_PORT))) {
    if (commandExists('createdb')) {
      // "already exists" is the normal case after the first run.
      spawnSync(
        'createdb',
        ['-h', POSTGRES_HOST, '-p', String(POSTGRES_PORT), '-U', 'postgres', POSTGRES_DB],
        { stdio: 'ignore' },
      );
    }
    const url = `postgres://postgres@${POSTGRES_HOST}:${POSTGRES_PORT}/${POSTGRES_DB}?pool_max_conns=${POSTGRES_POOL}`;
    return { args: ['-postgresql-url', url], backend: 'PostgreSQL' };
  }
  return { args: ['-sqlite-dir', `${dataDir}/ferretdb-sqlite`], backend: 'SQLite' };
}

async function startFerret(uri: string, listen: string): Promise<string> {
  buildFerret();
  mkdirSync(dataDir, { recursive: true });
  const { args, backend } = await ferretBackendArgs();
  const log = openSync(ferretLog, 'a');
  const child = spawn(ferretBinary, ['-listen', listen, ...args], {
    detached: true,
    stdio: ['ignore', log, log],
  });
  child.unref();
  writeFileSync(ferretPidFile, String(child.pid));
  writeFileSync(
    ferretInfoFile,
    JSON.stringify({ port: listen.split(':').pop(), backend, postgresDb: POSTGRES_DB }),
  );
  if ((await waitFor(async () => (await mongoHealth(uri)) === 'up', 30_000)) === false) {
    throw new ServiceError(`FerretDB was started but does not answer at ${uri}; see ${ferretLog}.`);
  }
  if (backend === 'PostgreSQL') twinIndexes(POSTGRES_DB);
  return backend;
}

async function ensureMongo(uri: string): Promise<string> {
  const health = await mongoHealth(uri);
  const { hostname, port } = new URL(uri);
  if (health === 'up') {
    const ours = ourFerretPid() !== undefined ? ferretInfo() : undefined;
    if (ours?.backend === 'PostgreSQL' && ours.port === (port || '27017'))
      twinIndexes(ours.postgresDb ?? POSTGRES_DB);
    return `MongoDB: ${await whichServer(uri, port || '27017')}`;
  }
  const howTo = 'Set MONGODB_URI to a MongoDB 7/8 server, or run: docker compose up -d mongo';
  if (!isLocal(hostname)) throw new ServiceError(`MongoDB does not answer at ${redact(uri)}. ${howTo}`);
  const pid = ourFerretPid();
  if (health === 'wedged') {
    if (!pid)
      throw new ServiceError(
        `The server at ${redact(uri)} accepts connections but does not answer queries. Restart it. ${howTo}`,
      );
    console.log('FerretDB: stopped answering queries; restarting it');
    process.kill(pid, 'SIGKILL');
    await sleep(500);
  }
  const backend = await startFerret(uri, `127.0.0.1:${port || '27017'}`);
  return `MongoDB: started FerretDB 1.24.2 (${backend} backend) at ${redact(uri)}`;
}

/**
 * Says which server answers, so that nobody works on another project's database unawares:
 * our FerretDB (and on what), or a server this script did not start.
 */
async function whichServer(uri: string, port: string): Promise<string> {
  const ours = ourFerretPid() !== undefined ? ferretInfo() : undefined;
  if (ours?.port === port)
    return `FerretDB 1.24.2 of this checkout (${ours.backend} backend) at ${redact(uri)}`;
  const kind = await serverKind(uri);
  return `using a MongoDB-compatible server already answering at ${redact(uri)} (${kind}, not started by this script; set MONGODB_URI to use another)`;
}

/**
 * Gives FerretDB's indexes GIN twins that PostgreSQL can use (scripts/ferretdb-index-twins.sql:
 * without them every find scans its whole table). Idempotent; without psql, finds just stay slow.
 */
function twinIndexes(database: string): void {
  const run = commandExists('psql')
    ? spawnSync(
        'psql',
        [
          '-h',
          POSTGRES_HOST,
          '-p',
          String(POSTGRES_PORT),
          '-U',
          'postgres',
          '-d',
          database,
          '-q',
          '-v',
          'ON_ERROR_STOP=1',
          '-f',
          `${root}scripts/ferretdb-index-twins.sql`,
        ],
        { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' },
      )
    : undefined;
  if (run?.status !== 0)
    console.log(
      `FerretDB: its indexes could not be made usable (${run ? run.stderr.trim().split('\n')[0] : 'psql not found'}); every find will scan its collection`,
    );
}

function ferretInfo(): { port?: string; backend?: string; postgresDb?: string } | undefined {
  try {
    return JSON.parse(readFileSync(ferretInfoFile, 'utf8'));
  } catch {
    return undefined;
  }
}

/** "FerretDB", "MongoDB 8.0.4", or "unknown kind" (buildInfo names FerretDB by its ferretdbVersion field). */
async function serverKind(uri: string): Promise<string> {
  const client = new mongoose.mongo.MongoClient(uri, { serverSelectionTimeoutMS: 1500, maxPoolSize: 1 });
  try {
    const info = await client.db().admin().command({ buildInfo: 1 });
    return 'ferretdbVersion' in info ? 'FerretDB' : `MongoDB ${String(info.version)}`;
  } catch {
    return 'unknown kind';
  } finally {
    await client.close().catch(() => undefined);
  }
}

function redact(uri: string): string {
  return uri.replace(/\/\/[^@/]*@/, '//***@');
}

async function main(): Promise<void> {
  const config = loadConfig();
  console.log(await ensureRedis(config.REDIS_URL));
  console.log(await ensureMongo(config.MONGODB_URI));
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof ServiceError || error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
