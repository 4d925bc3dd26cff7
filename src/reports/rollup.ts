/**
 * Roll-ups of the weekly reports for any org unit and range of periods, read from the running
 * totals (src/reports/totals.ts): a handful of documents by `_id` per period, one scan of the
 * unit's clubs (names, and which periods each reported — for the missing list), and the org units
 * above them (for each club's place). Exports use {@link clubRows}, which reads the reports.
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

export {
  closesMonth,
  monthOf,
  monthOfWeek,
  parsePeriod,
  parsePeriodRange,
  periodDays,
  periodsBetween,
  shiftPeriod,
  weekCutoff,
  weekOf,
  weekOfDay,
  weeksOfMonth,
} from './periods.ts';

/** A club and its place in the hierarchy (root first, its own org unit last). */
export interface ClubRef {
  clubId: string;
  clubName: string;
  path: { id: string; name: string; kind: string }[];
}

export interface MissingClub extends ClubRef {
  /** The periods of the range it did not report (weeks, for month periods). */
  missingPeriods: string[];
}

export interface Rollup {
  orgUnitId: string;
  periods: string[];
  /** The definition now in use (older reports add up by code). */
  definition: { id: string; version: number };
  /** Sum per data element code (yes/no: how many said yes). */
  totals: Record<string, number>;
  /** Clubs under the unit now. */
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

interface ClubScan {
  clubs: { _id: string; name: string; orgUnitId: string; ancestors: string[]; reportedPeriods: string[] }[];
  paths: Map<string, ClubRef['path']>;
}

/** The clubs under a unit, with each org unit's place (one scan of clubs, one read of units). */
async function scanClubs(models: Models, orgUnitId: string): Promise<ClubScan> {
  const clubs = (await models.Club.find(
    { $or: [{ orgUnitId }, { ancestors: orgUnitId }] },
    { name: 1, orgUnitId: 1, ancestors: 1, reportedPeriods: 1 },
  ).lean()) as ClubScan['clubs'];
  const unitIds = new Set<string>();
  for (const c of clubs) {
    unitIds.add(c.orgUnitId);
    for (const a of c.ancestors) unitIds.add(a);
  }
  const units = await models.OrgUnit.find(
    { _id: { $in: [...unitIds] } },
    { name: 1, kind: 1, parentId: 1 },
  ).lean();
  const byId = new Map(units.map((u) => [u._id, u]));
  const paths = new Map<string, ClubRef['path']>();
  for (const id of unitIds) {
    const path: ClubRef['path'] = [];
    for (
      let at = byId.get(id);
      at && path.length < 20;
      at = at.parentId ? byId.get(at.parentId) : undefined
    ) {
      path.unshift({ id: at._id, name: at.name, kind: at.kind });
    }
    paths.set(id, path);
  }
  return { clubs, paths };
}

function refOf(club: ClubScan['clubs'][number], paths: ClubScan['paths']): ClubRef {
  return { clubId: club._id, clubName: club.name, path: paths.get(club.orgUnitId) ?? [] };
}

/** The unit's totals over periods, from its running-totals documents. */
async function readTotals(models: Models, orgUnitId: string, periods: string[]) {
  const docs = await models.ReportTotal.find(
    { _id: { $in: periods.map((p) => totalId(orgUnitId, p)) } },
    { children: 1 },
  ).lean();
  return sumEntries(docs.flatMap((d) => Object.values((d.children ?? {}) as Record<string, TotalEntry>)));
}

/** Totals, reporting and on-time counts, the missing clubs and the change from the periods before. */
export async function rollup(
  models: Models,
  { orgUnitId, periods }: { orgUnitId: string; periods: string[] },
): Promise<Rollup> {
  const previousPeriods = periods.length > 0 ? periods.map((p) => shiftPeriod(p, -periods.length)) : [];
  const [scan, now, before] = await Promise.all([
    scanClubs(models, orgUnitId),
    readTotals(models, orgUnitId, periods),
    readTotals(models, orgUnitId, previousPeriods),
  ]);
  const slots = periods.flatMap(slotsOf);
  const missing: MissingClub[] = [];
  for (const club of scan.clubs) {
    const reported = new Set(club.reportedPeriods);
    const missed = slots.filter((s) => !reported.has(s));
    if (missed.length > 0) missing.push({ ...refOf(club, scan.paths), missingPeriods: missed });
  }
  const months = periods.length > 0 && periods.every((p) => parsePeriod(p)?.kind === 'month');
  const clubs = scan.clubs.length;
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
  const scan = await scanClubs(models, orgUnitId);
  const slots = periods.flatMap(slotsOf);
  const ids = scan.clubs.flatMap((c) => slots.map((s) => reportId(c._id, s)));
  const reports = new Map<
    string,
    { values: Record<string, number | boolean>; submittedAt: Date | null; onTime: boolean | null }
  >();
  for (let i = 0; i < ids.length; i += 5000) {
    const found = await models.WeeklyReport.find(
      { _id: { $in: ids.slice(i, i + 5000) }, status: 'submitted' },
      { values: 1, submittedAt: 1, onTime: 1 },
    ).lean();
    for (const r of found) {
      reports.set(r._id, {
        values: (r.values ?? {}) as Record<string, number | boolean>,
        submittedAt: r.submittedAt ?? null,
        onTime: r.onTime ?? null,
      });
    }
  }
  const codes = [...new Set(REPORT_DEFINITIONS.flatMap((d) => d.elements.map((e) => e.code)))];
  const rows: ClubRow[] = [];
  for (const club of scan.clubs) {
    const ref = refOf(club, scan.paths);
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
