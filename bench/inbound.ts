import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import mongoose from 'mongoose';
import { DEMO_CODES, seedDemoData } from '../src/demo/seed.ts';
import { createModels, type Models } from '../src/models/index.ts';
import { FakeTelegram, type FakeUser } from '../test/fakes/telegram.ts';
import { dropTestData, isolatedEnv } from '../test/support/app.ts';
import { vi } from '../test/support/text.ts';
import { COUNTERS_PORT_VARIABLE, readCounters } from './counters.ts';
import {
  type Chatting,
  countDelta,
  fakeTelegramEnv,
  ReplyProbe,
  Results,
  redisCommandStats,
  registration,
  type Step,
  turn,
} from './people.ts';
import {
  APP_NODE_ARGS,
  cpuByRole,
  cpuPids,
  freePort,
  residentMB,
  startProcess,
  stopProcess,
  type Target,
} from './processes.ts';
import { REFERENCE, REFERENCE_WEBHOOK_PATH } from './reference-bot.ts';
import { envInt, latencySummary, ms, num, round, settlesWithin, sleep, type Tally, table } from './stats.ts';

const PEOPLE = envInt('BENCH_PEOPLE', 50, 999);
const SECONDS = envInt('BENCH_SECONDS', 20, 3600);
/** How long a reply may take before the turn counts as lost; also the wait for in-flight replies. */
const REPLY_TIMEOUT_MS = 10_000;
const WEBHOOK_SECRET = 'bench-inbound-secret';
const POOL = { app: 8, reference: 8, driver: 2 };
/** Telegram user ids: phase p, person k, round r → 10_000_000·(p+1) + k·10_000 + r. */
const ROUNDS_PER_PERSON = 10_000;
const telegramUserId = (phase: number, person: number, round: number) =>
  10_000_000 * (phase + 1) + person * ROUNDS_PER_PERSON + round;
/** What one kind of person says, round after round. */
interface Script {
  steps(person: number, round: number): Step[];
  /** A new Telegram user every round (registration), or the same chat again (a daily check). */
  newUserEachRound: boolean;
}

interface Scenario {
  name: string;
  about: string;
  /** What people say; `prepare` first stores what the app must know of them (members, chats). */
  app(clubName: string): Script;
  prepare?(models: Models, clubId: string, telegramUserIds: number[]): Promise<void>;
}

/** Members of the club, one per Telegram user of the driver, as registration would leave them. */
async function membersWithTelegram(models: Models, clubId: string, telegramUserIds: number[]) {
  const members = await models.Member.insertMany(
    telegramUserIds.map((id) => ({
      fullName: `Nguyễn Thị Bench ${id}`,
      // Elders, as most members are: the bot calls them "bác" (the `vi` texts expected below).
      birthYear: 1950,
      gender: 'female',
      status: 'active',
      roles: [{ role: 'member', clubId }],
      clubIds: [clubId],
    })),
  );
  await models.Identity.insertMany(
    members.map((member, i) => ({
      _id: `telegram:${telegramUserIds[i]}`,
      channel: 'telegram',
      chatId: String(telegramUserIds[i]),
      memberId: String(member._id),
    })),
  );
}

const SCENARIOS: Scenario[] = [
  {
    name: 'register',
    about: 'the 8 turns of registration with the open club code DH2026; the last creates the member',
    app: (clubName) => ({ steps: (k, r) => registration(k, r, clubName), newUserEachRound: true }),
  },
  {
    name: 'health',
    about:
      'a member who is well does the whole health check (flows/health-check.ts): "khám sức khỏe", ' +
      '"1" well, "13/8" blood pressure, "2" no fall, "2" no visit, "0" nothing to add — the last stores the response',
    prepare: membersWithTelegram,
    app: () => ({
      steps: () => [
        { name: 'khám sức khỏe', text: 'khám sức khỏe', expect: vi('health.ask.feeling') },
        { name: 'feeling', text: '1', expect: vi('health.ask.bloodPressure') },
        { name: 'blood pressure', text: '13/8', expect: vi('health.ask.fall') },
        { name: 'fall', text: '2', expect: vi('health.ask.visit') },
        { name: 'visit', text: '2', expect: vi('health.ask.note') },
        {
          name: 'note (response stored)',
          text: '0',
          expect: vi('health.thanks', { summary: '' }).split('\n')[0]!,
        },
      ],
      newUserEachRound: false,
    }),
  },
];

/** BENCH_SCENARIOS=health,register runs only those (all when unset). */
const ONLY = process.env.BENCH_SCENARIOS?.split(',');

/** The reference bot's check: "health" and three one-digit answers, each answered by the next line. */
const REFERENCE_SCRIPT: Script = {
  steps: () =>
    [REFERENCE.start, '1', '1', '1'].map((text, i) => ({
      name: i === 0 ? 'start' : `answer ${i}`,
      text,
      expect: REFERENCE.questions[i] ?? REFERENCE.done,
    })),
  newUserEachRound: false,
};

/** What one process did under load. */
interface Phase {
  results: Results;
  elapsedMs: number;
  finished: boolean;
  handled: number;
  mongoCommands: number;
  /** The same, by "command collection" (e.g. "find members"). */
  mongoByCommand: Tally;
  redisCommands: number;
  /** The same, by command name (commands run inside scripts count under their own names). */
  redisByCommand: Tally;
  /** CPU seconds used during the phase, by role (bot, driver, redis, ferretdb, postgres). */
  cpu: Record<string, number>;
  rssMB: number;
  peakRssMB: number;
  /** sendMessage calls the fake answered during the phase. */
  delivered: number;
  stray: number;
}

interface Drive {
  fake: FakeTelegram;
  probe: ReplyProbe;
  redis: Redis;
  /** Runs once the people stopped, before the counters are read (e.g. until the message log settles). */
  settle(delivered: number): Promise<void>;
}

/** The people chat with `target` for SECONDS; counters are read around it. */
async function drive(target: Target, script: Script, phase: number, d: Drive): Promise<Phase> {
  const results = new Results();
  const run: Chatting = {
    fake: d.fake,
    probe: d.probe,
    webhookUrl: target.webhookUrl,
    webhookSecret: WEBHOOK_SECRET,
    replyTimeoutMs: REPLY_TIMEOUT_MS,
    results,
  };
  const countersBefore = await readCounters(target.countersPort);
  const redisBefore = await redisCommandStats(d.redis);
  const deliveredBefore = d.probe.delivered;
  const strayBefore = d.probe.stray.total;
  const pids = await cpuPids(target.child, d.redis);
  const cpuBefore = cpuByRole(pids);
  let peakRssMB = 0;
  const sampler = setInterval(() => {
    peakRssMB = Math.max(peakRssMB, residentMB(target.child.pid) || 0);
  }, 500);

  const startedAt = performance.now();
  const sendUntil = startedAt + SECONDS * 1000;
  const person = async (k: number) => {
    for (let r = 0; r < ROUNDS_PER_PERSON && performance.now() < sendUntil; r++) {
      const id = telegramUserId(phase, k, script.newUserEachRound ? r : 0);
      const user: FakeUser = { id, first_name: 'Bench' };
      for (const step of script.steps(k, r)) {
        if (performance.now() >= sendUntil) return;
        if (!(await turn(user, step, run))) break; // this chat is stuck: the person starts over
      }
    }
  };
  const people = Promise.all(Array.from({ length: PEOPLE }, (_, k) => person(k)));
  const finished = await settlesWithin(people, SECONDS * 1000 + REPLY_TIMEOUT_MS + 1000);
  const elapsedMs = performance.now() - startedAt;
  clearInterval(sampler);
  const cpuAfter = cpuByRole(pids);
  const cpu = Object.fromEntries(Object.entries(cpuAfter).map(([role, s]) => [role, s - cpuBefore[role]!]));

  const delivered = d.probe.delivered - deliveredBefore;
  await d.settle(delivered);
  const countersAfter = await readCounters(target.countersPort);
  const redisAfter = await redisCommandStats(d.redis);
  const redisByCommand = countDelta(redisBefore, redisAfter);
  const rssMB = residentMB(target.child.pid);
  return {
    results,
    elapsedMs,
    finished,
    handled: results.replyLatencies.length,
    mongoCommands: countersAfter.mongoCommands - countersBefore.mongoCommands,
    mongoByCommand: countDelta(countersBefore.byCommand, countersAfter.byCommand),
    redisCommands: redisByCommand.total,
    redisByCommand,
    cpu,
    rssMB,
    peakRssMB: Math.max(peakRssMB, rssMB || 0),
    delivered,
    stray: d.probe.stray.total - strayBefore,
  };
}

/**
 * Waits until the app's message log holds as many telegram records as messages the fake received,
 * or stops growing for 3 s (bounded by REPLY_TIMEOUT_MS); returns the records counted.
 */
async function settleMessageLog(models: Models, delivered: number): Promise<number> {
  const deadline = performance.now() + REPLY_TIMEOUT_MS;
  let last = -1;
  let stableSince = performance.now();
  for (;;) {
    const count = await models.Message.countDocuments({ channel: 'telegram' }).maxTimeMS(5000);
    if (count >= delivered || performance.now() >= deadline) return count;
    if (count !== last) {
      last = count;
      stableSince = performance.now();
    } else if (performance.now() - stableSince >= 3000) {
      return count;
    }
    await sleep(250);
  }
}

/** The app as production starts it, with its own database (demo data seeded) and Redis prefix. */
async function startApp(fake: FakeTelegram) {
  // isolatedEnv gives the database name, Redis prefix and loopback host; its test-only settings go.
  const { OUTBOX_BACKOFF_MS: _testBackoff, ...base } = isolatedEnv();
  const port = await freePort();
  const countersPort = await freePort();
  const env: Record<string, string> = {
    ...base,
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    PORT: String(port),
    HOST: '127.0.0.1',
    ...fakeTelegramEnv(fake, WEBHOOK_SECRET),
    INBOUND_PER_CHAT_PER_MINUTE: '100000',
    QUIET_HOURS_START: '00:00',
    QUIET_HOURS_END: '00:00',
    MONGODB_POOL_SIZE: String(POOL.app),
    [COUNTERS_PORT_VARIABLE]: String(countersPort),
  };
  const connection = await mongoose
    .createConnection(env.MONGODB_URI!, { maxPoolSize: POOL.driver })
    .asPromise();
  const models = createModels(connection);
  await seedDemoData(models);
  const invite = await models.Invite.findById(DEMO_CODES.openClub1).lean();
  const club = await models.Club.findById(invite?.clubId).lean();
  if (!club) throw new Error('demo data has no club for the open code');
  const url = `http://127.0.0.1:${port}`;
  const target = await startProcess(
    'app',
    [...APP_NODE_ARGS, '--import', './bench/count-app-commands.ts', 'src/main.ts'],
    env,
    {
      webhookUrl: `${url}/webhooks/telegram`,
      healthUrl: `${url}/healthz`,
      countersPort,
    },
  );
  return { target, env, connection, models, clubId: String(club._id), clubName: club.name };
}

async function startReference(fake: FakeTelegram) {
  const { MONGODB_URI, REDIS_URL, REDIS_PREFIX } = isolatedEnv();
  const env = { MONGODB_URI: MONGODB_URI!, REDIS_URL: REDIS_URL!, REDIS_PREFIX: REDIS_PREFIX! };
  const port = await freePort();
  const countersPort = await freePort();
  const target = await startProcess(
    'reference',
    ['bench/reference-bot.ts'],
    {
      REF_BOT_TOKEN: fake.token,
      REF_API_ROOT: fake.apiRoot,
      REF_PORT: String(port),
      REF_WEBHOOK_SECRET: WEBHOOK_SECRET,
      REF_MONGODB_URI: env.MONGODB_URI,
      REF_MONGODB_POOL_SIZE: String(POOL.reference),
      [COUNTERS_PORT_VARIABLE]: String(countersPort),
    },
    {
      webhookUrl: `http://127.0.0.1:${port}${REFERENCE_WEBHOOK_PATH}`,
      healthUrl: `http://127.0.0.1:${port}/healthz`,
      countersPort,
    },
  );
  return { target, env };
}

interface Measured {
  phase: Phase;
  stopMs: number | null;
  /** The app's message log: telegram records once the run settled, and after the app exited. */
  log?: { atEnd: number; afterExit: number };
}

/** Runs the app on one scenario, then stops it and drops its data. */
async function measureApp(
  scenario: Scenario,
  phase: number,
  fake: FakeTelegram,
  probe: ReplyProbe,
  redis: Redis,
) {
  const app = await startApp(fake);
  await scenario.prepare?.(
    app.models,
    app.clubId,
    Array.from({ length: PEOPLE }, (_, k) => telegramUserId(phase, k, 0)),
  );
  let atEnd = 0;
  try {
    const measured = await drive(app.target, scenario.app(app.clubName), phase, {
      fake,
      probe,
      redis,
      settle: async (delivered) => {
        atEnd = await settleMessageLog(app.models, delivered);
      },
    });
    const stopMs = await stopProcess(app.target.child);
    // A clean stop writes what the log still holds; what is missing now is lost.
    const afterExit = await app.models.Message.countDocuments({ channel: 'telegram' }).maxTimeMS(5000);
    return { phase: measured, stopMs, log: { atEnd, afterExit } } satisfies Measured;
  } finally {
    await stopProcess(app.target.child);
    await app.connection.close();
    await dropTestData(app.env);
  }
}

async function measureReference(phase: number, fake: FakeTelegram, probe: ReplyProbe, redis: Redis) {
  const reference = await startReference(fake);
  try {
    const measured = await drive(reference.target, REFERENCE_SCRIPT, phase, {
      fake,
      probe,
      redis,
      settle: () => sleep(300),
    });
    return { phase: measured, stopMs: await stopProcess(reference.target.child) } satisfies Measured;
  } finally {
    await stopProcess(reference.target.child);
    await dropTestData(reference.env);
  }
}

function summary(m: Measured) {
  const { phase } = m;
  return {
    perSecond: phase.handled / (phase.elapsedMs / 1000),
    reply: latencySummary(phase.results.replyLatencies),
    ack: latencySummary(phase.results.ackLatencies),
    dbPerUpdate: phase.mongoCommands / phase.handled,
    redisPerUpdate: phase.redisCommands / phase.handled,
  };
}

/** CPU milliseconds per update handled, of one role or (without one) of all of them. */
function cpuPerUpdate(phase: Phase, role?: string): number {
  const seconds = role
    ? (phase.cpu[role] ?? Number.NaN)
    : Object.values(phase.cpu).reduce((a, b) => a + b, 0);
  return (seconds * 1000) / phase.handled;
}

/** Prints the comparison of one scenario and returns its entry of the JSON line. */
function report(scenario: Scenario, app: Measured, ref: Measured) {
  const a = summary(app);
  const r = summary(ref);
  const mb = (value: number) => (Number.isFinite(value) ? `${num(value)} MB` : '–');
  const stop = (value: number | null) => (value === null ? 'killed' : ms(value));
  console.log(`\n== ${scenario.name}: ${scenario.about}`);
  console.log(
    table(
      ['', 'app', 'reference'],
      [
        ['updates handled', num(app.phase.handled), num(ref.phase.handled)],
        ['updates/s', num(a.perSecond, 1), num(r.perSecond, 1)],
        ['reply p50', ms(a.reply.p50), ms(r.reply.p50)],
        ['reply p95', ms(a.reply.p95), ms(r.reply.p95)],
        ['reply p99', ms(a.reply.p99), ms(r.reply.p99)],
        ['webhook ack p50', ms(a.ack.p50), ms(r.ack.p50)],
        ['webhook ack p99', ms(a.ack.p99), ms(r.ack.p99)],
        ['MongoDB commands/update', num(a.dbPerUpdate, 2), num(r.dbPerUpdate, 2)],
        ['Redis commands/update (server-wide)', num(a.redisPerUpdate, 1), num(r.redisPerUpdate, 1)],
        ...Object.keys(app.phase.cpu).map((role) => [
          `CPU ms/update: ${role}`,
          num(cpuPerUpdate(app.phase, role), 2),
          num(cpuPerUpdate(ref.phase, role), 2),
        ]),
        ['CPU ms/update: all of them', num(cpuPerUpdate(app.phase), 2), num(cpuPerUpdate(ref.phase), 2)],
        [
          'resident memory after / peak',
          `${mb(app.phase.rssMB)} / ${mb(app.phase.peakRssMB)}`,
          `${mb(ref.phase.rssMB)} / ${mb(ref.phase.peakRssMB)}`,
        ],
        ['SIGTERM → exit', stop(app.stopMs), stop(ref.stopMs)],
        [
          'errors / stray messages',
          `${app.phase.results.errors.total} / ${app.phase.stray}`,
          `${ref.phase.results.errors.total} / ${ref.phase.stray}`,
        ],
      ],
    ),
  );
  const perUpdate = (tally: Tally, top: number, digits: number) =>
    tally
      .entries()
      .slice(0, top)
      .map(([name, calls]) => `${name} ${(calls / app.phase.handled).toFixed(digits)}`)
      .join(', ');
  console.log(`app Redis commands/update by name: ${perUpdate(app.phase.redisByCommand, 10, 1)}`);
  console.log(`app MongoDB commands/update by name: ${perUpdate(app.phase.mongoByCommand, 12, 3)}`);
  if (app.phase.results.byStep.size > 1) {
    console.log(
      `\n${table(
        ['app reply latency by step', 'p50', 'p95', 'p99'],
        [...app.phase.results.byStep].map(([name, values]) => {
          const step = latencySummary(values);
          return [name, ms(step.p50), ms(step.p95), ms(step.p99)];
        }),
      )}`,
    );
  }
  for (const [label, m] of [
    ['app', app],
    ['reference', ref],
  ] as const) {
    if (!m.phase.finished) console.log(`${label}: some people were still waiting after the grace period`);
    for (const [message, count] of m.phase.results.errors.entries())
      console.log(`${label}: ${count} × ${message}`);
  }
  const log = app.log ?? { atEnd: Number.NaN, afterExit: Number.NaN };
  const logDropped = app.phase.delivered - log.afterExit;
  console.log(
    `message log: ${num(app.phase.delivered)} messages the fake received; telegram records ${num(log.atEnd)} ` +
      `when the run settled, ${num(log.afterExit)} after the app exited → ${num(logDropped)} lost`,
  );
  console.log(`ratio to the reference: ${num(a.perSecond / r.perSecond, 2)}×`);
  return {
    scenario: scenario.name,
    C: PEOPLE,
    seconds: SECONDS,
    updatesPerSec: round(a.perSecond, 1),
    p50Ms: round(a.reply.p50),
    p95Ms: round(a.reply.p95),
    p99Ms: round(a.reply.p99),
    ackP50Ms: round(a.ack.p50),
    ackP99Ms: round(a.ack.p99),
    refUpdatesPerSec: round(r.perSecond, 1),
    refP99Ms: round(r.reply.p99),
    ratio: round(a.perSecond / r.perSecond),
    dbPerUpdate: round(a.dbPerUpdate),
    refDbPerUpdate: round(r.dbPerUpdate),
    redisPerUpdate: round(a.redisPerUpdate, 1),
    cpuMsPerUpdate: round(cpuPerUpdate(app.phase), 2),
    refCpuMsPerUpdate: round(cpuPerUpdate(ref.phase), 2),
    rssMB: round(app.phase.rssMB, 0),
    peakRssMB: round(app.phase.peakRssMB, 0),
    refRssMB: round(ref.phase.rssMB, 0),
    stopMs: app.stopMs === null ? null : round(app.stopMs, 0),
    logBacklogAtEnd: app.phase.delivered - log.atEnd,
    logDropped: Number.isFinite(logDropped) ? logDropped : null,
    errors: app.phase.results.errors.total,
    refErrors: ref.phase.results.errors.total,
  };
}

async function main() {
  const fake = await FakeTelegram.start();
  const probe = new ReplyProbe(fake);
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  console.log(
    `${PEOPLE} people in a closed loop, ${SECONDS} s per run; the app (node src/main.ts, production settings, ` +
      'Telegram webhook) and the reference grammY bot, one after the other for each scenario.',
  );
  console.log('Outbox rate limit raised to 1000 messages/s: this measures our pipeline, not Telegram’s cap.');
  console.log(
    `The app runs with: node ${APP_NODE_ARGS.join(' ')} src/main.ts (the Dockerfile's NODE_OPTIONS).`,
  );
  const runs = [];
  try {
    for (const [i, scenario] of SCENARIOS.entries()) {
      if (ONLY && !ONLY.includes(scenario.name)) continue;
      const app = await measureApp(scenario, 2 * i, fake, probe, redis);
      const ref = await measureReference(2 * i + 1, fake, probe, redis);
      runs.push(report(scenario, app, ref));
    }
  } finally {
    redis.disconnect();
    await fake.close();
  }
  return { bench: 'inbound', runs };
}

console.log(JSON.stringify(await main()));
