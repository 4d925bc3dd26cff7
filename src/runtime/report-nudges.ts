/**
 * Weekly-report nudges (a `reportNudges` effect fired by the scheduler, see src/app.ts):
 *  - 'chairs': those who may report for each club without a report for this week (its chair, vice
 *    chairs and reporters, once each) get "báo cáo tuần" opened in their chat with a nudge (its
 *    first question is answered with one digit);
 *  - 'staff': each commune's staff get the list of its clubs still missing last week's report.
 * Clubs that reported are skipped (one query: `reportedPeriods` lacks the week). Quiet hours
 * apply: a `start` waits for the morning, a `notify` of kind report_nudge is held by the outbox.
 * Keys name the week, so firing twice tells nobody twice.
 */
import type { Effect, ReportNudgesEffect } from '../engine/types.ts';
import type { Models } from '../models/index.ts';
import { periodDays, shiftPeriod, weekOf } from '../reports/periods.ts';

/** Clubs named in one staff message (the rest counted), to stay well under 2,000 characters. */
const NAMED = 30;

export async function reportNudges(
  models: Models,
  effect: ReportNudgesEffect,
  now: Date,
  timeZone: string,
): Promise<Effect[]> {
  const thisWeek = weekOf(now, timeZone);
  const week = effect.who === 'chairs' ? thisWeek : shiftPeriod(thisWeek, -1);
  const missing = await models.Club.find({ reportedPeriods: { $ne: week } }, { name: 1, orgUnitId: 1 })
    .sort({ _id: 1 })
    .lean();
  if (effect.who === 'chairs') {
    return missing.map((club) => ({
      type: 'start',
      flow: 'weeklyReport',
      args: { nudge: true, clubId: club._id },
      for: { reportersOf: club._id },
      ifBusy: 'wait',
      key: `report-nudge.${club._id}.${week}`,
      kind: 'report_nudge',
      busy: { otherFlow: { key: 'report.nudgeBusy', vars: { club: club.name } } },
    }));
  }
  const byCommune = new Map<string, string[]>();
  for (const club of missing)
    byCommune.set(club.orgUnitId, [...(byCommune.get(club.orgUnitId) ?? []), club.name]);
  const { first, last } = periodDays(week);
  const span = `${first.slice(8, 10)}/${first.slice(5, 7)}–${last.slice(8, 10)}/${last.slice(5, 7)}`;
  return [...byCommune].map(([orgUnit, names]) => ({
    type: 'notify',
    to: { orgUnit, roles: ['staff'] },
    say: {
      key: 'report.missingStaff',
      vars: {
        period: span,
        count: names.length,
        clubs: names
          .slice(0, NAMED)
          .map((n) => `- ${n}`)
          .join('\n')
          .concat(names.length > NAMED ? `\n… +${names.length - NAMED}` : ''),
      },
    },
    kind: 'report_nudge',
    key: `report-missing.${orgUnit}.${week}`,
    alone: true,
  }));
}

/** A weekly cron pattern ("MM HH * * D") for a weekday (0 Sunday … 6 Saturday) and "HH:MM". */
export function weeklyPattern(weekday: number, time: string): string {
  const [hours, minutes] = time.split(':').map(Number);
  return `${minutes} ${hours} * * ${weekday}`;
}
