/**
 * Synthetic data for scale (benchmarks, staff demos, roll-up tests): a realistic hierarchy —
 * Vietnam → provinces (at most 34) → communes (about 8 clubs each) → clubs — members with chat
 * identities, and weekly reports with their running totals, written in bulk. Deterministic for a
 * seed. Reports are made week by week, so 1.3 million of them never sit in memory at once.
 */
import { DEFAULT_REPORT } from '../../flows/reports/default.ts';
import { insertAll, mulberry32 as random } from '../demo/seed.ts';
import type { Models } from '../models/index.ts';
import { allAreasActive, numeric, type ReportValues } from './definitions.ts';
import { closesMonth, monthOfWeek, shiftPeriod, weekCutoff } from './periods.ts';
import { childKey, reportId, sumEntries, type TotalEntry, totalId } from './totals.ts';

export interface SyntheticOptions {
  clubs: number;
  membersPerClub: number;
  weeks: number;
  /** The last week of reports ('2026W47'). */
  lastWeek: string;
  seed?: number;
  /** Share of club-weeks reported (default 0.85), and of those on time (0.8). */
  reportRate?: number;
  onTimeRate?: number;
  timeZone?: string;
  /** Id prefix of everything made (several sets can live side by side). */
  prefix?: string;
}

export interface SyntheticUnit {
  _id: string;
  name: string;
  kind: 'central' | 'province' | 'commune';
  parentId: string | null;
  ancestors: string[];
}

export interface SyntheticClub {
  _id: string;
  name: string;
  orgUnitId: string;
  ancestors: string[];
  members: number;
}

export interface SyntheticReport {
  _id: string;
  clubId: string;
  period: string;
  values: ReportValues;
  onTime: boolean;
  submittedAt: Date;
}

/** The hierarchy: units and clubs (members counted, made when written). */
export function syntheticTree(options: SyntheticOptions): { units: SyntheticUnit[]; clubs: SyntheticClub[] } {
  const prefix = options.prefix ?? 'syn';
  const rng = random(options.seed ?? 1);
  const communeCount = Math.max(1, Math.ceil(options.clubs / 8));
  const provinceCount = Math.min(34, Math.max(1, Math.ceil(communeCount / 98)));
  const root: SyntheticUnit = {
    _id: `${prefix}`,
    name: 'Việt Nam',
    kind: 'central',
    parentId: null,
    ancestors: [],
  };
  const units: SyntheticUnit[] = [root];
  for (let p = 0; p < provinceCount; p++) {
    units.push({
      _id: `${prefix}-p${p + 1}`,
      name: `Tỉnh ${p + 1}`,
      kind: 'province',
      parentId: root._id,
      ancestors: [root._id],
    });
  }
  const communes: SyntheticUnit[] = [];
  for (let c = 0; c < communeCount; c++) {
    const province = units[1 + (c % provinceCount)]!;
    communes.push({
      _id: `${province._id}-x${c + 1}`,
      name: `Xã ${c + 1}`,
      kind: 'commune',
      parentId: province._id,
      ancestors: [root._id, province._id],
    });
  }
  units.push(...communes);
  const clubs: SyntheticClub[] = [];
  for (let k = 0; k < options.clubs; k++) {
    const commune = communes[k % communeCount]!;
    clubs.push({
      _id: `${commune._id}-c${k + 1}`,
      name: `CLB ${k + 1}`,
      orgUnitId: commune._id,
      ancestors: [commune._id, ...commune.ancestors],
      members: Math.round(50 + rng() * 20),
    });
  }
  return { units, clubs };
}

/** The reports of one week (some clubs do not report), with believable values. */
export function syntheticWeek(
  clubs: SyntheticClub[],
  week: string,
  options: SyntheticOptions,
  rng: () => number,
): SyntheticReport[] {
  const cutoff = weekCutoff(week, '1 12:00', options.timeZone ?? 'Asia/Ho_Chi_Minh');
  const monthly = closesMonth(week);
  const reports: SyntheticReport[] = [];
  const int = (max: number) => Math.floor(rng() * (max + 1));
  for (const club of clubs) {
    if (rng() >= (options.reportRate ?? 0.85)) continue;
    const onTime = rng() < (options.onTimeRate ?? 0.8);
    const meeting = rng() < 0.3;
    const values: ReportValues = {
      hop: meeting,
      dd: meeting ? Math.round(club.members * (0.6 + rng() * 0.3)) : 0,
      moi: int(1),
      roi: rng() < 0.1 ? 1 : 0,
      phi: meeting ? int(20) * 10_000 : 0,
      vay: int(3),
      tienvay: int(3) * 5_000_000,
      tientra: int(4) * 1_000_000,
      ha: meeting ? Math.round(club.members * 0.7) : int(5),
      can: meeting ? Math.round(club.members * 0.5) : int(5),
      tham: int(20),
      cs: int(8),
      tg: int(2),
      ql: rng() < 0.3 ? 1 : 0,
      tt: rng() < 0.3 ? 1 : 0,
      vh: rng() < 0.3 ? 1 : 0,
      hd: rng() < 0.2 ? int(10) * 500_000 : 0,
    };
    if (monthly) {
      values.quy = 50_000_000 + int(100) * 1_000_000;
      values.davay = Math.round(club.members * (0.3 + rng() * 0.4));
      values.bhyt = Math.round(club.members * (0.8 + rng() * 0.2));
    }
    const submittedAt = new Date(cutoff.getTime() + (onTime ? -1 : 1) * (3_600_000 + int(48) * 3_600_000));
    reports.push({
      _id: reportId(club._id, week),
      clubId: club._id,
      period: week,
      values,
      onTime,
      submittedAt,
    });
  }
  return reports;
}

/** The weeks of the data set, oldest first. */
export function syntheticWeeks(options: SyntheticOptions): string[] {
  return Array.from({ length: options.weeks }, (_, i) =>
    shiftPeriod(options.lastWeek, i - options.weeks + 1),
  );
}

/**
 * Running-totals documents for one period from club entries, at every unit (the same documents
 * src/reports/totals.ts keeps up to date one report at a time).
 */
export function totalsDocs(
  units: SyntheticUnit[],
  clubs: SyntheticClub[],
  period: string,
  entries: Map<string, TotalEntry>,
): { _id: string; orgUnitId: string; period: string; v: number; children: Record<string, TotalEntry> }[] {
  const childrenOf = new Map<string, Map<string, TotalEntry>>();
  const add = (parent: string, child: string, entry: TotalEntry) => {
    const map = childrenOf.get(parent) ?? new Map<string, TotalEntry>();
    childrenOf.set(parent, map);
    map.set(child, entry);
  };
  for (const club of clubs) {
    const entry = entries.get(club._id);
    if (entry) add(club.orgUnitId, club._id, entry);
  }
  // Deepest units first, so a unit's sum is known before its parent's.
  const ordered = [...units].sort((a, b) => b.ancestors.length - a.ancestors.length);
  const docs = [];
  for (const unit of ordered) {
    const children = childrenOf.get(unit._id);
    if (!children) continue;
    const v = [...children.values()].reduce((s, e) => s + e.v, 0);
    if (unit.parentId) add(unit.parentId, unit._id, { v, ...sumEntries(children.values()) });
    docs.push({
      _id: totalId(unit._id, period),
      orgUnitId: unit._id,
      period,
      v,
      children: Object.fromEntries([...children].map(([id, e]) => [childKey(id), e])),
    });
  }
  return docs;
}

function weekEntry(report: SyntheticReport): TotalEntry {
  const totals: Record<string, number> = {};
  for (const [code, value] of Object.entries(report.values)) totals[code] = numeric(value);
  return { v: 1, totals, reported: 1, onTime: report.onTime ? 1 : 0, allAreas: 0 };
}

/**
 * Writes a synthetic data set: units, clubs, members with identities (simulator chats), and
 * reports with their running totals, in bulk. Calls `progress` after each week.
 */
export async function writeSynthetic(
  models: Models,
  options: SyntheticOptions,
  progress: (week: string, reports: number) => void = () => {},
): Promise<{ units: number; clubs: number; members: number; reports: number }> {
  const { units, clubs } = syntheticTree(options);
  const weeks = syntheticWeeks(options);
  const reportedPeriods = new Map<string, string[]>(clubs.map((c) => [c._id, []]));
  const rng = random((options.seed ?? 1) + 7);
  const clubById = new Map(clubs.map((c) => [c._id, c]));
  let reportCount = 0;
  let monthEntries = new Map<string, TotalEntry>();
  let month = weeks.length > 0 ? monthOfWeek(weeks[0]!) : '';
  const flushMonth = async () => {
    for (const e of monthEntries.values()) e.allAreas = allAreasActive(DEFAULT_REPORT, e.totals) ? 1 : 0;
    await bulkUpsert(models, totalsDocs(units, clubs, month, monthEntries));
    monthEntries = new Map();
  };
  for (const week of weeks) {
    if (monthOfWeek(week) !== month) {
      await flushMonth();
      month = monthOfWeek(week);
    }
    const reports = syntheticWeek(clubs, week, options, rng);
    const docs = reports.map((r) => ({
      ...r,
      ancestors: clubById.get(r.clubId)!.ancestors,
      definition: { id: DEFAULT_REPORT.id, version: DEFAULT_REPORT.version },
      entries: {},
      history: [],
      status: 'submitted' as const,
      revision: 1,
      submittedBy: 'synthetic',
      reopenedBy: null,
      reopenedUntil: null,
    }));
    for (let i = 0; i < docs.length; i += 5000) {
      await insertAll(models.WeeklyReport.collection as never, docs.slice(i, i + 5000));
    }
    const entries = new Map<string, TotalEntry>();
    for (const r of reports) {
      const e = weekEntry(r);
      entries.set(r.clubId, e);
      reportedPeriods.get(r.clubId)!.push(week);
      const m = monthEntries.get(r.clubId) ?? { v: 0, totals: {}, reported: 0, onTime: 0, allAreas: 0 };
      m.v += 1;
      m.reported += 1;
      m.onTime += e.onTime;
      for (const [code, value] of Object.entries(e.totals)) m.totals[code] = (m.totals[code] ?? 0) + value;
      monthEntries.set(r.clubId, m);
    }
    await bulkUpsert(models, totalsDocs(units, clubs, week, entries));
    reportCount += reports.length;
    progress(week, reportCount);
  }
  if (weeks.length > 0) await flushMonth();

  await insertAll(
    models.OrgUnit.collection as never,
    units.map((u) => ({ ...u, formerNames: [] })),
  );
  let members = 0;
  const rngPeople = random((options.seed ?? 1) + 13);
  const memberDocs: object[] = [];
  const identityDocs: object[] = [];
  const flushPeople = async () => {
    if (memberDocs.length === 0) return;
    await insertAll(models.Member.collection as never, memberDocs.splice(0));
    await insertAll(models.Identity.collection as never, identityDocs.splice(0));
  };
  for (const [k, club] of clubs.entries()) {
    for (let j = 0; j < options.membersPerClub; j++) {
      const _id = syntheticObjectId(k, j);
      const role = j === 0 ? 'chair' : j === 1 ? 'vice_chair' : j < 7 ? 'volunteer' : 'member';
      const chatId = `s${k}m${j}`;
      memberDocs.push({
        _id,
        fullName: `Thành viên ${j + 1}`,
        birthYear: 1940 + Math.floor(rngPeople() * 60),
        gender: rngPeople() < 0.65 ? 'female' : 'male',
        language: 'vi',
        roles: [
          { role: 'member', clubId: club._id },
          ...(role === 'member' ? [] : [{ role, clubId: club._id }]),
        ],
        clubIds: [club._id],
        pendingClubIds: [],
        status: 'active',
        consent: { givenAt: new Date(), version: 'v1', channel: 'simulator' },
        proxyIds: [],
        volunteerIds: [],
        preferredChat: null,
        optedOutAt: null,
      });
      identityDocs.push({
        _id: `simulator:${chatId}`,
        channel: 'simulator',
        chatId,
        memberId: _id,
        linkedAt: new Date(),
        stoppedAt: null,
      });
      members += 1;
      if (memberDocs.length >= 5000) await flushPeople();
    }
  }
  await flushPeople();
  // Clubs last: a club present means its reports and totals are in (as the demo seed does).
  const clubDocs = clubs.map(({ members: _m, ...c }) => ({
    ...c,
    village: '',
    reportedPeriods: reportedPeriods.get(c._id)!,
  }));
  for (let i = 0; i < clubDocs.length; i += 5000)
    await insertAll(models.Club.collection as never, clubDocs.slice(i, i + 5000));
  return { units: units.length, clubs: clubs.length, members, reports: reportCount };
}

/** A deterministic 24-hex member id per club and member index. */
function syntheticObjectId(club: number, member: number): string {
  return `5e${club.toString(16).padStart(12, '0')}${member.toString(16).padStart(10, '0')}`;
}

/**
 * Inserts totals documents, in batches (each is written once per data set; a rerun keeps what is
 * there). Not `replaceOne` with upsert: FerretDB answers that by reading the whole collection.
 */
async function bulkUpsert(models: Models, docs: { _id: string }[]): Promise<void> {
  for (let i = 0; i < docs.length; i += 5000) {
    await insertAll(models.ReportTotal.collection as never, docs.slice(i, i + 5000));
  }
}
