/**
 * The outbox's own ceiling (issue 16, item 5's unlimited run): BENCH_MESSAGES messages (default
 * 20,000) queued through the real outbox (Outbox.enqueue in pages of 500, the way a fan-out
 * queues them), then sent by a worker started as production starts it — `src/main.ts` with
 * ROLE=worker, the Dockerfile's NODE_OPTIONS, in a process of its own — to the fake Telegram API
 * enforcing L messages/s (BENCH_LIMITS, e.g. "0,1000"; 0 = unlimited; 429 "retry after 1" beyond
 * L). Queuing ends before the worker starts, so the rate is the worker's alone.
 *
 * Per run: messages/s from the worker's first delivery to its last, duplicates, lost, the worker's
 * peak resident memory (VmHWM), its MongoDB and Redis commands per message (counted inside it by
 * bench/count-app-commands.ts), and the Message records in MongoDB once the log drained (must
 * equal the messages the fake API received). Targets: unlimited ≥ 3,000 messages/s, worker RSS
 * < 300 MB, 0 duplicates, 0 lost, records = received.
 *
 *   npm run bench -- outbox
 *   BENCH_MESSAGES=5000 BENCH_LIMITS=0 OUTBOX_CONCURRENCY=64 npm run bench -- outbox
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Outbound } from '../src/engine/types.ts';
import { FakeTelegram } from '../test/fakes/telegram.ts';
import { isolatedEnv, PROJECT_NODE, startTestApp } from '../test/support/app.ts';
import { COUNTERS_PORT_VARIABLE, readCounters } from './counters.ts';
import { fakeTelegramEnv } from './people.ts';
import { freePort } from './processes.ts';
import { envInt, round, settlesWithin, sleep, table } from './stats.ts';

const MESSAGES = envInt('BENCH_MESSAGES', 20_000, 1_000_000);
const LIMITS = (process.env.BENCH_LIMITS ?? '0').split(',').map((limit) => Number(limit) || null);
/** Queued per Outbox.enqueue call (a fan-out page). */
const PAGE = 500;
const CHAT_BASE = 40_000_000;
const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** As the Dockerfile starts production. */
const NODE_OPTIONS = '--max-old-space-size=192 --max-semi-space-size=16';

interface Run {
  L: number | null;
  messages: number;
  queuePerSecond: number;
  messagesPerSecond: number | null;
  firstDeliveryS: number | null;
  totalS: number | null;
  idealS: number | null;
  achievedOverL: number | null;
  duplicates: number;
  lost: number;
  received: number;
  messageRecords: number;
  workerPeakRssMB: number;
  dbPerMessage: number;
  redisPerMessage: number;
}

function peakResidentMB(pid: number | undefined): number {
  try {
    const kB = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kB === undefined ? Number.NaN : Math.round(Number(kB) / 1024);
  } catch {
    return Number.NaN;
  }
}

async function run(limit: number | null): Promise<Run> {
  const fake = await FakeTelegram.start();
  fake.limitSendRate(limit ?? undefined);
  const env = isolatedEnv({
    ...fakeTelegramEnv(fake, 'bench-secret'),
    TELEGRAM_RATE_PER_SECOND: String(limit ?? 100_000),
    MONGODB_POOL_SIZE: '10',
    LOG_LEVEL: 'silent',
    ...(process.env.OUTBOX_CONCURRENCY ? { OUTBOX_CONCURRENCY: process.env.OUTBOX_CONCURRENCY } : {}),
  });
  // This process only queues, as a web process or a fan-out job does.
  const web = await startTestApp({ ...env, ROLE: 'web' });
  let worker: ChildProcess | undefined;
  try {
    const queuedFrom = performance.now();
    for (let from = 0; from < MESSAGES; from += PAGE) {
      const page: Outbound[] = [];
      for (let k = from; k < Math.min(MESSAGES, from + PAGE); k++) {
        page.push({
          channel: 'telegram',
          chatId: String(CHAT_BASE + k),
          lang: 'vi',
          text: `Thông báo số ${k}: họp câu lạc bộ sáng thứ Năm, 8 giờ, tại nhà văn hoá.`,
          kind: 'notice',
        });
      }
      // A page as a fan-out queues it: in bulk jobs, each message with its chat's id base.
      await web.app.outbox.enqueueBulk(
        page.map((message) => ({ messages: [message], idBase: `bench.${message.chatId}` })),
      );
    }
    const queueSeconds = (performance.now() - queuedFrom) / 1000;

    const countersPort = await freePort();
    const startedAt = Date.now();
    // BENCH_WORKER_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof": flags for the worker's Node.
    const nodeArgs = (process.env.BENCH_WORKER_NODE_ARGS ?? '').split(' ').filter(Boolean);
    worker = spawn(PROJECT_NODE, [...nodeArgs, '--import', './bench/count-app-commands.ts', 'src/main.ts'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        ...env,
        ROLE: 'worker',
        NODE_OPTIONS,
        [COUNTERS_PORT_VARIABLE]: String(countersPort),
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const ideal = limit ? MESSAGES / limit : null;
    const deadline = Date.now() + (ideal ? 1.5 * ideal * 1000 : 0) + 120_000;
    const received = () => new Set(fake.deliveredAt.map((d) => d.chatId)).size;
    while (received() < MESSAGES && Date.now() < deadline) await sleep(250);
    await sleep(2000); // a duplicate would come now
    const counters = await readCounters(countersPort).catch(() => undefined);
    const peakRss = peakResidentMB(worker.pid);
    // The log drains in the worker: its records, once they are all there (or a minute passed).
    const recordsDeadline = Date.now() + 60_000;
    let messageRecords = 0;
    while (Date.now() < recordsDeadline) {
      messageRecords = await web.app.models.Message.countDocuments({ status: 'sent' });
      if (messageRecords >= fake.deliveredAt.length) break;
      await sleep(500);
    }
    const redisCounts = counters as { redisCommands?: number } | undefined;

    const delivered = fake.deliveredAt;
    const perChat = new Map<string, number>();
    for (const { chatId } of delivered) perChat.set(chatId, (perChat.get(chatId) ?? 0) + 1);
    const times = delivered.map((d) => d.at);
    const first = times.length ? Math.min(...times) : null;
    const last = times.length ? Math.max(...times) : null;
    const span = first !== null && last !== null && last > first ? (last - first) / 1000 : null;
    const rate = span ? delivered.length / span : null;
    const count = Math.max(1, delivered.length);
    return {
      L: limit,
      messages: MESSAGES,
      queuePerSecond: round(MESSAGES / queueSeconds, 0),
      messagesPerSecond: rate === null ? null : round(rate, 0),
      firstDeliveryS: first === null ? null : round((first - startedAt) / 1000, 2),
      totalS: last === null ? null : round((last - startedAt) / 1000, 2),
      idealS: ideal === null ? null : round(ideal, 2),
      achievedOverL: limit && rate !== null ? round(rate / limit, 3) : null,
      duplicates: [...perChat.values()].reduce((sum, n) => sum + n - 1, 0),
      lost: MESSAGES - perChat.size,
      received: delivered.length,
      messageRecords,
      workerPeakRssMB: peakRss,
      dbPerMessage: counters ? round(counters.mongoCommands / count, 3) : Number.NaN,
      redisPerMessage: redisCounts?.redisCommands ? round(redisCounts.redisCommands / count, 2) : Number.NaN,
    };
  } finally {
    if (worker && worker.exitCode === null) {
      const exited = new Promise((resolve) => worker!.once('exit', resolve));
      worker.kill('SIGTERM');
      if (!(await settlesWithin(exited, 15_000))) worker.kill('SIGKILL');
    }
    if (!(await settlesWithin(web.stop(), 60_000))) console.log('The app did not stop in time.');
    await fake.close();
  }
}

async function main(): Promise<void> {
  console.log(
    `${MESSAGES} messages queued, then sent by a worker process; limits: ${LIMITS.map((l) => l ?? 'none').join(', ')}`,
  );
  const runs: Run[] = [];
  for (const limit of LIMITS) {
    runs.push(await run(limit));
    console.log(`L = ${limit ?? 'none'}: done`);
  }
  console.log('');
  console.log(
    table(
      [
        'L (msg/s)',
        'queued/s',
        'sent/s',
        'first',
        'total',
        'achieved / L',
        'dup',
        'lost',
        'records / received',
        'worker peak RSS',
        'db / msg',
        'redis / msg',
      ],
      runs.map((r) => [
        String(r.L ?? 'none'),
        String(r.queuePerSecond),
        String(r.messagesPerSecond ?? '–'),
        r.firstDeliveryS === null ? '–' : `${r.firstDeliveryS} s`,
        r.totalS === null ? '–' : `${r.totalS} s`,
        r.achievedOverL === null ? '–' : String(r.achievedOverL),
        String(r.duplicates),
        String(r.lost),
        `${r.messageRecords} / ${r.received}`,
        `${r.workerPeakRssMB} MB`,
        String(r.dbPerMessage),
        String(r.redisPerMessage),
      ]),
    ),
  );
  console.log(JSON.stringify({ bench: 'outbox', runs }));
}

await main();
process.exit(0);
