/**
 * Roll-ups read from the running totals, checked against an independent computation: every
 * report read back from the database and added up here, club by club, for a commune, a province
 * and the whole country — after a bulk synthetic seed, and after submissions, edits, retries and
 * simultaneous submissions through the chat's own store function. The missing clubs are those
 * without a report for the range's last week.
 */
import mongoose from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_REPORT, REPORT_DEFINITIONS } from '../flows/reports/default.ts';
import { createModels, type Models, syncIndexes } from '../src/models/index.ts';
import { allAreasActive, numeric } from '../src/reports/definitions.ts';
import { monthOfWeek, periodsBetween, weeksOfMonth } from '../src/reports/periods.ts';
import { clubRows, type Rollup, rollup } from '../src/reports/rollup.ts';
import { saveReport } from '../src/reports/store.ts';
import { syntheticTree, writeSynthetic } from '../src/reports/synthetic.ts';
import { applyReport } from '../src/reports/totals.ts';
import { dropTestData, isolatedEnv } from './support/app.ts';

const env = isolatedEnv();
let connection: mongoose.Connection;
let models: Models;
const OPTIONS = { clubs: 60, membersPerClub: 2, weeks: 6, lastWeek: '2026W47', seed: 5, prefix: 'vn' };
const settings = { timeZone: 'Asia/Ho_Chi_Minh', cutoff: '1 12:00' };
const tree = syntheticTree(OPTIONS);
const commune = tree.units.find((u) => u.kind === 'commune')!;
const province = tree.units.find((u) => u.kind === 'province')!;

beforeAll(async () => {
  connection = await mongoose.createConnection(env.MONGODB_URI!, { maxPoolSize: 4 }).asPromise();
  models = createModels(connection);
  await syncIndexes(models);
  await writeSynthetic(models, OPTIONS);
}, 120_000);

afterAll(async () => {
  await connection.close();
  await dropTestData(env);
});

/** The roll-up computed from scratch: every submitted report of the unit's clubs, added up here. */
async function independent(orgUnitId: string, periods: string[]) {
  const clubs = tree.clubs.filter((c) => c.ancestors.includes(orgUnitId));
  const weeks = periods.flatMap((p) => (p.includes('W') ? [p] : weeksOfMonth(p)));
  const reports = await models.WeeklyReport.find({ status: 'submitted' }).lean();
  const totals: Record<string, number> = {};
  let reported = 0;
  let onTime = 0;
  const missing = new Set<string>();
  const monthSums = new Map<string, Record<string, number>>();
  for (const club of clubs) {
    for (const week of weeks) {
      const r = reports.find((x) => x.clubId === club._id && x.period === week);
      if (!r) {
        // The missing list is about the range's last week.
        if (week === weeks.at(-1)) missing.add(club._id);
        continue;
      }
      reported += 1;
      if (r.onTime) onTime += 1;
      const key = `${club._id}|${monthOfWeek(week)}`;
      const sum = monthSums.get(key) ?? {};
      for (const [code, value] of Object.entries(r.values as Record<string, number | boolean>)) {
        totals[code] = (totals[code] ?? 0) + numeric(value);
        sum[code] = (sum[code] ?? 0) + numeric(value);
      }
      monthSums.set(key, sum);
    }
  }
  const allAreas = [...monthSums.values()].filter((s) => allAreasActive(DEFAULT_REPORT, s)).length;
  return {
    totals,
    reported,
    onTime,
    expected: clubs.length * weeks.length,
    missing: [...missing].sort(),
    allAreas,
  };
}

function figures(r: Rollup) {
  return {
    totals: r.totals,
    reported: r.reported,
    onTime: r.onTime,
    expected: r.expected,
    missing: r.missing.map((m) => m.clubId).sort(),
  };
}

async function expectMatches(orgUnitId: string, periods: string[]) {
  const [got, want] = await Promise.all([
    rollup(models, { orgUnitId, periods }),
    independent(orgUnitId, periods),
  ]);
  expect(figures(got)).toEqual({
    totals: want.totals,
    reported: want.reported,
    onTime: want.onTime,
    expected: want.expected,
    missing: want.missing,
  });
  return { got, want };
}

describe('roll-up after a bulk synthetic seed', () => {
  it.each([
    ['a commune', () => commune._id],
    ['a province', () => province._id],
    ['the country', () => 'vn'],
  ])('%s, one week and a range of weeks, match the reports added up one by one', async (_what, unit) => {
    const { got } = await expectMatches(unit(), ['2026W47']);
    expect(got.reported).toBeGreaterThan(0);
    expect(got.missing.length).toBeGreaterThan(0);
    await expectMatches(unit(), periodsBetween('2026W42', '2026W47'));
  });

  it('a month counts its weeks, and the clubs with all eight areas active', async () => {
    const { got, want } = await expectMatches('vn', ['202611']);
    expect(got.allAreasActive).toBe(want.allAreas);
    expect(got.expected).toBe(60 * weeksOfMonth('202611').length);
  });

  it('gives the change from the periods before, and each missing club its place', async () => {
    const got = await rollup(models, { orgUnitId: province._id, periods: ['2026W46', '2026W47'] });
    const before = await independent(province._id, ['2026W44', '2026W45']);
    expect(got.previous).toEqual({
      periods: ['2026W44', '2026W45'],
      totals: before.totals,
      reported: before.reported,
      expected: before.expected,
    });
    const [first] = got.missing;
    expect(first!.path.map((p) => p.kind)).toEqual(['central', 'province', 'commune']);
    expect(first!.path[1]!.id).toBe(province._id);
    expect(first!.missingPeriods).toEqual(['2026W47']);
    expect(got.clubs).toBe(tree.clubs.filter((c) => c.ancestors.includes(province._id)).length);
  });

  it('an org unit with no clubs rolls up to nothing, not an error', async () => {
    const got = await rollup(models, { orgUnitId: 'nowhere', periods: ['2026W47'] });
    expect(got).toMatchObject({ totals: {}, expected: 0, reported: 0, missing: [] });
  });
});

describe('roll-up as chairs submit and edit', () => {
  const clubs = tree.clubs.filter((c) => c.orgUnitId === commune._id);
  const WEEK = '2026W48';
  const at = new Date('2026-11-27T03:00:00Z');
  const values = (n: number) => ({
    hop: true,
    dd: 30 + n,
    moi: 1,
    roi: 0,
    vay: 2,
    tienvay: 1_500_000,
    tham: n,
  });

  it('counts each submission once, edits replace values, and a retry adds nothing', async () => {
    for (const [i, club] of clubs.entries()) {
      const result = await saveReport(
        models,
        {
          clubId: club._id,
          period: WEEK,
          values: values(i),
          by: 'chair',
          now: at,
          submit: true,
          definition: DEFAULT_REPORT,
        },
        settings,
      );
      expect(result.ok).toBe(true);
    }
    // An edit of one club's attendance, then the same totals update run twice more (a retry).
    const club = clubs[0]!;
    await saveReport(
      models,
      {
        clubId: club._id,
        period: WEEK,
        values: { dd: 12 },
        by: 'vice',
        now: at,
        submit: true,
        definition: DEFAULT_REPORT,
      },
      settings,
    );
    await applyReport(models, REPORT_DEFINITIONS, club, WEEK);
    await applyReport(models, REPORT_DEFINITIONS, club, WEEK);
    const { got } = await expectMatches(commune._id, [WEEK]);
    expect(got.reported).toBe(clubs.length);
    expect(got.totals.dd).toBe(12 + clubs.slice(1).reduce((s, _c, i) => s + 30 + i + 1, 0));
    await expectMatches('vn', [WEEK]);
    await expectMatches(province._id, periodsBetween('2026W46', WEEK));
    await expectMatches('vn', [monthOfWeek(WEEK)]);
    const report = await models.WeeklyReport.findById(`${club._id}|${WEEK}`).lean();
    expect(report!.history).toEqual([
      expect.objectContaining({ code: 'dd', value: 12, previous: 30, by: 'vice' }),
    ]);
    expect(report!.entries).toMatchObject({ dd: { by: 'vice' }, hop: { by: 'chair' } });
  });

  it('clubs of one commune submitting at the same moment are all counted', async () => {
    const week = '2026W49';
    await Promise.all(
      clubs.map((club, i) =>
        saveReport(
          models,
          {
            clubId: club._id,
            period: week,
            values: values(i),
            by: 'chair',
            now: at,
            submit: true,
            definition: DEFAULT_REPORT,
          },
          settings,
        ),
      ),
    );
    const { got } = await expectMatches('vn', [week]);
    expect(got.reported).toBe(clubs.length);
  });

  it('a draft counts for nothing until it is submitted', async () => {
    const week = '2026W50';
    const club = clubs[0]!;
    await saveReport(
      models,
      {
        clubId: club._id,
        period: week,
        values: { dd: 40 },
        by: 'chair',
        now: at,
        submit: false,
        definition: DEFAULT_REPORT,
      },
      settings,
    );
    const got = await rollup(models, { orgUnitId: commune._id, periods: [week] });
    expect(got.reported).toBe(0);
    expect(got.totals).toEqual({});
  });

  it('gives one row per club and week for exports, nulls where a club did not report', async () => {
    const rows = await clubRows(models, { orgUnitId: commune._id, periods: ['2026W47'] });
    expect(rows).toHaveLength(clubs.length);
    const reports = await models.WeeklyReport.find({ period: '2026W47', status: 'submitted' }).lean();
    for (const row of rows) {
      const report = reports.find((r) => r.clubId === row.clubId);
      if (report) {
        expect(row.values.dd).toBe((report.values as Record<string, number>).dd);
        expect(row.onTime).toBe(report.onTime);
      } else {
        expect(Object.values(row.values).every((v) => v === null)).toBe(true);
        expect(row.submittedAt).toBeNull();
      }
      expect(row.path.at(-1)!.id).toBe(commune._id);
    }
  });
});
