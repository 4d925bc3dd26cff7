/**
 * Broadcast benchmark (issue 16): an announcement from a province's staff to every member of
 * the province, created through the broadcast service (as the chat flow and the API create it)
 * and delivered the production way — the delivery job reads the audience a page at a time from
 * FerretDB, queues each member's message through the outbox (BullMQ on Redis), the outbox worker
 * sends it to the fake Telegram API, which enforces L messages/s and answers 429 with
 * `retry_after` beyond it — and the Message log written to MongoDB. Runs (BENCH_RUNS, "L:count"
 * pairs, L 0 = unlimited): 3,000 recipients at L = 30, 20,000 at L = 1,000, 20,000 unlimited.
 *
 * The app runs as its own process, as production runs it (bench/mass-send.ts); this process hosts
 * the fake and creates the broadcast through the HTTP API with a token of the province.
 *
 * Measured from the moment the broadcast is created: the first delivery, the last (total), the
 * ideal count / L, the rate achieved over L (messages/s when unlimited), duplicates (a chat that
 * got it twice), lost (a member with no delivery, or with no 'sent' Message record in MongoDB at
 * the end — both are counted), the 429s the fake answered, and the peak resident memory of the
 * app's process (web and worker in one, ROLE=all).
 * Targets: ≥ 0.97 × L, first ≤ 2 s, 0 duplicates, 0 lost, RSS < 300 MB; unlimited ≥ 3,000/s.
 *
 * The last line printed is one JSON object: {"runs":[{"L":30,"recipients":3000,…},…]}.
 *
 *   npm run bench -- broadcast
 *   BENCH_RUNS=1000:2000 npm run bench -- broadcast
 */
import { createApiToken } from '../src/http/api-tokens.ts';
import {
  appAtLimit,
  cpuFrom,
  deliveryFigures,
  insertTelegramMembers,
  markLastChats,
  recordsWithin,
  waitForDeliveries,
} from './mass-send.ts';
import { round, sleep, table } from './stats.ts';

const RUNS = (process.env.BENCH_RUNS ?? '30:3000,1000:20000,0:20000').split(',').map((pair) => {
  const [limit, count] = pair.split(':').map(Number);
  return { limit: limit || null, recipients: Math.min(100_000, Math.max(1, count ?? 1000)) };
});
/** Members per club. */
const CLUB_SIZE = 60;
/** Telegram chat ids of the members: CHAT_BASE + index. */
const CHAT_BASE = 40_000_000;

interface Run {
  L: number | null;
  recipients: number;
  achievedOverL: number | null;
  firstDeliveryS: number | null;
  totalS: number | null;
  idealS: number | null;
  duplicates: number;
  lost: number;
  got429: number;
  workerPeakRssMB: number;
  messagesPerSecond?: number | null;
  /** Not in the issue's line: how long creating took, and Message records found. */
  createS: number;
  messageRecords: number;
}

async function run(limit: number | null, recipients: number): Promise<Run> {
  const app = await appAtLimit(limit, async (models, env) => {
    await models.OrgUnit.create({ _id: 'bench-p', name: 'Bench province', kind: 'province', ancestors: [] });
    const clubIds = Array.from({ length: Math.ceil(recipients / CLUB_SIZE) }, (_, c) => `bench-club-${c}`);
    await models.Club.insertMany(
      clubIds.map((_id) => ({ _id, name: _id, orgUnitId: 'bench-p', ancestors: ['bench-p'] })),
    );
    const ids = await insertTelegramMembers(models, recipients, clubIds, CHAT_BASE);
    await markLastChats(env, ids, CHAT_BASE);
  });
  try {
    const token = await createApiToken(app.models, { orgUnitId: 'bench-p', role: 'staff' });
    if (!token.ok) throw new Error(`no API token: ${token.reason}`);
    await sleep(1000);

    // Created as staff's systems create one: the HTTP API, with a token of the province.
    const cpu = await cpuFrom(app);
    const since = Date.now();
    const response = await fetch(`${app.url}/api/v1/broadcasts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        audience: { orgUnit: 'bench-p', roles: ['member'] },
        text: { vi: 'Thông báo của Hội: khám sức khỏe miễn phí sáng thứ Bảy tại trạm y tế xã.' },
        urgent: true, // whatever the hour the benchmark runs at
      }),
    });
    if (response.status !== 201)
      throw new Error(`POST /api/v1/broadcasts: ${response.status} ${await response.text()}`);
    const created = (await response.json()) as { id: string; recipients: number };
    const createS = round((Date.now() - since) / 1000, 2);
    const ideal = limit ? recipients / limit : null;
    await waitForDeliveries(app.fake, recipients, since + (ideal ? 1.5 * ideal * 1000 : 120_000) + 60_000);
    const figures = deliveryFigures(app.fake, { since, count: recipients, chatBase: CHAT_BASE, limit });
    // Every delivery's record in MongoDB (the app drains its log in batches: wait for it, bounded).
    const messageRecords = await recordsWithin(
      app.models,
      { kind: 'announcement', status: 'sent' },
      recipients,
      120_000,
    );
    const status = (await (
      await fetch(`${app.url}/api/v1/broadcasts/${created.id}`, {
        headers: { authorization: `Bearer ${token.token}` },
      })
    ).json()) as { status: string; sent: number };
    console.log(
      `L = ${limit ?? 'none'}, ${recipients} recipients: created in ${createS} s; broadcast ${status.status}, sent ${status.sent}`,
    );
    console.log(`  CPU ms a message, by process: ${cpu.perMessage()}`);
    return {
      L: limit,
      recipients,
      achievedOverL: figures.achievedOverL,
      firstDeliveryS: figures.firstS,
      totalS: figures.lastS,
      idealS: figures.idealS,
      duplicates: figures.duplicates,
      lost: Math.max(figures.lost, recipients - messageRecords),
      got429: app.fake.rateLimited,
      workerPeakRssMB: app.peakRssMB(),
      ...(limit === null ? { messagesPerSecond: figures.messagesPerSecond } : {}),
      createS,
      messageRecords,
    };
  } finally {
    await app.stop();
  }
}

async function main(): Promise<void> {
  console.log(`Broadcast runs: ${RUNS.map((r) => `${r.recipients} at L = ${r.limit ?? 'none'}`).join(', ')}`);
  const runs: Run[] = [];
  for (const { limit, recipients } of RUNS) runs.push(await run(limit, recipients));
  console.log('');
  const target = (r: Run) =>
    r.L === null ? `${r.messagesPerSecond ?? '–'}/s (≥ 3000/s)` : `${r.achievedOverL ?? '–'} (≥ 0.97)`;
  console.log(
    table(
      [
        'L (msg/s)',
        'recipients',
        'achieved',
        'first (≤ 2 s)',
        'total',
        'ideal',
        'dup',
        'lost',
        '429s',
        'RSS MB (< 300)',
      ],
      runs.map((r) => [
        String(r.L ?? 'none'),
        String(r.recipients),
        target(r),
        r.firstDeliveryS === null ? '–' : `${r.firstDeliveryS} s`,
        r.totalS === null ? '–' : `${r.totalS} s`,
        r.idealS === null ? '–' : `${r.idealS} s`,
        String(r.duplicates),
        String(r.lost),
        String(r.got429),
        String(r.workerPeakRssMB),
      ]),
    ),
  );
  const line = runs.map(({ createS: _c, messageRecords: _m, ...issue }) => issue);
  console.log(JSON.stringify({ runs: line }));
}

await main();
process.exit(0);
