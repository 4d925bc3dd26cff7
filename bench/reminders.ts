/**
 * Reminders benchmark (issue 14): BENCH_MEMBERS members (default 10,000) in BENCH_CLUBS clubs
 * (default 150), one meeting per club, every club's "2 hours before" reminder due at the same
 * instant. The reminders go the production way — planned by the meeting planner on the
 * scheduler (BullMQ), fired by its worker, each member's RSVP question opened in her chat and
 * sent through the outbox — to the fake Telegram API, which enforces L messages/s (429 "retry
 * after 1" beyond it) for L = 30, 1,000 and unlimited (BENCH_LIMITS, e.g. "30,1000,0"; 0 =
 * unlimited). The app's outbox is paced at L. The app runs as its own process, as production runs
 * it (bench/mass-send.ts): this process only stores the clubs, members and meetings before it
 * starts (its planner plans the reminders then) and hosts the fake.
 *
 * Measured from the due time: the first and last delivery (s late), the ideal time members / L,
 * the rate achieved over L, duplicates (a chat that got the reminder more than once) and lost
 * (a member who got none within 1.5 × ideal + 60 s). Targets: first ≤ 1 s late; all within
 * 1.05 × members / L; 0 duplicates; 0 lost.
 *
 * The last line printed is one JSON object: {"bench":"reminders","runs":[{"L":30,…},…]}.
 *
 *   npm run bench -- reminders
 *   BENCH_MEMBERS=1000 BENCH_CLUBS=15 BENCH_LIMITS=1000,0 npm run bench -- reminders
 */
import {
  appAtLimit,
  cpuFrom,
  deliveryFigures,
  insertTelegramMembers,
  recordsWithin,
  waitForDeliveries,
} from './mass-send.ts';
import { countDelta } from './people.ts';
import { envInt, round, sleep, table } from './stats.ts';

const MEMBERS = envInt('BENCH_MEMBERS', 10_000, 100_000);
const CLUBS = envInt('BENCH_CLUBS', 150, 10_000);
const LIMITS = (process.env.BENCH_LIMITS ?? '30,1000,0').split(',').map((limit) => Number(limit) || null);
/** Time between the end of the setup and the reminders' due time: planning happens in it. */
const LEAD_MS = 15_000;
/** Telegram chat ids of the members: CHAT_BASE + index. */
const CHAT_BASE = 30_000_000;

interface Run {
  L: number | null;
  members: number;
  firstLateS: number | null;
  lastLateS: number | null;
  idealS: number | null;
  achievedOverL: number | null;
  duplicates: number;
  lost: number;
  /** Deliveries per second from the due time to the last delivery. */
  messagesPerSecond: number | null;
  /** Message records in MongoDB once the log drained; must equal the messages the fake API received. */
  messageRecords: number;
  received: number;
  /** The app's MongoDB and Redis commands from the due time on, per message received. */
  dbPerMessage: number;
  redisPerMessage: number;
  peakRssMB: number;
}

/** "name: n" per message of the largest counts, for the figures printed per run. */
function top(counts: Record<string, number>, messages: number): string {
  return Object.entries(counts)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 12)
    .map(([name, count]) => `${name} ${round(count / messages, 2)}`)
    .join(', ');
}

async function run(limit: number | null): Promise<Run> {
  let due = 0;
  const app = await appAtLimit(limit, async (models) => {
    const clubIds = Array.from({ length: CLUBS }, (_, c) => `bench-club-${c}`);
    await models.Club.insertMany(
      clubIds.map((_id) => ({ _id, name: _id, orgUnitId: 'bench', reminderOffsets: ['-2h'] })),
    );
    await insertTelegramMembers(models, MEMBERS, clubIds, CHAT_BASE);
    // The app's meeting planner plans their reminders when it starts (and every hour).
    due = Date.now() + LEAD_MS;
    const startsAt = new Date(due + 2 * 3600_000);
    await models.Meeting.insertMany(
      clubIds.map((clubId) => ({
        _id: `${clubId}|bench`,
        clubId,
        date: 'bench',
        startsAt,
        place: 'Bench',
        source: 'once',
      })),
    );
  });
  try {
    const { models } = app;
    while ((await models.Meeting.countDocuments({ remindersFor: null })) > 0) {
      if (Date.now() > due)
        throw new Error('the app had not planned every reminder by their due time: raise LEAD_MS');
      await sleep(250);
    }
    const before = await app.counters();
    const cpu = await cpuFrom(app);
    const ideal = limit ? MEMBERS / limit : null;
    await waitForDeliveries(app.fake, MEMBERS, due + (ideal ? 1.5 * ideal * 1000 : 0) + 60_000);
    const figures = deliveryFigures(app.fake, { since: due, count: MEMBERS, chatBase: CHAT_BASE, limit });
    const received = app.fake.deliveredAt.length;
    const count = Math.max(1, received);
    const messageRecords = await recordsWithin(models, { kind: 'meeting_reminder' }, received, 120_000);
    const after = await app.counters();
    console.log(`L = ${limit ?? 'none'}: CPU ms a message, by process: ${cpu.perMessage()}`);
    const mongo = countDelta(before.byCommand, after.byCommand);
    console.log(
      `L = ${limit ?? 'none'}: MongoDB per message: ${top(Object.fromEntries(mongo.entries()), count)}`,
    );
    return {
      L: limit,
      members: MEMBERS,
      firstLateS: figures.firstS,
      lastLateS: figures.lastS,
      idealS: figures.idealS,
      achievedOverL: figures.achievedOverL,
      duplicates: figures.duplicates,
      lost: figures.lost,
      messagesPerSecond: figures.messagesPerSecond,
      messageRecords,
      received,
      dbPerMessage: round((after.mongoCommands - before.mongoCommands) / count, 2),
      redisPerMessage: round((after.redisCommands - before.redisCommands) / count, 2),
      peakRssMB: app.peakRssMB(),
    };
  } finally {
    await app.stop();
  }
}

async function main(): Promise<void> {
  console.log(
    `${MEMBERS} members in ${CLUBS} clubs, every reminder due at the same instant; limits: ${LIMITS.map((l) => l ?? 'none').join(', ')}`,
  );
  const runs: Run[] = [];
  for (const limit of LIMITS) {
    const result = await run(limit);
    runs.push(result);
    console.log(`L = ${limit ?? 'none'}: done`);
  }
  console.log('');
  console.log(
    table(
      [
        'L (msg/s)',
        'first late',
        'last late',
        'ideal',
        'target (1.05 × ideal)',
        'achieved / L',
        'duplicates',
        'lost',
        'msg/s',
        'records / received',
        'db / msg',
        'redis / msg',
        'peak RSS',
      ],
      runs.map((r) => [
        String(r.L ?? 'none'),
        r.firstLateS === null ? '–' : `${r.firstLateS} s`,
        r.lastLateS === null ? '–' : `${r.lastLateS} s`,
        r.idealS === null ? '–' : `${r.idealS} s`,
        r.idealS === null ? '–' : `${round(1.05 * r.idealS, 2)} s`,
        r.achievedOverL === null ? '–' : String(r.achievedOverL),
        String(r.duplicates),
        String(r.lost),
        String(r.messagesPerSecond ?? '–'),
        `${r.messageRecords} / ${r.received}`,
        String(r.dbPerMessage),
        String(r.redisPerMessage),
        `${r.peakRssMB} MB`,
      ]),
    ),
  );
  console.log(JSON.stringify({ bench: 'reminders', runs }));
}

await main();
process.exit(0);
