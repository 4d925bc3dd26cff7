/**
 * What the chat reads and writes of weekly reports (src/store/lookups.ts and src/runtime/effects.ts
 * delegate here): a club's report with its hints, an org unit with those below it, the roll-up,
 * and the `saveWeeklyReport` and `reopenWeeklyReport` effects with their checks of who may do what.
 */
import { DEFAULT_REPORT } from '../../flows/reports/default.ts';
import { REPORTERS, reachesOrgUnit } from '../engine/roles.ts';
import type { Effect, OrgUnitView, ReportContextView, RollupView } from '../engine/types.ts';
import type { Models } from '../models/index.ts';
import { numeric } from './definitions.ts';
import { shiftPeriod } from './periods.ts';
import { rollup } from './rollup.ts';
import { editable, findReport, type ReportSettings, reopenReport, saveReport } from './store.ts';
import { reportId } from './totals.ts';

/** Weeks looked back for hints and for what is usual. */
const USUAL_WEEKS = 4;

export async function reportContext(
  models: Models,
  clubId: string,
  period: string,
): Promise<ReportContextView | undefined> {
  const before = Array.from({ length: USUAL_WEEKS }, (_, i) => shiftPeriod(period, -(i + 1)));
  const [club, report, members, ...earlier] = await Promise.all([
    models.Club.findById(clubId, { name: 1 }).lean(),
    findReport(models, clubId, period),
    models.Member.countDocuments({ clubIds: clubId, status: 'active' }),
    ...before.map((p) => models.WeeklyReport.findById(reportId(clubId, p), { values: 1, status: 1 }).lean()),
  ]);
  if (!club) return undefined;
  const submitted = earlier
    .filter((r) => r?.status === 'submitted')
    .map((r) => r!.values as Record<string, number | boolean>);
  const usual: Record<string, number> = {};
  for (const element of DEFAULT_REPORT.elements) {
    const seen = submitted.filter((v) => v[element.code] !== undefined).map((v) => numeric(v[element.code]));
    if (seen.length > 0) usual[element.code] = seen.reduce((a, b) => a + b, 0) / seen.length;
  }
  return {
    clubName: club.name,
    members,
    ...(report
      ? {
          report: {
            status: report.status,
            values: report.values,
            onTime: report.onTime,
            reopenedUntil: report.reopenedUntil,
          },
        }
      : {}),
    ...(submitted[0] ? { previous: submitted[0] } : {}),
    usual,
  };
}

export async function orgUnitView(models: Models, orgUnitId: string): Promise<OrgUnitView | undefined> {
  const [unit, children] = await Promise.all([
    models.OrgUnit.findById(orgUnitId, { name: 1, kind: 1 }).lean(),
    models.OrgUnit.find({ parentId: orgUnitId }, { name: 1, kind: 1 }).sort({ name: 1 }).lean(),
  ]);
  if (!unit) return undefined;
  return {
    id: unit._id,
    name: unit.name,
    kind: unit.kind,
    children: children.map((c) => ({ id: c._id, name: c.name, kind: c.kind })),
  };
}

export async function reportRollup(
  models: Models,
  orgUnitId: string,
  periods: string[],
): Promise<RollupView> {
  return rollup(models, { orgUnitId, periods });
}

/**
 * Applies a `saveWeeklyReport` effect: only for someone who may report for the club now (its
 * chair, vice chair or reporter), or staff of an org unit above it; a submitted week past its
 * cut-off is changed only by staff, or once reopened. Returns whether it was saved.
 */
export async function applySaveWeeklyReport(
  models: Models,
  effect: Extract<Effect, { type: 'saveWeeklyReport' }>,
  now: Date,
  settings: ReportSettings,
): Promise<boolean> {
  const [member, club] = await Promise.all([
    models.Member.findById(effect.byMemberId, { status: 1, roles: 1 }).lean(),
    models.Club.findById(effect.clubId, { orgUnitId: 1, ancestors: 1 }).lean(),
  ]);
  if (member?.status !== 'active' || !club) return false;
  const units = [club.orgUnitId, ...club.ancestors];
  const reporter = member.roles.some((g) => g.clubId === effect.clubId && REPORTERS.includes(g.role));
  const staff = member.roles.some(
    (g) => (g.role === 'staff' || g.role === 'admin') && g.orgUnitId && units.includes(g.orgUnitId),
  );
  if (!reporter && !staff) return false;
  const current = await findReport(models, effect.clubId, effect.period);
  if (current?.status === 'submitted' && !staff && !editable(current, effect.period, now, settings))
    return false;
  const result = await saveReport(
    models,
    {
      clubId: effect.clubId,
      period: effect.period,
      values: effect.values,
      by: effect.byMemberId,
      now,
      submit: effect.submit,
      staff,
      definition: DEFAULT_REPORT,
    },
    settings,
  );
  return result.ok;
}

/**
 * Applies a `reopenWeeklyReport` effect: only for staff (or an admin) of the club's org unit or one
 * above it, as MongoDB says now, and only a week the club sent. Returns whether it was reopened.
 */
export async function applyReopenWeeklyReport(
  models: Models,
  effect: Extract<Effect, { type: 'reopenWeeklyReport' }>,
): Promise<boolean> {
  const [member, club, report] = await Promise.all([
    models.Member.findById(effect.byMemberId, { status: 1, roles: 1 }).lean(),
    models.Club.findById(effect.clubId, { orgUnitId: 1, ancestors: 1 }).lean(),
    findReport(models, effect.clubId, effect.period),
  ]);
  if (!member || !club || report?.status !== 'submitted') return false;
  const unit = { _id: club.orgUnitId, ancestors: club.ancestors ?? [] };
  if (!reachesOrgUnit({ status: member.status, roles: member.roles as never }, unit)) return false;
  return reopenReport(models, effect.clubId, effect.period, effect.byMemberId, new Date(effect.until));
}
