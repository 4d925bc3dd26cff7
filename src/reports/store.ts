/**
 * Reading and writing a club's weekly reports (the only place that does): drafts, submission,
 * edits with their history, the cut-off and staff reopening. Every submission or edit brings the
 * running totals up to date (src/reports/totals.ts); running it again is harmless.
 */
import { REPORT_DEFINITIONS } from '../../flows/reports/default.ts';
import type { Models } from '../models/index.ts';
import type { ReportDefinition, ReportValues } from './definitions.ts';
import { withLock } from './lock.ts';
import { weekCutoff } from './periods.ts';
import { applyReport, reportId } from './totals.ts';

export interface ReportSettings {
  timeZone: string;
  /** "<days after the week's Sunday> <HH:MM>" (REPORT_CUTOFF, default "1 12:00"). */
  cutoff: string;
}

export interface StoredReport {
  _id: string;
  clubId: string;
  period: string;
  definition: { id: string; version: number };
  values: ReportValues;
  status: 'draft' | 'submitted';
  revision: number;
  submittedAt: Date | null;
  onTime: boolean | null;
  reopenedUntil: Date | null;
}

export async function findReport(
  models: Models,
  clubId: string,
  period: string,
): Promise<StoredReport | null> {
  const doc = await models.WeeklyReport.findById(reportId(clubId, period)).lean();
  if (!doc) return null;
  return {
    _id: doc._id,
    clubId: doc.clubId,
    period: doc.period,
    definition: { id: doc.definition.id, version: doc.definition.version },
    values: (doc.values ?? {}) as ReportValues,
    status: doc.status as StoredReport['status'],
    revision: doc.revision ?? 0,
    submittedAt: doc.submittedAt ?? null,
    onTime: doc.onTime ?? null,
    reopenedUntil: doc.reopenedUntil ?? null,
  };
}

/** Whether a report of this week may still be changed by the club at `now` (before the cut-off, or reopened). */
export function editable(
  report: Pick<StoredReport, 'reopenedUntil'> | null,
  period: string,
  now: Date,
  settings: ReportSettings,
): boolean {
  if (now.getTime() <= weekCutoff(period, settings.cutoff, settings.timeZone).getTime()) return true;
  return !!report?.reopenedUntil && report.reopenedUntil.getTime() > now.getTime();
}

export type SaveResult =
  | { ok: true; report: StoredReport }
  | { ok: false; reason: 'closed' | 'busy' | 'noClub' };

/**
 * Stores values of a club's report for a week, as entered by `by` at `now`: a draft keeps them
 * for later; `submit` makes it count (first submission decides on-time). Changed values of a
 * submitted report go to its history with who changed them and when. Values not given stay.
 * After the cut-off only `staff` (or a reopened report) may change it.
 */
export async function saveReport(
  models: Models,
  input: {
    clubId: string;
    period: string;
    values: ReportValues;
    by: string;
    now: Date;
    submit: boolean;
    staff?: boolean;
    definition: ReportDefinition;
  },
  settings: ReportSettings,
): Promise<SaveResult> {
  const club = await models.Club.findById(input.clubId, { orgUnitId: 1, ancestors: 1 }).lean();
  if (!club) return { ok: false, reason: 'noClub' };
  const _id = reportId(input.clubId, input.period);
  return withLock(models, `report|${_id}`, () => save(models, input, settings, club, _id));
}

async function save(
  models: Models,
  input: Parameters<typeof saveReport>[1],
  settings: ReportSettings,
  club: { orgUnitId: string; ancestors: string[] },
  _id: string,
): Promise<SaveResult> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const current = await findReport(models, input.clubId, input.period);
    if (
      !input.staff &&
      current?.status === 'submitted' &&
      !editable(current, input.period, input.now, settings)
    ) {
      return { ok: false, reason: 'closed' };
    }
    const set: Record<string, unknown> = {};
    const history: { code: string; value: unknown; previous: unknown; by: string; at: Date }[] = [];
    for (const [code, value] of Object.entries(input.values)) {
      const previous = current?.values[code];
      if (previous === value) continue;
      set[`values.${code}`] = value;
      set[`entries.${code}`] = { by: input.by, at: input.now };
      if (current?.status === 'submitted')
        history.push({ code, value, previous: previous ?? null, by: input.by, at: input.now });
    }
    const submitting = input.submit && current?.status !== 'submitted';
    const changesCount = Object.keys(set).length > 0 && (submitting || current?.status === 'submitted');
    if (submitting) {
      const cutoff = weekCutoff(input.period, settings.cutoff, settings.timeZone);
      Object.assign(set, {
        status: 'submitted',
        submittedAt: input.now,
        submittedBy: input.by,
        onTime: input.now.getTime() <= cutoff.getTime(),
      });
    }
    const update: Record<string, unknown> = {
      $set: set,
      $setOnInsert: {
        clubId: input.clubId,
        ancestors: [club.orgUnitId, ...club.ancestors.filter((a) => a !== club.orgUnitId)],
        period: input.period,
        definition: { id: input.definition.id, version: input.definition.version },
      },
    };
    if (submitting || changesCount) update.$inc = { revision: 1 };
    if (history.length > 0) update.$push = { history: { $each: history } };
    try {
      const result = await models.WeeklyReport.updateOne(
        current ? { _id, revision: current.revision, status: current.status } : { _id },
        update,
        { upsert: !current },
      );
      if (current && result.matchedCount === 0) continue; // changed meanwhile: read again
    } catch (error) {
      if ((error as { code?: number }).code === 11000) continue; // created meanwhile
      throw error;
    }
    const saved = (await findReport(models, input.clubId, input.period))!;
    if (saved.status === 'submitted') {
      await models.Club.updateOne({ _id: input.clubId }, { $addToSet: { reportedPeriods: input.period } });
      await applyReport(models, REPORT_DEFINITIONS, { ...club, _id: input.clubId }, input.period);
    }
    return { ok: true, report: saved };
  }
  return { ok: false, reason: 'busy' };
}

/** Staff reopen a club's week after its cut-off, until `until`. */
export async function reopenReport(
  models: Models,
  clubId: string,
  period: string,
  by: string,
  until: Date,
): Promise<boolean> {
  const result = await models.WeeklyReport.updateOne(
    { _id: reportId(clubId, period) },
    { $set: { reopenedBy: by, reopenedUntil: until } },
  );
  return result.matchedCount === 1;
}
