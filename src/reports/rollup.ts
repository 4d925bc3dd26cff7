/**
 * Roll-ups of the weekly reports for any org unit and range of periods, read from the running
 * totals (src/reports/totals.ts): a handful of documents by `_id` per period, one scan of the
 * unit's clubs (names, and which periods each reported — for the missing list), and the org units
 * above them (for each club's place). Exports use {@link clubRows}, which reads the reports.
 *
 * `missing` lists the clubs without a report for the range's last week (a month: its last week),
 * the ones staff chase; exports that need every gap use {@link clubRows}.
 *
 * Counting: `expected` and `reported` count report slots — a club and a week. For one week that
 * is clubs; for a month or a range, clubs × weeks (a month period counts the weeks that belong to
 * it, see periods.ts). So `reported / expected` is the reporting rate and `onTime / expected` the
 * on-time rate for any range.
 */
import { DEFAULT_REPORT, REPORT_DEFINITIONS } from '../../flows/reports/default.ts';
import type { Models } from '../models/index.ts';
import { parsePeriod, shiftPeriod, weeksOfMonth } from './periods.ts';
import { reportId, sumEntries, type TotalEntry, totalId } from './totals.ts';

/** A club and its place in the hierarchy (root first, its own org unit last). */
export interface ClubRef {
  clubId: string;
  clubName: string;
  path: { id: string; name: string; kind: string }[];
}

export interface MissingClub extends ClubRef {
  /** The week it did not report: the range's last (a month's last week). */
  missingPeriods: string[];
}

export interface Rollup {
  orgUnitId: string;
  periods: string[];
  /** The definition now in use (older reports add up by code). */
  definition: { id: string; version: number };
  /** Sum per data element code (yes/no: how many said yes). */
  totals: Record<string, number>;
  /** Clubs under the unit now (those that reported the last week and those missing it). */
  clubs: number;
  /** Report slots expected: clubs × weeks of the range (one week: the clubs). */
  expected: number;
  reported: number;
  onTime: number;
  missing: MissingClub[];
  /** Month periods only: clubs with all eight areas active, summed over the months. */
  allAreasActive?: number;
  /** The same number of periods just before. */
  previous?: { periods: string[]; totals: Record<string, number>; reported: number; expected: number };
}

export interface ClubRow extends ClubRef {
  period: string;
  values: Record<string, number | boolean | null>;
  submittedAt: Date | null;
  onTime: boolean | null;
}

/** The weeks a period stands for (a week: itself; a month: its weeks). */
function slotsOf(period: string): string[] {
  return parsePeriod(period)?.kind === 'month' ? weeksOfMonth(period) : [period];
}

interface ClubDocLite {
  _id: string;
  name: string;
  orgUnitId: string;
  ancestors: string[];
}

type Paths = Map<string, ClubRef['path']>;

/**
 * Each org unit's place (root first) for these clubs: the units under `orgUnitId` in one query
 * (FerretDB answers `{ ancestors: X }` in PostgreSQL; an `$or` or an `_id: { $in }` it answers by
 * reading the whole collection), and those above it one by one.
 */
async function pathsOf(models: Models, orgUnitId: string, clubs: ClubDocLite[]): Promise<Paths> {
  const paths: Paths = new Map();
  if (clubs.length === 0) return paths;
  const below = await models.OrgUnit.find({ ancestors: orgUnitId }, { name: 1, kind: 1, parentId: 1 }).lean();
  type Unit = { _id: string; name: string; kind: string; parentId?: string | null };
  const byId = new Map<string, Unit>(below.map((u) => [u._id, u]));
  for (let id: string | null = orgUnitId; id && !byId.has(id) && byId.size < 100_000; ) {
    const unit: Unit | null = await models.OrgUnit.findById(id, { name: 1, kind: 1, parentId: 1 }).lean();
    if (!unit) break;
    byId.set(unit._id, unit);
    id = unit.parentId ?? null;
  }
  for (const club of clubs) {
    if (paths.has(club.orgUnitId)) continue;
    const path: ClubRef['path'] = [];
    for (
      let at = byId.get(club.orgUnitId);
      at && path.length < 20;
      at = at.parentId ? byId.get(at.parentId) : undefined
    ) {
      path.unshift({ id: at._id, name: at.name, kind: at.kind });
    }
    paths.set(club.orgUnitId, path);
  }
  return paths;
}

function refOf(club: ClubDocLite, paths: Paths): ClubRef {
  return { clubId: club._id, clubName: club.name, path: paths.get(club.orgUnitId) ?? [] };
}

/** The clubs under a unit (a club's `ancestors` hold its own org unit too). */
function clubsUnder(
  models: Models,
  orgUnitId: string,
  filter: Record<string, unknown> = {},
): Promise<ClubDocLite[]> {
  return models.Club.find(
    { ancestors: orgUnitId, ...filter },
    { name: 1, orgUnitId: 1, ancestors: 1 },
  ).lean() as Promise<ClubDocLite[]>;
}

/**
 * The unit's totals over periods, from its running-totals documents: one or two read by `_id`,
 * more in one query for the unit's documents (answered inside PostgreSQL: about 64 a year).
 */
async function readTotals(models: Models, orgUnitId: string, periods: string[]) {
  let docs: { children?: unknown }[];
  if (periods.length <= 2) {
    const found = await Promise.all(
      periods.map((p) => models.ReportTotal.findById(totalId(orgUnitId, p), { children: 1 }).lean()),
    );
    docs = found.filter((d) => d !== null);
  } else {
    const wanted = new Set(periods);
    const all = await models.ReportTotal.find({ orgUnitId }, { period: 1, children: 1 }).lean();
    docs = all.filter((d) => wanted.has(d.period));
  }
  return sumEntries(docs.flatMap((d) => Object.values((d.children ?? {}) as Record<string, TotalEntry>)));
}

/**
 * Totals, reporting and on-time counts, and the change from the periods before, for any range;
 * the missing clubs are those without a report for the range's last week (a month's: its last),
 * the ones staff chase — found in one query that returns only them.
 */
export async function rollup(
  models: Models,
  { orgUnitId, periods }: { orgUnitId: string; periods: string[] },
): Promise<Rollup> {
  const previousPeriods = periods.map((p) => shiftPeriod(p, -periods.length));
  const slots = periods.flatMap(slotsOf);
  const lastWeek = slots.at(-1);
  const [missingClubs, now, before, last] = await Promise.all([
    lastWeek ? clubsUnder(models, orgUnitId, { reportedPeriods: { $ne: lastWeek } }) : Promise.resolve([]),
    readTotals(models, orgUnitId, periods),
    readTotals(models, orgUnitId, previousPeriods),
    lastWeek ? readTotals(models, orgUnitId, [lastWeek]) : Promise.resolve({ reported: 0 }),
  ]);
  const paths = await pathsOf(models, orgUnitId, missingClubs);
  const missing = missingClubs.map((c) => ({ ...refOf(c, paths), missingPeriods: [lastWeek!] }));
  // Clubs now: those that reported the last week and those that did not.
  const clubs = last.reported + missing.length;
  const months = periods.length > 0 && periods.every((p) => parsePeriod(p)?.kind === 'month');
  return {
    orgUnitId,
    periods,
    definition: { id: DEFAULT_REPORT.id, version: DEFAULT_REPORT.version },
    totals: now.totals,
    clubs,
    expected: clubs * slots.length,
    reported: now.reported,
    onTime: now.onTime,
    missing,
    ...(months ? { allAreasActive: now.allAreas } : {}),
    ...(periods.length > 0
      ? {
          previous: {
            periods: previousPeriods,
            totals: before.totals,
            reported: before.reported,
            expected: clubs * previousPeriods.flatMap(slotsOf).length,
          },
        }
      : {}),
  };
}

/**
 * One row per club under the unit and week of the periods (a month: its weeks), with the values
 * reported (null where none: a missing club has every value null), for exports.
 */
export async function clubRows(
  models: Models,
  { orgUnitId, periods }: { orgUnitId: string; periods: string[] },
): Promise<ClubRow[]> {
  const clubs = await clubsUnder(models, orgUnitId);
  const paths = await pathsOf(models, orgUnitId, clubs);
  const slots = periods.flatMap(slotsOf);
  const reports = new Map<
    string,
    { values: Record<string, number | boolean>; submittedAt: Date | null; onTime: boolean | null }
  >();
  // One query per week, answered inside PostgreSQL (an `_id: { $in }` would read every report).
  const found = await Promise.all(
    slots.map((period) =>
      models.WeeklyReport.find(
        { ancestors: orgUnitId, period, status: 'submitted' },
        { values: 1, submittedAt: 1, onTime: 1 },
      ).lean(),
    ),
  );
  for (const r of found.flat()) {
    reports.set(r._id, {
      values: (r.values ?? {}) as Record<string, number | boolean>,
      submittedAt: r.submittedAt ?? null,
      onTime: r.onTime ?? null,
    });
  }
  const codes = [...new Set(REPORT_DEFINITIONS.flatMap((d) => d.elements.map((e) => e.code)))];
  const rows: ClubRow[] = [];
  for (const club of clubs) {
    const ref = refOf(club, paths);
    for (const period of slots) {
      const report = reports.get(reportId(club._id, period));
      const values: ClubRow['values'] = {};
      for (const code of codes) values[code] = report?.values[code] ?? null;
      rows.push({
        ...ref,
        period,
        values,
        submittedAt: report?.submittedAt ?? null,
        onTime: report?.onTime ?? null,
      });
    }
  }
  return rows;
}
