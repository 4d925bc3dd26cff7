/**
 * Running totals of the weekly reports, kept as reports are submitted or edited, so a roll-up
 * reads a handful of documents by `_id` instead of summing 1.3 million reports (FerretDB can only
 * `$sum` in a `$group`, after a scan).
 *
 * One `ReportTotal` per (org unit, period): `<orgUnitId>|<period>`, for every unit from the
 * club's own up to the root, for the report's week and for the month that week belongs to. Each
 * holds one entry per child (a club under its commune, a commune under its province, …): the
 * child's totals and the version they were computed from. An update replaces an entry only when
 * its version is newer, and bumps the unit's own version `v`; the unit's sum then goes one level
 * up with that `v`. So:
 *   - a retry (or a second worker) applying the same report revision changes nothing;
 *   - two clubs of one commune submitting at once both end up counted: whichever reads the
 *     commune last carries the higher `v` and a sum that includes both.
 * A club's version for a week is its report's `revision`; for a month, the sum of the revisions
 * of its weeks in that month (it only grows). Each document is read and changed under a lock
 * (lock.ts): FerretDB loses simultaneous updates of one document.
 */
import type { Models, WeeklyReportDoc } from '../models/index.ts';
import { allAreasActive, findDefinition, numeric, type ReportDefinition } from './definitions.ts';
import { withLock } from './lock.ts';
import { monthOfWeek, weeksOfMonth } from './periods.ts';

/** One child's contribution to its parent unit's totals for a period. */
export interface TotalEntry {
  v: number;
  totals: Record<string, number>;
  /** Reports submitted (club-weeks). */
  reported: number;
  onTime: number;
  /** Clubs with all eight areas active (month documents only). */
  allAreas: number;
}

/** Keys of the `children` map: ids may hold dots, which a dotted update path cannot. */
export function childKey(id: string): string {
  return id.replaceAll('%', '%25').replaceAll('.', '%2E').replaceAll('$', '%24');
}

export function totalId(orgUnitId: string, period: string): string {
  return `${orgUnitId}|${period}`;
}

export function reportId(clubId: string, period: string): string {
  return `${clubId}|${period}`;
}

/** Adds entries up (the unit's own totals). */
export function sumEntries(entries: Iterable<TotalEntry>): Omit<TotalEntry, 'v'> {
  const sum = { totals: {} as Record<string, number>, reported: 0, onTime: 0, allAreas: 0 };
  for (const e of entries) {
    for (const [code, value] of Object.entries(e.totals)) sum.totals[code] = (sum.totals[code] ?? 0) + value;
    sum.reported += e.reported;
    sum.onTime += e.onTime;
    sum.allAreas += e.allAreas;
  }
  return sum;
}

type ReportLike = Pick<WeeklyReportDoc, 'values' | 'revision' | 'onTime' | 'status' | 'definition'>;

/** A club's entry for a week (its report), or for a month (its reports of that month's weeks). */
export function clubEntry(
  reports: ReportLike[],
  definitions: ReportDefinition[],
  month: boolean,
): TotalEntry {
  const entry: TotalEntry = { v: 0, totals: {}, reported: 0, onTime: 0, allAreas: 0 };
  for (const report of reports) {
    entry.v += report.revision ?? 0;
    if (report.status !== 'submitted') continue;
    for (const [code, value] of Object.entries((report.values ?? {}) as Record<string, number | boolean>)) {
      entry.totals[code] = (entry.totals[code] ?? 0) + numeric(value);
    }
    entry.reported += 1;
    if (report.onTime) entry.onTime += 1;
  }
  if (month && entry.reported > 0) {
    const definition = findDefinition(definitions, reports.find((r) => r.status === 'submitted')!.definition);
    if (definition && allAreasActive(definition, entry.totals)) entry.allAreas = 1;
  }
  return entry;
}

/** The club's org units from its own up to the root, by their parent links. */
export async function unitChain(
  models: Models,
  club: { orgUnitId: string; ancestors: string[] },
): Promise<string[]> {
  const ids = [...new Set([club.orgUnitId, ...club.ancestors])];
  const units = await models.OrgUnit.find({ _id: { $in: ids } }, { parentId: 1 }).lean();
  const parent = new Map(units.map((u) => [u._id, u.parentId ?? null]));
  const chain: string[] = [];
  for (let id: string | null = club.orgUnitId; id && chain.length < 20; id = parent.get(id) ?? null) {
    chain.push(id);
    if (!parent.has(id)) break;
  }
  return chain;
}

/** Sets a child's entry in a unit's totals if it is newer; returns the unit's entry as it now stands. */
async function setEntry(
  models: Models,
  orgUnitId: string,
  period: string,
  childId: string,
  entry: TotalEntry,
): Promise<TotalEntry> {
  const _id = totalId(orgUnitId, period);
  const path = `children.${childKey(childId)}`;
  return withLock(models, _id, async () => {
    const doc = await models.ReportTotal.findById(_id, { v: 1, children: 1 }).lean();
    const children = { ...((doc?.children ?? {}) as Record<string, TotalEntry>) };
    const held = children[childKey(childId)];
    let v = doc?.v ?? 0;
    if (!held || held.v < entry.v) {
      v += 1;
      children[childKey(childId)] = entry;
      await models.ReportTotal.updateOne(
        { _id },
        { $set: { [path]: entry, orgUnitId, period, v } },
        { upsert: true },
      );
    }
    return { v, ...sumEntries(Object.values(children)) };
  });
}

/**
 * Brings the running totals up to date with a club's report for a week (submitted or edited):
 * the week's and its month's, at every unit above the club. Safe to run again at any time.
 */
export async function applyReport(
  models: Models,
  definitions: ReportDefinition[],
  club: { _id: string; orgUnitId: string; ancestors: string[] },
  week: string,
): Promise<void> {
  const month = monthOfWeek(week);
  const weeks = weeksOfMonth(month);
  const reports = await models.WeeklyReport.find(
    { _id: { $in: weeks.map((w) => reportId(club._id, w)) } },
    { values: 1, revision: 1, onTime: 1, status: 1, definition: 1, period: 1 },
  ).lean();
  const chain = await unitChain(models, club);
  const plans: [string, TotalEntry][] = [
    [
      week,
      clubEntry(
        reports.filter((r) => r.period === week),
        definitions,
        false,
      ),
    ],
    [month, clubEntry(reports, definitions, true)],
  ];
  for (const [period, first] of plans) {
    let child = club._id;
    let entry = first;
    for (const unit of chain) {
      const unitEntry = await setEntry(models, unit, period, child, entry);
      child = unit;
      entry = unitEntry;
    }
  }
}
