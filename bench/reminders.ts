/**
 * Reminders benchmark (issue 14): BENCH_MEMBERS members (default 10,000) in BENCH_CLUBS clubs
 * (default 150), one meeting per club, every club's "2 hours before" reminder due at the same
 * instant. The reminders go the production way — planned by the meeting planner on the
 * scheduler (BullMQ), fired by its worker, each member's RSVP question opened in her chat and
 * sent through the outbox — to the fake Telegram API, which enforces L messages/s (429 "retry
 * after 1" beyond it) for L = 30, 1,000 and unlimited (BENCH_LIMITS, e.g. "30,1000,0"; 0 =
 * unlimited). The app's outbox is paced at L.
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
import { Redis } from 'ioredis';
import mongoose from 'mongoose';
import { FakeTelegram } from '../test/fakes/telegram.ts';
import { isolatedEnv, startTestApp } from '../test/support/app.ts';
import { fakeTelegramEnv } from './people.ts';
import { envInt, round, settlesWithin, sleep, Tally, table } from './stats.ts';

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
  /** MongoDB and Redis commands of the whole process from the due time on, per message received. */
  dbPerMessage: number;
  redisPerMessage: number;
  peakRssMB: number;
}

/** Every Redis command this process sends (the app's, BullMQ's and the bench's own few), by name. */
const redisCommands = new Tally();
const sendCommand = Redis.prototype.sendCommand;
Redis.prototype.sendCommand = function (this: Redis, command, ...rest) {
  redisCommands.add(command.name);
  return sendCommand.call(this, command, ...rest);
} as typeof sendCommand;

/** "name: n" of the largest counts, for the figures printed per run. */
function top(tally: Tally, since: Map<string, number>, members: number): string {
  return tally
    .entries()
    .map(([name, count]) => [name, count - (since.get(name) ?? 0)] as const)
    .filter(([, count]) => count > 0)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 12)
    .map(([name, count]) => `${name} ${round(count / members, 2)}`)
    .join(', ');
}

async function run(limit: number | null): Promise<Run> {
  const fake = await FakeTelegram.start();
  fake.limitSendRate(limit ?? undefined);
  const env = isolatedEnv({
    ...fakeTelegramEnv(fake, 'bench-secret'),
    TELEGRAM_RATE_PER_SECOND: String(limit ?? 100_000),
    OUTBOX_CONCURRENCY: '32',
    MONGODB_POOL_SIZE: '10',
    LOG_LEVEL: 'silent',
  });
  const test = await startTestApp(env);
  try {
    const { models, meetingPlanner } = test.app;
    const clubIds = Array.from({ length: CLUBS }, (_, c) => `bench-club-${c}`);
    await models.Club.insertMany(
      clubIds.map((_id) => ({ _id, name: _id, orgUnitId: 'bench', reminderOffsets: ['-2h'] })),
    );
    const ids = Array.from({ length: MEMBERS }, () => new mongoose.Types.ObjectId());
    for (let from = 0; from < MEMBERS; from += 1000) {
      const slice = ids.slice(from, from + 1000);
      await models.Member.insertMany(
        slice.map((_id, k) => {
          const clubId = clubIds[(from + k) % CLUBS]!;
          const chatId = String(CHAT_BASE + from + k);
          return {
            _id,
            fullName: `Member ${from + k}`,
            status: 'active',
            clubIds: [clubId],
            roles: [{ role: 'member', clubId }],
            // The copy of her identity that linking her chat writes (src/store/member-chats.ts).
            chats: [
              {
                _id: `telegram:${chatId}`,
                channel: 'telegram',
                chatId,
                linkedAt: new Date(),
                stoppedAt: null,
              },
            ],
          };
        }),
      );
      await models.Identity.insertMany(
        slice.map((_id, k) => {
          const chatId = String(CHAT_BASE + from + k);
          return { _id: `telegram:${chatId}`, channel: 'telegram', chatId, memberId: String(_id) };
        }),
      );
    }
    const due = Date.now() + LEAD_MS;
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
    await meetingPlanner.planReminders();
    if (Date.now() > due) throw new Error('the setup took longer than the lead time: raise LEAD_MS');

    const mongoCommands = new Tally();
    test.app.models.Message.db
      .getClient()
      .on('commandStarted', (event: { commandName: string; command: Record<string, unknown> }) => {
        mongoCommands.add(`${event.commandName} ${String(event.command[event.commandName] ?? '')}`.trim());
      });
    let peakRss = 0;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage.rss());
    }, 200);
    const redisBefore = new Map(redisCommands.entries());
    const redisTotalBefore = redisCommands.total;
    const ideal = limit ? MEMBERS / limit : null;
    const deadline = due + (ideal ? 1.5 * ideal * 1000 : 0) + 60_000;
    const received = () => new Set(fake.deliveredAt.map((d) => d.chatId)).size;
    while (received() < MEMBERS && Date.now() < deadline) await sleep(250);
    await sleep(2000); // a duplicate would come now
    clearInterval(sampler);
    const delivered = fake.deliveredAt;
    const redisTotal = redisCommands.total - redisTotalBefore;
    const mongoTotal = mongoCommands.total;
    const count = Math.max(1, delivered.length);
    console.log(`L = ${limit ?? 'none'}: MongoDB per message: ${top(mongoCommands, new Map(), count)}`);
    console.log(`L = ${limit ?? 'none'}: Redis per message: ${top(redisCommands, redisBefore, count)}`);
    await test.app.messageLog.flush({ everything: true });
    const messageRecords = await models.Message.countDocuments({});
    const perChat = new Map<string, number>();
    for (const { chatId } of delivered) perChat.set(chatId, (perChat.get(chatId) ?? 0) + 1);
    const times = delivered.map((d) => d.at);
    const first = times.length ? Math.min(...times) : null;
    const last = times.length ? Math.max(...times) : null;
    const late = (at: number | null) => (at === null ? null : round((at - due) / 1000, 2));
    const rate = last !== null && last > due ? perChat.size / ((last - due) / 1000) : null;
    return {
      L: limit,
      members: MEMBERS,
      firstLateS: late(first),
      lastLateS: late(last),
      idealS: ideal === null ? null : round(ideal, 2),
      achievedOverL: limit && rate !== null ? round(rate / limit, 3) : null,
      duplicates: [...perChat.values()].reduce((sum, n) => sum + n - 1, 0),
      lost: MEMBERS - ids.filter((_, k) => perChat.has(String(CHAT_BASE + k))).length,
      messagesPerSecond: rate === null ? null : round(delivered.length / ((last! - due) / 1000), 0),
      messageRecords,
      received: delivered.length,
      dbPerMessage: round(mongoTotal / count, 2),
      redisPerMessage: round(redisTotal / count, 2),
      peakRssMB: Math.round(peakRss / 2 ** 20),
    };
  } finally {
    if (!(await settlesWithin(test.stop(), 60_000))) console.log('The app did not stop in time.');
    await fake.close();
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
