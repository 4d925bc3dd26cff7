/**
 * Conversation benchmark (DESIGN.md, "The hot path's budget"): how many
 * inbound updates per second the bot answers, how long a person waits for
 * each reply, and how many MongoDB round trips each update costs.
 *
 * BENCH_MEMBERS people (default 50) chat at once through the Telegram
 * webhook: a fake Telegram Bot API (real HTTP on loopback) POSTs each update
 * to the bot's webhook, and the bot's replies come back to the fake through
 * the outbox as sendMessage calls. Each person registers with the open club
 * code, answering the 8 questions one at a time (the next message only after
 * the reply to the previous one arrived, like a person), then starts again as
 * a new Telegram user, for BENCH_SECONDS (default 30). After that nothing new
 * is sent; replies still in flight are awaited up to 10 s.
 *
 * The bot runs in this process (startTestApp: its own database and Redis
 * prefix, dropped at the end) with TELEGRAM_RATE_PER_SECOND 1000, so the
 * outbox is not held to Telegram's real cap of ~30 messages/s: what is
 * measured is our pipeline. MongoDB round trips are the driver's
 * `commandStarted` events while the people chat (demo seeding excluded).
 *
 * The last line printed is one JSON object of the figures (bench/run.ts).
 *
 *   npm run bench -- conversation          # starts FerretDB/Redis if needed
 *   BENCH_MEMBERS=20 BENCH_SECONDS=10 npm run bench -- conversation
 */
import { cpus, loadavg } from 'node:os';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { DEMO_CODES, seedDemoData } from '../src/demo/seed.ts';
import type { Models } from '../src/models/index.ts';
import { FakeTelegram, type FakeUser } from '../test/fakes/telegram.ts';
import { isolatedEnv, startTestApp } from '../test/support/app.ts';
import {
  type Chatting,
  countDelta,
  fakeTelegramEnv,
  ReplyProbe,
  Results,
  redisCommandStats,
  registration,
  turn,
} from './people.ts';
import { envInt, latencySummary, ms, num, round, settlesWithin, sleep, Tally, table } from './stats.ts';

const MEMBERS = envInt('BENCH_MEMBERS', 50, 999);
const SECONDS = envInt('BENCH_SECONDS', 30, 3600);
/** How long a reply may take before the turn counts as lost; also the wait for in-flight replies. */
const REPLY_TIMEOUT_MS = 10_000;
const WEBHOOK_SECRET = 'bench-secret';
/** Telegram user ids: person k's r-th registration is 10_000_000 + k·10_000 + r. */
const USER_ID_BASE = 10_000_000;
const ROUNDS_PER_PERSON = 10_000;

/** DESIGN.md: a grammY + @grammyjs/conversations bot with MongoDB storage, same kind of machine. */
const BASELINE = { updatesPerSecond: 174, roundTripsPerUpdate: 2.25 };
const TARGET = { updatesPerSecond: 3 * BASELINE.updatesPerSecond, roundTripsBelow: 1 };

interface Run extends Chatting {
  clubName: string;
  sendUntil: number;
}

/** One person: registrations back to back until the time is up. */
async function person(k: number, run: Run): Promise<void> {
  for (let round = 0; round < ROUNDS_PER_PERSON; round++) {
    const user: FakeUser = { id: USER_ID_BASE + k * ROUNDS_PER_PERSON + round, first_name: 'Bench' };
    for (const step of registration(k, round, run.clubName)) {
      if (performance.now() >= run.sendUntil) return;
      if (!(await turn(user, step, run))) break; // this chat is stuck: the person starts over
    }
    if (performance.now() < run.sendUntil) run.results.registrations += 1;
  }
}

/** Whether MongoDB answers a query on a real collection within `timeoutMs` (FerretDB can wedge). */
async function mongoAnswers(models: Models, timeoutMs = 3000): Promise<boolean> {
  return settlesWithin(models.Club.findOne({}).maxTimeMS(timeoutMs).lean().exec(), timeoutMs);
}

function cpuTimes(): { busy: number; total: number } {
  let busy = 0;
  let total = 0;
  for (const { times } of cpus()) {
    const all = times.user + times.nice + times.sys + times.idle + times.irq;
    busy += all - times.idle;
    total += all;
  }
  return { busy, total };
}

async function main(): Promise<Figures> {
  const fake = await FakeTelegram.start();
  const probe = new ReplyProbe(fake);
  const env = isolatedEnv({
    ...fakeTelegramEnv(fake, WEBHOOK_SECRET),
    MONGODB_POOL_SIZE: '10',
    LOG_LEVEL: 'silent',
  });
  const test = await startTestApp(env);
  const redis = new Redis(env.REDIS_URL!);
  let healthy = true;
  let figures: Figures;
  try {
    const { models } = test.app;
    await seedDemoData(models);
    const invite = await models.Invite.findById(DEMO_CODES.openClub1).lean();
    const club = await models.Club.findById(invite?.clubId).lean();
    if (!club) throw new Error('demo data has no club for the open code');

    console.log(
      `${MEMBERS} people registering through the Telegram webhook for ${SECONDS} s ` +
        `(MongoDB ${env.MONGODB_URI}, pool ${env.MONGODB_POOL_SIZE}; load average before: ${loadavg()
          .map((l) => l.toFixed(2))
          .join(' ')})`,
    );
    console.log(
      'Outbox rate limit raised to 1000 messages/s: this measures our pipeline, not Telegram’s ~30 messages/s cap.',
    );
    console.log('');

    // Count from here: seeding is not part of the hot path.
    const mongoCommands = new Tally();
    let counting = true;
    models.Member.db.getClient().on('commandStarted', (event) => {
      if (counting) mongoCommands.add(event.commandName);
    });
    const redisBefore = await redisCommandStats(redis);
    const cpuBefore = cpuTimes();
    const processCpuBefore = process.cpuUsage();
    const loopBefore = performance.eventLoopUtilization();
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();

    const results = new Results();
    const startedAt = performance.now();
    const run: Run = {
      fake,
      probe,
      webhookUrl: `${test.url}/webhooks/telegram`,
      webhookSecret: WEBHOOK_SECRET,
      replyTimeoutMs: REPLY_TIMEOUT_MS,
      clubName: club.name,
      sendUntil: startedAt + SECONDS * 1000,
      results,
    };
    // How many replies wait in the outbox queue (BullMQ's wait list), sampled twice a second.
    const backlog: number[] = [];
    const waitList = `${env.REDIS_PREFIX}:bull:outbox-telegram:wait`;
    const sampler = setInterval(() => {
      redis.llen(waitList).then(
        (length) => backlog.push(length),
        () => undefined,
      );
    }, 500);
    const people = Promise.all(Array.from({ length: MEMBERS }, (_, k) => person(k, run)));
    const finished = await settlesWithin(people, SECONDS * 1000 + REPLY_TIMEOUT_MS + 1000);
    const elapsedMs = performance.now() - startedAt;
    clearInterval(sampler);

    loopDelay.disable();
    const loop = performance.eventLoopUtilization(loopBefore);
    const processCpu = process.cpuUsage(processCpuBefore);
    const cpuAfter = cpuTimes();
    // Outbound messages are logged to MongoDB in batches every 250 ms: let the last batch land.
    await sleep(600);
    counting = false;
    const redisAfter = await redisCommandStats(redis);
    healthy = await mongoAnswers(models);

    figures = report({
      results,
      startedAt,
      backlog: {
        mean: backlog.length ? backlog.reduce((a, b) => a + b, 0) / backlog.length : 0,
        max: Math.max(0, ...backlog),
      },
      elapsedMs,
      finished,
      mongoCommands,
      redisAfter,
      redisBefore,
      probe,
      machineBusy: (cpuAfter.busy - cpuBefore.busy) / (cpuAfter.total - cpuBefore.total),
      processCpu: (processCpu.user + processCpu.system) / 1000 / elapsedMs,
      loopUtilization: loop.utilization,
      loopDelayP99: loopDelay.percentile(99) / 1e6,
    });
  } finally {
    redis.disconnect();
    if (!healthy) {
      console.log(
        '\nMongoDB no longer answers queries (FerretDB wedged?). Its test database is left behind; ' +
          'restart FerretDB: kill $(cat data/ferretdb.pid) && npm run services',
      );
    }
    // Stopping drops the test data: bounded, so a wedged server cannot hang the benchmark.
    if (!(await settlesWithin(test.stop(), healthy ? 30_000 : 5000)))
      console.log('The app did not stop in time.');
    await fake.close();
  }
  return figures;
}

interface Report {
  results: Results;
  startedAt: number;
  backlog: { mean: number; max: number };
  elapsedMs: number;
  finished: boolean;
  mongoCommands: Tally;
  redisBefore: Map<string, number>;
  redisAfter: Map<string, number>;
  probe: ReplyProbe;
  machineBusy: number;
  processCpu: number;
  loopUtilization: number;
  loopDelayP99: number;
}

type Figures = ReturnType<typeof report>;

/** Prints the tables and returns the figures for the JSON line. */
function report(r: Report) {
  const { results } = r;
  const handled = results.replyLatencies.length;
  const perSecond = handled / (r.elapsedMs / 1000);
  const reply = latencySummary(results.replyLatencies);
  const ack = latencySummary(results.ackLatencies);
  const outbox = latencySummary(results.outboxLatencies);
  const roundTrips = r.mongoCommands.total / handled;
  const redisCommands = countDelta(r.redisBefore, r.redisAfter);

  console.log(
    `updates handled: ${num(handled)} of ${num(results.posted)} sent in ${num(r.elapsedMs / 1000, 1)} s ` +
      `(${num(results.registrations)} registrations completed)`,
  );
  console.log(`updates/s:       ${num(perSecond, 1)}`);
  console.log(
    table(
      ['latency from the webhook POST', 'p50', 'p95', 'p99'],
      [
        ['bot answers the webhook (HTTP 200)', ms(ack.p50), ms(ack.p95), ms(ack.p99)],
        ['reply reaches Telegram (sendMessage)', ms(reply.p50), ms(reply.p95), ms(reply.p99)],
        ['  of which after the webhook answered', ms(outbox.p50), ms(outbox.p95), ms(outbox.p99)],
      ],
    ),
  );
  console.log(
    `\n${table(
      ['reply latency by step', 'p50', 'p95', 'p99'],
      [...results.byStep].map(([name, values]) => {
        const step = latencySummary(values);
        return [name, ms(step.p50), ms(step.p95), ms(step.p99)];
      }),
    )}`,
  );
  const slice = Math.max(5, Math.round(SECONDS / 6));
  const perSlice = new Map<number, number>();
  for (const at of results.repliedAt) {
    const index = Math.floor((at - r.startedAt) / 1000 / slice);
    perSlice.set(index, (perSlice.get(index) ?? 0) + 1);
  }
  const slices = [...perSlice].sort((a, b) => a[0] - b[0]);
  console.log(
    `\nupdates/s by ${slice} s slice: ${slices.map(([, count]) => num(count / slice)).join(', ')}` +
      ` (the last: replies still in flight when sending stopped); outbox queue waiting: mean ${num(r.backlog.mean, 1)}, max ${num(r.backlog.max)} jobs`,
  );
  console.log(
    `\nMongoDB round trips: ${num(r.mongoCommands.total)} = ${num(roundTrips, 2)} per update ` +
      `(${r.mongoCommands
        .entries()
        .map(([name, count]) => `${name} ${num(count / handled, 2)}`)
        .join(', ')})`,
  );
  console.log(
    `Redis commands (server-wide, incl. inside Lua scripts and BullMQ): ${num(redisCommands.total / handled, 1)} per update; ` +
      `most: ${redisCommands
        .entries()
        .slice(0, 8)
        .map(([name, count]) => `${name} ${num(count / handled, 2)}`)
        .join(', ')}`,
  );
  console.log(
    `CPU: machine ${num(r.machineBusy * 100)}% busy (${cpus().length} cores); this process ` +
      `${num(r.processCpu * 100)}% of one core; event loop ${num(r.loopUtilization * 100)}% utilised, ` +
      `delay p99 ${ms(r.loopDelayP99)}`,
  );
  if (results.errors.total > 0 || r.probe.stray.total > 0 || !r.finished) {
    console.log('\nProblems:');
    if (!r.finished) console.log('  some people were still waiting after the 10 s grace period');
    for (const [message, count] of results.errors.entries()) console.log(`  ${count} × ${message}`);
    for (const [message, count] of r.probe.stray.entries()) console.log(`  ${count} message(s) ${message}`);
    for (const sample of r.probe.straySamples) console.log(`    e.g. ${sample}`);
  }

  const met = (ok: boolean) => (ok ? 'met' : 'not met');
  console.log(
    `\nReference (DESIGN.md): grammY + conversations bot ${BASELINE.updatesPerSecond} updates/s, ` +
      `${BASELINE.roundTripsPerUpdate} round trips/update. Measured: ${num(perSecond / BASELINE.updatesPerSecond, 2)}× ` +
      `its throughput, ${num(roundTrips, 2)} round trips/update.`,
  );
  console.log(
    `Target throughput ≥ ${TARGET.updatesPerSecond} updates/s (3×): ${met(perSecond >= TARGET.updatesPerSecond)} ` +
      `(${num(perSecond, 1)}/s)`,
  );
  console.log(
    `Target < ${TARGET.roundTripsBelow} MongoDB round trip/update: ${met(roundTrips < TARGET.roundTripsBelow)} ` +
      `(${num(roundTrips, 2)})`,
  );

  return {
    bench: 'conversation',
    members: MEMBERS,
    seconds: SECONDS,
    updatesPerSecond: round(perSecond),
    p50Ms: round(reply.p50),
    p95Ms: round(reply.p95),
    p99Ms: round(reply.p99),
    ackP50Ms: round(ack.p50),
    ackP99Ms: round(ack.p99),
    outboxP50Ms: round(outbox.p50),
    outboxP99Ms: round(outbox.p99),
    handled,
    posted: results.posted,
    registrations: results.registrations,
    mongoRoundTripsPerUpdate: round(roundTrips),
    redisCommandsPerUpdate: round(redisCommands.total / handled),
    outboxBacklogMean: round(r.backlog.mean),
    outboxBacklogMax: r.backlog.max,
    errors: results.errors.total,
    stray: r.probe.stray.total,
    finished: r.finished,
    machineBusy: round(r.machineBusy),
    processCpu: round(r.processCpu),
    loopUtilization: round(r.loopUtilization),
    loopDelayP99Ms: round(r.loopDelayP99),
    mongoByCommand: Object.fromEntries(r.mongoCommands.entries()),
    redisByCommand: Object.fromEntries(redisCommands.entries()),
  };
}

console.log(JSON.stringify(await main()));
// Connections of an app that could not stop (wedged server) must not keep the process alive.
process.exit(0);
