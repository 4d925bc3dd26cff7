/**
 * Roll-up speed at national scale: seeds a synthetic country (src/reports/synthetic.ts: clubs
 * under ~8-club communes under at most 34 provinces, a report for ~85% of club-weeks, running
 * totals) into a database of its own, then times roll-ups of a commune, a province and the whole
 * country for the last week, the last 12 weeks and the last month (each the best of 3 runs, after
 * one warm-up).
 *
 *   npm run bench -- rollup [--clubs 25000] [--weeks 52] [--reseed]
 *
 * The data set is kept between runs (same --clubs and --weeks: not seeded again). When fewer clubs
 * are seeded than 25,000, it prints how the figures extrapolate: a roll-up reads its totals by
 * `_id` (a fixed handful of documents per period, whatever the size) and scans the unit's clubs
 * once (linear in the clubs of the whole collection). Last line: JSON, seconds for one week.
 */
import mongoose from 'mongoose';
import { createModels, syncIndexes } from '../src/models/index.ts';
import { monthOfWeek, periodsBetween, shiftPeriod } from '../src/reports/periods.ts';
import { rollup } from '../src/reports/rollup.ts';
import { syntheticTree, writeSynthetic } from '../src/reports/synthetic.ts';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const clubs = arg('clubs', 25_000);
const weeks = arg('weeks', 52);
const lastWeek = '2026W47';
const base = (process.env.MONGODB_URI ?? 'mongodb://127.0.0.1:27017/ishc').replace(/\/[^/]*$/, '');
const connection = await mongoose.createConnection(`${base}/bench_rollup`, { maxPoolSize: 8 }).asPromise();
const models = createModels(connection);
const meta = connection.collection<{ _id: string; clubs: number; weeks: number; reports: number }>(
  'bench_meta',
);
let seeded = await meta.findOne({ _id: 'rollup' });
if (process.argv.includes('--reseed') || seeded?.clubs !== clubs || seeded.weeks !== weeks) {
  await connection.dropDatabase();
  await syncIndexes(models);
  const started = Date.now();
  console.log(`Seeding ${clubs} clubs × ${weeks} weeks …`);
  const result = await writeSynthetic(
    models,
    { clubs, membersPerClub: 0, weeks, lastWeek, seed: 1, prefix: 'vn' },
    (week, n) => {
      const s = (Date.now() - started) / 1000;
      console.log(`  ${week}: ${n} reports, ${s.toFixed(0)} s (${(n / s).toFixed(0)} reports/s)`);
    },
  );
  const seconds = (Date.now() - started) / 1000;
  console.log(
    `Seeded ${result.reports} reports in ${seconds.toFixed(0)} s (${(result.reports / seconds).toFixed(0)} reports/s)`,
  );
  seeded = { _id: 'rollup', clubs, weeks, reports: result.reports };
  await meta.replaceOne({ _id: 'rollup' }, seeded, { upsert: true });
}

const tree = syntheticTree({ clubs, membersPerClub: 0, weeks, lastWeek, seed: 1, prefix: 'vn' });
const province = tree.units.find((u) => u.kind === 'province')!._id;
const commune = tree.units.find((u) => u.kind === 'commune')!._id;

async function best(
  orgUnitId: string,
  periods: string[],
): Promise<{ s: number; reported: number; expected: number }> {
  await rollup(models, { orgUnitId, periods });
  let s = Number.POSITIVE_INFINITY;
  let last = { reported: 0, expected: 0 };
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    last = await rollup(models, { orgUnitId, periods });
    s = Math.min(s, (performance.now() - t) / 1000);
  }
  return { s, ...last };
}

const ranges: [string, string[]][] = [
  ['last week', [lastWeek]],
  ['12 weeks', periodsBetween(shiftPeriod(lastWeek, -11), lastWeek)],
  ['a month', [monthOfWeek(shiftPeriod(lastWeek, -4))]],
];
const figures: Record<string, Record<string, number>> = {};
console.log(
  `\n${'unit'.padEnd(10)} ${ranges.map(([name]) => name.padStart(12)).join(' ')}   (seconds, best of 3)`,
);
for (const [label, unit] of [
  ['commune', commune],
  ['province', province],
  ['national', 'vn'],
] as const) {
  figures[label] = {};
  const cells: string[] = [];
  for (const [name, periods] of ranges) {
    const r = await best(unit, periods);
    figures[label][name] = r.s;
    cells.push(r.s.toFixed(3).padStart(12));
  }
  console.log(`${label.padEnd(10)} ${cells.join(' ')}`);
}
if (weeks < 52) {
  console.log(
    `\nSeeded ${weeks} weeks, not 52 (seeding runs at about ${Math.round(seeded.reports / Math.max(1, weeks))} reports a week here; ` +
      '52 weeks take long on this shared machine). A roll-up does not read reports: a week reads its totals ' +
      "documents by _id, a longer range the unit's totals documents (about 64 a year), and the missing clubs come " +
      "from one query on clubs; so the figures above hold for 1.3 million reports, but each club's list of reported " +
      'weeks is longer (52 short strings instead of a few), which the clubs query reads.',
  );
}
if (clubs < 25_000) {
  const factor = 25_000 / clubs;
  console.log(
    `\nSeeded ${clubs} clubs, not 25,000. A roll-up reads a fixed number of totals documents per period and scans the ` +
      `clubs collection once, so at 25,000 clubs expect roughly: province ${(figures.province!['last week']! * factor).toFixed(2)} s, ` +
      `national ${(figures.national!['last week']! * factor).toFixed(2)} s (upper bounds: times × ${factor.toFixed(1)}).`,
  );
}
await connection.close();
console.log(
  JSON.stringify({
    bench: 'rollup',
    clubs,
    weeks,
    reports: seeded.reports,
    communeS: Number(figures.commune!['last week']!.toFixed(3)),
    provinceS: Number(figures.province!['last week']!.toFixed(3)),
    nationalS: Number(figures.national!['last week']!.toFixed(3)),
    range12WeeksS: { province: figures.province!['12 weeks'], national: figures.national!['12 weeks'] },
  }),
);
