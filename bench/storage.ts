/**
 * Storage benchmark (STORAGE.md, "Speed"): FerretDB's PostgreSQL and SQLite
 * backends under the same load.
 *
 * One "step" = an indexed findOne + an upsert updateOne + an insertOne, on a
 * throwaway database. BENCH_CONCURRENCY loops (default 20, at most 20: the
 * SQLite backend fails parallel writes, and FerretDB on PostgreSQL wedges when
 * too many updates run at once) repeat steps for BENCH_SECONDS (default 10)
 * over one client with a pool of 20. Printed per backend: steps/s, step
 * latency p50/p99, errors by message, and the latency of one findOne and one
 * updateOne alone (sequential, no other load).
 *
 * Benchmarked: the server at MONGODB_URI (default the PostgreSQL-backed
 * FerretDB on 127.0.0.1:27017) and, when the binary .tools/ferretdb exists, a
 * second FerretDB this script starts on 127.0.0.1:27018 with the SQLite
 * backend in a temporary folder (killed and removed at the end). Both
 * throwaway databases are dropped. The last line printed is one JSON object of the figures
 * (bench/run.ts).
 *
 *   npm run bench -- storage
 *   BENCH_SECONDS=5 BENCH_CONCURRENCY=10 npm run bench -- storage
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import mongoose from 'mongoose';
import {
  envInt,
  latencySummary,
  median,
  ms,
  num,
  round,
  settlesWithin,
  sleep,
  Tally,
  table,
} from './stats.ts';

const SECONDS = envInt('BENCH_SECONDS', 10, 600);
const CONCURRENCY = envInt('BENCH_CONCURRENCY', 20, 20);
const POOL_SIZE = 20;
/** Documents the findOne and the upserts pick from. */
const KEYS = 1000;
/** A step still running this long after the time is up is abandoned (the server may be wedged). */
const GRACE_MS = 10_000;
/** No single operation may take longer than this (FerretDB on PostgreSQL can wedge). */
const OPERATION_TIMEOUT_MS = 15_000;
const SQLITE_ADDRESS = '127.0.0.1:27018';

const FERRETDB_BINARY = fileURLToPath(new URL('../.tools/ferretdb', import.meta.url));
const BASE_URI = process.env.MONGODB_URI ?? 'mongodb://127.0.0.1:27017';

interface BackendResult {
  name: string;
  steps: number;
  seconds: number;
  stepLatencies: number[];
  errors: Tally;
  findOneAlone: number;
  updateOneAlone: number;
  abandoned: boolean;
}

/** `uri` with its database replaced by `database` (query string kept). */
function withDatabase(uri: string, database: string): string {
  const url = new URL(uri);
  url.pathname = `/${database}`;
  return url.toString();
}

/** Rejects if `promise` takes longer than OPERATION_TIMEOUT_MS. */
function bounded<T>(promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer within ${OPERATION_TIMEOUT_MS / 1000} s`)),
      OPERATION_TIMEOUT_MS,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function benchmark(name: string, uri: string): Promise<BackendResult> {
  const database = `bench_storage_${randomBytes(4).toString('hex')}`;
  const connection = mongoose.createConnection(withDatabase(uri, database), {
    maxPoolSize: POOL_SIZE,
    serverSelectionTimeoutMS: 5000,
  });
  await bounded(connection.asPromise());
  const client = connection.getClient();
  const db = client.db(database);
  const docs = db.collection<{ _id: string; key: number; n: number }>('docs');
  const events = db.collection<{ key: number; loop: number; at: Date }>('events');
  let abandoned = false;
  try {
    await bounded(docs.createIndex({ key: 1 }));
    await bounded(
      docs.insertMany(Array.from({ length: KEYS }, (_, key) => ({ _id: `doc-${key}`, key, n: 0 }))),
    );

    // One operation alone, no other load: the cost of a round trip.
    const findAlone: number[] = [];
    const updateAlone: number[] = [];
    for (let i = 0; i < 30; i++) {
      let started = performance.now();
      await bounded(docs.findOne({ key: i }));
      findAlone.push(performance.now() - started);
      started = performance.now();
      await bounded(docs.updateOne({ _id: `doc-${i}` }, { $inc: { n: 1 } }, { upsert: true }));
      updateAlone.push(performance.now() - started);
    }

    const stepLatencies: number[] = [];
    const errors = new Tally();
    const startedAt = performance.now();
    const until = startedAt + SECONDS * 1000;
    const loop = async (loopId: number) => {
      while (performance.now() < until) {
        const key = Math.floor(Math.random() * KEYS);
        const started = performance.now();
        try {
          await bounded(docs.findOne({ key }));
          await bounded(docs.updateOne({ _id: `doc-${key}` }, { $inc: { n: 1 } }, { upsert: true }));
          await bounded(events.insertOne({ key, loop: loopId, at: new Date() }));
          stepLatencies.push(performance.now() - started);
        } catch (error) {
          errors.add(error instanceof Error ? error.message.slice(0, 120) : String(error));
          await sleep(10); // a failing server must not turn this into a busy loop
        }
      }
    };
    const loops = Promise.all(Array.from({ length: CONCURRENCY }, (_, id) => loop(id)));
    abandoned = !(await settlesWithin(loops, SECONDS * 1000 + GRACE_MS));
    const seconds = (performance.now() - startedAt) / 1000;
    return {
      name,
      steps: stepLatencies.length,
      seconds,
      stepLatencies,
      errors,
      findOneAlone: median(findAlone),
      updateOneAlone: median(updateAlone),
      abandoned,
    };
  } finally {
    if (!abandoned) {
      await bounded(db.dropDatabase()).catch((error: unknown) =>
        console.error(`${name}: could not drop ${database}: ${String(error)}`),
      );
    } else {
      console.error(`${name}: steps still running after the grace period; ${database} left behind`);
    }
    await connection.close(true);
  }
}

function portAnswers(address: string): Promise<boolean> {
  const [host, port] = address.split(':');
  return new Promise((resolve) => {
    const socket = createConnection({ host: host!, port: Number(port) });
    const done = (up: boolean) => {
      socket.destroy();
      resolve(up);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** A FerretDB on the SQLite backend in a temporary folder; `stop` kills it and removes the folder. */
async function startSqliteFerret(): Promise<{ uri: string; stop(): Promise<void> }> {
  if (await portAnswers(SQLITE_ADDRESS)) throw new Error(`something already listens on ${SQLITE_ADDRESS}`);
  const dir = mkdtempSync(join(tmpdir(), 'bench-ferretdb-sqlite-'));
  const child: ChildProcess = spawn(FERRETDB_BINARY, ['-listen', SQLITE_ADDRESS, '-sqlite-dir', dir], {
    stdio: 'ignore',
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      if (!(await settlesWithin(exited, 5000))) child.kill('SIGKILL');
      await settlesWithin(exited, 5000);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 15_000;
  while (!(await portAnswers(SQLITE_ADDRESS))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`FerretDB (SQLite) did not start on ${SQLITE_ADDRESS}`);
    }
    await sleep(200);
  }
  return { uri: `mongodb://${SQLITE_ADDRESS}`, stop };
}

/** "FerretDB" or "MongoDB": FerretDB's buildInfo carries ferretdbVersion. */
async function serverKind(uri: string): Promise<string> {
  const client = new mongoose.mongo.MongoClient(uri, { maxPoolSize: 1, serverSelectionTimeoutMS: 5000 });
  try {
    const info = await bounded(client.db('admin').command({ buildInfo: 1 }));
    return 'ferretdbVersion' in info ? 'FerretDB' : 'MongoDB';
  } finally {
    await client.close(true);
  }
}

function print(results: BackendResult[]): void {
  console.log(
    `\n${table(
      ['backend', 'steps/s', 'p50', 'p99', 'errors', 'one updateOne alone', 'one indexed findOne alone'],
      results.map((r) => {
        const { p50, p99 } = latencySummary(r.stepLatencies);
        return [
          r.name,
          num(r.steps / r.seconds, 1),
          ms(p50),
          ms(p99),
          num(r.errors.total),
          ms(r.updateOneAlone),
          ms(r.findOneAlone),
        ];
      }),
    )}`,
  );
  for (const r of results) {
    if (r.abandoned) console.log(`${r.name}: some steps never finished (the server stopped answering)`);
    for (const [message, count] of r.errors.entries()) console.log(`${r.name}: ${count} × ${message}`);
  }
}

/** The figures of each backend, for the JSON line. */
function figures(results: BackendResult[]) {
  return {
    bench: 'storage',
    seconds: SECONDS,
    concurrency: CONCURRENCY,
    backends: results.map((r) => {
      const { p50, p99 } = latencySummary(r.stepLatencies);
      return {
        name: r.name,
        stepsPerSecond: round(r.steps / r.seconds),
        p50Ms: round(p50),
        p99Ms: round(p99),
        errors: r.errors.total,
        updateOneAloneMs: round(r.updateOneAlone),
        findOneAloneMs: round(r.findOneAlone),
        abandoned: r.abandoned,
      };
    }),
  };
}

async function main(): Promise<void> {
  console.log(
    `Step = indexed findOne + upsert updateOne + insertOne; ${CONCURRENCY} loops, pool ${POOL_SIZE}, ${SECONDS} s per backend.`,
  );
  const results: BackendResult[] = [];
  const mainName = `${await serverKind(BASE_URI)} ${new URL(BASE_URI).host} (MONGODB_URI)`;
  console.log(`Benchmarking ${mainName}…`);
  results.push(await benchmark(mainName, BASE_URI));

  if (existsSync(FERRETDB_BINARY)) {
    console.log(`Starting FerretDB on SQLite at ${SQLITE_ADDRESS}…`);
    try {
      const sqlite = await startSqliteFerret();
      try {
        results.push(await benchmark('FerretDB SQLite', sqlite.uri));
      } finally {
        await sqlite.stop();
      }
    } catch (error) {
      console.log(`SQLite backend skipped: ${error instanceof Error ? error.message : String(error)}`);
    }
  } else {
    console.log(`No ${FERRETDB_BINARY}: SQLite backend not benchmarked (npm run services builds it).`);
  }
  print(results);
  console.log(JSON.stringify(figures(results)));
}

await main();
